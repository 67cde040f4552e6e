// Key order of every store: UTF-8 byte order, which is RocksDB's and LMDB's default and equals
// Unicode code point order. JS `<` compares UTF-16 code units, which differs only when a
// surrogate pair meets a BMP character at or above U+E000, so we fix up just that case.

/** Compares two strings by their UTF-8 bytes: negative, zero or positive. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

// Surrogates (U+D800–DFFF) stand for code points above U+FFFF, so they must sort after U+E000–FFFF.
function fixup(c: number): number {
  if (c >= 0xe000) return c - 0x800;
  if (c >= 0xd800) return c + 0x2000;
  return c;
}

/** Whether `key` lies in [from, to); an omitted bound is open. */
export function inRange(key: string, from?: string, to?: string): boolean {
  return (from === undefined || compareKeys(key, from) >= 0) && (to === undefined || compareKeys(key, to) < 0);
}
