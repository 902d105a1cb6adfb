/**
 * The known name closest to a misspelled one, for "did you mean" in ConfigError messages.
 *
 * @module
 */

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name closest to `name`, compared without case, `_` and `-` (so `connect_timeout`
 * suggests `connectTimeoutMs` and `sslMode` suggests `sslmode`).
 */
export function closestName(name: string, known: readonly string[]): string {
  const normalize = (text: string): string => text.toLowerCase().replace(/[_-]/g, "");
  const target = normalize(name);
  let best = known[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(target, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
