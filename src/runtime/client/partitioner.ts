// The producer's default partitioner (Kafka's Utils.murmur2, as the Java client computes it):
// which partition a keyed record lands in, hence which task owns it. The producers use it for
// records sent without a partition, and the query layer to find the task that owns a key.

/** Kafka's murmur2 hash of the key bytes (a signed 32-bit int). */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] as number) | ((data[i4 + 1] as number) << 8) | ((data[i4 + 2] as number) << 16) | ((data[i4 + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The tail bytes (Kafka's switch falls through from 3 to 1).
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= (data[tail + 2] as number) << 16;
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[tail] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of keyed record bytes among `partitions`, as Java's default partitioner picks it. */
export function partitionForBytes(key: Uint8Array, partitions: number): number {
  // toPositive, as Kafka's Utils.toPositive: drop the sign bit rather than Math.abs.
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** The partition of a string key (its UTF-8 bytes). */
export function partitionForKey(key: string, partitions: number): number {
  return partitionForBytes(Buffer.from(key, 'utf8'), partitions);
}
