// The `occurred_at` of a JSON record read as its bytes go by, for values too large to hold or to
// parse: the replay reads lines past its line limit this way, and `occurredAtMillis` uses it on
// oversize values. It gives exactly what parsing the whole value gives (strict UTF-8, JSON as
// `JSON.parse` accepts it, the last top-level `occurred_at` that is a string, `parseTimestamp`),
// so the merge order does not depend on how a line was read. It holds the nesting (a bit per
// level) and at most a few dozen characters of the field: never the value.
import { parseTimestamp } from '../values/time.ts';

// What the scanner expects next.
const VALUE = 0; // a value (after ':' or ',' in an array, or at the start)
const ARRAY_FIRST = 1; // a value or ']'
const OBJECT_FIRST = 2; // a key or '}'
const KEY = 3; // a key (after ',' in an object)
const COLON = 4;
const AFTER = 5; // ',' or a closing bracket; only whitespace once the top-level value is done
const STRING = 6;
const ESCAPE = 7; // after '\'
const UNICODE = 8; // the hex digits of '\uXXXX'
const NUMBER = 9;
const LITERAL = 10; // true, false, null
const FAILED = 11; // not JSON, not an object, or not UTF-8: no occurred_at, whatever follows

// Where the scanner is inside a number (JSON's grammar); "final" ones may end the number.
const N_MINUS = 0;
const N_ZERO = 1; // final
const N_INT = 2; // final
const N_DOT = 3;
const N_FRACTION = 4; // final
const N_E = 5;
const N_E_SIGN = 6;
const N_EXPONENT = 7; // final

// What of a string being read is kept.
const PLAIN = 0; // nothing
const TOP_KEY = 1; // a key of the top-level object, while it may still be "occurred_at"
const TOP_OCCURRED_AT = 2; // the value of a top-level "occurred_at", while it may be a timestamp

const FIELD = 'occurred_at';
// Longest timestamp text kept: a readable one is at most 33 characters once fraction digits past
// the seventh are dropped (they never change the µs); anything longer is not a timestamp.
const MAX_TEXT = 64;
// Bytes decoded at a time: one value never becomes one string.
const SLICE = 1 << 20;

const ESCAPED: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Reads a JSON record's `occurred_at` from its bytes in pieces: `write` them in order, then `end`. */
export class OccurredAtScanner {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #state = VALUE;
  // Open containers, a bit each (1: array), and how many.
  #nesting = new Uint32Array(4);
  #depth = 0;
  #number = N_MINUS;
  #literal = '';
  #literalAt = 0;
  #stringKind = PLAIN;
  #stringIsKey = false;
  #unicode = 0;
  #unicodeDigits = 0;
  // The top-level key being read, and whether the value that follows is occurred_at's.
  #key = '';
  #nextIsField = false;
  // The last top-level occurred_at: its text, or null when it is not a string (or too long).
  #field: string | null = null;
  #text = '';
  #fractionDigitsOnly = false;

  /** Feeds the next bytes of the value. */
  write(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length && this.#state !== FAILED; at += SLICE) {
      let text: string;
      try {
        text = this.#decoder.decode(bytes.subarray(at, Math.min(bytes.length, at + SLICE)), { stream: true });
      } catch {
        this.#state = FAILED; // not UTF-8
        return;
      }
      this.#scan(text);
    }
  }

  /** The `occurred_at` in epoch ms (µs kept as a fraction), as `occurredAtMillis`; undefined when none. */
  end(): number | undefined {
    if (this.#state !== FAILED) {
      try {
        this.#scan(this.#decoder.decode());
      } catch {
        this.#state = FAILED; // ends inside a UTF-8 sequence
      }
    }
    const complete = this.#depth === 0 && this.#state === AFTER;
    if (!complete || this.#field === null) return undefined;
    const micros = parseTimestamp(this.#field);
    return micros === undefined ? undefined : micros / 1000;
  }

  #scan(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.#state) {
        case STRING: {
          if (this.#stringKind === PLAIN) {
            // The bulk of a long value: run to the next quote, backslash or control character.
            let j = i;
            while (j < n) {
              const d = text.charCodeAt(j);
              if (d === 34 || d === 92 || d < 32) break;
              j++;
            }
            i = j;
            if (i >= n) return;
          }
          const d = text.charCodeAt(i);
          if (d === 34) this.#endString();
          else if (d === 92) this.#state = ESCAPE;
          else if (d < 32) this.#state = FAILED;
          else this.#keep(text[i] as string);
          i++;
          continue;
        }
        case ESCAPE: {
          const ch = text[i] as string;
          if (ch === 'u') {
            this.#state = UNICODE;
            this.#unicode = 0;
            this.#unicodeDigits = 0;
          } else if (ESCAPED[ch] !== undefined) {
            this.#keep(ESCAPED[ch]);
            this.#state = STRING;
          } else {
            this.#state = FAILED;
          }
          i++;
          continue;
        }
        case UNICODE: {
          const h = hexValue(c);
          if (h < 0) {
            this.#state = FAILED;
            return;
          }
          this.#unicode = this.#unicode * 16 + h;
          if (++this.#unicodeDigits === 4) {
            this.#keep(String.fromCharCode(this.#unicode));
            this.#state = STRING;
          }
          i++;
          continue;
        }
        case NUMBER:
          if (this.#stepNumber(c)) i++;
          continue;
        case LITERAL:
          if (c !== this.#literal.charCodeAt(this.#literalAt)) {
            this.#state = FAILED;
            return;
          }
          i++;
          if (++this.#literalAt === this.#literal.length) this.#state = AFTER;
          continue;
        case FAILED:
          return;
        default:
          if (!isSpace(c)) this.#structural(c);
          i++;
      }
    }
  }

  // A character outside strings, numbers and literals (whitespace already skipped).
  #structural(c: number): void {
    switch (this.#state) {
      case ARRAY_FIRST:
        if (c === 93) this.#close(1);
        else this.#value(c);
        return;
      case VALUE:
        this.#value(c);
        return;
      case OBJECT_FIRST:
        if (c === 125) this.#close(0);
        else if (c === 34) this.#startKey();
        else this.#state = FAILED;
        return;
      case KEY:
        if (c === 34) this.#startKey();
        else this.#state = FAILED;
        return;
      case COLON:
        this.#state = c === 58 ? VALUE : FAILED;
        return;
      case AFTER:
        if (this.#depth === 0) this.#state = FAILED;
        else if (c === 44) this.#state = this.#inArray() ? VALUE : KEY;
        else if (c === 93) this.#close(1);
        else if (c === 125) this.#close(0);
        else this.#state = FAILED;
    }
  }

  // The first character of a value.
  #value(c: number): void {
    const top = this.#depth === 0;
    // Only an object can have an occurred_at: any other top-level value settles the answer.
    if (top && c !== 123) {
      this.#state = FAILED;
      return;
    }
    const isField = this.#nextIsField;
    this.#nextIsField = false;
    if (isField) this.#field = null; // a later occurred_at replaces an earlier one, whatever it is
    if (c === 123 || c === 91) {
      this.#open(c === 91 ? 1 : 0);
    } else if (c === 34) {
      this.#state = STRING;
      this.#stringIsKey = false;
      this.#stringKind = isField ? TOP_OCCURRED_AT : PLAIN;
      this.#text = '';
      this.#fractionDigitsOnly = false;
    } else if (c === 45 || isDigit(c)) {
      this.#state = NUMBER;
      this.#number = c === 45 ? N_MINUS : c === 48 ? N_ZERO : N_INT;
    } else if (c === 116 || c === 102 || c === 110) {
      this.#state = LITERAL;
      this.#literal = c === 116 ? 'true' : c === 102 ? 'false' : 'null';
      this.#literalAt = 1;
    } else {
      this.#state = FAILED;
    }
  }

  // One character of a number; false when it ended the number and is to be read again.
  #stepNumber(c: number): boolean {
    const digit = isDigit(c);
    const at = this.#number;
    if (at === N_INT && digit) return true;
    if (at === N_INT || at === N_ZERO) {
      // After the integer part: a fraction, an exponent, or the end.
      if (c === 46) this.#number = N_DOT;
      else if (c === 101 || c === 69) this.#number = N_E;
      else return this.#endNumber();
      return true;
    }
    if (at === N_FRACTION || at === N_EXPONENT) {
      if (digit) return true;
      if (at === N_FRACTION && (c === 101 || c === 69)) {
        this.#number = N_E;
        return true;
      }
      return this.#endNumber();
    }
    if (at === N_E && (c === 43 || c === 45)) {
      this.#number = N_E_SIGN;
      return true;
    }
    // N_MINUS, N_DOT, N_E, N_E_SIGN: a digit must come.
    if (digit) {
      this.#number = at === N_MINUS ? (c === 48 ? N_ZERO : N_INT) : at === N_DOT ? N_FRACTION : N_EXPONENT;
      return true;
    }
    this.#state = FAILED;
    return true;
  }

  #endNumber(): false {
    this.#state = AFTER;
    return false;
  }

  #startKey(): void {
    this.#state = STRING;
    this.#stringIsKey = true;
    this.#stringKind = this.#depth === 1 ? TOP_KEY : PLAIN;
    this.#key = '';
  }

  // A character of the string being read, kept when it is a top-level key or occurred_at's text.
  #keep(ch: string): void {
    if (this.#stringKind === TOP_KEY) {
      // Longer than "occurred_at": another key; the rest is read as any string.
      if (this.#key.length === FIELD.length) this.#stringKind = PLAIN;
      else this.#key += ch;
    } else if (this.#stringKind === TOP_OCCURRED_AT) {
      const text = this.#text;
      const digit = ch.length === 1 && isDigit(ch.charCodeAt(0));
      // Past seven fraction digits, more digits change nothing: timestamps keep µs and truncate.
      if (text.length >= 27 && this.#fractionDigitsOnly && digit) return;
      // Too long for a timestamp: the field stays null and the rest is read as any string.
      if (text.length >= MAX_TEXT) {
        this.#stringKind = PLAIN;
        return;
      }
      if (text.length === 19) this.#fractionDigitsOnly = ch === '.';
      else if (text.length > 19) this.#fractionDigitsOnly &&= digit;
      this.#text = text + ch;
    }
  }

  #endString(): void {
    if (this.#stringIsKey) {
      this.#nextIsField = this.#stringKind === TOP_KEY && this.#key === FIELD;
      this.#state = COLON;
      return;
    }
    if (this.#stringKind === TOP_OCCURRED_AT) this.#field = this.#text;
    this.#state = AFTER;
  }

  #open(bit: number): void {
    const word = this.#depth >>> 5;
    if (word >= this.#nesting.length) {
      const grown = new Uint32Array(this.#nesting.length * 2);
      grown.set(this.#nesting);
      this.#nesting = grown;
    }
    const mask = 1 << (this.#depth & 31);
    this.#nesting[word] = bit ? (this.#nesting[word] as number) | mask : (this.#nesting[word] as number) & ~mask;
    this.#depth++;
    this.#state = bit ? ARRAY_FIRST : OBJECT_FIRST;
  }

  #inArray(): boolean {
    const d = this.#depth - 1;
    return (((this.#nesting[d >>> 5] as number) >>> (d & 31)) & 1) === 1;
  }

  // Closes the innermost container if it is of the given kind (1: array).
  #close(bit: number): void {
    if (this.#depth === 0 || (this.#inArray() ? 1 : 0) !== bit) {
      this.#state = FAILED;
      return;
    }
    this.#depth--;
    this.#state = AFTER;
  }
}
