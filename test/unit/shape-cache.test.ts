/**
 * The statement shape cache memoizes the rendered text of a statement's fragment per (kind,
 * table, shape), at the edge: a hit builds nothing and takes the values from the call.
 */
import { describe, expect, it } from "vitest";
import type { SqlDialect } from "../../src/backends/contract.js";
import { ShapeCache, compiledWhereShape } from "../../src/crud/shape-cache.js";
import { sql } from "../../src/sql/sql-tag.js";
import { compileWhereFragment } from "../../src/sql/where.js";

const dialect = {
  name: "postgres",
  placeholder: (i: number) => "$" + i,
  encodeValue: (v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : v),
  encodeList: (values: readonly unknown[]) => values,
  inList: (column: string, placeholder: string, negate: boolean) => (negate ? `NOT (${column} = ANY(${placeholder}))` : `${column} = ANY(${placeholder})`),
  ilike: (column: string, placeholder: string, negate: boolean) => `${column} ${negate ? "NOT ILIKE" : "ILIKE"} ${placeholder}`,
} as unknown as SqlDialect;

describe("ShapeCache", () => {
  it("renders a fragment once per (kind, table, shape) and then only collects values", () => {
    const cache = new ShapeCache(dialect);
    let builds = 0;
    const build = (id: unknown) => () => {
      builds++;
      return sql`SELECT * FROM ${sql.id("t")} WHERE ${sql.id("id")} = ${id}`;
    };
    expect(cache.statement("select", "t", "id", { id: 1 }, undefined, build(1))).toEqual({ sql: 'SELECT * FROM "t" WHERE "id" = $1', params: [1] });
    expect(cache.statement("select", "t", "id", { id: true }, undefined, build(true))).toEqual({ sql: 'SELECT * FROM "t" WHERE "id" = $1', params: [1] });
    expect(builds).toBe(1);
    cache.statement("selectOne", "t", "id", { id: 1 }, undefined, build(1));
    cache.statement("select", "u", "id", { id: 1 }, undefined, build(1));
    expect(builds).toBe(3);
  });

  it("appends already-encoded values as they are after the first record's", () => {
    const cache = new ShapeCache(dialect);
    const build = () => sql`UPDATE ${sql.id("t")} SET ${sql.id("a")} = ${1} WHERE ${sql.id("b")} = ${"x"}`;
    cache.statementWithEncoded("u", "t", "a|k", { a: 1 }, ["x"], build);
    expect(cache.statementWithEncoded("u", "t", "a|k", { a: false }, [true], build)).toEqual({ sql: 'UPDATE "t" SET "a" = $1 WHERE "b" = $2', params: [0, true] });
  });
});

describe("compiledWhereShape", () => {
  it("is the compiled filter's text pieces, equal for equal shapes with other values", () => {
    const a = compiledWhereShape(compileWhereFragment({ id: 1, age: { gte: 3 } }, dialect));
    const b = compiledWhereShape(compileWhereFragment({ id: 9, age: { gte: 40 } }, dialect));
    const c = compiledWhereShape(compileWhereFragment({ id: 1, age: { gt: 3 } }, dialect));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(compiledWhereShape(undefined)).toBe("");
  });

  it("is undefined for a fragment holding other fragments", () => {
    const inner = compileWhereFragment({ id: 1 }, dialect)!;
    expect(compiledWhereShape(sql`${inner} AND ${inner}`)).toBeUndefined();
  });
});
