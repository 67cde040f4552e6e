// The alerts (k8s/base/prometheusrule.yaml) and the Grafana dashboard (k8s/base/dashboards) speak
// the metrics catalog's language: every query parses as PromQL, names only metrics the process
// exports (or recording rules defined beside it), and every catalog metric is on the dashboard.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRIC_NAMES, NODE_METRIC_NAMES } from '../../../src/app/metrics.ts';

const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

interface Rule { record?: string; alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleFile { spec: { groups: { name: string; rules: Rule[] }[] } }
interface Target { expr: string }
interface Panel { type: string; title: string; targets?: Target[] }
interface Dashboard { title: string; uid: string; panels: Panel[] }

const rules = (parse(readFileSync(repo('k8s/base/prometheusrule.yaml'), 'utf8')) as RuleFile).spec.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(repo('k8s/base/dashboards/invoice-stream.json'), 'utf8')) as Dashboard;
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })));
const ruleExprs = rules.map((r) => ({ where: r.alert ?? r.record ?? '?', expr: r.expr }));

/** Metric names a query selects; throws on a PromQL syntax error. */
function selectedMetrics(expr: string): string[] {
  // Grafana's variables are not PromQL: give them values of the right kind before parsing.
  const promql = expr.replaceAll('$__rate_interval', '5m').replaceAll(/\$(\w+)/g, 'x');
  const tree = parser.parse(promql);
  const names: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from} in: ${expr}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(promql.slice(node.from, node.to));
    },
  });
  return names;
}

/** A histogram's series carry _bucket, _sum and _count suffixes. */
const seriesOf = (name: string): string[] => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
const exported = new Set([...Object.values(METRIC_NAMES), ...NODE_METRIC_NAMES, 'up'].flatMap(seriesOf));
const recorded = new Set(rules.flatMap((r) => (r.record === undefined ? [] : [r.record])));

describe('alerts and dashboard use the metrics catalog', () => {
  it.each([...ruleExprs, ...dashboardExprs].map((e) => [e.where, e.expr] as const))('%s: parses and names known metrics', (_where, expr) => {
    const names = selectedMetrics(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(exported.has(name) || recorded.has(name), `${name} in ${expr}`).toBe(true);
  });

  it('puts every catalog metric on the dashboard', () => {
    const used = new Set(dashboardExprs.flatMap((e) => selectedMetrics(e.expr)));
    for (const name of Object.values(METRIC_NAMES)) {
      expect(seriesOf(name).some((s) => used.has(s)), `${name} is on no panel`).toBe(true);
    }
  });

  it('links every alert to an existing runbook and gives it a severity', () => {
    const alerts = rules.filter((r) => r.alert !== undefined);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    for (const a of alerts) {
      expect(a.annotations?.runbook_url, a.alert).toMatch(new RegExp(`/docs/runbooks/${a.alert}\\.md$`));
      expect(existsSync(repo(`docs/runbooks/${a.alert}.md`)), `docs/runbooks/${a.alert}.md`).toBe(true);
      expect(['page', 'ticket']).toContain(a.labels?.severity);
    }
  });

  it('has a page and a ticket burn-rate alert for each SLO', () => {
    const slos = ['issuance-latency', 'dead-letters', 'duplicates', 'consumer-lag'];
    for (const slo of slos) {
      const severities = rules.filter((r) => r.labels?.slo === slo).map((r) => r.labels?.severity).sort();
      expect(severities, slo).toEqual(['page', 'ticket']);
    }
  });

  it('is listed in the operations index', () => {
    const index = readFileSync(repo('docs/operations.md'), 'utf8');
    for (const alert of new Set(rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])))) {
      expect(index, alert).toContain(`runbooks/${alert}.md`);
    }
  });
});

describe('docs/operations.md', () => {
  const doc = readFileSync(repo('docs/operations.md'), 'utf8');
  it('documents every environment variable and every metric', async () => {
    const { ENV_BINDINGS } = await import('../../../src/app/config.ts');
    for (const b of ENV_BINDINGS) for (const name of b.names) expect(doc, name).toContain(`\`${name}\``);
    for (const name of Object.values(METRIC_NAMES)) expect(doc, name).toContain(`\`${name}\``);
  });
});

describe('k8s configuration uses the config schema', () => {
  const envFile = readFileSync(repo('k8s/base/config.env'), 'utf8');
  const baseEnv = Object.fromEntries(envFile.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  /** Names from the overlays' configMapGenerator literals, the Secret template and example, and the StatefulSet env. */
  function deployedNames(): string[] {
    const names = Object.keys(baseEnv);
    for (const overlay of ['dev', 'prod']) {
      const k = parse(readFileSync(repo(`k8s/overlays/${overlay}/kustomization.yaml`), 'utf8')) as { configMapGenerator?: { literals?: string[] }[] };
      for (const gen of k.configMapGenerator ?? []) for (const lit of gen.literals ?? []) names.push(lit.slice(0, lit.indexOf('=')));
    }
    const secrets = [readFileSync(repo('k8s/components/credentials-template/secret.yaml'), 'utf8'), readFileSync(repo('k8s/overlays/prod/credentials.example.yaml'), 'utf8')]
      .flatMap((text) => text.split('\n---\n').map((d) => parse(d) as { metadata: { name: string }; stringData: Record<string, string> }))
      .filter((s) => s.metadata.name === 'invoice-stream-credentials');
    for (const s of secrets) names.push(...Object.keys(s.stringData));
    const sts = parse(readFileSync(repo('k8s/base/statefulset.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } };
    names.push(...sts.spec.template.spec.containers.flatMap((c) => c.env.map((e) => e.name)));
    return names;
  }

  it('sets only variables the config reads (no typo goes unnoticed)', async () => {
    const { ENV_BINDINGS } = await import('../../../src/app/config.ts');
    const known = new Set(ENV_BINDINGS.flatMap((b) => b.names));
    // Not config: the pod's identity, Node's own options, the KEDA scaler's keys, and the static keys
    // the AWS SDK's default chain reads itself (Delta on an S3-compatible store).
    const other = new Set(['POD_NAME', 'POD_NAMESPACE', 'NODE_OPTIONS', 'KEDA_KAFKA_SASL', 'KEDA_KAFKA_TLS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    for (const name of deployedNames()) expect(known.has(name) || other.has(name), name).toBe(true);
  });

  it('each overlay loads as a valid configuration, as the pod gets it (ConfigMap and credentials Secret)', async () => {
    const { loadConfig } = await import('../../../src/app/config.ts');
    const credentials = readFileSync(repo('k8s/overlays/prod/credentials.example.yaml'), 'utf8').split('\n---\n')
      .map((d) => parse(d) as { metadata: { name: string }; stringData: Record<string, string> })
      .find((s) => s.metadata.name === 'invoice-stream-credentials')?.stringData ?? {};
    for (const overlay of ['dev', 'prod']) {
      const k = parse(readFileSync(repo(`k8s/overlays/${overlay}/kustomization.yaml`), 'utf8')) as { configMapGenerator?: { literals?: string[] }[] };
      const literals = (k.configMapGenerator ?? []).flatMap((g) => g.literals ?? []);
      const env: Record<string, string> = { ...baseEnv, ...Object.fromEntries(literals.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) };
      if (overlay === 'prod') Object.assign(env, credentials);
      // The CA file exists in the pod only (mounted from invoice-stream-kafka-tls).
      delete env.INVOICE_STREAM_TLS_CA;
      expect(() => loadConfig({ argv: [], env }), overlay).not.toThrow();
    }
  });

  it('base settings load as a valid configuration', async () => {
    const { loadConfig } = await import('../../../src/app/config.ts');
    const c = loadConfig({ argv: [], env: { ...baseEnv, INVOICE_STREAM_GROUP_INSTANCE_ID: 'invoice-stream-0' } });
    expect(c.processingGuarantee).toBe('exactly_once');
    expect(c.commitIntervalMs).toBe(100);
    expect(c.shutdownTimeoutMs).toBeLessThan(60_000); // below terminationGracePeriodSeconds
    expect(c.clock.mode).toBe('wall_clock');
    expect(c.stateDir).toBe('/var/lib/invoice-stream');
  });
});
