// A growable byte buffer for hand-written binary encoders (the Avro event encoder, the flat
// Parquet writer, Kafka record batches): one Buffer doubled as needed, written at `pos`, no
// allocation per value.

/** Appends bytes to a buffer that doubles when full; `view()` is what was written. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * A zigzag varint of an integer (Avro's long and int, Kafka's varint and varlong): small
   * magnitudes of either sign take few bytes. Bit operations within ±2^30, exact division below
   * 2^52 (no BigInt per value), BigInt beyond (wrapped to 64 bits, as a Java long).
   */
  zigzag(n: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (n >= -0x40000000 && n < 0x40000000) {
      let z = (n << 1) ^ (n >> 31);
      while (z & ~0x7f) { b[p++] = (z & 0x7f) | 0x80; z >>>= 7; }
      b[p++] = z;
    } else if (Math.abs(n) < 2 ** 52) {
      let z = n >= 0 ? n * 2 : -n * 2 - 1;
      while (z >= 0x80) { b[p++] = (z % 128) | 0x80; z = Math.floor(z / 128); }
      b[p++] = z;
    } else {
      const v = BigInt.asIntN(64, BigInt(n));
      let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
      while (z >= 0x80n) { b[p++] = Number(z & 0x7fn) | 0x80; z >>= 7n; }
      b[p++] = Number(z);
    }
    this.pos = p;
  }

  /**
   * A string as its UTF-8 bytes after their count as a zigzag varint (Avro's string; Kafka's
   * record header names the same way). Lone surrogates become U+FFFD, as UTF-8 has no form for them.
   */
  string(s: string): void {
    const len = s.length;
    if (len < 64) {
      // One pass for the usual ASCII id: copy after a one-byte length, give up on the first non-ASCII.
      this.ensure(len + 1);
      const b = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[p++] = c;
      }
      if (i === len) {
        b[start] = len << 1;
        this.pos = p;
        return;
      }
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.zigzag(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** The bytes written so far (a view: copy it before writing more). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** How many bytes `ByteWriter.zigzag(n)` writes. */
export function zigzagSize(n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) {
    let z = ((n << 1) ^ (n >> 31)) >>> 0;
    let size = 1;
    while (z >= 0x80) { z >>>= 7; size++; }
    return size;
  }
  if (Math.abs(n) < 2 ** 52) {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    let size = 1;
    while (z >= 0x80) { z = Math.floor(z / 128); size++; }
    return size;
  }
  const v = BigInt.asIntN(64, BigInt(n));
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  let size = 1;
  while (z >= 0x80n) { z >>= 7n; size++; }
  return size;
}
