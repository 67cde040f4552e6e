// A stream thread's entry point: the compile cache first, so that the thread's modules
// (worker.ts and all it imports) load from it.
import { enableCompileCache } from '../compile-cache.ts';

enableCompileCache();
await import('./worker.ts');
