/**
 * The KVStore value codec: the exact stored format, refusals, and round-trips (no database).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QueryError, ValidationError } from "../../src/index.js";
import { decodeValue, encodeValue } from "../../src/kv/codec.js";

describe("encodeValue: plain JSON stays plain", () => {
  it.each([
    [null, "null"],
    [true, "true"],
    [0, "0"],
    [1.5, "1.5"],
    ["text", '"text"'],
    ["", '""'],
    [[1, "a", null], '[1,"a",null]'],
    [{ name: "Nana", age: 20 }, '{"name":"Nana","age":20}'],
    [{ nested: { $t: "Date", v: "x" } }, '{"nested":{"$t":"Date","v":"x"}}'],
    [{ a: 1, skipped: undefined }, '{"a":1}'],
  ])("%j is stored as %s", (value, text) => {
    expect(encodeValue(value)).toBe(text);
    expect(JSON.parse(encodeValue(value))).toEqual(JSON.parse(text));
  });

  it("escapes lone surrogates and NUL so the text is valid UTF-8 JSON", () => {
    expect(encodeValue("a\ud800\u0000")).toBe('"a\\ud800\\u0000"');
  });
});

describe("encodeValue: other types use a tagged envelope", () => {
  const wrap = (v: string) => `{"$tk":1,"v":${v}}`;
  it.each([
    ["Date", new Date("2024-01-02T03:04:05.678Z"), wrap('{"$t":"Date","v":"2024-01-02T03:04:05.678Z"}')],
    ["invalid Date", new Date(Number.NaN), wrap('{"$t":"Date","v":null}')],
    ["bigint", 12345678901234567890n, wrap('{"$t":"BigInt","v":"12345678901234567890"}')],
    ["Uint8Array", new Uint8Array([1, 2, 255]), wrap('{"$t":"Bytes","v":"AQL/"}')],
    ["Buffer", Buffer.from([1]), wrap('{"$t":"Buffer","v":"AQ=="}')],
    ["Map", new Map<unknown, unknown>([["a", 1], [2, 3n]]), wrap('{"$t":"Map","v":[["a",1],[2,{"$t":"BigInt","v":"3"}]]}')],
    ["Set", new Set([1, "x"]), wrap('{"$t":"Set","v":[1,"x"]}')],
    ["NaN", Number.NaN, wrap('{"$t":"Number","v":"NaN"}')],
    ["-Infinity", Number.NEGATIVE_INFINITY, wrap('{"$t":"Number","v":"-Infinity"}')],
    ["-0", -0, wrap('{"$t":"Number","v":"-0"}')],
    ["undefined in an array", [1, undefined], wrap('[1,{"$t":"undefined"}]')],
    // eslint-disable-next-line no-sparse-arrays
    ["a hole", [1, , 3], wrap('[1,{"$t":"undefined"},3]')],
    ["a $t key next to a tag", { $t: "x", d: new Date(0) }, wrap('{"$t":"Object","v":{"$t":"x","d":{"$t":"Date","v":"1970-01-01T00:00:00.000Z"}}}')],
    ["a top-level $tk key", { $tk: 1, v: 2 }, wrap('{"$tk":1,"v":2}')],
  ])("%s", (_name, value, text) => {
    expect(encodeValue(value)).toBe(text);
  });

  it("keeps a __proto__ key as data, in and out", () => {
    const value = JSON.parse('{"__proto__":{"x":1},"d":{"$t":"x"}}') as Record<string, unknown>;
    value["when"] = new Date(0);
    const decoded = decodeValue(encodeValue(value)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, "__proto__")!.value).toEqual({ x: 1 });
    expect(decoded["d"]).toEqual({ $t: "x" });
  });
});

describe("encodeValue: refusals", () => {
  it.each([
    ["undefined", undefined, "undefined cannot be stored"],
    ["a function", () => 1, "a function cannot be stored"],
    ["a symbol", Symbol("s"), "a symbol cannot be stored"],
    ["a class instance", new (class Point {})(), "a Point cannot be stored"],
    ["a RegExp", /x/, "a RegExp cannot be stored"],
    ["an Int32Array", new Int32Array(1), "a Int32Array cannot be stored"],
    ["a nested function", { a: [{ b: () => 1 }] }, "(at value.a[0].b)"],
    ["a function in a Map", new Map([["k", () => 1]]), "(at value[\"<Map entry 0>\"])"],
  ])("refuses %s", (_name, value, message) => {
    const error = (() => {
      try {
        encodeValue(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });

  it("refuses cycles, through objects, arrays, Maps and Sets", () => {
    const object: Record<string, unknown> = {};
    object["self"] = object;
    const array: unknown[] = [];
    array.push([array]);
    const map = new Map<string, unknown>();
    map.set("m", { map });
    const set = new Set<unknown>();
    set.add(set);
    for (const value of [object, array, map, set]) expect(() => encodeValue(value)).toThrow(/cycle/);
  });

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { n: 1 };
    expect(decodeValue(encodeValue({ a: shared, b: shared, c: [shared, new Set([shared])] }))).toEqual({ a: { n: 1 }, b: { n: 1 }, c: [{ n: 1 }, new Set([{ n: 1 }])] });
    const list = [1];
    const map = new Map([["k", 1]]);
    expect(decodeValue(encodeValue([list, list, { list }, map, map]))).toEqual([[1], [1], { list: [1] }, map, map]);
  });

  it("passes on an error thrown by a getter, and the next value encodes normally", () => {
    const broken = {
      get boom(): never {
        throw new RangeError("getter failed");
      },
    };
    expect(() => encodeValue({ nested: [broken] })).toThrow(RangeError);
    const shared = [2];
    expect(encodeValue({ a: shared, b: shared })).toBe('{"a":[2],"b":[2]}');
  });

  it("refuses values nested deeper than 1000 levels", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1001; i++) deep = [deep];
    expect(() => encodeValue(deep)).toThrow(ValidationError);
  });
});

describe("decodeValue", () => {
  it("reads what encodeValue wrote, for any JSON value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(decodeValue(encodeValue(value))).toEqual(value);
      }),
    );
  });

  it("reads plain JSON written by others, including a $t object outside an envelope", () => {
    expect(decodeValue(' {"a": [1, 2]} ')).toEqual({ a: [1, 2] });
    expect(decodeValue('{"$t":"Date","v":"2024-01-01"}')).toEqual({ $t: "Date", v: "2024-01-01" });
  });

  it("raises QueryError for text that is not JSON, an unknown envelope version or tag", () => {
    expect(() => decodeValue("not json")).toThrow(QueryError);
    expect(() => decodeValue('{"$tk":2,"v":1}')).toThrow(/version 2/);
    expect(() => decodeValue('{"$tk":1,"v":{"$t":"Weird","v":1}}')).toThrow(/unknown tag/);
    expect(() => decodeValue('{"$tk":1,"v":{"$t":"Map","v":5}}')).toThrow(QueryError);
  });

  it("decodes each tag to its type", () => {
    const value = decodeValue(encodeValue({ d: new Date(5), b: 5n, u: new Uint8Array([5]), buf: Buffer.from([5]), m: new Map([[1, 2]]), s: new Set([3]) })) as Record<string, unknown>;
    expect(value["d"]).toBeInstanceOf(Date);
    expect(typeof value["b"]).toBe("bigint");
    expect(value["u"]).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(value["u"])).toBe(false);
    expect(Buffer.isBuffer(value["buf"])).toBe(true);
    expect(value["m"]).toBeInstanceOf(Map);
    expect(value["s"]).toBeInstanceOf(Set);
    expect(Object.is(decodeValue(encodeValue(-0)), -0)).toBe(true);
  });
});
