// Liveness and readiness of a streams instance, as the kubelet probes them. Alive: the instance has
// not failed, the event loop (which runs processing, timers and HTTP) is not stalled, and no task
// is stalled (records wait for it and its offsets have not moved: see runtime/stream/stall-watch.ts),
// so Kubernetes restarts a pod that stopped consuming. Ready: every assigned task is restored and
// running and none is stalled, so local queries answer from current state.
import type { KafkaStreams } from '../../runtime/index.ts';

/** A probe's answer; `detail` becomes the JSON body. */
export interface ProbeResult {
  ok: boolean;
  detail: Record<string, unknown>;
}

/** The two probes. */
export interface Probes {
  health(): ProbeResult;
  readiness(): ProbeResult;
  /** Stops the probes' timer. */
  stop(): void;
}

/** Options of streamsProbes. */
export interface ProbeOptions {
  /** Event-loop stall beyond which /healthz fails (default 10 s). */
  maxStallMs?: number;
}

/** What the probes read of an instance (KafkaStreams satisfies it; tests fake it). */
export type ProbedInstance = Pick<KafkaStreams, 'state' | 'fatalError' | 'taskStates' | 'stalledTasks'>;

/** Probes of one instance. */
export function streamsProbes(streams: ProbedInstance, options: ProbeOptions = {}): Probes {
  const maxStall = options.maxStallMs ?? 10_000;
  const beatEvery = 1_000;
  let lastBeat = Date.now();
  let worstGap = 0;
  // A timer that should fire every second: a late firing measures how long the loop was blocked.
  const timer = setInterval(() => {
    const now = Date.now();
    worstGap = Math.max(worstGap, now - lastBeat - beatEvery);
    lastBeat = now;
  }, beatEvery);
  timer.unref();
  return {
    health(): ProbeResult {
      const state = streams.state;
      if (state === 'ERROR' || state === 'NOT_RUNNING') {
        return { ok: false, detail: { status: 'down', state, error: streams.fatalError?.message } };
      }
      const stalledMs = Math.max(worstGap, Date.now() - lastBeat - beatEvery);
      worstGap = 0;
      if (stalledMs > maxStall) return { ok: false, detail: { status: 'down', state, reason: `event loop stalled ${stalledMs} ms` } };
      const stalled = streams.stalledTasks();
      if (stalled.length > 0) return { ok: false, detail: { status: 'down', state, reason: 'tasks stalled', stalled } };
      return { ok: true, detail: { status: 'up', state } };
    },
    readiness(): ProbeResult {
      const state = streams.state;
      if (state !== 'RUNNING') return { ok: false, detail: { ready: false, reason: `instance is ${state}` } };
      const tasks = streams.taskStates();
      if (!tasks) return { ok: false, detail: { ready: false, reason: 'waiting for the first assignment' } };
      const restoring = [...tasks].filter(([, s]) => s !== 'running').map(([t]) => t).sort();
      if (restoring.length > 0) return { ok: false, detail: { ready: false, reason: 'restoring', restoring, tasks: tasks.size } };
      const stalled = streams.stalledTasks();
      if (stalled.length > 0) return { ok: false, detail: { ready: false, reason: 'tasks stalled', stalled } };
      return { ok: true, detail: { ready: true, tasks: [...tasks.keys()].sort() } };
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
