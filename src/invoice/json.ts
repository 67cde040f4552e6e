// JSON text → value, keeping decimal numbers exact. JSON.parse turns 4792.650000000000001 into a
// double; for the money and quantity fields we want the digits as written, so those numbers are
// read from their source text (the reviver's `context.source`, Node >= 21).

const EXACT_KEYS: ReadonlySet<string> = new Set(['amount', 'unit_price', 'tax_rate', 'quantity']);

// Only pay for the reviver when an exact field is written as a bare number.
const BARE_NUMBER_FIELD = /"(?:amount|unit_price|tax_rate|quantity)"\s*:\s*-?\d/;

function keepSource(key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && EXACT_KEYS.has(key) && context?.source !== undefined) return context.source;
  return value;
}

/** Parses JSON text; numbers under `amount`, `unit_price`, `tax_rate`, `quantity` come back as their exact source text. Throws on bad JSON. */
export function parseJsonExact(text: string): unknown {
  if (!BARE_NUMBER_FIELD.test(text)) return JSON.parse(text);
  // A reviver call per value makes JSON.parse five times slower; quoting those numbers in the
  // text gives the same result with a plain parse (the reviver remains for escaped keys).
  const quoted = quoteExactNumbers(text);
  return quoted === undefined ? JSON.parse(text, keepSource) : JSON.parse(quoted);
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// End of the JSON number token starting at `i`, or -1 when there is none.
function numberEnd(text: string, i: number): number {
  const n = text.length;
  if (text.charCodeAt(i) === 45) i++;
  if (i >= n || !isDigit(text.charCodeAt(i))) return -1;
  if (text.charCodeAt(i) === 48) i++;
  else while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * The text with every number that is the value of an exact key put in quotes (the string the
 * reviver would return), found by lexing strings as JSON does. Only a complete number token
 * followed by `,` `}` or `]` is quoted: a value swapped for a value, so bad JSON stays bad.
 * Undefined when a key has an escape (it may spell an exact key; the reviver handles that).
 */
function quoteExactNumbers(text: string): string | undefined {
  const n = text.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 34) {
      i++;
      continue;
    }
    const start = i + 1;
    let j = start;
    let escaped = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) {
        escaped = true;
        j += 2;
      } else if (c === 34) break;
      else j++;
    }
    if (j >= n) break; // unterminated string: the parse fails either way
    i = j + 1;
    let k = i;
    while (k < n && isJsonSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) !== 58) continue; // not a key
    if (escaped) return undefined;
    if (!EXACT_KEYS.has(text.slice(start, j))) continue;
    k++;
    while (k < n && isJsonSpace(text.charCodeAt(k))) k++;
    const end = numberEnd(text, k);
    if (end < 0) continue;
    let after = end;
    while (after < n && isJsonSpace(text.charCodeAt(after))) after++;
    const d = text.charCodeAt(after);
    if (d !== 44 && d !== 125 && d !== 93) continue;
    out += `${text.slice(copied, k)}"${text.slice(k, end)}"`;
    copied = end;
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// A BOM is kept, so JSON.parse refuses it as most JSON parsers do (a record value carries no BOM).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes strict UTF-8 (a BOM is kept, making the JSON malformed); undefined when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Strict UTF-8 JSON bytes → their value (exact numbers, as `parseJsonExact`), or why they are not JSON in validation's words. */
export function readJson(bytes: Uint8Array): { value: unknown } | { error: 'not UTF-8' | 'not JSON' } {
  const text = decodeUtf8(bytes);
  if (text === undefined) return { error: 'not UTF-8' };
  try {
    return { value: parseJsonExact(text) };
  } catch {
    return { error: 'not JSON' };
  }
}

/** Default largest accepted value: Kafka's default `max.message.bytes` (1 MiB). Validation refuses larger ones. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;
