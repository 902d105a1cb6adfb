/**
 * Adversary (issue 17, portable values): a column's DEFAULT stores the same value on every backend.
 *
 * Found by the adversary run: tablekit pads a CHAR(n) value and writes a DECIMAL in PostgreSQL's
 * output form (at the column's scale) when it writes the value itself, but a DEFAULT in the
 * definition was translated for SQLite as written. A row taking the default then held `"a"` in a
 * CHAR(4) (PostgreSQL: `"a   "`), so `where: { c: "a" }` — compared padded — found nothing on
 * SQLite; and `NUMERIC DEFAULT 1e3` / `DECIMAL(10,2) DEFAULT 1.5` read back `"1e3"` / `"1.5"` where
 * PostgreSQL gives `"1000"` / `"1.50"`. Fixed in the DEFAULT translation of
 * src/backends/sqlite/sqlite-schema.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`column DEFAULT values [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_defaults");
      await db.createTable(table, {
        id: "INTEGER PRIMARY KEY",
        c: "CHAR(4) DEFAULT 'a'",
        c1: "CHAR DEFAULT 'x'",
        cs: "CHAR(3) DEFAULT 'ab   '",
        n: "NUMERIC DEFAULT 1e3",
        ns: "NUMERIC DEFAULT '007.50'",
        nneg: "DECIMAL DEFAULT -0.0",
        nan: "NUMERIC DEFAULT 'NaN'",
        inf: "NUMERIC DEFAULT '-inf'",
        d2: "DECIMAL(10,2) DEFAULT 1.5",
        d2s: "NUMERIC(8,3) NOT NULL DEFAULT '2'",
        vc: "VARCHAR(4) DEFAULT 'a'",
      });
      await db.insert(table, { id: 1 });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("a row taking the defaults reads back PostgreSQL's stored values on every backend", async () => {
      expect(await db.selectOne(table, { where: { id: 1 } })).toEqual({
        id: 1,
        c: "a   ",
        c1: "x",
        cs: "ab ",
        n: "1000",
        ns: "7.50",
        nneg: "0.0",
        nan: "NaN",
        inf: "-Infinity",
        d2: "1.50",
        d2s: "2.000",
        vc: "a",
      });
    });

    it("filters find a CHAR(n) default by its unpadded text, as PostgreSQL's bpchar comparison does", async () => {
      expect((await db.select(table, { where: { c: "a" } })).map((r) => r["id"])).toEqual([1]);
      expect((await db.select(table, { where: { c: "a   ", cs: "ab" } })).map((r) => r["id"])).toEqual([1]);
    });

    it("a DECIMAL default equals the value written explicitly", async () => {
      await db.insert(table, { id: 2, n: 1000, d2: "1.5" });
      expect(await db.count(table, { n: "1000", d2: 1.5 })).toBe(2);
    });
  });
}
