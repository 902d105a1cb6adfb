import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { IdentifierError, ValidationError } from "../../src/errors/errors.js";
import { isSqlFragment, sql, SqlFragment } from "../../src/sql/sql-tag.js";

const dollar = (i: number): string => "$" + i;
const question = (): string => "?";

describe("sql template", () => {
  it("renders the documented example with $n and ? placeholders", () => {
    const q = sql`SELECT * FROM ${sql.id("users")} WHERE age > ${25} AND ${sql`name = ${"a"}`}`;
    expect(q.render(dollar)).toEqual({
      sql: 'SELECT * FROM "users" WHERE age > $1 AND name = $2',
      params: [25, "a"],
    });
    expect(q.render(question)).toEqual({
      sql: 'SELECT * FROM "users" WHERE age > ? AND name = ?',
      params: [25, "a"],
    });
  });

  it("renders text without values as is", () => {
    expect(sql`SELECT 1`.render(dollar)).toEqual({ sql: "SELECT 1", params: [] });
    expect(sql``.render(dollar)).toEqual({ sql: "", params: [] });
  });

  it("binds every non-fragment value, never interpolating it", () => {
    const hostile = "'; DROP TABLE users; --";
    const date = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const q = sql`INSERT INTO t VALUES (${hostile}, ${null}, ${1n}, ${true}, ${date}, ${bytes}, ${[1, 2]}, ${{ a: 1 }})`;
    const rendered = q.render(dollar);
    expect(rendered.sql).toBe("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    expect(rendered.params).toEqual([hostile, null, 1n, true, date, bytes, [1, 2], { a: 1 }]);
    expect(rendered.params[4]).toBe(date);
    expect(rendered.params[5]).toBe(bytes);
  });

  it("renumbers values of nested fragments at any depth", () => {
    const inner = sql`c = ${3}`;
    const middle = sql`b = ${2} AND ${inner}`;
    const outer = sql`a = ${1} AND ${middle} AND d = ${4}`;
    expect(outer.render(dollar)).toEqual({ sql: "a = $1 AND b = $2 AND c = $3 AND d = $4", params: [1, 2, 3, 4] });
  });

  it("renders the same fragment used twice with fresh placeholders", () => {
    const cond = sql`x = ${7}`;
    expect(sql`${cond} OR ${cond}`.render(dollar)).toEqual({ sql: "x = $1 OR x = $2", params: [7, 7] });
  });

  it("continues numbering after existing params", () => {
    const params: unknown[] = ["first"];
    const result = sql`a = ${1} AND b = ${2}`.render(dollar, params);
    expect(result).toEqual({ sql: "a = $2 AND b = $3", params: ["first", 1, 2] });
    expect(result.params).toBe(params);
  });

  it("passes 1-based indexes to the placeholder function", () => {
    const seen: number[] = [];
    sql`${"a"} ${"b"} ${"c"}`.render((i) => {
      seen.push(i);
      return "?";
    });
    expect(seen).toEqual([1, 2, 3]);
  });

  it("rejects undefined values", () => {
    expect(() => sql`a = ${undefined}`).toThrow(ValidationError);
    expect(() => sql`a = ${1} AND b = ${undefined}`).toThrow("sql template value #2 is undefined; use null for SQL NULL");
  });

  it("refuses to be called with a plain string", () => {
    const call = sql as unknown as (s: unknown) => unknown;
    expect(() => call("SELECT 1")).toThrow(ValidationError);
    expect(() => call(["SELECT 1"])).toThrow("sql must be used as a template tag");
  });

  it("makes immutable fragments", () => {
    const q = sql`a = ${1}`;
    expect(Object.isFrozen(q)).toBe(true);
    expect(Object.isFrozen(q.values)).toBe(true);
    expect(Object.isFrozen(q.strings)).toBe(true);
    expect(() => {
      (q as unknown as { strings: string[] }).strings = ["x"];
    }).toThrow(TypeError);
    expect(() => {
      (q.values as unknown[]).push(2);
    }).toThrow(TypeError);
  });
});

describe("SqlFragment", () => {
  it("checks the strings/values shape", () => {
    expect(new SqlFragment(["a ", " b"], [1]).render(dollar)).toEqual({ sql: "a $1 b", params: [1] });
    expect(() => new SqlFragment(["a"], [1])).toThrow(ValidationError);
    expect(() => new SqlFragment(["a"], [1])).toThrow("A SqlFragment needs one more string than values (got 1 strings and 1 values)");
  });

  it("is recognised by isSqlFragment", () => {
    expect(isSqlFragment(sql`x`)).toBe(true);
    expect(isSqlFragment(sql.id("a"))).toBe(true);
    expect(isSqlFragment(sql.empty)).toBe(true);
    expect(isSqlFragment("x")).toBe(false);
    expect(isSqlFragment({ strings: ["x"], values: [] })).toBe(false);
    expect(isSqlFragment(null)).toBe(false);
  });
});

describe("sql.id", () => {
  it("quotes a validated identifier", () => {
    expect(sql.id("users").render(dollar)).toEqual({ sql: '"users"', params: [] });
  });

  it("qualifies names given as several arguments or a dotted string", () => {
    expect(sql.id("app", "users").render(dollar).sql).toBe('"app"."users"');
    expect(sql.id("app.users").render(dollar).sql).toBe('"app"."users"');
    expect(sql.id("app.users", "id").render(dollar).sql).toBe('"app"."users"."id"');
  });

  it("rejects names that are not plain identifiers", () => {
    expect(() => sql.id('users"; DROP TABLE x; --')).toThrow(IdentifierError);
    expect(() => sql.id("a b")).toThrow('Invalid identifier name "a b"');
    expect(() => sql.id("a..b")).toThrow('Invalid identifier name ""');
    expect(() => sql.id(".a")).toThrow(IdentifierError);
    expect(() => sql.id("a.")).toThrow(IdentifierError);
    expect(() => sql.id("")).toThrow(IdentifierError);
    expect(() => sql.id(1 as unknown as string)).toThrow("Invalid identifier name 1: expected a string");
  });

  it("needs at least one name", () => {
    expect(() => sql.id()).toThrow(IdentifierError);
    expect(() => sql.id()).toThrow("sql.id() needs at least one name");
  });

  it("accepts exactly the plain identifiers", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (name) => {
        const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name.length <= 63;
        const dotted = name.includes(".");
        try {
          const text = sql.id(name).render(dollar).sql;
          expect(valid || dotted).toBe(true);
          if (!dotted) expect(text).toBe(`"${name}"`);
        } catch (error) {
          expect(error).toBeInstanceOf(IdentifierError);
          expect(valid).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("sql.raw", () => {
  it("inserts trusted text as is", () => {
    expect(sql`ORDER BY id ${sql.raw("DESC")} LIMIT ${5}`.render(dollar)).toEqual({
      sql: "ORDER BY id DESC LIMIT $1",
      params: [5],
    });
  });

  it("keeps a ? in raw text, which is not a parameter", () => {
    expect(sql`${sql.raw("data ? 'k'")} AND id = ${1}`.render(dollar)).toEqual({
      sql: "data ? 'k' AND id = $1",
      params: [1],
    });
  });

  it("takes only strings", () => {
    expect(() => sql.raw(1 as unknown as string)).toThrow(ValidationError);
    expect(() => sql.raw(1 as unknown as string)).toThrow("sql.raw() takes a string");
  });
});

describe("sql.join", () => {
  it("joins values as parameters with a comma by default", () => {
    expect(sql`WHERE id IN (${sql.join([1, 2, 3])})`.render(question)).toEqual({
      sql: "WHERE id IN (?, ?, ?)",
      params: [1, 2, 3],
    });
  });

  it("inlines fragment items and uses a custom separator", () => {
    const conditions = [sql`a = ${1}`, sql`b = ${2}`, sql`c IS NULL`];
    expect(sql.join(conditions, sql` AND `).render(dollar)).toEqual({
      sql: "a = $1 AND b = $2 AND c IS NULL",
      params: [1, 2],
    });
  });

  it("mixes fragments and values", () => {
    expect(sql.join([sql.id("a"), 5, sql.raw("DEFAULT")]).render(dollar)).toEqual({
      sql: '"a", $1, DEFAULT',
      params: [5],
    });
  });

  it("renders a separator with values once per gap", () => {
    expect(sql.join([1, 2, 3], sql` + ${0} + `).render(dollar)).toEqual({
      sql: "$1 + $2 + $3 + $4 + $5",
      params: [1, 0, 2, 0, 3],
    });
  });

  it("gives sql.empty for no items", () => {
    expect(sql.join([])).toBe(sql.empty);
    expect(sql`SELECT ${sql.join([])}1`.render(dollar)).toEqual({ sql: "SELECT 1", params: [] });
  });

  it("rejects a non-fragment separator, non-arrays and undefined items", () => {
    expect(() => sql.join([1, 2], " AND " as unknown as SqlFragment)).toThrow(
      "sql.join() separator must be a SqlFragment, e.g. sql` AND `",
    );
    expect(() => sql.join("abc" as unknown as unknown[])).toThrow("sql.join() takes an array of items");
    expect(() => sql.join([1, undefined])).toThrow("sql.join() item #2 is undefined; use null for SQL NULL");
  });
});

describe("sql.empty", () => {
  it("renders to nothing", () => {
    expect(sql.empty.render(dollar)).toEqual({ sql: "", params: [] });
    expect(sql`a${sql.empty}b`.render(dollar)).toEqual({ sql: "ab", params: [] });
  });
});

describe("sql: properties", () => {
  it("binds every value in order and never puts it in the text", () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 12 }), (values) => {
        const fragment = sql.join(values.map((v) => sql`x = ${v}`), sql` OR `);
        const rendered = fragment.render(dollar);
        expect(rendered.params).toEqual(values);
        expect(rendered.sql).toBe(values.map((_, i) => `x = $${i + 1}`).join(" OR "));
      }),
    );
  });
});
