// Payments held for an invoice that has not arrived yet, one store entry per payment:
// `invoiceId + '\u0000' + pad(seq)` → the payment, and under the bare invoice id how many are held
// (so the common case, an order with nothing held, costs one point read, not a range scan). The
// invoice's arrival takes all of them (a prefix range scan), its orphan time takes one.
//
// Why an entry per payment, not one list value per invoice (as before 2026-12-06): the list was a
// single changelog record that grew with every payment for the same unknown invoice, each carrying
// its original bytes. A few thousand of them (a buggy or hostile upstream) passed the broker's
// 1 MiB message limit, and a changelog write over the limit stops the instance; every hold also
// copied and re-sorted the whole list. See day-buckets.ts for the same fault in another store.
import type { KeyValueStore } from '../engine/index.ts';
import { pad, type HeldPayment } from './stores.ts';

/**
 * What the store holds: a payment per `invoiceId\u0000seq` key; under the bare invoice id the
 * number held, or (written by earlier versions) the whole list.
 */
export type HeldValue = HeldPayment | HeldPayment[] | number;

const SEPARATOR = '\u0000';
const END = '\u0001';
// pad's forms for non-negative numbers: digits, or ':' and digits past its width.
const SEQ_SUFFIX = /^:?\d+$/;

/** Held payments by invoice, oldest first (by occurred_at, then arrival) when taken. */
export class HeldPayments {
  readonly #store: KeyValueStore<HeldValue>;

  constructor(store: KeyValueStore<HeldValue>) {
    this.#store = store;
  }

  /** Holds `held` for `invoiceId`. */
  add(invoiceId: string, held: HeldPayment): void {
    const count = this.#count(invoiceId);
    this.#store.put(keyOf(invoiceId, held.seq), held);
    this.#store.put(invoiceId, count + 1);
  }

  /** Removes and returns every payment held for `invoiceId`, oldest first. */
  take(invoiceId: string): HeldPayment[] {
    const head = this.#store.get(invoiceId);
    if (head === undefined) return [];
    this.#store.delete(invoiceId);
    if (Array.isArray(head)) return [...head].sort(oldestFirst);
    const prefix = `${invoiceId}${SEPARATOR}`;
    const keys: string[] = [];
    const taken: HeldPayment[] = [];
    for (const [key, value] of this.#store.range(prefix, `${invoiceId}${END}`)) {
      // Another invoice whose id continues with '\u0000' shares the prefix; its suffix is not a seq.
      if (!SEQ_SUFFIX.test(key.slice(prefix.length)) || typeof value !== 'object' || Array.isArray(value)) continue;
      keys.push(key);
      taken.push(value);
    }
    for (const key of keys) this.#store.delete(key);
    return taken.sort(oldestFirst);
  }

  /** Removes and returns the payment `seq` held for `invoiceId` (undefined when it is gone). */
  remove(invoiceId: string, seq: number): HeldPayment | undefined {
    const count = this.#count(invoiceId);
    const key = keyOf(invoiceId, seq);
    const held = this.#store.get(key);
    if (held === undefined || typeof held !== 'object' || Array.isArray(held)) return undefined;
    this.#store.delete(key);
    if (count > 1) this.#store.put(invoiceId, count - 1);
    else this.#store.delete(invoiceId);
    return held;
  }

  // How many are held; a list of an earlier version is first turned into entries.
  #count(invoiceId: string): number {
    const head = this.#store.get(invoiceId);
    if (typeof head === 'number') return head;
    if (!Array.isArray(head)) return 0;
    for (const held of head) this.#store.put(keyOf(invoiceId, held.seq), held);
    this.#store.put(invoiceId, head.length);
    return head.length;
  }
}

function keyOf(invoiceId: string, seq: number): string {
  return `${invoiceId}${SEPARATOR}${pad(seq)}`;
}

function oldestFirst(a: HeldPayment, b: HeldPayment): number {
  return a.event.occurredAt - b.event.occurredAt || a.seq - b.seq;
}
