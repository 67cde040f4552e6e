// The Dockerfile agrees with the repository and the manifests: what it copies exists and is in the
// build context, and its user, state volume and port are the ones the StatefulSet and config use.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/app/config.ts';

const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const dockerfile = readFileSync(repo('Dockerfile'), 'utf8');
const dockerignore = readFileSync(repo('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());

interface Container { ports: { containerPort: number }[]; volumeMounts: { name: string; mountPath: string }[] }
interface StatefulSet { spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number }; containers: Container[] } } } }
const sts = parse(readFileSync(repo('k8s/base/statefulset.yaml'), 'utf8')) as StatefulSet;

describe('Dockerfile', () => {
  it('copies only paths that exist and that .dockerignore lets into the context', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] as string).split(/\s+/));
    expect(copies.length).toBeGreaterThan(3);
    for (const src of copies) {
      expect(existsSync(repo(src)), src).toBe(true);
      expect(dockerignore.includes(`!${src}`) || dockerignore.includes(`!${src}/`), `${src} not allowed by .dockerignore`).toBe(true);
    }
  });

  it('runs as the StatefulSet user, with the state dir as a volume and the HTTP ports exposed', () => {
    const pod = sts.spec.template.spec;
    expect(dockerfile).toContain(`USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    const stateDir = loadConfig({ argv: [], env: { KAFKA_BROKERS: 'k:1' } }).stateDir;
    expect(dockerfile).toContain(`VOLUME ["${stateDir}"]`);
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'state', mountPath: stateDir });
    expect(dockerfile).toContain(`EXPOSE ${pod.containers[0]?.ports.map((p) => p.containerPort).join(' ')}`);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_RUNTIME_IMAGE\} AS runtime$/m);
    expect(dockerfile).toContain('ARG NODE_RUNTIME_IMAGE=node:24-slim');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/bin/invoice-stream.js"]');
    expect(dockerfile).toContain('CMD ["run"]');
  });
});
