// Hand-written edge scenarios for the differential test: the boundaries a random generator hits
// rarely (exact orphan and overdue instants, sub-millisecond merge order, exotic but valid JSON
// and RFC 3339 spellings, code-point length of event_id, ...). Each is run through both sides.
import type { OracleInput } from './model.ts';

type Fields = Record<string, unknown>;
const line = (o: Fields) => JSON.stringify(o);
const LINES = [{ sku: 'a', quantity: 1, unit_price: '100.00', tax_rate: '0' }];

const placed = (id: string, at: string, extra: Fields = {}) =>
  line({ event_id: id, event_type: 'order.placed', occurred_at: at, order_id: 'o1', client_id: 'c1', currency: 'USD', lines: LINES, ...extra });
const amended = (id: string, at: string, extra: Fields) => line({ event_id: id, event_type: 'order.amended', occurred_at: at, order_id: 'o1', ...extra });
const cancelled = (id: string, at: string, extra: Fields = {}) => line({ event_id: id, event_type: 'order.cancelled', occurred_at: at, order_id: 'o1', ...extra });
const paid = (id: string, at: string, amount: unknown = '10.00', extra: Fields = {}) =>
  line({ event_id: id, event_type: 'payment.received', occurred_at: at, payment_id: `p_${id}`, invoice_id: 'inv_o1', amount, currency: 'USD', method: 'card', ...extra });
const refunded = (id: string, at: string, amount: unknown, extra: Fields = {}) =>
  line({ event_id: id, event_type: 'payment.refunded', occurred_at: at, payment_id: 'p', invoice_id: 'inv_o1', amount, currency: 'USD', ...extra });
const act = (id: string, type: string, at: string, extra: Fields = {}) => line({ event_id: id, event_type: `invoice.${type}`, occurred_at: at, invoice_id: 'inv_o1', ...extra });

const P0 = placed('o', '2026-03-01T10:00:00Z');
const at = (iso: string) => Date.parse(iso) * 1000;

/** Named edge scenarios. */
export const EDGE_CASES: Record<string, OracleInput> = {
  // Merge and clock.
  subMillisecondMerge: { orders: [placed('o', '2026-03-01T10:00:00.000900Z')], payments: [], activity: [act('a', 'sent', '2026-03-01T10:00:00.000100Z')] },
  offsetMerge: { orders: [placed('o', '2026-03-01T12:00:00+02:00')], payments: [], activity: [act('a', 'sent', '2026-03-01T10:30:00Z')] },
  tieOrdersFirst: { orders: [placed('o', '2026-03-01T10:00:00Z')], payments: [paid('p', '2026-03-01T10:00:00Z')], activity: [act('a', 'sent', '2026-03-01T10:00:00Z')] },
  unreadableGoesFirst: { orders: [placed('o', '2026-03-01T10:00:00Z')], payments: [], activity: [act('a', 'sent', '2026-03-02T10:00:00Z'), 'not json', act('b', 'viewed', '2026-03-01T09:00:00Z')] },
  invalidDoesNotMoveClock: {
    orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 0 }), line({ event_id: 'bad', event_type: 'order.placed', occurred_at: '2026-03-09T00:00:00Z', order_id: 'x', client_id: 'c', currency: 'XXX', lines: LINES })],
    payments: [], activity: [act('a', 'sent', '2026-03-01T11:00:00Z')],
  },
  lowercaseTandZ: { orders: [placed('o', '2026-03-01t10:00:00z')], payments: [], activity: [] },
  leapSecondRefused: { orders: [placed('o', '2026-03-01T23:59:60Z')], payments: [], activity: [] },
  offsetChangesIssueDate: { orders: [placed('o', '2026-03-01T22:00:00-05:00', { payment_terms_days: 0 })], payments: [], activity: [act('a', 'sent', '2026-03-03T00:00:00Z')] },
  // Overdue boundaries and episodes.
  overdueAtMidnight: { orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 0 })], payments: [], activity: [act('a', 'sent', '2026-03-02T00:00:00Z')] },
  notOverdueJustBefore: { orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 0 })], payments: [], activity: [act('a', 'sent', '2026-03-01T23:59:59.999999Z')] },
  overdueAtAsOf: { orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 0 })], payments: [], activity: [], asOfMicros: at('2026-03-05T00:00:00Z') },
  overdueEpisodes: {
    orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 1 }), amended('m1', '2026-03-05T00:00:00Z', { due_date: '2026-03-10' }), amended('m2', '2026-03-06T00:00:00Z', { due_date: '2026-03-01' })],
    payments: [paid('p1', '2026-03-12T00:00:00Z', '100.00'), refunded('r1', '2026-03-13T00:00:00Z', '50.00')],
    activity: [act('d', 'disputed', '2026-03-07T00:00:00Z'), act('r', 'dispute_resolved', '2026-03-08T00:00:00Z')],
  },
  createdOverdueAtOnce: { orders: [placed('late', '2026-02-01T10:00:00Z', { payment_terms_days: 0 })], payments: [], activity: [act('x', 'sent', '2026-03-01T00:00:00Z', { invoice_id: 'inv_zz' })] },
  // Held payments and orphans.
  orphanExactlyAt7Days: { orders: [placed('o', '2026-03-08T10:00:00Z')], payments: [paid('p', '2026-03-01T10:00:00Z')], activity: [] },
  heldJustBefore7Days: { orders: [placed('o', '2026-03-08T09:59:59.999Z')], payments: [paid('p', '2026-03-01T10:00:00Z')], activity: [] },
  orphanAtAsOf: { orders: [], payments: [paid('p', '2026-03-01T10:00:00Z')], activity: [], asOfMicros: at('2026-03-08T10:00:00Z') },
  heldOldestFirst: {
    orders: [placed('o', '2026-03-03T10:00:00Z')],
    payments: [paid('p1', '2026-03-01T10:00:00Z', '60.00'), refunded('r', '2026-03-01T10:00:00Z', '50.00'), paid('p2', '2026-03-01T09:00:00Z', '50.00')],
    activity: [],
  },
  heldRefundBeforePayment: { orders: [placed('o', '2026-03-03T10:00:00Z')], payments: [refunded('r', '2026-03-01T10:00:00Z', '5.00'), paid('p', '2026-03-02T10:00:00Z')], activity: [] },
  heldDuplicateAndMismatch: {
    orders: [placed('o', '2026-03-03T10:00:00Z')],
    payments: [paid('p', '2026-03-01T10:00:00Z'), paid('p', '2026-03-01T10:00:00Z'), paid('q', '2026-03-02T10:00:00Z', '1.000', { currency: 'KWD' }), paid('q', '2026-03-02T10:00:00Z', '1.000', { currency: 'KWD' })],
    activity: [],
  },
  heldPaysInFullBeforeIssue: { orders: [placed('o', '2026-03-03T10:00:00Z')], payments: [paid('p', '2026-03-01T10:00:00Z', '100.00')], activity: [] },
  // Money.
  halfAwayFromZero: { orders: [placed('o', '2026-03-01T10:00:00Z', { lines: [{ sku: 'a', quantity: '3', unit_price: '0.005', tax_rate: '0.5' }, { sku: 'b', quantity: 1, unit_price: '0.01', tax_rate: '0.5' }] })], payments: [], activity: [] },
  jpyHalves: { orders: [placed('o', '2026-03-01T10:00:00Z', { currency: 'JPY', lines: [{ sku: 'a', quantity: '0.5', unit_price: '1', tax_rate: '0.1' }, { sku: 'b', quantity: 1, unit_price: '2.5', tax_rate: '0.5' }] })], payments: [], activity: [] },
  kwdHalves: { orders: [placed('o', '2026-03-01T10:00:00Z', { currency: 'KWD', lines: [{ sku: 'a', quantity: '1.5', unit_price: '0.0003', tax_rate: '0.5' }] })], payments: [], activity: [] },
  numbersFromSourceText: {
    orders: ['{"event_id":"o","event_type":"order.placed","occurred_at":"2026-03-01T10:00:00Z","order_id":"o1","client_id":"c1","currency":"USD","lines":[{"sku":"a","quantity":3,"unit_price":12345678901234567.895,"tax_rate":0.075}]}'],
    payments: ['{"event_id":"p","event_type":"payment.received","occurred_at":"2026-03-02T10:00:00Z","payment_id":"p","invoice_id":"inv_o1","amount":1E1,"currency":"USD","method":"x"}',
      '{"event_id":"q","event_type":"payment.received","occurred_at":"2026-03-02T11:00:00Z","payment_id":"q","invoice_id":"inv_o1","amount":4792.650000000000001,"currency":"USD","method":"x"}'],
    activity: [],
  },
  trailingZerosAllowed: { orders: [placed('o', '2026-03-01T10:00:00Z', { currency: 'JPY' })], payments: [paid('p', '2026-03-02T10:00:00Z', '100.000', { currency: 'JPY' })], activity: [] },
  zeroTotal: { orders: [placed('o', '2026-03-01T10:00:00Z', { lines: [{ sku: 'a', quantity: 2, unit_price: 0, tax_rate: '0.2' }] })], payments: [paid('p', '2026-03-02T10:00:00Z', '1.00')], activity: [] },
  overpaidThenRefundedThenVoided: {
    orders: [P0, cancelled('c', '2026-03-05T00:00:00Z'), cancelled('c2', '2026-03-06T00:00:00Z'), amended('m', '2026-03-07T00:00:00Z', { due_date: '2026-06-01' })],
    payments: [paid('p', '2026-03-02T00:00:00Z', '150.00'), refunded('r', '2026-03-03T00:00:00Z', '60.00'), refunded('r2', '2026-03-05T12:00:00Z', '40.00'), refunded('r3', '2026-03-05T13:00:00Z', '60.00'), paid('p2', '2026-03-05T14:00:00Z', '1.00')],
    activity: [act('s', 'sent', '2026-03-05T15:00:00Z')],
  },
  amendmentsNoOpAndPaid: {
    orders: [P0, amended('m1', '2026-03-02T00:00:00Z', { lines: LINES }), amended('m2', '2026-03-03T00:00:00Z', { lines: [{ sku: 'z', quantity: 1, unit_price: '10.00', tax_rate: '0' }] }), amended('m3', '2026-03-04T00:00:00Z', { lines: LINES, due_date: '2026-03-02' })],
    payments: [paid('p', '2026-03-01T12:00:00Z', '10.00')],
    activity: [],
  },
  unknownOrderAndInvoice: { orders: [cancelled('c', '2026-03-01T00:00:00Z'), amended('m', '2026-03-01T00:00:00Z', { due_date: '2026-04-01' }), cancelled('c', '2026-03-01T00:00:00Z')], payments: [], activity: [act('a', 'sent', '2026-03-01T00:00:00Z')] },
  placedAgain: { orders: [P0, placed('o2', '2026-03-02T10:00:00Z', { client_id: 'c9', currency: 'EUR' }), P0], payments: [], activity: [] },
  // Validation.
  eventIdCodePoints: { orders: [P0], payments: [], activity: [act('😀'.repeat(128), 'sent', '2026-03-02T00:00:00Z'), act('😀'.repeat(129), 'viewed', '2026-03-02T00:00:00Z'), act('', 'viewed', '2026-03-02T00:00:00Z')] },
  sameIdOtherTopic: { orders: [placed('x', '2026-03-01T10:00:00Z')], payments: [paid('x', '2026-03-01T11:00:00Z')], activity: [act('x', 'sent', '2026-03-01T11:00:00Z')] },
  nullOptionals: { orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: null }), amended('m', '2026-03-02T00:00:00Z', { lines: null, due_date: '2026-05-01' }), cancelled('c', '2026-03-03T00:00:00Z', { reason: null })], payments: [], activity: [] },
  badInputs: {
    orders: ['\uFEFF' + P0, '', '   ', '[]', '42', placed('b1', '2026-03-01T10:00:00Z', { payment_terms_days: 366 }), placed('b2', '2026-03-01T10:00:00Z', { currency: 'usd' }), placed('b3', '2026-03-01T10:00:00Z', { currency: 7 })],
    payments: [paid('b4', '2026-03-01T10:00:00Z', '5.001'), paid('b5', '2026-03-01T10:00:00Z', '5', { currency: 'XTS' }), paid('b6', '2026-03-01T10:00:00Z', '5.0001', { currency: 'ABC' }), paid('b7', '2026-02-30T10:00:00Z'), paid('b8', '2026-03-01T10:00:00Z', '1e1')],
    activity: [act('b9', 'paid', '2026-03-01T10:00:00Z'), act('b10', 'sent', '2026-03-01T10:00:00Z', { invoice_id: 5 })],
  },
  duplicateStillMovesClock: { orders: [placed('o', '2026-03-01T10:00:00Z', { payment_terms_days: 0 }), placed('o', '2026-03-04T10:00:00Z')], payments: [], activity: [act('a', 'sent', '2026-03-01T11:00:00Z'), act('a', 'sent', '2026-03-09T00:00:00Z')] },
  badInputNeverDeduplicates: {
    orders: [placed('o', '2026-03-01T10:00:00Z', { currency: 'XXX' }), placed('o', '2026-03-01T10:00:00Z'), placed('o', '2026-03-01T10:00:00Z', { order_id: 'o2' })],
    payments: [], activity: [act('a', 'sent', '2026-03-01T11:00:00Z', { invoice_id: 7 }), act('a', 'sent', '2026-03-01T11:00:00Z')],
  },
  deadLetteredThenRedelivered: {
    orders: [amended('m', '2026-03-01T00:00:00Z', { due_date: '2026-04-01' }), P0, amended('m', '2026-03-01T00:00:00Z', { due_date: '2026-04-01' })],
    payments: [paid('p', '2026-03-02T00:00:00Z', '1.00', { currency: 'EUR' }), paid('p', '2026-03-02T00:00:00Z', '1.00', { currency: 'EUR' })],
    activity: [act('a', 'sent', '2026-03-01T00:00:00Z'), act('a', 'sent', '2026-03-01T12:00:00Z')],
  },
  oversize: {
    orders: [P0],
    payments: [],
    activity: [act('big', 'sent', '2026-03-02T00:00:00Z', { pad: 'x'.repeat(1024 * 1024) }), act('max', 'viewed', '2026-03-02T00:00:00Z', { pad: 'y'.repeat(1024 * 1024 - 116) }) /* exactly 1 MiB: accepted */],
  },
  // Years before 0100 (F2).
  year0099: { orders: [placed('o', '0099-03-01T10:00:00Z')], payments: [], activity: [act('a', 'sent', '0099-03-02T10:00:00Z')] },
  dueDate0050: { orders: [P0, amended('m', '2026-03-02T10:00:00Z', { due_date: '0050-01-01' })], payments: [], activity: [] },
  // A due date past 9999-12-31 (F3): the replay must go on.
  dueDateAfter9999: { orders: [placed('o', '9999-12-30T10:00:00Z'), placed('o2', '9999-12-30T11:00:00Z', { order_id: 'o2', payment_terms_days: 1 }), placed('o3', '9999-12-30T12:00:00Z', { order_id: 'o3', payment_terms_days: 0 })], payments: [], activity: [] },
  // Money past decimal(38,4) (F5): refused, and the replay goes on.
  amountsPastDecimal38: {
    orders: [placed('o', '2026-03-01T10:00:00Z', { lines: [{ sku: 'a', quantity: 1, unit_price: '1' + '0'.repeat(34), tax_rate: '0' }] }), placed('o2', '2026-03-01T11:00:00Z', { order_id: 'o2' })],
    payments: [paid('p', '2026-03-02T10:00:00Z', '1' + '0'.repeat(34), { invoice_id: 'inv_o2' })],
    activity: [],
  },
  // occurred_at "" (F6): bad input, not an event at 1970-01-01.
  emptyOccurredAt: { orders: [P0, amended('m', '', { due_date: '2026-02-01' })], payments: [paid('p', '')], activity: [act('a', 'sent', '')] },
  // Held after the orphan deadline (F1).
  heldAfterDeadline: { orders: [], payments: [paid('p2', '2026-04-16T00:00:00Z', '10.00', { invoice_id: 'inv_b' }), paid('p1', '2026-03-12T23:00:00Z')], activity: [] },
  heldAfterDeadlineThenLateOrder: {
    // A bad line (valid occurred_at, unknown currency) holds the order back in the merge without moving the clock.
    orders: [placed('bad', '2026-05-01T00:00:00Z', { order_id: 'x', currency: 'XXX' }), placed('o', '2026-03-05T00:00:00Z')],
    payments: [paid('pz', '2026-04-01T00:00:00Z', '10.00', { invoice_id: 'inv_zz' }), paid('p1', '2026-03-02T00:00:00Z')],
    activity: [],
  },
};
