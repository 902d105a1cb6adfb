import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decimalKey } from "../../src/backends/common/decimal-key.js";

/** A decimal as text from an integer mantissa and a scale (digits after the point), maybe with an exponent. */
function text(mantissa: bigint, scale: number, form: number): string {
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, "0");
  const plain = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  const body = form === 0 ? plain : form === 1 ? `${digits}e-${scale}` : `${plain}000`.replace(/^(\d+)$/, "$1");
  return (negative ? "-" : form === 2 ? "+" : "") + (form === 2 && scale === 0 ? digits : body);
}

/** Exact comparison of m1·10^-s1 and m2·10^-s2. */
function compare(a: [bigint, number], b: [bigint, number]): number {
  const s = Math.max(a[1], b[1]);
  const x = a[0] * 10n ** BigInt(s - a[1]);
  const y = b[0] * 10n ** BigInt(s - b[1]);
  return x < y ? -1 : x > y ? 1 : 0;
}

const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2 }));

describe("decimalKey (issue 17, item 4)", () => {
  it("orders keys as the numbers, exactly, whatever the number of digits and the spelling", () => {
    fc.assert(
      fc.property(decimal, decimal, ([m1, s1, f1], [m2, s2, f2]) => {
        const [k1, k2] = [decimalKey(text(m1, s1, f1))!, decimalKey(text(m2, s2, f2))!];
        const byKey = k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
        expect(byKey).toBe(compare([m1, s1], [m2, s2]));
      }),
      { numRuns: 2000 },
    );
  });
  it("examples: beyond a double's precision, negatives, zero, exponents, non-numbers last", () => {
    const sorted = ["-12345678901234567891", "-12345678901234567890", "-1.5", "-1.45", "-0.1", "0", "1e-30", "0.1", "0.10000000000000000001", "9", "10", "12345678901234567890", "12345678901234567891", "abc"];
    expect([...sorted].reverse().sort((a, b) => (decimalKey(a)! < decimalKey(b)! ? -1 : 1))).toEqual(sorted);
    expect(decimalKey("10.00")).toBe(decimalKey("1e1"));
    expect(decimalKey("-0")).toBe(decimalKey("0.000"));
    expect(decimalKey(null)).toBeNull();
    expect(decimalKey(12n)).toBe(decimalKey("12"));
  });
  it("PostgreSQL's special values: -Infinity below every number, Infinity above, NaN above Infinity (NaN = NaN), in every spelling PostgreSQL accepts", () => {
    const sorted = ["-Infinity", "-1e999999", "-99999999999999999999", "0", "99999999999999999999", "9e999999", "Infinity", "NaN", "abc"];
    expect([...sorted].reverse().sort((a, b) => (decimalKey(a)! < decimalKey(b)! ? -1 : 1))).toEqual(sorted);
    for (const nan of ["nan", " NaN ", NaN]) expect(decimalKey(nan)).toBe(decimalKey("NaN"));
    for (const inf of ["inf", "+Infinity", "INF", Infinity]) expect(decimalKey(inf)).toBe(decimalKey("Infinity"));
    for (const inf of ["-inf", " -infinity", -Infinity]) expect(decimalKey(inf)).toBe(decimalKey("-Infinity"));
    expect(decimalKey("-NaN")).not.toBe(decimalKey("NaN"));
  });
});
