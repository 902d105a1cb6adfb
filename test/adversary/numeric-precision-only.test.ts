/**
 * Adversary (issue 17, portable values): NUMERIC(p) / DECIMAL(p), a precision without a scale.
 *
 * Found by the adversary run: PostgreSQL reads `NUMERIC(p)` as `NUMERIC(p, 0)` (its documentation:
 * "specifying NUMERIC(precision) selects a scale of 0"), so 1.5 is stored and read back as "2".
 * SQLite took the scale only from a `(p,s)` pair and stored `"1.5"` as given, read it back as
 * `"1.5"`, and let `where: { a: 2 }` miss the row PostgreSQL finds. Fixed in `decimalScale`
 * (src/backends/common/declared-types.ts), which the value checks, the SQLite decoder and the
 * DEFAULT translation share.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, ValidationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`NUMERIC(p) without a scale [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_numeric_p");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", a: "NUMERIC(4)", d: "DECIMAL(3) DEFAULT 2.5", u: "NUMERIC(5) UNIQUE" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("stores values rounded to whole numbers, as PostgreSQL does, on every backend", async () => {
      const cases: [unknown, string][] = [[1.5, "2"], ["2.4", "2"], ["-2.5", "-3"], ["9999.4", "9999"], ["0.4", "0"], [7n, "7"]];
      let id = 0;
      for (const [given, stored] of cases) {
        id++;
        expect([given, (await db.insert(table, { id, a: given }))["a"]]).toEqual([given, stored]);
        expect([given, (await db.selectOne(table, { where: { id } }))?.["a"]]).toEqual([given, stored]);
      }
      expect((await db.select(table, { where: { a: 2 }, orderBy: { id: "asc" } })).map((r) => r["id"])).toEqual([1, 2]);
      expect((await db.selectOne(table, { where: { id: 1 } }))?.["d"]).toBe("3");
    });

    it("refuses a value that rounds to more digits than the precision, on every backend", async () => {
      await expect(db.insert(table, { id: 50, a: "9999.5" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.insert(table, { id: 51, a: 12345 })).rejects.toBeInstanceOf(ValidationError);
    });

    it("a UNIQUE NUMERIC(p) refuses 1.6 after 2, on every backend", async () => {
      await db.insert(table, { id: 60, u: 2 });
      await expect(db.insert(table, { id: 61, u: 1.6 })).rejects.toMatchObject({ name: "UniqueViolationError" });
    });
  });
}
