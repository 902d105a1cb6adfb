import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { IdentifierError } from "../../src/errors/errors.js";
import {
  assertIdentifier,
  formatForMessage,
  isIdentifier,
  isIdentifierPart,
  isIdentifierStart,
  MAX_IDENTIFIER_LENGTH,
  quoteIdentifier,
} from "../../src/sql/identifiers.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Any UTF-16 code unit, lone surrogates included. */
const CODE_UNIT = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("isIdentifier", () => {
  it("accepts plain identifiers", () => {
    for (const name of ["a", "A", "_", "users", "created_at", "_x1", "Z9_", "a".repeat(63)]) {
      expect(isIdentifier(name)).toBe(true);
    }
  });

  it("rejects everything else", () => {
    for (const name of [
      "",
      "1a",
      "9",
      "a-b",
      "a b",
      "a.b",
      'a"b',
      "a;",
      "name; DROP TABLE users",
      "é",
      "naïve",
      "a\u0000",
      "a\n",
      " a",
      "a$",
      "a".repeat(64),
    ]) {
      expect(isIdentifier(name), JSON.stringify(name)).toBe(false);
    }
  });

  it("rejects non-strings", () => {
    for (const value of [undefined, null, 1, 1n, true, {}, [], ["a"], Symbol("a"), () => "a"]) {
      expect(isIdentifier(value)).toBe(false);
    }
  });

  it("agrees with the reference regex and length limit on arbitrary strings", () => {
    const chars = fc.constantFrom(..."aZ_09-. ;\"'é\u0000\n$");
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: chars, maxLength: 70 })), (s) => {
        expect(isIdentifier(s)).toBe(IDENTIFIER.test(s) && s.length <= MAX_IDENTIFIER_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it("classifies character codes", () => {
    expect(isIdentifierStart("_".charCodeAt(0))).toBe(true);
    expect(isIdentifierStart("a".charCodeAt(0))).toBe(true);
    expect(isIdentifierStart("1".charCodeAt(0))).toBe(false);
    expect(isIdentifierPart("1".charCodeAt(0))).toBe(true);
    expect(isIdentifierPart("$".charCodeAt(0))).toBe(false);
    expect(isIdentifierPart("é".charCodeAt(0))).toBe(false);
  });
});

describe("assertIdentifier", () => {
  it("returns a valid name", () => {
    expect(assertIdentifier("users", "table")).toBe("users");
    expect(assertIdentifier("name", "column", { table: "users", columns: new Set(["id", "name"]) })).toBe("name");
  });

  it("throws IdentifierError with the kind, the name and the rule", () => {
    const error = catchError(() => assertIdentifier("x; DROP", "column"));
    expect(error).toBeInstanceOf(IdentifierError);
    expect((error as Error).message).toBe(
      'Invalid column name "x; DROP": a name must be a plain identifier (letters, digits, _; not starting with a digit; at most 63 characters)',
    );
    expect((error as Error).name).toBe("IdentifierError");
  });

  it("names the kind it was given", () => {
    expect(() => assertIdentifier("1t", "table")).toThrow(/^Invalid table name "1t": /);
    expect(() => assertIdentifier("", "index")).toThrow(/^Invalid index name "": /);
    expect(() => assertIdentifier("a".repeat(64), "database")).toThrow(/^Invalid database name "a{60}…": /);
  });

  it("rejects non-string names with IdentifierError", () => {
    expect(() => assertIdentifier(42, "column")).toThrow(IdentifierError);
    expect(() => assertIdentifier(42, "column")).toThrow(/^Invalid column name 42: expected a string; /);
    expect(() => assertIdentifier(undefined, "table")).toThrow(/^Invalid table name undefined: expected a string/);
    expect(() => assertIdentifier(null, "table")).toThrow(/^Invalid table name null: /);
    expect(() => assertIdentifier({ a: 1 }, "table")).toThrow(/^Invalid table name \{\\"a\\":1\}: /);
    expect(() => assertIdentifier(Symbol("x"), "table")).toThrow(/^Invalid table name a symbol: /);
    expect(() => assertIdentifier(() => 1, "table")).toThrow(/^Invalid table name a function: /);
    expect(() => assertIdentifier(10n, "table")).toThrow(/^Invalid table name 10n: /);
  });

  it("prints hostile names escaped and truncated", () => {
    const error = catchError(() => assertIdentifier("a\nb\u0000c\u202e\u001b[31m" + "x".repeat(100), "column"));
    const message = (error as Error).message;
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(message).toContain('"a\\nb\\u0000c\\u202e\\u001b[31m');
    expect(message).toContain('…"');
    expect(message).not.toContain("x".repeat(60));
  });

  it("rejects unknown columns when the table's columns are known", () => {
    const columns = new Set(["id", "name", "email"]);
    const error = catchError(() => assertIdentifier("nmae", "column", { table: "users", columns }));
    expect(error).toBeInstanceOf(IdentifierError);
    expect((error as Error).message).toBe('Unknown column "nmae" in table "users"; known columns: "id", "name", "email"');
  });

  it("lists at most five known columns and hints at case mismatches", () => {
    const columns = new Set(["a", "b", "c", "d", "e", "f", "Name"]);
    expect(() => assertIdentifier("name", "column", { table: "t", columns })).toThrow(
      'Unknown column "name" in table "t" (did you mean "Name"? names are case-sensitive); known columns: "a", "b", "c", "d", "e" and 2 more',
    );
    expect(() => assertIdentifier("x", "column", { columns: new Set() })).toThrow(
      'Unknown column "x"; the table has no known columns',
    );
  });

  it("checks known columns only for kind column", () => {
    const context = { table: "users", columns: new Set(["id"]) };
    expect(assertIdentifier("other", "table", context)).toBe("other");
    expect(assertIdentifier("other", "column", { table: "users" })).toBe("other");
  });

  it("reports an invalid name before an unknown one", () => {
    expect(() => assertIdentifier("a b", "column", { table: "t", columns: new Set(["id"]) })).toThrow(
      /^Invalid column name "a b"/,
    );
  });
});

describe("quoteIdentifier", () => {
  it("double-quotes names", () => {
    expect(quoteIdentifier("users")).toBe('"users"');
    expect(quoteIdentifier("created_at")).toBe('"created_at"');
  });

  it("doubles embedded quotes defensively", () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteIdentifier('"; DROP TABLE x; --')).toBe('"""; DROP TABLE x; --"');
  });

  it("always yields a single quoted identifier", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const quoted = quoteIdentifier(s);
        expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
        const inner = quoted.slice(1, -1);
        expect(inner.replaceAll('""', "")).not.toContain('"');
        expect(inner.replaceAll('""', '"')).toBe(s);
      }),
    );
  });
});

describe("formatForMessage", () => {
  it("formats each kind of value", () => {
    expect(formatForMessage("abc")).toBe('"abc"');
    expect(formatForMessage('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(formatForMessage(1.5)).toBe("1.5");
    expect(formatForMessage(true)).toBe("true");
    expect(formatForMessage(undefined)).toBe("undefined");
    expect(formatForMessage(null)).toBe("null");
    expect(formatForMessage(5n)).toBe("5n");
    expect(formatForMessage([1, "a"])).toBe('[1,\\"a\\"]');
    expect(formatForMessage(new Date(0))).toBe('\\"1970-01-01T00:00:00.000Z\\"');
  });

  it("survives values JSON cannot render", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(formatForMessage(circular)).toBe("[object Object]");
    expect(formatForMessage({ big: 1n })).toBe("[object Object]");
  });

  it("truncates without splitting a surrogate pair", () => {
    expect(formatForMessage("abcdef", 3)).toBe('"abc…"');
    expect(formatForMessage("ab😀cd", 3)).toBe('"ab…"');
    expect(formatForMessage("\ud800x")).toBe('"\\ud800x"');
  });

  it("never emits control characters", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: CODE_UNIT, maxLength: 80 }), fc.jsonValue({ maxDepth: 2 })), (value) => {
        expect(formatForMessage(value)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
        expect(formatForMessage(value).length).toBeLessThanOrEqual(200);
      }),
    );
  });
});
