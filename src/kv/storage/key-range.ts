/**
 * Key ranges of a {@link KVStore}: a prefix selection (`scan({ prefix })`, `clear({ prefix })`) is
 * a range on the primary key, `prefix <= key < prefixUpperBound(prefix)`, never a LIKE. Every
 * backend's key column compares in Unicode code point order (SQLite's BINARY collation,
 * PostgreSQL's "C", CockroachDB's default), so one bound serves them all.
 *
 * @module
 */

/**
 * The smallest string greater than every string that starts with `prefix`, in Unicode code point
 * order, or undefined when no such bound exists (`""`, or a prefix of U+10FFFF characters only).
 * Strings starting with `prefix` are exactly those `s` with `prefix <= s < upper`.
 *
 * ```ts
 * prefixUpperBound("user:");   // "user;"
 * prefixUpperBound("a\u{10FFFF}");   // "b"
 * ```
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      // Surrogate code points are not characters: nothing sorts between U+D7FF and U+E000.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      points.push(next);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}
