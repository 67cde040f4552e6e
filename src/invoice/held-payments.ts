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
 * `invoiceId\u0000`, and (written by earlier versions) a whole list under the bare invoice id.
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
    this.#store.put(countKey(invoiceId), count + 1);
  }

  /** Removes and returns every payment held for `invoiceId`, oldest first. */
  take(invoiceId: string): HeldPayment[] {
    const taken = this.#takeLegacy(invoiceId);
    if (this.#store.get(countKey(invoiceId)) === undefined) return taken.sort(oldestFirst);
    this.#store.delete(countKey(invoiceId));
    const prefix = `${invoiceId}${SEPARATOR}`;
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

  // How many are held; a list of an earlier version is first turned into entries.
  #count(invoiceId: string): number {
    const legacy = this.#takeLegacy(invoiceId);
    const stored = this.#store.get(countKey(invoiceId));
    let count = typeof stored === 'number' ? stored : 0;
    for (const held of legacy) this.#store.put(keyOf(invoiceId, held.seq), held);
    if (legacy.length > 0) this.#store.put(countKey(invoiceId), (count += legacy.length));
    return count;
  }

  // The list an earlier version kept under the bare id (removed here), or nothing.
  #takeLegacy(invoiceId: string): HeldPayment[] {
    const list = this.#store.get(invoiceId);
    if (!Array.isArray(list)) return [];
    this.#store.delete(invoiceId);
    return [...list];
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
