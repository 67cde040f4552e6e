// UTC time for the oracle, from scratch: RFC 3339 → epoch microseconds, epoch days, formatting.

/** Microseconds per day. */
export const DAY_US = 86_400_000_000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function validDate(y: number, mo: number, d: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Epoch day of a civil date. */
function epochDay(y: number, mo: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return Math.floor(date.getTime() / 86_400_000);
}

/** RFC 3339 timestamp → epoch µs (fraction beyond µs truncated); undefined when not one. */
export function parseTimestamp(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (oh * 60 + om) * (m[9] === '-' ? -1 : 1);
  }
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  const seconds = epochDay(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offsetMin * 60;
  return seconds * 1_000_000 + micros;
}

/** `YYYY-MM-DD` → epoch day; undefined when not a real date. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = m.slice(1, 4).map(Number) as [number, number, number];
  return validDate(y, mo, d) ? epochDay(y, mo, d) : undefined;
}

/** The UTC epoch day of an instant. */
export function dayOf(us: number): number {
  return Math.floor(us / DAY_US);
}

/** Epoch day → `YYYY-MM-DD`. */
export function formatDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Epoch µs → `YYYY-MM-DDTHH:MM:SS.ffffffZ` (exact for a BigInt). */
export function formatTimestamp(us: number | bigint): string {
  const big = BigInt(us);
  const seconds = big >= 0n ? big / 1_000_000n : -((-big + 999_999n) / 1_000_000n);
  const micro = String(big - seconds * 1_000_000n).padStart(6, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${micro}Z`;
}
