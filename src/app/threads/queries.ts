// Interactive queries of an instance with several stream threads. The stores live in the threads,
// so the main thread's QueryHost reads by message: a read goes to every thread at once and the one
// that runs the partition's task (restored) answers, the others say "not here" (undefined), so no
// map of tasks to threads has to be kept current through rebalances. The owner of a partition on
// another pod comes from any thread's view of the group (all advertise this pod's endpoint, so a
// partition owned by a sibling thread is "self" and was answered locally).
import type { OwedByDueDay } from '../queries/aging.ts';
import type { QueryHost, StorePlacement } from '../queries/host.ts';
import type { Request } from './protocol.ts';

/** A request without its id, as the main thread asks it. */
export type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A stream thread as the query host reaches it. */
export interface QueriedThread {
  /** Sends a request and resolves with the thread's answer; rejects when the thread failed or is gone. */
  ask(request: Ask): Promise<unknown>;
  /** Store placements, once the thread's streams have started. */
  placement(): Record<string, StorePlacement> | undefined;
  /** False once the thread failed or exited: it is not asked. */
  alive(): boolean;
}

/** The QueryHost of the main thread over its stream threads. */
export function threadsQueryHost(threads: readonly QueriedThread[], self: string): QueryHost {
  const live = (): QueriedThread[] => threads.filter((t) => t.alive());
  // The first answer that is not "not here"; a thread that fails to answer counts as not here.
  const local = async <T>(request: Ask): Promise<T | undefined> => {
    const answers = await Promise.all(live().map((t) => t.ask(request).catch(() => undefined)));
    return answers.find((a) => a !== undefined && a !== null) as T | undefined;
  };
  return {
    self,
    placement(store: string): StorePlacement | undefined {
      for (const t of threads) {
        const found = t.placement()?.[store];
        if (found) return found;
      }
      return undefined;
    },
    get: <V>(store: string, partition: number, key: string) => local<{ value: V | undefined }>({ op: 'get', store, partition, key }),
    range: <V>(store: string, partition: number, from: string, to: string) => local<V[]>({ op: 'range', store, partition, from, to }),
    owed: (partition: number) => local<OwedByDueDay>({ op: 'owed', partition }),
    async owner(subtopology: number, partition: number): Promise<string | undefined> {
      for (const t of live()) {
        const owner = await t.ask({ op: 'owner', subtopology, partition }).catch(() => undefined);
        if (typeof owner === 'string') return owner;
      }
      return undefined;
    },
  };
}
