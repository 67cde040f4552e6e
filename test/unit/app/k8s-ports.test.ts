// The manifests agree with the two HTTP ports and the query token: the pod's ports are the
// config's, the probes and the scrape use the operations port, the NetworkPolicy opens the query
// port to clients and the operations port to monitoring only, the token file the config reads is
// where the Secret is mounted, and each overlay's settings start (dev open on purpose, prod with
// the token). The rendered manifests are schema-checked by test/integration/k8s-manifests.test.ts.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../src/app/config.ts';
import { queryAuth } from '../../../src/app/http/auth.ts';

const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const yaml = <T>(path: string): T => parse(readFileSync(repo(path), 'utf8')) as T;

interface Probe { httpGet: { path: string; port: string } }
interface Container {
  ports: { name: string; containerPort: number }[];
  startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe;
  volumeMounts: { name: string; mountPath: string }[];
}
interface Volume { name: string; secret?: { secretName: string; optional?: boolean } }
interface StatefulSet { spec: { template: { spec: { containers: Container[]; volumes: Volume[] } } } }
interface ServicePort { name: string; port: number; targetPort: string }
interface Service { metadata: { name: string }; spec: { ports: ServicePort[] } }
interface PolicyPeer { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } }
interface NetworkPolicy { spec: { policyTypes: string[]; ingress: { from: PolicyPeer[]; ports: { port: string }[] }[] } }

const pod = yaml<StatefulSet>('k8s/base/statefulset.yaml').spec.template.spec;
const container = pod.containers[0] as Container;
const portOf = (name: string): number | undefined => container.ports.find((p) => p.name === name)?.containerPort;

/** KEY=value lines of an env file, and `KEY=value` literals of an overlay's config generator. */
const envLines = (lines: readonly string[]): Record<string, string> =>
  Object.fromEntries(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const baseEnv = envLines(readFileSync(repo('k8s/base/config.env'), 'utf8').split('\n'));
const overlayEnv = (overlay: string): Record<string, string> => {
  const k = yaml<{ configMapGenerator?: { literals?: string[] }[] }>(`k8s/overlays/${overlay}/kustomization.yaml`);
  return { ...baseEnv, ...envLines((k.configMapGenerator ?? []).flatMap((g) => g.literals ?? [])) };
};
const configOf = (env: Record<string, string>) => loadConfig({ argv: [], env, readFile: () => { throw new Error('no config file'); } });

describe('k8s: two ports', () => {
  const config = configOf(baseEnv);

  it('the pod exposes the configured query and operations ports', () => {
    expect(portOf('http')).toBe(config.http.port);
    expect(portOf('ops')).toBe(config.ops.port);
    expect(config.ops.port).not.toBe(config.http.port);
  });

  it('probes and the scrape use the operations port', () => {
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) expect(probe.httpGet.port).toBe('ops');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const services = readFileSync(repo('k8s/base/service.yaml'), 'utf8').split('\n---\n').map((d) => parse(d) as Service);
    const headless = services.find((s) => s.metadata.name === 'invoice-stream-headless') as Service;
    const scraped = yaml<{ spec: { endpoints: { port: string; path: string }[] } }>('k8s/base/servicemonitor.yaml').spec.endpoints[0];
    expect(scraped?.path).toBe('/metrics');
    expect(headless.spec.ports.find((p) => p.name === scraped?.port)?.targetPort).toBe('ops');
    // The clients' Service carries queries only.
    const clients = services.find((s) => s.metadata.name === 'invoice-stream') as Service;
    expect(clients.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('the NetworkPolicy opens queries to labelled clients and operations to monitoring, nothing else', () => {
    const policy = yaml<NetworkPolicy>('k8s/base/networkpolicy.yaml');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(yaml<{ resources: string[] }>('k8s/base/kustomization.yaml').resources).toContain('networkpolicy.yaml');
    const rule = (port: string) => policy.spec.ingress.filter((r) => r.ports.some((p) => p.port === port));
    expect(policy.spec.ingress.every((r) => r.ports.length === 1)).toBe(true);
    expect(rule('http').flatMap((r) => r.from)).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'invoice-stream/query-client': 'true' } } }]);
    expect(rule('ops').flatMap((r) => r.from)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(policy.spec.ingress).toHaveLength(2);
  });
});

describe('k8s: the query token', () => {
  it('is read from where the Secret is mounted, and the example Secret has that key', () => {
    const file = configOf(baseEnv).http.tokenFile as string;
    const mount = container.volumeMounts.find((m) => m.mountPath === dirname(file));
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    expect(volume?.secret?.secretName).toBe('invoice-stream-query-token');
    const examples = parseAllDocuments(readFileSync(repo('k8s/overlays/prod/credentials.example.yaml'), 'utf8')).map((d) => d.toJSON() as { metadata: { name: string }; stringData: Record<string, string> });
    expect(Object.keys(examples.find((s) => s.metadata.name === 'invoice-stream-query-token')?.stringData ?? {})).toEqual([basename(file)]);
    // prod waits for the Secret; the base leaves it optional for overlays without a token.
    const prod = yaml<StatefulSet>('k8s/overlays/prod/statefulset-patch.yaml').spec.template.spec;
    expect(prod.volumes.find((v) => v.name === volume?.name)?.secret?.optional).toBe(false);
  });

  it('prod starts with the token; dev serves queries openly on purpose', () => {
    // As the pod gets it: the ConfigMap and the credentials Secret (envFrom). The CA file exists
    // in the pod only (mounted from invoice-stream-kafka-tls).
    const credentials = parseAllDocuments(readFileSync(repo('k8s/overlays/prod/credentials.example.yaml'), 'utf8'))
      .map((d) => d.toJSON() as { metadata: { name: string }; stringData: Record<string, string> })
      .find((s) => s.metadata.name === 'invoice-stream-credentials')?.stringData;
    const { INVOICE_STREAM_TLS_CA: _ca, ...prodEnv } = { ...overlayEnv('prod'), ...credentials };
    const prod = configOf(prodEnv);
    expect(prod.http.tokenFile).toBe('/etc/invoice-stream/query-token/token');
    expect(queryAuth(prod.http, () => 'f0e1d2c3b4a5968778695a4b3c2d1e0f').kind).toBe('bearer');
    const dev = configOf(overlayEnv('dev'));
    expect(dev.http.auth).toBe('none');
    expect(queryAuth(dev.http)).toEqual({ kind: 'none' });
  });
});
