/**
 * A SQLite Table read whose filter needs the column types reads `PRAGMA schema_version` once:
 * the compile reads it (for the column types) and the statement, run in the same synchronous
 * stretch, skips its own check (docs/decisions.md, "One schema-version read per SQLite call").
 * Counted by wrapping better-sqlite3's Statement#get for that one statement's text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Database } from "../../src/index.js";
import { Table } from "../../src/table/index.js";

const reads = { count: 0 };
const probe = new BetterSqlite3(":memory:");
const statementPrototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as { get: (...args: unknown[]) => unknown };
probe.close();
const originalGet = statementPrototype.get;

describe("one schema-version read per SQLite Table read", () => {
  const db = new Database({ filename: join(mkdtempSync(join(tmpdir(), "tk-schema-reads-")), "test.db") });
  const users = new Table<{ id: number; name: string; age: number }>("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT", age: "INTEGER" } });

  beforeAll(async () => {
    await users.batchCreate([{ name: "ann", age: 31 }, { name: "al", age: 40 }, { name: "amy", age: 20 }]);
    statementPrototype.get = function (this: { source: string }, ...args: unknown[]) {
      if (this.source === "PRAGMA schema_version") reads.count++;
      return originalGet.apply(this, args);
    };
  });
  afterAll(async () => {
    statementPrototype.get = originalGet;
    await db.close();
  });

  async function readsOf(read: () => Promise<unknown>): Promise<number> {
    await read(); // warm: statements prepared, column types cached
    reads.count = 0;
    await read();
    return reads.count;
  }

  it("list with a range filter", async () => {
    expect(await readsOf(() => users.list({ where: { age: { gte: 30 } }, limit: 5 }))).toBe(1);
  });

  it("list by key and findOne", async () => {
    expect(await readsOf(() => users.list({ where: { name: "ann" } }))).toBe(1);
    expect(await readsOf(() => users.findOne({ age: { lt: 35 } }))).toBe(1);
  });

  it("still follows a schema change made in between", async () => {
    expect((await users.list({ where: { age: { gte: 30 } }, orderBy: "id" })).map((r) => r.name)).toEqual(["ann", "al"]);
    await db.execute("ALTER TABLE users ADD COLUMN extra TEXT");
    const rows = await db.select("users", { where: { age: { gte: 30 } }, orderBy: "id" });
    expect(rows.map((r) => Object.keys(r))).toEqual([["id", "name", "age", "extra"], ["id", "name", "age", "extra"]]);
  });
});
