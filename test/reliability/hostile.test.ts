/**
 * Scenario 5, hostile input: arbitrary strings and objects as table names, column names, filter
 * keys and operators, orderBy strings, ids and values. The only outcomes allowed are a correct
 * result or a TablekitError subclass: never a raw driver error, never a crash. Afterwards a
 * canary table is intact and no unexpected table exists.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, TablekitError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { report, scale } from "./scale.js";

const RUNS = scale(150, 10_000);

/** Strings that look like attacks, mixed with arbitrary ones. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "name; DROP TABLE canary",
    "\"; DROP TABLE canary; --",
    "' OR '1'='1",
    "id) OR (1=1",
    "canary",
    "sqlite_master",
    "pg_catalog.pg_tables",
    "name ASC; DELETE FROM canary",
    "__proto__",
    "constructor",
    "AND",
    "OR",
    "NOT",
    "\u0000",
    "a".repeat(70),
    "id",
    "name",
  ),
);
const anyValue = fc.oneof(fc.jsonValue(), nasty, fc.date(), fc.bigInt(), fc.constant(undefined), fc.uint8Array());
const filter = fc.dictionary(nasty, fc.oneof(anyValue, fc.dictionary(nasty, anyValue)), { maxKeys: 3 });

for (const backend of backends()) {
  describe(`reliability: hostile input [${backend.name}]`, () => {
    let db: Database;
    const canary = uniqueTable("canary");
    const target = uniqueTable("hostile");
    let tablesBefore: string[] = [];

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(canary, { id: "INTEGER PRIMARY KEY", secret: "TEXT NOT NULL" });
      await db.insert(canary, { id: 1, secret: "intact" });
      await db.createTable(target, { id: "INTEGER PRIMARY KEY", name: "TEXT", data: "JSONB" });
      await db.batchInsert(target, [{ id: 1, name: "a" }, { id: 2, name: "b" }], { returning: false });
      tablesBefore = await db.listTables();
    });
    afterAll(async () => {
      await db.dropTable(target);
      await db.dropTable(canary);
      await db.close();
    });

    async function outcome(operation: () => Promise<unknown>): Promise<void> {
      try {
        await operation();
      } catch (error) {
        if (!(error instanceof TablekitError)) throw new Error(`Raw error escaped: ${String(error)}`, { cause: error });
      }
    }

    it(`survives ${RUNS} hostile calls per operation with only TablekitErrors`, { timeout: 600_000 }, async () => {
      let calls = 0;
      const check = <T extends [unknown, ...unknown[]]>(property: fc.IAsyncPropertyWithHooks<T>) =>
        fc.assert(
          property.beforeEach(() => void calls++),
          { numRuns: RUNS },
        );
      await check(fc.asyncProperty(nasty, async (table) => outcome(() => db.select(table, { limit: 1 }))));
      await check(fc.asyncProperty(nasty, anyValue, async (column, value) => outcome(() => db.insert(target, { [column]: value }))));
      await check(fc.asyncProperty(filter, async (where) => outcome(() => db.select(target, { where: where as never }))));
      await check(fc.asyncProperty(filter, async (where) => outcome(() => db.count(target, where as never))));
      await check(fc.asyncProperty(nasty, async (orderBy) => outcome(() => db.select(target, { orderBy }))));
      await check(fc.asyncProperty(anyValue, async (id) => outcome(() => db.selectOne(target, { where: { id } as never }))));
      await check(fc.asyncProperty(anyValue, async (id) => outcome(() => db.update(target, { name: "x" }, { id } as never))));
      await check(fc.asyncProperty(filter, async (data) => outcome(() => db.update<Record<string, unknown>>(target, data, { id: 999 }))));
      await check(fc.asyncProperty(nasty, async (name) => outcome(() => db.createIndex(name, target, ["name"]))));
      await check(fc.asyncProperty(nasty, nasty, async (name, def) => outcome(() => db.createTable(`${target}_x`, { [name]: def }))));
      const tablesAfter = await db.listTables();
      // Other test files create their own uniquely named tables (name_<pid>_<n>) in the same
      // database meanwhile; anything else that appeared came from hostile input.
      const unexpected = tablesAfter.filter((t) => !tablesBefore.includes(t) && t !== `${target}_x` && !/_\d+_\d+(_x)?$/.test(t));
      await db.dropTable(`${target}_x`);
      report("hostile", backend.name, { runsPerOperation: RUNS, calls, unexpectedTables: unexpected.length });
      expect(await db.select(canary)).toEqual([{ id: 1, secret: "intact" }]);
      expect(unexpected).toEqual([]);
    });
  });
}
