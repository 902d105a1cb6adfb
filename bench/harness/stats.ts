/**
 * Small statistics and formatting helpers.
 *
 * @module
 */

/** Median of a non-empty list (NaN for an empty one). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A count with thousands separators. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return x >= 100 || Number.isInteger(x) ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A ratio with two decimals and an "x". */
export function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : "–";
}

/** Half the min–max range as a percentage of the median. */
export function spread(xs: readonly number[]): string {
  if (xs.length === 0) return "–";
  const med = median(xs);
  return `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / med) * 100).toFixed(1)}%`;
}

/**
 * The median over repetitions of `a[i] / b[i]`: a ratio between two contenders measured in the same
 * repetitions, each repetition compared with itself. On a shared machine whose speed drifts over
 * seconds, this cancels the drift that a ratio of two medians keeps (a slow stretch can fall on
 * one contender's middle repetition and not on the other's). Falls back to the ratio of the
 * medians when the two were not measured the same number of times.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return median(a) / median(b);
  return median(a.map((x, i) => x / b[i]!));
}
