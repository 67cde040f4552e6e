// The invoice processor's state stores and their key layouts. Index keys start with a fixed-width
// time so that `range(undefined, upTo)` finds exactly what is due: no scan of every invoice.
import type { InputEvent } from './events.ts';

/** Store names (the Kafka runtime names changelogs `<appId>-<name>-changelog`). */
export const STORE = {
  /** invoice_id → InvoiceState. */
  invoices: 'invoices',
  /** topic \0 event_id → clock (µs) when first seen; expired entries swept (dedup-window.ts). */
  dedup: 'dedup',
  /** invoice_id → HeldPayment[] (oldest first): payments waiting for their invoice. */
  held: 'held-payments',
  /** orphan-at (µs, padded) \0 invoice_id \0 seq → 1: held payments by expiry (range-scanned). */
  heldExpiry: 'held-payments-by-expiry',
  /** due day (padded) \0 invoice_id → 1 (day-buckets.ts): invoices that may become overdue (re-checked when taken). */
  dueIndex: 'invoices-by-due-date',
  /** `clock` → µs, `seq` → arrival counter. */
  clock: 'invoice-clock',
  /** (client_id, currency) → ClientBalanceRow. */
  balances: 'client-balances',
} as const;

/** A payment event held until its invoice exists; bytes as base64 so any store serde keeps them. */
export interface HeldPayment {
  /** Arrival number, unique per task: orders ties and names the expiry entry. */
  seq: number;
  event: InputEvent;
  origin: { topic: string; partition: number; offset: number; key: string | null; value: string };
}

/**
 * Decimal text whose order is numeric order (keys compare as bytes), `width` digits for the usual
 * range (so keys written by earlier versions keep their place):
 * - 0 ≤ value < 10^width: zero-padded digits;
 * - below 0 (before 1970): `-` and the nines' complement of |value| - 1 in width - 1 digits, so
 *   they sort before every digit and in order among themselves (-2 → "-9…98" < -1 → "-9…99");
 * - beyond either end (microseconds past year 5138 or before 1653): `:` (after every digit) or `!`
 *   (before `-`) and width + 2 digits, which hold any instant of years 0000–9999.
 */
export function pad(value: number, width = 17): string {
  const n = Math.floor(value);
  if (n >= 0) {
    const digits = String(n);
    return digits.length <= width ? digits.padStart(width, '0') : `:${digits.padStart(width + 2, '0')}`;
  }
  const magnitude = String(-n - 1);
  if (magnitude.length <= width - 1) return `-${complement(magnitude.padStart(width - 1, '0'))}`;
  return `!${complement(magnitude.padStart(width + 2, '0'))}`;
}

/** The number a `pad` key part spells. */
export function unpad(text: string): number {
  const first = text.charCodeAt(0);
  if (first === 58) return Number(text.slice(1)); // ':'
  if (first === 45 || first === 33) return -(Number(complement(text.slice(1))) + 1); // '-', '!'
  return Number(text);
}

function complement(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) out += String.fromCharCode(105 - digits.charCodeAt(i)); // '9' + '0' - c
  return out;
}

/** Key of a dedup entry. */
export function dedupKey(topic: string, eventId: string): string {
  return `${topic}\u0000${eventId}`;
}

/** Key of a held payment's expiry entry: orphan time, invoice, arrival. */
export function heldExpiryKey(expiresAt: number, invoiceId: string, seq: number): string {
  return `${pad(expiresAt)}\u0000${invoiceId}\u0000${seq}`;
}

/** The parts of a held-payment expiry key. */
export function parseHeldExpiryKey(key: string): { expiresAt: number; invoiceId: string; seq: number } {
  const first = key.indexOf('\u0000');
  const last = key.lastIndexOf('\u0000');
  return { expiresAt: unpad(key.slice(0, first)), invoiceId: key.slice(first + 1, last), seq: Number(key.slice(last + 1)) };
}
