// The Kubernetes manifests render and validate offline (scripts/validate-k8s.sh), and the validator
// really rejects bad manifests: a wrong type in a built-in kind, in a custom resource, an unknown
// kind, an alert without a runbook. Needs no broker; the tools come from scripts/k8s-tools.sh
// (cached under .toolchain/k8s; CI installs them in a phase before the tests).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// A cold tool install (Go build of kustomize, pip) can take minutes on a fresh machine.
const TOOL_TIMEOUT_MS = 600_000;

/** Runs the validator; returns its exit status and combined output. */
function validate(...files: string[]): { status: number | null; output: string } {
  const r = spawnSync('bash', [join(root, 'scripts/validate-k8s.sh'), ...files], { cwd: root, encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Writes a manifest to a fresh temp file. */
function manifest(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'k8s-bad-')), 'manifest.yaml');
  writeFileSync(path, text);
  return path;
}

describe('k8s manifests', () => {
  it('render (dev and prod) and pass schema validation, CRDs included', { timeout: TOOL_TIMEOUT_MS }, () => {
    const { status, output } = validate();
    expect(output).toMatch(/validate-k8s: \d+ documents in 3 file\(s\), 0 error\(s\)/);
    for (const overlay of ['dev', 'prod']) {
      for (const kind of ['StatefulSet/invoice-stream', 'Service/invoice-stream-headless', 'NetworkPolicy/invoice-stream', 'PodDisruptionBudget/invoice-stream', 'ConfigMap/invoice-stream-dashboard']) {
        expect(output).toContain(`ok   ${overlay}.yaml ${kind} (kubernetes `);
      }
      for (const [kind, crd] of [['ScaledObject/invoice-stream', 'keda.sh_scaledobjects'], ['ServiceMonitor/invoice-stream', 'monitoring.coreos.com_servicemonitors'], ['PrometheusRule/invoice-stream', 'monitoring.coreos.com_prometheusrules']]) {
        expect(output).toContain(`ok   ${overlay}.yaml ${kind} (CRD ${crd}.yaml)`);
      }
    }
    expect(output).toContain('ok   prod.yaml TriggerAuthentication/invoice-stream-kafka (CRD keda.sh_triggerauthentications.yaml)');
    // The credentials: an empty template in dev; in prod only an example (from the secret store).
    expect(output).toContain('ok   dev.yaml Secret/invoice-stream-credentials (kubernetes ');
    expect(output).not.toContain('prod.yaml Secret/');
    expect(output).toContain('ok   credentials.example.yaml Secret/invoice-stream-credentials (kubernetes ');
    expect(output).toContain('ok   credentials.example.yaml Secret/invoice-stream-kafka-tls (kubernetes ');
    expect(output).toContain('ok   credentials.example.yaml Secret/invoice-stream-query-token (kubernetes ');
    expect(output).toContain('hadolint Dockerfile: ok');
    expect(status).toBe(0);
  });

  it('rejects a StatefulSet with replicas: "two"', { timeout: TOOL_TIMEOUT_MS }, () => {
    const { status, output } = validate(manifest(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: broken
spec:
  replicas: "two"
  serviceName: broken
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
        - name: app
          image: invoice-stream:0.1.0
`));
    expect(status).toBe(1);
    expect(output).toContain("FAIL manifest.yaml StatefulSet/broken: spec/replicas: 'two' is not of type 'integer'");
  });

  it('rejects bad custom resources, unknown kinds and alerts without a runbook', { timeout: TOOL_TIMEOUT_MS }, () => {
    const { status, output } = validate(manifest(`apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lag
spec:
  scaleTargetRef: {name: invoice-stream}
  maxReplicaCount: many
  triggers:
    - type: kafka
      metadata: {topic: orders}
      lagThreshhold: "10"
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: rules
spec:
  groups:
    - name: g
      rules:
        - alert: SomethingWrong
          expr: up == 0
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
`));
    expect(status).toBe(1);
    expect(output).toContain("ScaledObject/lag: spec/maxReplicaCount: 'many' is not of type 'integer'");
    expect(output).toContain("ScaledObject/lag: spec/triggers/0: Additional properties are not allowed ('lagThreshhold' was unexpected)");
    expect(output).toContain('PrometheusRule/rules: alert SomethingWrong: runbook_url must end with docs/runbooks/SomethingWrong.md');
    expect(output).toContain('Widget/w: no schema for example.com/v1 Widget');
    expect(output).toContain('3 documents in 1 file(s), 4 error(s)');
  });
});
