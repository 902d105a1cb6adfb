import { describe, expect, it } from "vitest";
import { decimalScale, formatDecimal } from "../../src/backends/common/declared-types.js";

describe("formatDecimal", () => {
  it.each([
    ["7", 2, "7.00"],
    ["0.1", 2, "0.10"],
    ["0.125", 2, "0.13"],
    ["-0.125", 2, "-0.13"],
    ["0.124", 2, "0.12"],
    ["-0.004", 2, "0.00"],
    ["12345678901234.999", 2, "12345678901235.00"],
    [".5", 0, "1"],
    ["99.995", 2, "100.00"],
    ["NaN", 2, "NaN"],
    ["1e5", 2, "1e5"],
  ] as const)("formats %s at scale %d as %s", (input, scale, expected) => {
    expect(formatDecimal(input, scale)).toBe(expected);
  });

  it("reads the scale of a declared type", () => {
    expect(decimalScale("DECIMAL TEXT(10,2)")).toBe(2);
    expect(decimalScale("NUMERIC TEXT(20, 4)")).toBe(4);
    expect(decimalScale("DECIMAL TEXT")).toBeUndefined();
    expect(decimalScale(null)).toBeUndefined();
  });
});
