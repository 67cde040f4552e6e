// The invoice processor's state stores and their key layouts. Index keys start with a fixed-width
// time so that `range(undefined, upTo)` finds exactly what is due: no scan of every invoice.
import type { InputEvent } from './events.ts';

/** Store names (the Kafka runtime names changelogs `<appId>-<name>-changelog`). */
export const STORE = {
  /** invoice_id → InvoiceState. */
  invoices: 'invoices',
  /** topic \0 event_id → clock (µs) when first seen. */
  dedup: 'dedup',
  /** first-seen (µs, padded) \0 topic \0 event_id → 1: expires dedup entries. */
  dedupExpiry: 'dedup-expiry',
  /** invoice_id \0 occurred_at \0 seq → HeldPayment: payments waiting for their invoice. */
  held: 'held-payments',
  /** orphan-at (µs, padded) \0 held key → 1: held payments by expiry. */
  heldExpiry: 'held-payments-by-expiry',
  /** due day (padded) \0 invoice_id → 1: invoices that may become overdue. */
  dueIndex: 'invoices-by-due-date',
  /** `clock` → µs, `seq` → arrival counter. */
  clock: 'invoice-clock',
  /** (client_id, currency) → ClientBalanceRow. */
  balances: 'client-balances',
} as const;

/** A payment event held until its invoice exists; bytes as base64 so any store serde keeps them. */
export interface HeldPayment {
  event: InputEvent;
  origin: { topic: string; partition: number; offset: number; key: string | null; value: string };
}

/** Fixed-width decimal for key order (non-negative values: times after 1970). */
export function pad(value: number, width = 17): string {
  return String(Math.max(0, Math.floor(value))).padStart(width, '0');
}

/** Key of a dedup entry. */
export function dedupKey(topic: string, eventId: string): string {
  return `${topic}\u0000${eventId}`;
}

/** Key of a held payment: by invoice, then oldest first, then arrival. */
export function heldKey(invoiceId: string, occurredAt: number, seq: number): string {
  return `${invoiceId}\u0000${pad(occurredAt)}\u0000${pad(seq, 12)}`;
}

/** Key of the due-date index. */
export function dueKey(dueDay: number, invoiceId: string): string {
  return `${pad(dueDay, 7)}\u0000${invoiceId}`;
}

/** The part of an expiry-index key after the time: the key it points to. */
export function afterTime(indexKey: string): string {
  return indexKey.slice(indexKey.indexOf('\u0000') + 1);
}
