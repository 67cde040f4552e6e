// The reading side of ByteWriter, for hand-written binary decoders (the repartition format, Kafka
// record batches): a Buffer and a position, every read bounds-checked, errors named after what is
// being read. One reader per decoder is reused (decoding is synchronous), so no object per record.

/** Reads zigzag varints, length-prefixed bytes and strings, and float64s from `buf` at `pos`. */
export class ByteReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  readonly #what: string;

  /** `what`: the format, for error messages (`record batch: truncated ...`). */
  constructor(what: string) {
    this.#what = what;
  }

  /** Reads `buf` from `pos` on. */
  reset(buf: Buffer, pos = 0): void {
    this.buf = buf;
    this.pos = pos;
  }

  /** Throws unless `n` more bytes are there. */
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`${this.#what}: truncated`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  /** A zigzag varint as ByteWriter.zigzag writes it (Avro's long, Kafka's varint and varlong): at most 10 bytes, exact for magnitudes below 2^52 (lengths, counts, offset and millisecond timestamp deltas). */
  zigzag(): number {
    const b = this.buf;
    let shift = 1;
    let z = 0;
    for (let i = 0; i < 10; i++) {
      const byte = b[this.pos++];
      if (byte === undefined) throw new Error(`${this.#what}: truncated`);
      z += (byte & 0x7f) * shift;
      if (byte < 0x80) return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      shift *= 128;
    }
    throw new Error(`${this.#what}: varint longer than 10 bytes`);
  }

  /** Skips bytes after a zigzag length; returns that length (-1: null), the bytes ending at `pos`. */
  skipBytes(): number {
    const n = this.zigzag();
    if (n < 0) return -1;
    this.need(n);
    this.pos += n;
    return n;
  }

  /** Bytes after a zigzag length (-1: null), as a view of `buf`: copy them to keep them apart from it. */
  bytes(): Buffer | null {
    const n = this.zigzag();
    if (n < 0) return null;
    this.need(n);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /** A string as ByteWriter.string writes it: UTF-8 after a zigzag length. */
  string(): string {
    const n = this.zigzag();
    if (n < 0) throw new Error(`${this.#what}: negative length`);
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
}
