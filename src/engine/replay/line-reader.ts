// Reads a JSONL file line by line in large chunks without loading it whole. Reading is async
// only when the buffer runs dry, so the merge loop awaits once per chunk, not once per line.
//
// Line rules: a line ends at "\n"; a "\r" right before it is dropped (CRLF files); the bytes
// after the last "\n" form a last line only if there are any (a file ending in "\n" has no empty
// last line). Empty lines in the middle are lines (they are bad input, not skipped), so line
// numbers stay equal to offsets.
import { open, type FileHandle } from 'node:fs/promises';

/** One line: its bytes without the line ending, its 0-based number, and the bytes read so far. */
export interface Line {
  readonly bytes: Buffer;
  readonly lineNo: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** A buffered line reader over one file. */
export class LineReader {
  readonly path: string;
  #handle: FileHandle | undefined;
  #chunk: Buffer = Buffer.alloc(0);
  #pos = 0;
  #carry: Buffer[] = [];
  #eof = false;
  #lineNo = 0;
  #bytesRead = 0;
  readonly #chunkSize: number;

  constructor(path: string, chunkSize = 1 << 20) {
    this.path = path;
    this.#chunkSize = chunkSize;
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
      if (this.#carry.length) {
        piece = Buffer.concat([...this.#carry, piece]);
        this.#carry = [];
      }
      return this.#line(piece);
    }
    if (this.#eof) {
      const rest = chunk.subarray(this.#pos);
      this.#pos = chunk.length;
      const piece = this.#carry.length ? Buffer.concat([...this.#carry, rest]) : rest;
      this.#carry = [];
      return piece.length ? this.#line(piece) : undefined;
    }
    return undefined;
  }

  /** Whether the file is exhausted (after `nextBuffered()` returned undefined). */
  get done(): boolean {
    return this.#eof && this.#pos >= this.#chunk.length && this.#carry.length === 0;
  }

  /** Reads the next chunk; keeps a partial line for later. */
  async fill(): Promise<void> {
    if (this.#eof) return;
    this.#handle ??= await open(this.path, 'r');
    if (this.#pos < this.#chunk.length) this.#carry.push(Buffer.from(this.#chunk.subarray(this.#pos)));
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
    return { bytes, lineNo: this.#lineNo++ };
  }
}
