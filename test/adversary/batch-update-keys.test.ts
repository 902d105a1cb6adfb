/**
 * Adversary (issue 17, portable values): `batchUpdate` finds rows by a key column of a type whose
 * values compare by value rather than by stored text — CHAR(n), unscaled DECIMAL, DECIMAL(p,s).
 *
 * Found by the adversary run: `where: { code: "ab" }` finds the CHAR(4) row `"ab  "` on both
 * backends, and `where: { d: 1 }` the DECIMAL `"1.0"`, but on SQLite `batchUpdate` matched its
 * `keyColumn` by the text given, unconverted: `{ code: "ab" }` (CHAR(4)), `{ d: "1" }` (stored
 * `"1.0"`), `{ s: 1.5 }` (DECIMAL(6,2), stored `"1.50"`) updated nothing and returned `[]`, where
 * PostgreSQL updates the row. Fixed in src/queryable/batches.ts: the key's equality is compiled
 * the way `where: { [keyColumn]: value }` compiles it (the one filter compiler, with the column's
 * filter conversion on SQLite: CHAR(n) by its padded text, DECIMAL by its exact number), the other
 * columns converted as a write stores them. A key value that is an object (an operator filter such
 * as `{ gt: 0 }`, which the old statement compiled as a filter matching many rows) is refused
 * before any SQL, and a key value the filter refuses names its record and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, ValidationError } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { z } from "zod";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`batchUpdate by a CHAR(n) or DECIMAL key [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_bu_keys");
      await db.createTable(table, { code: "CHAR(4) PRIMARY KEY", v: "TEXT", d: "NUMERIC UNIQUE", s: "DECIMAL(6,2) UNIQUE" });
      await db.insert(table, { code: "ab", v: "x", d: "1.0", s: "1.5" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("a key given as stored updates the row on every backend", async () => {
      expect(await db.batchUpdate(table, [{ code: "ab  ", v: "stored" }], { keyColumn: "code" })).toHaveLength(1);
      expect(await db.batchUpdate(table, [{ d: "1.0", v: "stored" }], { keyColumn: "d" })).toHaveLength(1);
    });

    it("a CHAR(n) key without its padding updates the row, as a filter finds it", async () => {
      expect(await db.count(table, { code: "ab" })).toBe(1);
      expect(await db.batchUpdate(table, [{ code: "ab", v: "char" }], { keyColumn: "code" })).toMatchObject([{ v: "char" }]);
    });
    it("an unscaled DECIMAL key equal in value updates the row", async () => {
      expect(await db.count(table, { d: "1" })).toBe(1);
      expect(await db.batchUpdate(table, [{ d: "1", v: "decimal" }], { keyColumn: "d" })).toMatchObject([{ v: "decimal" }]);
    });
    it("a DECIMAL(p,s) key given at another scale updates the row", async () => {
      expect(await db.count(table, { s: 1.5 })).toBe(1);
      expect(await db.batchUpdate(table, [{ s: 1.5, v: "scaled" }], { keyColumn: "s" })).toMatchObject([{ v: "scaled" }]);
    });

    it("Table.batchUpdate by a CHAR(n) key without its padding updates the row", async () => {
      const rows = new Table<{ code: string; v: string; d: string; s: string }>(table, { db });
      expect(await rows.batchUpdate([{ code: "ab", v: "table" }], { keyColumn: "code" })).toMatchObject([{ v: "table" }]);
      expect(await db.count(table, { v: "table" })).toBe(1);
    });
    it("records of different shapes in one batch each set their own columns, matched by their own key", async () => {
      const updated = await db.batchUpdate(
        table,
        [
          { code: "ab", v: "one" },
          { d: "1.00", v: "two", s: 1.5 },
          { code: "ab   ", v: "three" },
          { s: "1.500", v: "four" },
        ],
        { keyColumn: "code", returning: false },
      ).catch((error: unknown) => error);
      // Records 1 and 3 have no "code": refused as a whole before any statement.
      expect(updated).toBeInstanceOf(ValidationError);
      expect(String((updated as Error).message)).toMatch(/record 1 has no value for the key column "code"/);
      expect(await db.count(table, { v: "one" })).toBe(0);
      const byScale = await db.batchUpdate(table, [{ s: 1.5, v: "five" }, { s: "1.500", d: 1 }, { s: "01.5", v: "six" }], { keyColumn: "s" });
      expect(byScale).toHaveLength(3);
      expect(await db.selectOne(table, { where: { code: "ab" } })).toMatchObject({ v: "six", s: "1.50" });
      expect(Number((await db.selectOne(table, { where: { code: "ab" } }))?.["d"])).toBe(1);
    });
    it("a key given as an object or array is refused before any SQL, not compiled as a filter", async () => {
      await db.insert(table, { code: "zz", v: "other", d: "7", s: "7" });
      try {
        for (const id of [{ ne: "nothing" }, { gt: 0 }, ["ab", "zz"]]) {
          const error = await db.batchUpdate(table, [{ code: id, v: "everywhere" }], { keyColumn: "code" }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues[0]?.path).toEqual([0, "code"]);
        }
        expect(await db.count(table, { v: "everywhere" })).toBe(0);
      } finally {
        await db.delete(table, { code: "zz" });
      }
    });
    it("a key value the filter refuses is a ValidationError, and no record of the batch is written", async () => {
      const error = await db.batchUpdate(table, [{ d: 1, v: "first" }, { d: "not a number", v: "second" }], { keyColumn: "d" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      // SQLite refuses it before BEGIN, naming the record; PostgreSQL's server refuses the statement.
      if (backend.name === "sqlite") expect((error as ValidationError).issues[0]?.path).toEqual([1, "d"]);
      expect(await db.count(table, { v: "first" })).toBe(0);
    });
  });
}

for (const backend of backends()) {
  // Found after the fix above: a Table with a model reads the rows (locked) by the keys, then matched
  // each record to its row by the JavaScript value of the key, so "ab" missed the row read back as
  // "ab  " and "1" the row read back as "1.0": the record was skipped silently, on both backends.
  describe(`Table.batchUpdate with a model, by a CHAR(n) or DECIMAL key [${backend.name}]`, () => {
    let db: Database;
    const tables: string[] = [];
    beforeAll(() => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const t of tables) await db.dropTable(t, { ifExists: true });
      await db?.close();
    });

    it("updates the row a filter by the given key finds", async () => {
      const name = uniqueTable("adv_bu_model");
      tables.push(name);
      const model = z.object({ code: z.string(), d: z.string().nullable(), v: z.string().nullable() });
      const items = new Table(name, { db, schema: { code: "CHAR(4) PRIMARY KEY", d: "NUMERIC UNIQUE", v: "TEXT" }, model });
      await items.create({ code: "ab", d: "1.0", v: "x" });
      await items.create({ code: "cd", d: "2.50", v: "x" });
      const byCode = await items.batchUpdate([{ code: "ab", v: "by code" }], { keyColumn: "code" });
      expect(byCode).toEqual([{ code: "ab  ", d: "1.0", v: "by code" }]);
      const byValue = await items.batchUpdate([{ d: "2.5", v: "by value" }, { d: "9", v: "missing" }], { keyColumn: "d" });
      expect(byValue).toEqual([{ code: "cd  ", d: "2.50", v: "by value" }]);
      expect(await items.count()).toBe(2);
    });
  });
}
