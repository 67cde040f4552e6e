#!/usr/bin/env bash
# Renders the kustomize overlays under k8s/overlays/ and validates every manifest offline:
#  - built-in kinds against the Kubernetes JSON schemas shipped by the kubernetes-validate package
#    (strict: unknown fields are errors), for Kubernetes $K8S_VERSION (default 1.33);
#  - custom resources (KEDA ScaledObject/TriggerAuthentication, ServiceMonitor, PrometheusRule)
#    against the openAPIV3Schema of their CRDs (also strict), their metadata as ObjectMeta;
#  - a kind with no schema is an error, never skipped;
#  - project rules: every alert has a runbook_url to docs/runbooks/<alert>.md that exists, every
#    grafana_dashboard ConfigMap holds dashboard JSON, names are DNS-1123, no object twice;
#  - and, with no arguments, the Dockerfile through hadolint (the image these manifests run).
# Usage: scripts/validate-k8s.sh                 render and validate k8s/overlays/* and k8s/**/*.example.yaml,
#                                                lint the Dockerfile
#        scripts/validate-k8s.sh FILE.yaml ...   validate these (multi-document) files as they are
# Exit status: 0 when every document is valid, 1 otherwise. Tools: scripts/k8s-tools.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$(bash "$root/scripts/k8s-tools.sh" | tail -n 1)"
k8s_version="${K8S_VERSION:-1.33}"

files=()
dockerfile_failed=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ "$#" -eq 0 ]; then
  for overlay in "$root"/k8s/overlays/*/; do
    name="$(basename "$overlay")"
    "$tools/bin/kustomize" build "$overlay" >"$work/$name.yaml"
    files+=("$work/$name.yaml")
    echo "validate-k8s: rendered k8s/overlays/$name ($(grep -c '^kind:' "$work/$name.yaml") objects)"
  done
  [ "${#files[@]}" -gt 0 ] || { echo "validate-k8s: no overlay under k8s/overlays" >&2; exit 1; }
  # Examples kept beside the overlays (never rendered, e.g. the prod Secrets) are validated too.
  while IFS= read -r example; do files+=("$example"); done < <(find "$root/k8s" -name '*.example.yaml' | sort)
  if "$tools/venv/bin/hadolint" "$root/Dockerfile"; then
    echo "validate-k8s: hadolint Dockerfile: ok"
  else
    echo "validate-k8s: hadolint Dockerfile: errors above" >&2
    dockerfile_failed=1
  fi
else
  files=("$@")
fi

status=0
"$tools/venv/bin/python" - "$root" "$tools/crds" "$k8s_version" "${files[@]}" <<'PY' || status=$?
import glob, json, os, re, sys
import jsonschema, yaml
from referencing import Registry, Resource
import kubernetes_validate.utils as kv

root, crd_dir, k8s_version, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
errors = 0

def fail(where, msg):
    global errors
    errors += 1
    print(f"FAIL {where}: {msg}")

def strict(schema):
    """CRD schema -> JSON schema: OpenAPI `nullable`, and no unknown fields (like kubectl's strict
    field validation) unless the CRD says x-kubernetes-preserve-unknown-fields."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out

# (apiVersion, kind) -> (schema, source) for every served version of every CRD we have.
crds = {}
for path in sorted(glob.glob(os.path.join(crd_dir, "*.yaml"))):
    for crd in yaml.safe_load_all(open(path)):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for v in crd["spec"]["versions"]:
            schema = strict(v["schema"]["openAPIV3Schema"])
            schema.setdefault("properties", {})["metadata"] = {"type": "object"}
            crds[(f"{group}/{v['name']}", kind)] = (schema, os.path.basename(path))

def builtin_validator(doc):
    """A strict validator for a built-in kind from kubernetes-validate's schemas, or None."""
    version = [v for v in kv.all_versions() if kv.major_minor(v) <= kv.major_minor(k8s_version)][-1]
    api = doc["apiVersion"]
    api = api.split("/", 1)[0].split(".", 1)[0] + "-" + api.split("/", 1)[1] if "/" in api else api
    d = f"kubernetes-json-schema/v{version}-local-strict"
    try:
        schema = kv.schema_contents(f"{d}/{doc['kind'].lower()}-{api}.json", version)
    except FileNotFoundError:
        return None, None
    defs = kv.schema_contents(f"{d}/_definitions.json", version)
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry), f"kubernetes {kv.major_minor(version)}"

def check(doc, where):
    """Schema errors of one document, all of them."""
    if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
        fail(where, "not a Kubernetes object (no apiVersion/kind)")
        return None
    key = (doc["apiVersion"], doc["kind"])
    if key in crds:
        schema, source = crds[key]
        validator = jsonschema.Draft7Validator(schema)
        # Metadata of a custom resource is plain ObjectMeta: check it as a ConfigMap's.
        meta_validator, _ = builtin_validator({"apiVersion": "v1", "kind": "ConfigMap"})
        found = list(validator.iter_errors(doc)) + list(meta_validator.iter_errors(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc.get("metadata", {})}))
        source = f"CRD {source}"
    else:
        validator, source = builtin_validator(doc)
        if validator is None:
            fail(where, f"no schema for {doc['apiVersion']} {doc['kind']} (not a Kubernetes {k8s_version} kind, no CRD in {crd_dir})")
            return None
        found = list(validator.iter_errors(doc))
    for e in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        fail(where, f"{path}: {e.message[:300]}")
    return source

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

def project_rules(doc, where):
    kind = doc.get("kind")
    # The API server's name rule, which the OpenAPI schemas do not carry.
    name = doc.get("metadata", {}).get("name", "")
    if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        fail(where, f"metadata/name: {name!r} is not a DNS-1123 subdomain (lowercase letters, digits, '-', '.')")
    if kind == "PrometheusRule":
        alerts = set()
        for group in doc.get("spec", {}).get("groups", []):
            for rule in group.get("rules", []):
                if "alert" not in rule:
                    continue
                alert, url = rule["alert"], rule.get("annotations", {}).get("runbook_url", "")
                if (alert, url) in alerts:
                    continue  # the page and ticket rules of one SLO share a runbook
                alerts.add((alert, url))
                suffix = f"docs/runbooks/{alert}.md"
                if not url.endswith(suffix):
                    fail(where, f"alert {alert}: runbook_url must end with {suffix} (is {url!r})")
                elif not os.path.isfile(os.path.join(root, suffix)):
                    fail(where, f"alert {alert}: runbook {suffix} does not exist")
    if kind == "ConfigMap" and doc.get("metadata", {}).get("labels", {}).get("grafana_dashboard"):
        for name, text in (doc.get("data") or {}).items():
            try:
                dash = json.loads(text)
            except ValueError as e:
                fail(where, f"dashboard {name}: not JSON ({e})")
                continue
            if not isinstance(dash, dict) or not dash.get("panels") or not dash.get("title"):
                fail(where, f"dashboard {name}: expected a Grafana dashboard with a title and panels")

total = 0
for f in files:
    seen = set()
    try:
        docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        fail(f, f"not YAML: {e}")
        continue
    if not docs:
        fail(f, "no documents")
    for doc in docs:
        total += 1
        meta = doc.get("metadata", {}) if isinstance(doc, dict) else {}
        where = f"{os.path.basename(f)} {doc.get('kind', '?') if isinstance(doc, dict) else '?'}/{meta.get('name', '?')}"
        ident = (doc.get("apiVersion"), doc.get("kind"), meta.get("namespace"), meta.get("name")) if isinstance(doc, dict) else None
        if ident in seen:
            fail(where, "defined twice")
        seen.add(ident)
        before = errors
        source = check(doc, where)
        if isinstance(doc, dict):
            project_rules(doc, where)
        if errors == before:
            print(f"ok   {where} ({source})")

print(f"validate-k8s: {total} documents in {len(files)} file(s), {errors} error(s)")
sys.exit(1 if errors else 0)
PY
[ "$dockerfile_failed" -eq 0 ] || status=1
exit "$status"
