// Payments held for an invoice that has not arrived yet, one store entry per payment:
// `invoiceId + '\u0000' + pad(seq)` → the payment, and `invoiceId + '\u0000'` → how many are held
// (so the common case, an order with nothing held, costs point reads, not a range scan). The
// invoice's arrival takes all of them (a prefix range scan), its orphan time takes one.
//
// Ids come from input and may hold '\u0000' and digits, so every key is the id, '\u0000', then a
// suffix without '\u0000' (digits, or nothing for the count): split at its last '\u0000', a key
// names one id and one entry, and no id's count can land on another id's payment.
//
// Why an entry per payment, not one list value per invoice (as before 2026-12-06): the list was a
// single changelog record that grew with every payment for the same unknown invoice, each carrying
// its original bytes. A few thousand of them (a buggy or hostile upstream) passed the broker's
// 1 MiB message limit, and a changelog write over the limit stops the instance; every hold also
// copied and re-sorted the whole list. See day-buckets.ts for the same fault in another store.
import type { KeyValueStore } from '../engine/index.ts';
import { pad, type HeldPayment } from './stores.ts';

/**
 * What the store holds: a payment per `invoiceId\u0000seq` key, the number held under
 * `invoiceId\u0000`, the marker ENTRIES_ONLY, and (written by earlier versions, until converted)
 * a whole list under the bare invoice id.
 */
export type HeldValue = HeldPayment | HeldPayment[] | number;

const SEPARATOR = '\u0000';
const END = '\u0001';
// pad's forms for non-negative numbers: digits, or ':' and digits past its width.
const SEQ_SUFFIX = /^:?\d+$/;
// Present once the store's lists of an earlier version are converted (or it never had any): the id
// '' with a suffix that is neither a seq nor a count, so no invoice's key is ever this.
const ENTRIES_ONLY = `${SEPARATOR}entries`;

/** Held payments by invoice, oldest first (by occurred_at, then arrival) when taken. */
export class HeldPayments {
  readonly #store: KeyValueStore<HeldValue>;

  constructor(store: KeyValueStore<HeldValue>) {
    this.#store = store;
    if (store.get(ENTRIES_ONLY) === undefined) this.#convertLists();
  }

  /** Holds `held` for `invoiceId`. */
  add(invoiceId: string, held: HeldPayment): void {
    const count = this.#count(invoiceId);
    this.#store.put(keyOf(invoiceId, held.seq), held);
    this.#store.put(countKey(invoiceId), count + 1);
  }

  /** Removes and returns every payment held for `invoiceId`, oldest first. */
  take(invoiceId: string): HeldPayment[] {
    // The common case, an order with nothing held, is this one point read.
    if (this.#store.get(countKey(invoiceId)) === undefined) return [];
    this.#store.delete(countKey(invoiceId));
    const prefix = `${invoiceId}${SEPARATOR}`;
    const taken: HeldPayment[] = [];
    const keys: string[] = [];
    for (const [key, value] of this.#store.range(prefix, `${invoiceId}${END}`)) {
      // Another invoice whose id continues with '\u0000' shares the prefix; its suffix is not a seq.
      if (!SEQ_SUFFIX.test(key.slice(prefix.length)) || typeof value !== 'object' || Array.isArray(value)) continue;
      keys.push(key);
      taken.push(value);
    }
    for (const key of keys) this.#store.delete(key);
    return taken.sort(oldestFirst);
  }

  /** How many payments are held, for every invoice: one walk of the store (when a task opens). */
  size(): number {
    let n = 0;
    for (const [key, value] of this.#store.range()) {
      if (typeof value !== 'object' || Array.isArray(value)) continue; // a count, the marker
      if (SEQ_SUFFIX.test(key.slice(key.lastIndexOf(SEPARATOR) + 1))) n++;
    }
    return n;
  }

  /** Removes and returns the payment `seq` held for `invoiceId` (undefined when it is gone). */
  remove(invoiceId: string, seq: number): HeldPayment | undefined {
    const count = this.#count(invoiceId);
    const key = keyOf(invoiceId, seq);
    const held = this.#store.get(key);
    if (held === undefined || typeof held !== 'object' || Array.isArray(held)) return undefined;
    this.#store.delete(key);
    if (count > 1) this.#store.put(countKey(invoiceId), count - 1);
    else this.#store.delete(countKey(invoiceId));
    return held;
  }

  // How many are held.
  #count(invoiceId: string): number {
    const stored = this.#store.get(countKey(invoiceId));
    return typeof stored === 'number' ? stored : 0;
  }

  // Lists an earlier version kept under the bare invoice id become entries, once per store (one
  // scan when a task first opens it with this version): the marker then says there are none, so
  // no record pays a read for them. The marker and the entries reach the changelog like any write.
  #convertLists(): void {
    const lists: Array<[string, HeldPayment[]]> = [];
    // Collected first: a store's range is not to be changed while it is walked.
    for (const [key, value] of this.#store.range()) if (Array.isArray(value)) lists.push([key, value]);
    for (const [invoiceId, list] of lists) {
      this.#store.delete(invoiceId);
      for (const held of list) this.#store.put(keyOf(invoiceId, held.seq), held);
      this.#store.put(countKey(invoiceId), this.#count(invoiceId) + list.length);
    }
    this.#store.put(ENTRIES_ONLY, 1);
  }
}

function keyOf(invoiceId: string, seq: number): string {
  return `${invoiceId}${SEPARATOR}${pad(seq)}`;
}

function countKey(invoiceId: string): string {
  return `${invoiceId}${SEPARATOR}`;
}

function oldestFirst(a: HeldPayment, b: HeldPayment): number {
  return a.event.occurredAt - b.event.occurredAt || a.seq - b.seq;
}
