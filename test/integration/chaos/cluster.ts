// Starts, kills and stops instance child processes for the multi-instance tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const INSTANCE = join(import.meta.dirname, 'instance.ts');

/** Settings shared by every instance of a test. */
export interface ClusterOptions {
  brokers: string[];
  applicationId: string;
  topicPrefix: string;
  stateRoot: string;
  logDir: string;
  guarantee?: string;
  /** The child's entry file (default: instance.ts, the synthetic topologies). */
  entry?: string;
  /** More environment for instance `name`, over the defaults. */
  env?: (name: string) => Record<string, string>;
  /** Called with each line an instance writes on stdout (it goes to its log too). */
  onLine?: (name: string, line: string) => void;
}

/** An instance that exited without being killed or stopped by the cluster. */
export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A set of named instances (the name keeps its state dir across restarts, like a pod ordinal). */
export class InstanceCluster {
  readonly #o: ClusterOptions;
  readonly #running = new Map<string, ChildProcess>();
  kills = 0;
  starts = 0;
  /** Exits the cluster did not cause (a crash, a fatal error). */
  readonly unexpectedExits: UnexpectedExit[] = [];

  constructor(options: ClusterOptions) {
    this.#o = options;
  }

  /** A cluster of application `app` (topic prefix too) with its state and logs under `root`. */
  static under(root: string, brokers: string[], app: string): InstanceCluster {
    mkdirSync(join(root, 'logs'), { recursive: true });
    return new InstanceCluster({ brokers, applicationId: app, topicPrefix: app, stateRoot: join(root, 'state'), logDir: join(root, 'logs') });
  }

  get running(): string[] {
    return [...this.#running.keys()];
  }

  start(name: string): void {
    if (this.#running.has(name)) return;
    const log = createWriteStream(join(this.#o.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [this.#o.entry ?? INSTANCE], {
      env: {
        ...process.env,
        KAFKA_BROKERS: this.#o.brokers.join(','),
        APP_ID: this.#o.applicationId,
        TOPIC_PREFIX: this.#o.topicPrefix,
        STATE_DIR: join(this.#o.stateRoot, name),
        INSTANCE_ID: name,
        GUARANTEE: this.#o.guarantee ?? 'exactly_once',
        ...this.#o.env?.(name),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const onLine = this.#o.onLine;
    if (onLine && child.stdout) createInterface({ input: child.stdout }).on('line', (line) => onLine(name, line));
    child.once('exit', (code, signal) => {
      // Still registered: nobody here killed or stopped it.
      if (this.#running.get(name) !== child) return;
      this.#running.delete(name);
      this.unexpectedExits.push({ name, code, signal });
    });
    this.#running.set(name, child);
    this.starts++;
  }

  /** SIGKILL: no commit, no close, no leave-group. */
  async kill(name: string): Promise<void> {
    const child = this.#running.get(name);
    if (!child) return;
    this.#running.delete(name);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  /**
   * Sends `signal` (a kill the instance carries out itself, e.g. at a chosen point of its work),
   * waits up to `timeoutMs` for it to die, then SIGKILLs it. Counted as a kill; true when it died
   * on its own.
   */
  async killVia(name: string, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    const child = this.#running.get(name);
    if (!child) return false;
    this.#running.delete(name);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const own = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!own) child.kill('SIGKILL');
    await exited;
    this.kills++;
    return own;
  }

  /** SIGTERM and wait for the graceful exit; returns the exit code. */
  async stop(name: string): Promise<number | null> {
    const child = this.#running.get(name);
    if (!child) return null;
    this.#running.delete(name);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    // Past the instance's own bound (shutdownTimeoutMs, 30 s): an instance that hits it exits 1 by
    // itself, and null means it did not even manage that.
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) {
      const log = join(this.#o.logDir, `${name}.log`);
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
      console.error(`[cluster] ${name} stopped with code ${code}; last lines of its log:\n${tail}`);
    }
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((n) => this.stop(n)));
  }
}
