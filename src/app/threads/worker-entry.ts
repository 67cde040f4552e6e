// A worker thread's entry point: the compile cache first, so that the thread's modules
// (worker.ts and all it imports) load from it; then the stream thread of its workerData.
import { parentPort, workerData } from 'node:worker_threads';
import { enableCompileCache } from '../compile-cache.ts';
import type { ThreadData } from './protocol.ts';

enableCompileCache();
if (!parentPort) throw new Error('threads/worker-entry.ts runs as a worker thread (threads/stream-threads.ts starts it)');
const { runStreamThread } = await import('./worker.ts');
await runStreamThread(parentPort, workerData as ThreadData);
