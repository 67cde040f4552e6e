// A deliberately simple reference model of docs/contract.md (see README.md here): the
// three JSONL inputs (+ optional as-of) → exactly what `replay` must produce. Written from the
// contract and the documented choices of src/invoice/README.md only, never from the
// implementation: plain Maps, one loop, exact money (BigInt minor units), UTC dates.
import { cmpDec, fitsScale, formatMinor, JsonNumber, mulDec, roundToMinor, toDec, toMinor, type Dec } from './decimal.ts';
import { DAY_US, dayOf, formatDay, formatTimestamp, parseDate, parseTimestamp } from './time.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A row of an output, as JSON. */
export type Row = Record<string, Json>;

/** The replay's inputs: each file's lines (no trailing empty line), and `--as-of` in epoch µs. */
export interface OracleInput {
  orders: string[];
  payments: string[];
  activity: string[];
  asOfMicros?: number;
}

/**
 * Ways to make the oracle reproduce a known divergence of the project (FINDINGS.md), so the rest
 * of a scenario can still be compared. All off: the contract as the oracle reads it.
 */
export interface OracleOptions {
  /** F1: a payment held when the clock is already past its orphan deadline waits for the next clock move. */
  lateOrphanWaitsForClockMove?: boolean;
}

/** One dead letter (the `error` wording is not modelled). */
export interface DeadLetter {
  reason: string;
  source: { topic: string; partition: number; offset: number };
  value: string;
}

/** Accounting counts (summary.json). */
export interface Summary {
  read: number;
  applied: number;
  duplicate: number;
  dead_lettered: number;
  held: number;
}

/** What a replay must write. */
export interface OracleOutput {
  invoices: Record<string, Row>;
  client_balances: Row[];
  events: Row[];
  dlq: DeadLetter[];
  summary: Summary;
  clock: string | null;
}

/** ISO 4217 minor units (documented table: JPY 0; BHD, IQD, JOD, KWD, LYD, OMR, TND 3; CLF, UYW 4). */
const THREE = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const ZERO = ['JPY', 'KRW', 'ISK', 'CLP', 'VND', 'PYG', 'UGX', 'XAF', 'XOF', 'XPF', 'RWF', 'KMF', 'GNF', 'DJF', 'BIF', 'VUV'];
const FOUR = ['CLF', 'UYW'];
const TWO = ['USD', 'EUR', 'GBP', 'CHF', 'CAD', 'AUD', 'NZD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'MXN', 'BRL', 'INR', 'CNY', 'HKD', 'SGD', 'ZAR', 'TRY', 'AED', 'SAR', 'ILS', 'THB', 'RUB'];

/** Minor units of a known currency; undefined when unknown. */
export function minorUnits(code: string): number | undefined {
  if (ZERO.includes(code)) return 0;
  if (THREE.includes(code)) return 3;
  if (FOUR.includes(code)) return 4;
  if (TWO.includes(code)) return 2;
  return undefined;
}

const TOPICS = ['orders', 'payments', 'invoice-activity'] as const;
type Topic = (typeof TOPICS)[number];
const TYPES: Record<Topic, string[]> = {
  orders: ['order.placed', 'order.amended', 'order.cancelled'],
  payments: ['payment.received', 'payment.refunded'],
  'invoice-activity': ['invoice.sent', 'invoice.viewed', 'invoice.disputed', 'invoice.dispute_resolved'],
};

const MAX_DAY = parseDate('9999-12-31') as number;
const HORIZON_US = 30 * DAY_US; // documented dedup horizon (contract: at least 7 days)
const ORPHAN_US = 7 * DAY_US;

interface Line {
  q: Dec;
  p: Dec;
  r: Dec;
}

/** A validated input event. */
interface Valid {
  type: string;
  eventId: string;
  at: number;
  invoiceId: string;
  orderId?: string;
  clientId?: string;
  currency?: string;
  lines?: Line[];
  terms?: number;
  dueDate?: number;
  amount?: bigint; // minor units of `currency`
  method?: string;
}

interface SourceRecord {
  topic: Topic;
  offset: number;
  line: string;
}

/** Parses JSON keeping every number's source text (`{num: "12.50"}`). */
function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** The readable `occurred_at` of a line, for the merge; undefined when none. */
export function readableOccurredAt(line: string): number | undefined {
  let value: unknown;
  try {
    value = parseJson(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.occurred_at !== 'string') return undefined;
  return parseTimestamp(value.occurred_at);
}

type Validation = { ok: true; event: Valid } | { ok: false; reason: string };

const isString = (v: unknown): v is string => typeof v === 'string';
/** Ids and `method`: non-empty strings (the project's reading; an empty order_id would make "inv_"). */
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
/** An optional field: absent or null (the project's reading, documented for payment_terms_days). */
const absent = (v: unknown) => v === undefined || v === null;
const bad = (reason = 'schema_violation'): Validation => ({ ok: false, reason });

function integerOf(v: unknown): number | undefined {
  const d = toDec(v);
  if (!d || typeof v === 'string' || !fitsScale(d, 0)) return undefined;
  const n = roundToMinor(d, 0);
  return n >= -1_000_000n && n <= 1_000_000n ? Number(n) : undefined;
}

function parseLines(v: unknown): Line[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: Line[] = [];
  for (const raw of v) {
    if (!isObject(raw) || !isString(raw.sku)) return undefined;
    const q = toDec(raw.quantity);
    const p = toDec(raw.unit_price);
    const r = toDec(raw.tax_rate);
    const zero = { m: 0n, k: 0 };
    const one = { m: 1n, k: 0 };
    if (!q || cmpDec(q, zero) <= 0) return undefined;
    if (!p || cmpDec(p, zero) < 0) return undefined;
    if (!r || cmpDec(r, zero) < 0 || cmpDec(r, one) > 0) return undefined;
    out.push({ q, p, r });
  }
  return out;
}

/** Validation of one line of `topic` (contract "Inputs" + the project's documented order). */
export function validate(topic: Topic, line: string): Validation {
  // Oversize first: the project's documented limit, 1 MiB of UTF-8 (reason code `oversize`).
  if (Buffer.byteLength(line, 'utf8') > 1024 * 1024) return bad('oversize');
  let value: unknown;
  try {
    value = parseJson(line);
  } catch {
    return bad('malformed_json');
  }
  if (!isObject(value)) return bad();
  const o = value;
  if (!isString(o.event_id) || [...o.event_id].length < 1 || [...o.event_id].length > 128) return bad();
  if (!isString(o.event_type) || !TYPES[topic].includes(o.event_type)) return bad();
  if (!isString(o.occurred_at)) return bad();
  const at = parseTimestamp(o.occurred_at);
  if (at === undefined) return bad();
  const base = { type: o.event_type, eventId: o.event_id, at };
  let currency: unknown;
  let amount: Dec | undefined;
  let event: Valid;
  switch (o.event_type) {
    case 'order.placed': {
      if (!isId(o.order_id) || !isId(o.client_id) || !isString(o.currency)) return bad();
      const lines = parseLines(o.lines);
      if (!lines) return bad();
      let terms = 30;
      if (!absent(o.payment_terms_days)) {
        const t = integerOf(o.payment_terms_days);
        if (t === undefined || t < 0 || t > 365) return bad();
        terms = t;
      }
      // A due date past 9999-12-31 cannot be written as YYYY-MM-DD: the oracle calls it bad input.
      if (dayOf(at) + terms > MAX_DAY) return bad();
      currency = o.currency;
      event = { ...base, invoiceId: `inv_${o.order_id}`, orderId: o.order_id, clientId: o.client_id, currency: o.currency, lines, terms };
      break;
    }
    case 'order.amended': {
      if (!isId(o.order_id)) return bad();
      let lines: Line[] | undefined;
      let dueDate: number | undefined;
      if (!absent(o.lines)) {
        lines = parseLines(o.lines);
        if (!lines) return bad();
      }
      if (!absent(o.due_date)) {
        dueDate = isString(o.due_date) ? parseDate(o.due_date) : undefined;
        if (dueDate === undefined) return bad();
      }
      if (!lines && dueDate === undefined) return bad();
      event = { ...base, invoiceId: `inv_${o.order_id}`, orderId: o.order_id, lines, dueDate };
      break;
    }
    case 'order.cancelled': {
      if (!isId(o.order_id)) return bad();
      if (!absent(o.reason) && !isString(o.reason)) return bad();
      event = { ...base, invoiceId: `inv_${o.order_id}`, orderId: o.order_id };
      break;
    }
    case 'payment.received':
    case 'payment.refunded': {
      if (!isId(o.payment_id) || !isId(o.invoice_id)) return bad();
      amount = toDec(o.amount);
      if (!amount || cmpDec(amount, { m: 0n, k: 0 }) <= 0) return bad();
      if (!isString(o.currency)) return bad();
      if (o.event_type === 'payment.received' && !isId(o.method)) return bad();
      currency = o.currency;
      event = { ...base, invoiceId: o.invoice_id, currency: o.currency, method: o.event_type === 'payment.received' ? (o.method as string) : undefined };
      break;
    }
    default: {
      if (!isId(o.invoice_id)) return bad();
      event = { ...base, invoiceId: o.invoice_id };
    }
  }
  // Money is bounded (F5, the project's documented choice, src/invoice/README.md): an amount, or
  // an order line's quantity × unit_price, of 10^24 units or more is refused, so decimal(38,4)
  // holds every sum.
  const tooBig = (d: Dec) => cmpDec(d.m < 0n ? { m: -d.m, k: d.k } : d, { m: 10n ** 24n, k: 0 }) >= 0;
  if (amount && tooBig(amount)) return bad();
  if (event.lines) for (const l of event.lines) if (tooBig(mulDec(l.q, l.p))) return bad();
  if (currency !== undefined) {
    const scale = minorUnits(currency as string);
    if (scale === undefined) return bad('unknown_currency');
    if (amount) {
      if (!fitsScale(amount, scale)) return bad();
      event.amount = toMinor(amount, scale);
    }
  }
  return { ok: true, event };
}

/** The invoice state. */
interface Invoice {
  invoiceId: string;
  orderId: string;
  clientId: string;
  currency: string;
  scale: number;
  total: bigint;
  paid: bigint;
  issue: number;
  due: number;
  voided: boolean;
  disputed: boolean;
  paidAt: number | null;
  sentAt: number | null;
  viewedAt: number | null;
  version: number;
  status: string; // as of the last event or clock rule
}

interface Held {
  event: Valid;
  source: SourceRecord;
  seq: number;
}

function totalOf(lines: Line[], scale: number): bigint {
  let total = 0n;
  for (const l of lines) {
    const net = roundToMinor(mulDec(l.q, l.p), scale);
    const tax = roundToMinor(mulDec({ m: net, k: scale }, l.r), scale);
    total += net + tax;
  }
  return total;
}

/** Runs the contract over the inputs. */
export function runOracle(input: OracleInput, options: OracleOptions = {}): OracleOutput {
  const files: Record<Topic, string[]> = { orders: input.orders, payments: input.payments, 'invoice-activity': input.activity };
  const pos: Record<Topic, number> = { orders: 0, payments: 0, 'invoice-activity': 0 };
  const summary: Summary = { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 };
  const dlq: DeadLetter[] = [];
  const events: Row[] = [];
  const invoices = new Map<string, Invoice>();
  const held = new Map<string, Held[]>();
  const seen = new Map<string, number>();
  let clock: number | undefined;
  let heldSeq = 0;

  const deadLetter = (reason: string, source: SourceRecord) => {
    dlq.push({ reason, source: { topic: source.topic, partition: 0, offset: source.offset }, value: source.line });
  };

  const statusOf = (inv: Invoice): string => {
    if (inv.voided) return 'voided';
    if (inv.total - inv.paid <= 0n) return 'paid';
    if (inv.disputed) return 'disputed';
    if (clock !== undefined && clock >= (inv.due + 1) * DAY_US) return 'overdue';
    if (inv.paid > 0n) return 'partially_paid';
    return 'open';
  };

  const emit = (inv: Invoice, type: string, at: number, amount: bigint | null, method: string | null) => {
    inv.version += 1;
    const status = inv.status;
    const money = (v: bigint) => formatMinor(v, inv.scale);
    events.push({
      event_type: type,
      invoice_id: inv.invoiceId,
      order_id: inv.orderId,
      client_id: inv.clientId,
      currency: inv.currency,
      amount: amount === null ? null : money(amount),
      payment_method: method,
      invoice_total: money(inv.total),
      amount_paid: money(inv.paid),
      outstanding: money(inv.total - inv.paid),
      status,
      issue_date: formatDay(inv.issue),
      due_date: formatDay(inv.due),
      days_to_pay: type === 'invoice.paid' && inv.paidAt !== null ? Math.max(0, dayOf(inv.paidAt) - inv.issue) : null,
      days_overdue: type === 'invoice.overdue' && clock !== undefined ? dayOf(clock) - inv.due : null,
      version: inv.version,
      timestamp: formatTimestamp(at),
    });
  };

  /** After a change made by an event at `at`: status, paid_at, primary event, transition. */
  const settle = (inv: Invoice, before: string | undefined, primary: string, at: number, amount: bigint | null, method: string | null) => {
    const after = statusOf(inv);
    inv.status = after;
    if (after !== 'paid') inv.paidAt = null;
    else if (before !== 'paid') inv.paidAt = at;
    emit(inv, primary, at, amount, method);
    if (after !== before && after === 'paid' && primary !== 'invoice.paid') emit(inv, 'invoice.paid', at, null, null);
    if (after !== before && after === 'overdue' && primary !== 'invoice.overdue') emit(inv, 'invoice.overdue', clock as number, inv.total - inv.paid, null);
  };

  const orphanDue = (h: Held) => clock !== undefined && clock >= h.event.at + ORPHAN_US;

  const clockRules = () => {
    for (const [invoiceId, list] of held) {
      const keep = list.filter((h) => {
        if (!orphanDue(h)) return true;
        deadLetter('orphan_payment', h.source);
        summary.held -= 1;
        summary.dead_lettered += 1;
        return false;
      });
      if (keep.length === 0) held.delete(invoiceId);
      else held.set(invoiceId, keep);
    }
    // Cross-invoice order is not in the contract; the conformance scenario's is (due_date, invoice_id).
    const byDue = [...invoices.values()].sort((a, b) => a.due - b.due || (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0));
    for (const inv of byDue) {
      const now = statusOf(inv);
      if (now === 'overdue' && inv.status !== 'overdue') {
        inv.status = now;
        emit(inv, 'invoice.overdue', clock as number, inv.total - inv.paid, null);
      } else {
        inv.status = now;
      }
    }
  };

  const advance = (to: number) => {
    if (clock === undefined || to > clock) {
      clock = to;
      clockRules();
    }
  };

  /** Applies a payment or refund to a known invoice; returns false when dead-lettered. */
  const applyPayment = (inv: Invoice, e: Valid, source: SourceRecord): boolean => {
    const amount = e.amount as bigint;
    if (e.currency !== inv.currency) {
      deadLetter('currency_mismatch', source);
      return false;
    }
    const before = inv.status;
    if (e.type === 'payment.received') {
      if (inv.voided) {
        deadLetter('invoice_voided', source);
        return false;
      }
      inv.paid += amount;
      const after = statusOf(inv);
      const primary = before === 'paid' ? 'invoice.overpaid' : after === 'paid' ? 'invoice.paid' : 'invoice.partially_paid';
      settle(inv, before, primary, e.at, amount, e.method ?? null);
    } else {
      if (amount > inv.paid) {
        deadLetter('refund_exceeds_paid', source);
        return false;
      }
      inv.paid -= amount;
      settle(inv, before, 'invoice.refunded', e.at, amount, null);
    }
    return true;
  };

  const process = (e: Valid, source: SourceRecord) => {
    advance(e.at);
    const key = `${source.topic}\u0000${e.eventId}`;
    const first = seen.get(key);
    if (first !== undefined && (clock as number) - first <= HORIZON_US) {
      summary.duplicate += 1;
      return;
    }
    seen.set(key, clock as number);
    const inv = invoices.get(e.invoiceId);
    switch (e.type) {
      case 'order.placed': {
        if (inv) {
          summary.duplicate += 1;
          return;
        }
        const scale = minorUnits(e.currency as string) as number;
        const issue = dayOf(e.at);
        const created: Invoice = {
          invoiceId: e.invoiceId, orderId: e.orderId as string, clientId: e.clientId as string, currency: e.currency as string, scale,
          total: totalOf(e.lines as Line[], scale), paid: 0n, issue, due: issue + (e.terms as number), voided: false, disputed: false,
          paidAt: null, sentAt: null, viewedAt: null, version: 0, status: 'open',
        };
        invoices.set(e.invoiceId, created);
        summary.applied += 1;
        settle(created, undefined, 'invoice.created', e.at, created.total, null);
        const waiting = (held.get(e.invoiceId) ?? []).sort((a, b) => a.event.at - b.event.at || a.seq - b.seq);
        held.delete(e.invoiceId);
        for (const h of waiting) {
          summary.held -= 1;
          if (applyPayment(created, h.event, h.source)) summary.applied += 1;
          else summary.dead_lettered += 1;
        }
        return;
      }
      case 'order.amended':
      case 'order.cancelled': {
        if (!inv) {
          deadLetter('unknown_order', source);
          summary.dead_lettered += 1;
          return;
        }
        if (e.type === 'order.cancelled') {
          summary.applied += 1;
          if (inv.voided) return;
          const before = inv.status;
          const writeOff = inv.total - inv.paid > 0n ? inv.total - inv.paid : 0n;
          inv.voided = true;
          settle(inv, before, 'invoice.voided', e.at, writeOff, null);
          return;
        }
        if (inv.voided) {
          deadLetter('invoice_voided', source);
          summary.dead_lettered += 1;
          return;
        }
        summary.applied += 1;
        const total = e.lines ? totalOf(e.lines, inv.scale) : inv.total;
        const due = e.dueDate ?? inv.due;
        if (total === inv.total && due === inv.due) return;
        const before = inv.status;
        inv.total = total;
        inv.due = due;
        settle(inv, before, 'invoice.adjusted', e.at, total, null);
        return;
      }
      case 'payment.received':
      case 'payment.refunded': {
        if (!inv) {
          const h = { event: e, source, seq: heldSeq++ };
          if (orphanDue(h) && !options.lateOrphanWaitsForClockMove) {
            // The clock already passed its deadline: it cannot wait (contract rule 4).
            deadLetter('orphan_payment', source);
            summary.dead_lettered += 1;
            return;
          }
          held.set(e.invoiceId, [...(held.get(e.invoiceId) ?? []), h]);
          summary.held += 1;
          return;
        }
        if (applyPayment(inv, e, source)) summary.applied += 1;
        else summary.dead_lettered += 1;
        return;
      }
      default: {
        if (!inv) {
          deadLetter('unknown_invoice', source);
          summary.dead_lettered += 1;
          return;
        }
        summary.applied += 1;
        const before = inv.status;
        if (e.type === 'invoice.sent') {
          if (inv.sentAt !== null) return;
          inv.sentAt = e.at;
        } else if (e.type === 'invoice.viewed') {
          if (inv.viewedAt !== null) return;
          inv.viewedAt = e.at;
        } else if (e.type === 'invoice.disputed') {
          if (inv.disputed) return;
          inv.disputed = true;
        } else {
          if (!inv.disputed) return;
          inv.disputed = false;
        }
        settle(inv, before, e.type, e.at, null, null);
      }
    }
  };

  // The merge: each file in order; the head with the smallest occurred_at first (ties: orders,
  // payments, activity); a head with no readable occurred_at goes as soon as it is next.
  while (true) {
    let pick: Topic | undefined;
    let pickAt: number | undefined;
    for (const topic of TOPICS) {
      if (pos[topic] >= files[topic].length) continue;
      const at = readableOccurredAt(files[topic][pos[topic]] as string);
      if (at === undefined) {
        pick = topic;
        break;
      }
      if (pickAt === undefined || at < pickAt) {
        pick = topic;
        pickAt = at;
      }
    }
    if (pick === undefined) break;
    const offset = pos[pick]++;
    const line = files[pick][offset] as string;
    const source = { topic: pick, offset, line };
    summary.read += 1;
    const v = validate(pick, line);
    if (!v.ok) {
      deadLetter(v.reason, source);
      summary.dead_lettered += 1;
      continue;
    }
    process(v.event, source);
  }
  if (input.asOfMicros !== undefined) advance(input.asOfMicros);

  const rows: Record<string, Row> = {};
  const balances = new Map<string, { client: string; currency: string; scale: number; invoiced: bigint; paid: bigint; outstanding: bigint; open: number; overdue: number }>();
  for (const inv of invoices.values()) {
    const status = inv.status;
    rows[inv.invoiceId] = {
      invoice_id: inv.invoiceId,
      order_id: inv.orderId,
      client_id: inv.clientId,
      currency: inv.currency,
      invoice_total: formatMinor(inv.total, inv.scale),
      amount_paid: formatMinor(inv.paid, inv.scale),
      outstanding: formatMinor(inv.total - inv.paid, inv.scale),
      status,
      issue_date: formatDay(inv.issue),
      due_date: formatDay(inv.due),
      paid_at: inv.paidAt === null ? null : formatTimestamp(inv.paidAt),
      days_to_pay: inv.paidAt === null ? null : Math.max(0, dayOf(inv.paidAt) - inv.issue),
      sent_at: inv.sentAt === null ? null : formatTimestamp(inv.sentAt),
      viewed_at: inv.viewedAt === null ? null : formatTimestamp(inv.viewedAt),
      disputed: inv.disputed,
      version: inv.version,
    };
    const key = JSON.stringify([inv.clientId, inv.currency]);
    const b = balances.get(key) ?? { client: inv.clientId, currency: inv.currency, scale: inv.scale, invoiced: 0n, paid: 0n, outstanding: 0n, open: 0, overdue: 0 };
    balances.set(key, b);
    b.paid += inv.paid;
    if (!inv.voided) {
      b.invoiced += inv.total;
      if (inv.total - inv.paid > 0n) b.outstanding += inv.total - inv.paid;
    }
    if (['open', 'partially_paid', 'overdue', 'disputed'].includes(status)) b.open += 1;
    if (status === 'overdue') b.overdue += 1;
  }
  const clientBalances = [...balances.values()].map((b) => ({
    client_id: b.client,
    currency: b.currency,
    invoiced_total: formatMinor(b.invoiced, b.scale),
    paid_total: formatMinor(b.paid, b.scale),
    outstanding: formatMinor(b.outstanding, b.scale),
    open_invoices: b.open,
    overdue_invoices: b.overdue,
  }));
  return { invoices: rows, client_balances: clientBalances, events, dlq, summary, clock: clock === undefined ? null : formatTimestamp(clock) };
}
