import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { IdentifierError, TablekitError, ValidationError } from "../../src/errors/errors.js";
import { parseOrderBy, renderOrderBy } from "../../src/sql/order-by.js";
import type { OrderBy, OrderTerm } from "../../src/sql/order-by.js";

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

const context = { table: "users", columns: new Set(["id", "name", "created_at"]) };

describe("parseOrderBy: strings", () => {
  it("returns no terms for undefined and null", () => {
    expect(parseOrderBy(undefined)).toEqual([]);
    expect(parseOrderBy(null)).toEqual([]);
  });

  it("parses a single column as ascending", () => {
    expect(parseOrderBy("name")).toStrictEqual([{ column: "name", direction: "ASC" }]);
  });

  it("parses directions and NULLS placement", () => {
    expect(parseOrderBy("name, created_at DESC NULLS LAST, id ASC NULLS FIRST, age NULLS LAST")).toStrictEqual([
      { column: "name", direction: "ASC" },
      { column: "created_at", direction: "DESC", nulls: "LAST" },
      { column: "id", direction: "ASC", nulls: "FIRST" },
      { column: "age", direction: "ASC", nulls: "LAST" },
    ]);
  });

  it("accepts keywords in any case and flexible whitespace", () => {
    expect(parseOrderBy("  name   Desc  ,\n\tage  asc  nUlLs   first  ")).toStrictEqual([
      { column: "name", direction: "DESC" },
      { column: "age", direction: "ASC", nulls: "FIRST" },
    ]);
    expect(parseOrderBy("a,b")).toStrictEqual([
      { column: "a", direction: "ASC" },
      { column: "b", direction: "ASC" },
    ]);
  });

  it("treats a keyword in column position as a column name", () => {
    expect(parseOrderBy("desc asc")).toStrictEqual([{ column: "desc", direction: "ASC" }]);
  });

  it("rejects anything but terms, with the position and what was expected", () => {
    expect(validationError(() => parseOrderBy("name; DROP TABLE x")).message).toBe(
      'Invalid orderBy "name; DROP TABLE x": expected ASC, DESC, NULLS FIRST, NULLS LAST, "," or the end at position 4, found "; DROP TABLE x"; write terms like "name, created_at DESC NULLS LAST"',
    );
    expect(validationError(() => parseOrderBy("name DESC,")).message).toBe(
      'Invalid orderBy "name DESC,": expected a column name at position 10, found the end; write terms like "name, created_at DESC NULLS LAST"',
    );
    expect(validationError(() => parseOrderBy("name ASC DESC")).message).toContain(
      'expected NULLS FIRST, NULLS LAST, "," or the end at position 9, found "DESC"',
    );
    expect(validationError(() => parseOrderBy("name NULLS LAST DESC")).message).toContain(
      'expected "," or the end at position 16, found "DESC"',
    );
    expect(validationError(() => parseOrderBy("name NULLS middle")).message).toContain(
      'expected FIRST or LAST after NULLS at position 11, found "middle"',
    );
  });

  it("rejects numbers, expressions, qualified and quoted names, comments and empty input", () => {
    for (const text of [
      "1",
      "random()",
      "lower(name)",
      "users.name",
      '"name"',
      "name -- x",
      "name /* x */",
      "name DESCNULLS LAST",
      "name NULLS",
      ",name",
      "name,,id",
      "name DESC, ",
      "",
      "   ",
      "name\u00a0DESC",
      "naïve",
    ]) {
      expect(() => parseOrderBy(text), text).toThrow(ValidationError);
    }
  });

  it("rejects over-long column names with IdentifierError", () => {
    expect(() => parseOrderBy("a".repeat(64) + " DESC")).toThrow(IdentifierError);
  });

  it("checks columns against the table when they are known", () => {
    expect(parseOrderBy("name DESC", context)).toStrictEqual([{ column: "name", direction: "DESC" }]);
    expect(() => parseOrderBy("nmae DESC", context)).toThrow(
      'Unknown column "nmae" in table "users"; known columns: "id", "name", "created_at"',
    );
    // Cached strings are still checked against each caller's columns.
    expect(parseOrderBy("id, nmae")).toHaveLength(2);
    expect(() => parseOrderBy("id, nmae", context)).toThrow(IdentifierError);
  });

  it("returns a fresh array of frozen terms on every call", () => {
    const first = parseOrderBy("name DESC, id");
    first.push({ column: "x", direction: "ASC" });
    const second = parseOrderBy("name DESC, id");
    expect(second).toStrictEqual([
      { column: "name", direction: "DESC" },
      { column: "id", direction: "ASC" },
    ]);
    expect(second).not.toBe(first);
    expect(Object.isFrozen(second[0])).toBe(true);
  });

  it("keeps parsing correctly once its cache is full", () => {
    for (let i = 0; i < 1200; i++) {
      expect(parseOrderBy(`c${i} DESC`)).toStrictEqual([{ column: `c${i}`, direction: "DESC" }]);
    }
    expect(parseOrderBy("c0 DESC")).toStrictEqual([{ column: "c0", direction: "DESC" }]);
  });
});

describe("parseOrderBy: objects and arrays", () => {
  it("parses an object in key order with case-insensitive directions", () => {
    expect(parseOrderBy({ created_at: "desc", name: "ASC", id: "Desc" } as unknown as OrderBy)).toStrictEqual([
      { column: "created_at", direction: "DESC" },
      { column: "name", direction: "ASC" },
      { column: "id", direction: "DESC" },
    ]);
    expect(parseOrderBy({})).toEqual([]);
  });

  it("rejects bad object directions and keys", () => {
    const error = validationError(() => parseOrderBy({ name: "up" } as unknown as OrderBy));
    expect(error.message).toBe('orderBy direction must be "asc" or "desc", not "up"');
    expect(error.issues).toEqual([{ message: 'orderBy direction must be "asc" or "desc", not "up"', path: ["name"] }]);
    expect(() => parseOrderBy({ name: "asc nulls last" } as unknown as OrderBy)).toThrow(ValidationError);
    expect(() => parseOrderBy({ name: 1 } as unknown as OrderBy)).toThrow(ValidationError);
    expect(() => parseOrderBy({ "name; DROP TABLE x": "asc" })).toThrow(IdentifierError);
    expect(() => parseOrderBy({ nmae: "asc" }, context)).toThrow(IdentifierError);
  });

  it("parses arrays of string terms and tuples", () => {
    expect(parseOrderBy(["name DESC", ["id"], ["created_at", "desc"], "a, b nulls first"])).toStrictEqual([
      { column: "name", direction: "DESC" },
      { column: "id", direction: "ASC" },
      { column: "created_at", direction: "DESC" },
      { column: "a", direction: "ASC" },
      { column: "b", direction: "ASC", nulls: "FIRST" },
    ]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it("rejects bad array entries with their index", () => {
    expect(validationError(() => parseOrderBy([[]] as unknown as OrderBy)).issues[0]?.path).toEqual([0]);
    expect(() => parseOrderBy([["a", "asc", "x"]] as unknown as OrderBy)).toThrow(
      "orderBy[0] must be [column] or [column, direction], not an array of 3",
    );
    expect(validationError(() => parseOrderBy(["id", ["a", "sideways"]] as unknown as OrderBy)).issues[0]?.path).toEqual([
      1, 1,
    ]);
    expect(() => parseOrderBy([5] as unknown as OrderBy)).toThrow("orderBy[0] must be a string or a [column, direction] pair, not a number");
    expect(validationError(() => parseOrderBy(["id", "x;"])).issues[0]?.path).toEqual([1]);
    expect(() => parseOrderBy([[1]] as unknown as OrderBy)).toThrow(IdentifierError);
    expect(() => parseOrderBy([["nmae"]], context)).toThrow(IdentifierError);
    expect(() => parseOrderBy(["nmae"], context)).toThrow(IdentifierError);
  });

  it("rejects other types", () => {
    expect(() => parseOrderBy(5 as unknown as OrderBy)).toThrow("orderBy must be a string, an object or an array, not a number");
    expect(() => parseOrderBy(new Map() as unknown as OrderBy)).toThrow(ValidationError);
  });
});

describe("renderOrderBy", () => {
  it("renders terms without the ORDER BY keyword", () => {
    expect(
      renderOrderBy([
        { column: "name", direction: "ASC" },
        { column: "created_at", direction: "DESC", nulls: "LAST" },
      ]),
    ).toBe('"name" ASC NULLS LAST, "created_at" DESC NULLS LAST');
    expect(renderOrderBy([{ column: "b", direction: "DESC" }])).toBe('"b" DESC NULLS FIRST');
    expect(renderOrderBy([{ column: "a", direction: "ASC", nulls: "FIRST" }])).toBe('"a" ASC NULLS FIRST');
  });

  it("renders nothing for no terms", () => {
    expect(renderOrderBy([])).toBe("");
  });

  it("validates hand-built terms", () => {
    expect(() => renderOrderBy([{ column: "a", direction: "desc" as "DESC" }])).toThrow(
      'order term direction must be "ASC" or "DESC", not "desc"',
    );
    expect(() => renderOrderBy([{ column: "a", direction: "DESC; DROP TABLE x" as "DESC" }])).toThrow(ValidationError);
    expect(() => renderOrderBy([{ column: "a", direction: "ASC", nulls: "LAST; --" as "LAST" }])).toThrow(ValidationError);
    expect(() => renderOrderBy([{ column: 'a"; DROP TABLE x; --', direction: "ASC" }])).toThrow(IdentifierError);
  });
});

describe("order by: properties", () => {
  const term: fc.Arbitrary<OrderTerm> = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/),
      fc.constantFrom<"ASC" | "DESC">("ASC", "DESC"),
      fc.constantFrom<"FIRST" | "LAST" | undefined>(undefined, "FIRST", "LAST"),
    )
    .map(([column, direction, nulls]) => (nulls === undefined ? { column, direction } : { column, direction, nulls }));

  it("parses what renderOrderBy-like text describes", () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 5 }), fc.boolean(), (terms, lower) => {
        let text = terms
          .map((t) => `${t.column} ${t.direction}${t.nulls === undefined ? "" : " NULLS " + t.nulls}`)
          .join(" , ");
        if (lower) text = text.replace(/ (ASC|DESC|NULLS|FIRST|LAST)\b/g, (m) => m.toLowerCase());
        expect(parseOrderBy(text)).toStrictEqual(terms);
        expect(renderOrderBy(parseOrderBy(text))).toBe(
          terms.map((t) => `"${t.column}" ${t.direction} NULLS ${t.nulls ?? (t.direction === "ASC" ? "LAST" : "FIRST")}`).join(", "),
        );
      }),
    );
  });

  it("turns any string into safe terms or a TablekitError", () => {
    const unit = fc.constantFrom(..."abAB_1 ,;()\"'.-\nDESCNULLSFIRSTLAST");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit, maxLength: 30 })), (text) => {
        try {
          const rendered = renderOrderBy(parseOrderBy(text));
          expect(rendered).toMatch(/^"[A-Za-z_][A-Za-z0-9_]*" (ASC|DESC)( NULLS (FIRST|LAST))?(, "[A-Za-z_][A-Za-z0-9_]*" (ASC|DESC)( NULLS (FIRST|LAST))?)*$/);
        } catch (error) {
          expect(error).toBeInstanceOf(TablekitError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
