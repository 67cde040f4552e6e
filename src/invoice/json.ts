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
  return BARE_NUMBER_FIELD.test(text) ? JSON.parse(text, keepSource) : JSON.parse(text);
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

// The replay reads each line's occurred_at (to merge files) before validation parses it again;
// the first parse is kept here, keyed by the very Buffer, and handed over once.
const parsed = new WeakMap<Uint8Array, unknown>();

/** Parses strict UTF-8 JSON bytes and remembers the result for `takeParsed`; throws on bad input. */
export function parseAndRemember(bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new Error('not UTF-8');
  const value = parseJsonExact(text);
  parsed.set(bytes, value);
  return value;
}

/** The value remembered for these bytes (forgotten once taken), or `undefined` when none. */
export function takeParsed(bytes: Uint8Array): { value: unknown } | undefined {
  if (!parsed.has(bytes)) return undefined;
  const value = parsed.get(bytes);
  parsed.delete(bytes);
  return { value };
}
