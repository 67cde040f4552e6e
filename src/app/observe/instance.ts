// What `invoice-stream run` starts: one stream thread on the main thread (live.ts), or
// `numStreamThreads` worker threads under a main thread that serves HTTP (threads/).
import type { Config } from '../config.ts';
import { tuneGarbageCollector } from '../gc-tuning.ts';
import { instanceLog } from '../logger.ts';
import { adoptThreadStateDirs } from '../threads/state-layout.ts';
import { startStreamThreads } from '../threads/stream-threads.ts';
import { startLiveInstance, type LiveInstance, type LiveOptions } from './live.ts';

/** A running instance, however many stream threads it has. */
export type RunningInstance = Pick<LiveInstance, 'queryServer' | 'opsServer' | 'applicationServer' | 'fatalError' | 'close'>;

/** Starts the instance the configuration describes: live.ts with one stream thread, threads/stream-threads.ts with more. */
export async function startInstance(config: Config, options: LiveOptions = {}): Promise<RunningInstance> {
  tuneGarbageCollector();
  const layout = await adoptThreadStateDirs(config.stateDir, config.applicationId);
  if (layout.moved.length + layout.dropped.length > 0) {
    (options.log ?? instanceLog(config))('info', 'state dir: task directories of per-thread sub-directories moved to the shared layout', { moved: layout.moved, dropped: layout.dropped });
  }
  if (config.numStreamThreads === 1) return startLiveInstance(config, options);
  // A client object cannot cross into worker threads: each thread builds its own from the config.
  if (options.client) throw new Error('numStreamThreads > 1: each stream thread creates its own Kafka client; options.client is not supported');
  return startStreamThreads(config, options);
}
