// /healthz and /readyz of an instance with several stream threads. Each thread runs the one-thread
// probes (http/probes.ts) on its own event loop and posts their answers every second; the instance
// is alive only if every thread is (none failed or exited, none stalled, every answer fresh: a
// thread whose loop is stuck stops posting), and ready only if every thread is.
import type { ProbeResult, Probes } from '../http/probes.ts';
import type { Status } from './protocol.ts';

/** What the probes know of one stream thread. */
export interface ThreadView {
  /** The last status posted, and when it arrived (ms since the epoch). */
  status?: Status;
  statusAt?: number;
  /** Set once the thread failed (a fatal error, an uncaught exception, an exit before close). */
  failure?: string;
}

/** Options of threadProbes. */
export interface ThreadProbeOptions {
  /** A thread whose last status is older than this is stuck (default 10 s, the one-thread probes' event-loop bound). */
  maxSilenceMs?: number;
  now?: () => number;
}

/** The instance's probes over its stream threads' reports. */
export function threadProbes(threads: () => readonly ThreadView[], options: ThreadProbeOptions = {}): Probes {
  const maxSilence = options.maxSilenceMs ?? 10_000;
  const now = options.now ?? Date.now;
  return {
    health(): ProbeResult {
      const views = threads();
      for (const [thread, view] of views.entries()) {
        if (view.failure !== undefined) return { ok: false, detail: { status: 'down', state: 'ERROR', thread, error: view.failure } };
      }
      for (const [thread, view] of views.entries()) {
        // Not reported yet: starting (as the one-thread probes answer before the instance exists).
        if (!view.status || view.statusAt === undefined) continue;
        const silent = now() - view.statusAt;
        if (silent > maxSilence) return { ok: false, detail: { status: 'down', thread, reason: `stream thread silent for ${silent} ms` } };
        if (!view.status.health.ok) return { ok: false, detail: { ...view.status.health.detail, thread } };
      }
      const states = views.map((v) => (v.status?.health.detail.state as string | undefined) ?? 'CREATED');
      return { ok: true, detail: { status: 'up', state: states.every((s) => s === states[0]) ? states[0] : states, threads: views.length } };
    },
    readiness(): ProbeResult {
      const views = threads();
      const tasks: string[] = [];
      for (const [thread, view] of views.entries()) {
        if (view.failure !== undefined) return { ok: false, detail: { ready: false, thread, reason: `stream thread failed: ${view.failure}` } };
        if (!view.status || view.statusAt === undefined) return { ok: false, detail: { ready: false, thread, reason: 'starting' } };
        if (now() - view.statusAt > maxSilence) return { ok: false, detail: { ready: false, thread, reason: 'stream thread silent' } };
        if (!view.status.readiness.ok) return { ok: false, detail: { ...view.status.readiness.detail, thread } };
        tasks.push(...((view.status.readiness.detail.tasks as string[] | undefined) ?? []));
      }
      return { ok: true, detail: { ready: true, tasks: tasks.sort(), threads: views.length } };
    },
    stop(): void {},
  };
}
