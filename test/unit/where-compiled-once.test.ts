/**
 * A `where` given to a Table read is compiled exactly once: the compile that validates it is the
 * one the statement runs (issue #16, "validating a filter means compiling it once"). Counted by
 * wrapping the two compile entry points of src/sql/where.ts (compileWhereFragment calls
 * compileWhere through its own module binding, so each filter compile is counted once).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const compiles = { count: 0 };

vi.mock("../../src/sql/where.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/sql/where.js")>();
  return {
    ...original,
    compileWhere: (...args: Parameters<typeof original.compileWhere>) => {
      compiles.count++;
      return original.compileWhere(...args);
    },
    compileWhereFragment: (...args: Parameters<typeof original.compileWhereFragment>) => {
      compiles.count++;
      return original.compileWhereFragment(...args);
    },
  };
});

const { Database } = await import("../../src/index.js");
const { Table } = await import("../../src/table/index.js");
const { IdentifierError, ValidationError } = await import("../../src/errors/errors.js");

describe("a Table read compiles its where once", () => {
  const db = new Database({ filename: join(mkdtempSync(join(tmpdir(), "tk-where-once-")), "test.db") });
  const users = new Table<{ id: number; name: string; age: number }>("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT", age: "INTEGER" } });
  const where = { age: { gte: 30 }, name: { like: "a%" } } as const;

  beforeAll(async () => {
    await users.batchCreate([{ name: "ann", age: 31 }, { name: "al", age: 40 }, { name: "bob", age: 50 }, { name: "amy", age: 20 }]);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    compiles.count = 0;
  });

  it("list", async () => {
    expect((await users.list({ where, orderBy: "id" })).map((r) => r.name)).toEqual(["ann", "al"]);
    expect(compiles.count).toBe(1);
  });

  it("findOne", async () => {
    expect((await users.findOne(where, { orderBy: "age DESC" }))?.name).toBe("al");
    expect(compiles.count).toBe(1);
  });

  it("count", async () => {
    expect(await users.count(where)).toBe(2);
    expect(compiles.count).toBe(1);
  });

  it("paginate by page (count and rows share one compile)", async () => {
    const page = await users.paginate({ where, perPage: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((r) => r.name)).toEqual(["ann"]);
    expect(compiles.count).toBe(1);
  });

  it("paginate by keyset", async () => {
    const page = await users.paginate({ where, limit: 5 });
    expect(page.items.map((r) => r.name)).toEqual(["ann", "al"]);
    expect(compiles.count).toBe(1);
  });

  it("a bad filter is still refused, with the same errors", async () => {
    await expect(users.list({ where: { nope: 1 } as never })).rejects.toThrow(IdentifierError);
    await expect(users.count({ age: { between: 1 } } as never)).rejects.toThrow(ValidationError);
    await expect(users.findOne("x" as never)).rejects.toThrow(ValidationError);
  });
});
