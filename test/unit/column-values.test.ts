/**
 * Issue 17, item 3: SQLite values checked by declared type as PostgreSQL's input functions would
 * read the text node-postgres sends (src/crud/column-values.ts). The cross-backend comparison is
 * test/conformance/portability.test.ts; these pin the edge cases of each rule.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { columnFilters, columnType, filterNeedsTypes, sqliteColumnValue, sqliteRowValues } from "../../src/crud/column-values.js";
import { ValidationError } from "../../src/index.js";

const value = (declared: string, v: unknown, pk = false): unknown => sqliteColumnValue("c", columnType(declared, pk), v);
const refused = (declared: string, v: unknown): void => expect(() => value(declared, v)).toThrow(ValidationError);

describe("sqliteColumnValue", () => {
  it("integers: ranges by declared type, integer text converted, the rest refused", () => {
    expect(value("INTEGER", 2147483647)).toBe(2147483647);
    refused("INTEGER", 2147483648);
    expect(value("INTEGER", 2147483648, true)).toBe(2147483648); // INTEGER PRIMARY KEY: SQLite's 64-bit rowid
    refused("SMALLINT", 32768);
    expect(value("BIGINT", 9223372036854775807n)).toBe(9223372036854775807n);
    refused("BIGINT", 9223372036854775808n);
    expect(value("INTEGER", " -42 ")).toBe(-42n);
    for (const bad of ["thirty", "", "1.5", "4_2", "0x10", true, 1.5, new Date(0)]) refused("INTEGER", bad);
  });

  it("property: every 32-bit integer's text is accepted as that integer, and one past the range is refused", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
      expect(value("INT4", String(n))).toBe(BigInt(n));
    }));
    refused("INT4", String(2 ** 31));
    refused("INT4", String(-(2 ** 31) - 1));
  });

  it("floats: numeric and infinity text, nothing else", () => {
    expect(value("DOUBLE PRECISION", " 2e3 ")).toBe(2000);
    expect(value("REAL", "-Infinity")).toBe(-Infinity);
    expect(value("FLOAT8", "inf")).toBe(Infinity);
    for (const bad of ["NaN", "abc", "", "1e400", true, "0x1"]) refused("DOUBLE PRECISION", bad);
  });

  it("decimals: exponents expanded, rounded to the scale, precision enforced", () => {
    expect(value("DECIMAL TEXT(10,2)", "1e3")).toBe("1000.00");
    expect(value("DECIMAL TEXT(10,2)", "12.345")).toBe("12.35");
    expect(value("DECIMAL TEXT(10,2)", 1.5e-7)).toBe("0.00");
    expect(value("NUMERIC", "-1.25e-2")).toBe("-0.0125");
    expect(value("DECIMAL TEXT(10,2)", "99999999.994")).toBe("99999999.99");
    refused("DECIMAL TEXT(10,2)", "99999999.995"); // rounds to 100000000.00: 9 integer digits
    for (const bad of ["abc", "", true, Infinity, "-inf", "-NaN"]) refused("DECIMAL TEXT(10,2)", bad);
    // PostgreSQL 14+: NaN in any NUMERIC, ±Infinity only in an unscaled one, stored in its output form.
    expect(value("DECIMAL TEXT(10,2)", " nan ")).toBe("NaN");
    expect(value("NUMERIC TEXT", "+inf")).toBe("Infinity");
    expect(value("NUMERIC TEXT", -Infinity)).toBe("-Infinity");
  });

  it("CHAR(n): blank-padded to n, spaces beyond n cut, longer text refused; CHAR alone is CHAR(1)", () => {
    expect(value("CHAR(4)", "ab")).toBe("ab  ");
    expect(value("CHARACTER(4)", "abcd   ")).toBe("abcd");
    expect(value("CHAR(4)", 12)).toBe("12  ");
    expect(value("CHAR(3)", "🙂")).toBe("🙂  ");
    expect(value("CHAR", "")).toBe(" ");
    expect(value("BPCHAR", "ab")).toBe("ab");
    for (const bad of ["abcde", 12345]) refused("CHAR(4)", bad);
    refused("CHAR(3)", true);
    refused("CHAR", "xy");
  });

  it("booleans: PostgreSQL's words and unique prefixes, 0 and 1", () => {
    for (const t of ["t", "TRUE", " yes ", "y", "on", "1", "tr", "ye", 1]) expect(value("BOOLEAN", t)).toBe(true);
    for (const f of ["f", "False", "no", "n", "off", "of", "0", 0]) expect(value("BOOLEAN", f)).toBe(false);
    for (const bad of ["o", "maybe", "", 2, -1]) refused("BOOLEAN", bad);
  });

  it("UUIDs: any case, braces, no hyphens; stored canonical lowercase", () => {
    const canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    for (const form of [canonical.toUpperCase(), `{${canonical}}`, canonical.replace(/-/g, "")]) expect(value("UUID TEXT", form)).toBe(canonical);
    for (const bad of ["nope", "", canonical + "0", `-${canonical}`, 5]) refused("UUID TEXT", bad);
  });

  it("timestamps and dates: ISO text with or without offset; TIMESTAMP ignores the offset; impossible dates refused", () => {
    expect((value("TIMESTAMPTZ TEXT", "2024-01-01T10:00:00+02:00") as Date).toISOString()).toBe("2024-01-01T08:00:00.000Z");
    expect((value("TIMESTAMP TEXT", "2024-01-01T10:00:00+02:00") as Date).toISOString()).toBe("2024-01-01T10:00:00.000Z");
    expect(value("DATE TEXT", "2024-02-29 23:00:00+05")).toBe("2024-02-29");
    expect(value("DATE TEXT", new Date("2024-06-01T23:30:00Z"))).toBe("2024-06-01");
    for (const bad of ["2023-02-29", "2024-13-01", "not a date", "now", 5]) refused("TIMESTAMPTZ TEXT", bad);
    refused("DATE TEXT", "2023-02-29");
  });

  it("JSON: a string must be JSON text; booleans become JSON text; arrays only for array columns", () => {
    expect(value("JSONB TEXT", true)).toBe("true");
    expect(value("JSON TEXT", '"s"')).toBe('"s"');
    refused("JSONB TEXT", "plain");
    refused("JSONB TEXT", new Date(0));
    expect(value("ARRAY JSON TEXT", ["a"])).toEqual(["a"]);
    refused("ARRAY JSON TEXT", "{a,b}");
  });

  it("bytes: bytea hex and escape input, text as its UTF-8 bytes", () => {
    expect(value("BYTEA BLOB", "\\x0aFF")).toEqual(Buffer.from([10, 255]));
    expect(value("BYTEA BLOB", "a\\\\b\\001")).toEqual(Buffer.from([97, 92, 98, 1]));
    expect(value("BYTEA BLOB", "hé")).toEqual(Buffer.from("hé"));
    for (const bad of ["\\xzz", "\\x0", "a\\q"]) refused("BYTEA BLOB", bad);
  });

  it("text: booleans and non-integral numbers as node-postgres sends them", () => {
    expect(value("TEXT", true)).toBe("true");
    expect(value("TEXT", 1.5)).toBe("1.5");
    expect(value("TEXT", 1e21)).toBe("1e+21");
  });
});

describe("sqliteRowValues", () => {
  const types = new Map([
    ["n", columnType("INTEGER", false)],
    ["u", columnType("UUID TEXT", false)],
  ]);

  it("returns the same object when nothing changes, a copy otherwise, and names every refused column", () => {
    const same = { n: 1, u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", other: "x" };
    expect(sqliteRowValues(same, types, "t")).toBe(same);
    const upper = { u: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11" };
    expect(sqliteRowValues(upper, types, "t")).toEqual({ u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" });
    expect(upper.u).toBe("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
    try {
      sqliteRowValues({ n: "x", u: "y" }, types, "t");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["n"], ["u"]]);
    }
    expect(() => sqliteRowValues({ n: { a: 1 } }, types, "t")).toThrow(ValidationError);
  });
});

describe("filters", () => {
  it("integer and null equalities alone need no column types; anything else does", () => {
    expect(filterNeedsTypes({ id: 5, x: null, b: 7n })).toBe(false);
    expect(filterNeedsTypes({ id: "5" })).toBe(true);
    expect(filterNeedsTypes({ id: { gt: 5 } })).toBe(true);
    expect(filterNeedsTypes(undefined)).toBe(false);
  });

  it("compared values are converted as writes store them, and refused (ValidationError, as PostgreSQL refuses them) when a write would refuse them", () => {
    const filters = columnFilters(new Map([["u", columnType("UUID TEXT", false)], ["d", columnType("DECIMAL TEXT(10,2)", false)], ["r", columnType("DOUBLE", false)], ["x", columnType("POINT", false)]]));
    expect(filters.get("u")!.value("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")).toBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    expect(() => filters.get("u")!.value("nope")).toThrow(ValidationError);
    expect(() => filters.get("d")!.value("abc")).toThrow(/filter on column "d"/);
    expect(filters.get("d")!.numeric).toBe(true);
    expect(filters.get("r")!.numeric).toBe(false);
    expect(filters.has("x")).toBe(false);
  });
});
