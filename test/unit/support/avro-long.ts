// The Avro long encoding (zigzag, then a base-128 varint) computed on a bigint, with no floating
// point: what an encoder's bytes for a long are checked against.

/** Hex of the Avro encoding of `n`. */
export function zigzagVarintHex(n: bigint): string {
  let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out).toString('hex');
}
