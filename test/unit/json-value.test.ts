/**
 * The JSON written to JSON/JSONB columns (src/backends/common/json-value.ts): exactly JSON.stringify for
 * values JSON holds, a ValidationError (with the path) for what JSON would change silently.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/errors.js";
import { checkDate, jsonText } from "../../src/backends/common/json-value.js";

describe("jsonText", () => {
  it("property: a value made of JSON types is written as JSON.stringify writes it", () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), (value) => {
        expect(jsonText(value)).toBe(JSON.stringify(value));
      }),
    );
  });

  it("property: one value JSON cannot hold, anywhere in the tree, is a ValidationError naming its path", () => {
    const bad = fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, 5n, new Date(Number.NaN), () => 1, Symbol("s"), new Map(), new Set());
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", 0, 1), { maxLength: 4 }), bad, (path, value) => {
        // Build nested containers along the path: strings make objects, numbers arrays.
        let leaf: unknown = value;
        for (let i = path.length - 1; i >= 0; i--) {
          const step = path[i]!;
          leaf = typeof step === "number" ? [...Array(step).fill(0), leaf] : { ok: 1, [step]: leaf };
        }
        const root = typeof leaf === "object" && leaf !== null && !(leaf instanceof Map) && !(leaf instanceof Set) && !(leaf instanceof Date) ? leaf : [leaf];
        let error: unknown;
        try {
          jsonText(root as object);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ValidationError);
      }),
    );
  });

  it("undefined properties are left out, undefined array elements refused, toJSON honoured, cycles refused", () => {
    expect(jsonText({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(() => jsonText([1, undefined])).toThrow(ValidationError);
    expect(jsonText({ d: new Date(0), t: { toJSON: () => "x" } })).toBe('{"d":"1970-01-01T00:00:00.000Z","t":"x"}');
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    expect(() => jsonText(cycle)).toThrow(ValidationError);
    const error = (() => {
      try {
        jsonText({ a: [{ b: Number.NaN }] });
      } catch (e) {
        return e as ValidationError;
      }
      return undefined;
    })();
    expect(error?.issues[0]?.path).toEqual(["a", 0, "b"]);
  });
});

describe("checkDate", () => {
  it("accepts years 0000–9999 and refuses the rest and invalid Dates", () => {
    checkDate(new Date("0000-01-01T00:00:00.000Z"));
    checkDate(new Date("9999-12-31T23:59:59.999Z"));
    expect(() => checkDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(ValidationError);
    expect(() => checkDate(new Date(new Date("0000-01-01T00:00:00.000Z").getTime() - 1))).toThrow(ValidationError);
    expect(() => checkDate(new Date(Number.NaN))).toThrow(ValidationError);
  });
});
