// Reads a JSONL file line by line in large chunks without loading it whole. Reading is async
// only when the buffer runs dry, so the merge loop awaits once per chunk, not once per line.
//
// Line rules: a line ends at "\n"; a "\r" right before it is dropped (CRLF files); the bytes
// after the last "\n" form a last line only if there are any (a file ending in "\n" has no empty
// last line). Empty lines in the middle are lines (they are bad input, not skipped), so line
// numbers stay equal to offsets.
//
// Long lines: a line longer than `maxLineBytes` is never held whole. Once it passes the limit the
// reader keeps its first `headBytes`, hands every byte to the extractor (which reads what the
// merge needs, its timestamp, as the bytes go by) and drops the rest up to the next "\n"; the line
// comes out cut, with its full length. Memory stays at about a chunk and the limit, whatever the
// line's size.
import { open, type FileHandle } from 'node:fs/promises';

/** One line: its bytes without the line ending and its 0-based number. */
export interface Line {
  readonly bytes: Buffer;
  readonly lineNo: number;
  /** Set on a line longer than the reader's limit: its full length; `bytes` holds only its start. */
  readonly cutFrom?: number;
  /** On a cut line: what the extractor read from all of its bytes. */
  readonly extracted?: number;
}

/** Reads a line's timestamp from its bytes in pieces (`write` in order, then `end`): for lines too long to hold. */
export interface StreamingExtractor {
  write(bytes: Uint8Array): void;
  end(): number | undefined;
}

/** What a reader does with lines too long to hold. */
export interface LongLines {
  /** Longest line held whole, in bytes (without its line ending). */
  readonly maxLineBytes: number;
  /** Bytes kept from the start of a longer line (default 64 KiB). */
  readonly headBytes?: number;
  /** Reads a longer line's timestamp as its bytes go by (none: the line has no timestamp). */
  readonly extractor?: () => StreamingExtractor;
}

/** Bytes kept from the start of a line too long to hold, by default. */
export const DEFAULT_HEAD_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

// A line being skipped: its first bytes, its length so far, its last byte (a CR before the "\n"
// is not part of the line) and the extractor reading it.
interface Skipping {
  head: Buffer[];
  headLength: number;
  length: number;
  last: number;
  extractor: StreamingExtractor | undefined;
}

/** A buffered line reader over one file. */
export class LineReader {
  readonly path: string;
  #handle: FileHandle | undefined;
  #chunk: Buffer = Buffer.alloc(0);
  #pos = 0;
  #carry: Buffer[] = [];
  #carryLength = 0;
  #skipping: Skipping | undefined;
  #eof = false;
  #lineNo = 0;
  #bytesRead = 0;
  readonly #chunkSize: number;
  readonly #long: LongLines | undefined;

  constructor(path: string, chunkSize = 1 << 20, long?: LongLines) {
    this.path = path;
    this.#chunkSize = chunkSize;
    this.#long = long;
  }

  /** Bytes read from the file so far (for progress). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** The next line if the buffer holds a whole one; `undefined` means call `fill()` (or the end). */
  nextBuffered(): Line | undefined {
    const chunk = this.#chunk;
    const nl = chunk.indexOf(NEWLINE, this.#pos);
    if (nl >= 0) {
      let piece = chunk.subarray(this.#pos, nl);
      this.#pos = nl + 1;
      if (this.#skipping) return this.#endSkipping(piece);
      if (this.#carry.length) {
        piece = Buffer.concat([...this.#carry, piece]);
        this.#carry = [];
        this.#carryLength = 0;
      }
      return this.#line(piece);
    }
    if (this.#eof) {
      const rest = chunk.subarray(this.#pos);
      this.#pos = chunk.length;
      if (this.#skipping) return this.#endSkipping(rest);
      const piece = this.#carry.length ? Buffer.concat([...this.#carry, rest]) : rest;
      this.#carry = [];
      this.#carryLength = 0;
      return piece.length ? this.#line(piece) : undefined;
    }
    return undefined;
  }

  /** Whether the file is exhausted (after `nextBuffered()` returned undefined). */
  get done(): boolean {
    return this.#eof && this.#pos >= this.#chunk.length && this.#carry.length === 0 && !this.#skipping;
  }

  /** Reads the next chunk; keeps a partial line for later. */
  async fill(): Promise<void> {
    if (this.#eof) return;
    this.#handle ??= await open(this.path, 'r');
    if (this.#pos < this.#chunk.length) this.#keepPartial(this.#chunk.subarray(this.#pos));
    // A fresh buffer each time: lines handed out are views into the previous one.
    const buf = Buffer.allocUnsafe(this.#chunkSize);
    const { bytesRead } = await this.#handle.read(buf, 0, buf.length, null);
    this.#bytesRead += bytesRead;
    this.#chunk = buf.subarray(0, bytesRead);
    this.#pos = 0;
    if (bytesRead === 0) {
      this.#eof = true;
      await this.close();
    }
  }

  /** The next line, reading as needed; undefined at the end of the file. */
  async next(): Promise<Line | undefined> {
    while (true) {
      const line = this.nextBuffered();
      if (line || this.#eof) return line;
      await this.fill();
    }
  }

  /** Releases the file. */
  async close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }

  #line(piece: Buffer): Line {
    const bytes = piece.length && piece[piece.length - 1] === CR ? piece.subarray(0, piece.length - 1) : piece;
    // Past the limit by so little that it was held (or it came in one chunk): cut it all the same.
    if (this.#long && bytes.length > this.#long.maxLineBytes) {
      this.#startSkipping(piece);
      return this.#endSkipping(Buffer.alloc(0));
    }
    return { bytes, lineNo: this.#lineNo++ };
  }

  // The rest of the chunk: the start of a line that ends in a later chunk.
  #keepPartial(part: Buffer): void {
    if (this.#skipping) {
      this.#skip(part);
      return;
    }
    // Held whole up to the limit and one byte more (a CR that is not part of the line).
    const limit = this.#long ? this.#long.maxLineBytes + 1 : Infinity;
    if (this.#carryLength + part.length <= limit) {
      // Copied: the chunk it is a view of would otherwise live as long as the line.
      this.#carry.push(Buffer.from(part));
      this.#carryLength += part.length;
      return;
    }
    const carried = this.#carry;
    this.#carry = [];
    this.#carryLength = 0;
    this.#startSkipping(...carried, part);
  }

  #startSkipping(...parts: Buffer[]): void {
    const extractor = this.#long?.extractor?.();
    this.#skipping = { head: [], headLength: 0, length: 0, last: -1, extractor };
    for (const part of parts) this.#skip(part);
  }

  // Bytes of the line being skipped: the head keeps its share, the extractor sees them all.
  #skip(part: Buffer): void {
    const s = this.#skipping as Skipping;
    if (part.length === 0) return;
    const room = (this.#long?.headBytes ?? DEFAULT_HEAD_BYTES) - s.headLength;
    if (room > 0) {
      const kept = Buffer.from(part.subarray(0, room));
      s.head.push(kept);
      s.headLength += kept.length;
    }
    s.extractor?.write(part);
    s.length += part.length;
    s.last = part[part.length - 1] as number;
  }

  // The end of the line being skipped, with its last bytes.
  #endSkipping(part: Buffer): Line {
    this.#skip(part);
    const s = this.#skipping as Skipping;
    this.#skipping = undefined;
    // A CR right before the "\n" is the line ending's, not the line's (the extractor saw it as
    // JSON whitespace, which changes nothing).
    const length = s.last === CR ? s.length - 1 : s.length;
    const bytes = Buffer.concat(s.head).subarray(0, Math.min(s.headLength, length));
    return { bytes, lineNo: this.#lineNo++, cutFrom: length, extracted: s.extractor?.end() };
  }
}
