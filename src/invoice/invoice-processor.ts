// The stateful invoice processor: one per task of the invoice sub-topology (records keyed by
// invoice_id). For each valid event: move the task's clock and run the clock rules (orphaned
// held payments, overdue invoices), THEN deduplicate (dedup-window.ts, which also removes expired
// entries) and apply (docs/contract.md "The clock"). Punctuators run the same rules when only
// time moves (end of a replay, wall clock).
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '../engine/index.ts';
import { PunctuationType } from '../engine/index.ts';
import type { Accounting, HeldTally } from './accounting.ts';
import { balanceKey, contributionOf, sameContribution, type ContributionChange } from './balances.ts';
import { deadLetterHeaders, type DeadLetter, type DomainRejection } from './dead-letters.ts';
import { invoiceIdOf, type InputEnvelope, type Origin, type PaymentEvent } from './events.ts';
import { toInvoiceRow, statusAt, type InvoiceEvent, type InvoiceState } from './invoice.ts';
import { applyEvent, markOverdue } from './invoice-machine.ts';
import { DayBuckets } from './day-buckets.ts';
import { DedupWindow } from './dedup-window.ts';
import { HeldPayments } from './held-payments.ts';
import { dedupKey, heldExpiryKey, pad, parseHeldExpiryKey, STORE, type HeldPayment } from './stores.ts';
import { MICROS_PER_DAY, parseTimestamp, utcDay } from '../values/time.ts';

/** Names of the processor's children (sink or processor nodes) it forwards to. */
export interface InvoiceOutputs {
  events: string;
  table: string;
  dlq: string;
  balances: string;
}

/** Settings of the invoice processor. */
export interface InvoiceProcessorOptions {
  outputs: InvoiceOutputs;
  accounting: Accounting;
  /** Dedup horizon in µs of clock (contract: at least 7 days). */
  dedupHorizonMicros: number;
  /** How long a payment waits for its invoice before it is an orphan (7 days). */
  holdMicros: number;
  /** Live mode: also advance the clock to the wall clock, every this many ms. */
  wallClockIntervalMs?: number;
}

/** Output record values of the invoice processor. */
export type InvoiceOutput = InvoiceEvent | ReturnType<typeof toInvoiceRow> | ContributionChange | Buffer;

const INDEXED: ReadonlySet<string> = new Set(['open', 'partially_paid']);

/** The invoice processor (see the file comment). */
export class InvoiceProcessor implements Processor<string, InputEnvelope, string | Buffer | null, InvoiceOutput> {
  readonly #options: InvoiceProcessorOptions;
  #context!: ProcessorContext<string | Buffer | null, InvoiceOutput>;
  #invoices!: KeyValueStore<InvoiceState>;
  #dedup!: DedupWindow;
  #held!: HeldPayments;
  #heldExpiry!: KeyValueStore<number>;
  // This task's payments held now, restored ones included (the held-payments gauge).
  #heldTally: HeldTally | undefined;
  #dueIndex!: DayBuckets;
  #clockStore!: KeyValueStore<number>;
  #clock = -Infinity;
  #seq = 0;
  // The rules only need work when something can be due: overdue changes with the clock's day;
  // orphans at the earliest held expiry. Kept in memory, rebuilt from stores at init.
  #rulesDay = -Infinity;
  #nextOrphanAt = Infinity;

  constructor(options: InvoiceProcessorOptions) {
    this.#options = options;
  }

  init(context: ProcessorContext<string | Buffer | null, InvoiceOutput>): void {
    this.#context = context;
    this.#invoices = context.getStateStore(STORE.invoices);
    this.#dedup = new DedupWindow(context.getStateStore(STORE.dedup), this.#options.dedupHorizonMicros);
    this.#held = new HeldPayments(context.getStateStore(STORE.held));
    this.#heldExpiry = context.getStateStore(STORE.heldExpiry);
    this.#heldTally = this.#options.accounting.openHeld(this.#held.size());
    this.#dueIndex = new DayBuckets(context.getStateStore(STORE.dueIndex));
    this.#clockStore = context.getStateStore(STORE.clock);
    this.#clock = this.#clockStore.get('clock') ?? -Infinity;
    this.#seq = this.#clockStore.get('seq') ?? 0;
    if (Number.isFinite(this.#clock)) this.#rulesDay = utcDay(this.#clock);
    this.#nextOrphanAt = this.#firstExpiry();
    // Stream time only moves on valid events here (this task reads the repartition topic), so the
    // punctuator's time is the contract's clock; it matters when time moves without a record.
    context.schedule(1, PunctuationType.STREAM_TIME, (ms) => this.advanceClock(Math.round(ms * 1000)));
    const wall = this.#options.wallClockIntervalMs;
    if (wall !== undefined) context.schedule(wall, PunctuationType.WALL_CLOCK_TIME, (ms) => this.advanceClock(ms * 1000));
  }

  process(record: StreamRecord<string, InputEnvelope>): void {
    const { event, origin } = record.value;
    this.advanceClock(event.occurredAt);
    const acc = this.#options.accounting;
    if (this.#dedup.seen(dedupKey(origin.topic, event.eventId), this.#clock)) {
      acc.count('duplicate');
      return;
    }
    const invoiceId = invoiceIdOf(event);
    const prev = this.#invoices.get(invoiceId);
    const outcome = applyEvent(prev, event, this.#clock);
    switch (outcome.kind) {
      case 'duplicate':
        acc.count('duplicate');
        return;
      case 'held':
        // Already past its orphan time (it arrived more than 7 days of clock late): the clock has
        // reached occurred_at + 7 days, so it is an orphan now, not whenever the clock next moves.
        if (event.occurredAt + this.#options.holdMicros <= this.#clock) {
          this.#deadLetter({ reason: 'orphan_payment', error: 'no invoice arrived', origin });
          acc.count('dead_lettered');
          return;
        }
        this.#hold(invoiceId, event as PaymentEvent, origin);
        acc.count('held');
        return;
      case 'rejected':
        this.#deadLetter({ reason: outcome.reason, error: outcome.error, origin });
        acc.count('dead_lettered');
        return;
      case 'applied':
        acc.count('applied');
        this.#commit(prev, outcome.state, outcome.events);
        if (event.type === 'order.placed') this.#releaseHeld(invoiceId);
    }
  }

  close(): void {
    if (this.#heldTally) this.#options.accounting.closeHeld(this.#heldTally);
    this.#heldTally = undefined;
  }

  /** Moves the clock to `micros` if later and runs the clock rules. */
  advanceClock(micros: number): void {
    if (!(micros > this.#clock)) return;
    this.#clock = micros;
    this.#clockStore.put('clock', micros);
    if (micros >= this.#nextOrphanAt) this.#expireHeld();
    const day = utcDay(micros);
    if (day > this.#rulesDay) {
      const from = this.#rulesDay;
      this.#rulesDay = day;
      // Nothing is indexed before the first valid event, so there is no earlier day to look at.
      // The days passed are taken in one scan of the index: only days that hold entries cost
      // anything, however far the clock jumps.
      if (Number.isFinite(from)) for (const { day: due, members } of this.#dueIndex.takeDays(from, day)) this.#markOverdue(due, members);
    }
  }

  /** The task's clock (µs; -Infinity before the first valid event). */
  get clock(): number {
    return this.#clock;
  }

  // The earliest orphan time of the held payments (Infinity when none).
  #firstExpiry(): number {
    for (const [key] of this.#heldExpiry.range()) return parseHeldExpiryKey(key).expiresAt;
    return Infinity;
  }

  #expireHeld(): void {
    // Every key whose time is at or before the clock: `pad(clock)` then '\u0001' is past all of
    // them (their time is followed by '\u0000'), and needs no `clock + 1`, which past 2^53 µs
    // (year 2255) is the clock itself.
    const due = [...this.#heldExpiry.range(undefined, `${pad(this.#clock)}\u0001`)];
    for (const [indexKey] of due) {
      this.#heldExpiry.delete(indexKey);
      const { invoiceId, seq } = parseHeldExpiryKey(indexKey);
      const held = this.#held.remove(invoiceId, seq);
      if (!held) continue;
      this.#deadLetter({ reason: 'orphan_payment', error: 'no invoice arrived', origin: originOf(held) });
      this.#released('dead_lettered');
    }
    this.#nextOrphanAt = this.#firstExpiry();
  }

  // Invoices due on `day` (taken from the index) become overdue now that the clock is past it
  // (unless paid, disputed...).
  #markOverdue(day: number, invoiceIds: readonly string[]): void {
    // By invoice id within the day (a sorted due-date index would give this order; the bucket keeps
    // arrival order), once each: a bucket may hold an invoice twice.
    const due = [...new Set(invoiceIds)].sort();
    for (const invoiceId of due) {
      const prev = this.#invoices.get(invoiceId);
      if (!prev || prev.dueDay !== day || prev.status === 'overdue' || statusAt(prev, this.#clock) !== 'overdue') continue;
      const next = { ...prev };
      const event = markOverdue(next, this.#clock);
      this.#commit(prev, next, [event]);
    }
  }

  #hold(invoiceId: string, event: PaymentEvent, origin: Origin): void {
    this.#seq += 1;
    this.#clockStore.put('seq', this.#seq);
    const held: HeldPayment = {
      seq: this.#seq,
      event,
      origin: {
        topic: origin.topic, partition: origin.partition, offset: origin.offset,
        key: origin.key === null ? null : origin.key.toString('base64'), value: origin.value.toString('base64'),
      },
    };
    this.#held.add(invoiceId, held);
    if (this.#heldTally) this.#heldTally.count += 1;
    const expiry = event.occurredAt + this.#options.holdMicros;
    this.#heldExpiry.put(heldExpiryKey(expiry, invoiceId, held.seq), 1);
    if (expiry < this.#nextOrphanAt) this.#nextOrphanAt = expiry;
  }

  // The held payments of a newly issued invoice, oldest first.
  #releaseHeld(invoiceId: string): void {
    // Oldest first by occurred_at, then arrival: the order they are applied in.
    for (const held of this.#held.take(invoiceId)) {
      this.#heldExpiry.delete(heldExpiryKey(held.event.occurredAt + this.#options.holdMicros, invoiceId, held.seq));
      const prev = this.#invoices.get(invoiceId);
      const outcome = applyEvent(prev, held.event, this.#clock);
      if (outcome.kind === 'applied') {
        this.#released('applied');
        this.#commit(prev, outcome.state, outcome.events);
      } else {
        const reason: DomainRejection = outcome.kind === 'rejected' ? outcome.reason : 'orphan_payment';
        const error = outcome.kind === 'rejected' ? outcome.error : 'not applicable';
        this.#deadLetter({ reason, error, origin: originOf(held) });
        this.#released('dead_lettered');
      }
    }
  }

  // A held payment left the held set.
  #released(outcome: 'applied' | 'dead_lettered'): void {
    this.#options.accounting.release(outcome);
    if (this.#heldTally) this.#heldTally.count -= 1;
  }

  // Stores the new state, keeps the due-date index right, and publishes events, row and balance change.
  #commit(prev: InvoiceState | undefined, next: InvoiceState, events: InvoiceEvent[]): void {
    if (events.length === 0) return;
    this.#invoices.put(next.invoiceId, next);
    // Indexed under its due day when it may become overdue; a stale entry (paid since, due date
    // moved) stays where it is and is skipped when its day is taken (#markOverdue re-checks).
    const wasIndexed = prev !== undefined && INDEXED.has(prev.status);
    const moved = prev !== undefined && prev.dueDay !== next.dueDay;
    if (INDEXED.has(next.status) && (!wasIndexed || moved)) this.#dueIndex.add(next.dueDay, next.invoiceId);
    const outputs = this.#options.outputs;
    for (const event of events) {
      this.#context.forward({ key: next.invoiceId, value: event, timestamp: Math.floor((parseTimestamp(event.timestamp) as number) / 1000) }, outputs.events);
    }
    const timestamp = Math.floor(next.updatedAt / 1000);
    this.#context.forward({ key: next.invoiceId, value: toInvoiceRow(next), timestamp }, outputs.table);
    const old = prev ? contributionOf(prev) : null;
    const contribution = contributionOf(next);
    if (!sameContribution(old, contribution)) {
      const change: ContributionChange = { clientId: next.clientId, currency: next.currency, scale: next.scale, old, new: contribution };
      this.#context.forward({ key: balanceKey(next.clientId, next.currency), value: change, timestamp }, outputs.balances);
    }
  }

  #deadLetter(letter: DeadLetter): void {
    const timestamp = Number.isFinite(this.#clock) ? Math.floor(this.#clock / 1000) : 0;
    this.#context.forward(
      { key: letter.origin.key, value: letter.origin.value, timestamp, headers: deadLetterHeaders(letter) },
      this.#options.outputs.dlq,
    );
  }
}

function originOf(held: HeldPayment): Origin {
  const o = held.origin;
  return {
    topic: o.topic, partition: o.partition, offset: o.offset,
    key: o.key === null ? null : Buffer.from(o.key, 'base64'), value: Buffer.from(o.value, 'base64'),
  };
}

/** Seven days in µs: the contract's hold time and minimum dedup horizon. */
export const SEVEN_DAYS_MICROS = 7 * MICROS_PER_DAY;
