/**
 * Adversary (issue 17, portable definitions): a PRIMARY KEY written as a table constraint after a
 * comma (`{ a: "TEXT", b: "TEXT, PRIMARY KEY (a, b)" }`, the form the issue-17 work made keep its
 * column types on SQLite).
 *
 * Found by the adversary run: PostgreSQL makes every PRIMARY KEY column NOT NULL; SQLite does not
 * for a table constraint (its documented legacy behaviour outside WITHOUT ROWID tables), so a row
 * with a NULL key column was stored on SQLite (twice, even: NULLs are distinct) where PostgreSQL
 * refuses it. tablekit already added NOT NULL to a column-level PRIMARY KEY; now also to the
 * columns of a table-level one (src/backends/sqlite/sqlite-schema.ts).
 *
 * Left alone: a single `INTEGER` column named in a table-level PRIMARY KEY is SQLite's rowid, which
 * is assigned when NULL is written, NOT NULL or not (PostgreSQL refuses the NULL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, NotNullViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`table-level PRIMARY KEY columns refuse NULL [${backend.name}]`, () => {
    let db: Database;
    const created: string[] = [];
    beforeAll(() => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const t of created) await db?.dropTable(t, { ifExists: true });
      await db?.close();
    });

    it("a composite key column left out or NULL is a NotNullViolationError on every backend", async () => {
      const t = uniqueTable("adv_tpk");
      created.push(t);
      await db.createTable(t, { a: "TEXT", b: "BIGINT", v: "TEXT, CONSTRAINT my_pk PRIMARY KEY (a, b)" });
      await expect(db.insert(t, { a: "x", v: "1" })).rejects.toBeInstanceOf(NotNullViolationError);
      await expect(db.insert(t, { a: null, b: 1, v: "2" })).rejects.toBeInstanceOf(NotNullViolationError);
      await db.insert(t, { a: "x", b: 1, v: "3" });
      expect(await db.count(t)).toBe(1);
    });

    it("a single non-INTEGER key column refuses NULL on every backend", async () => {
      const t = uniqueTable("adv_tpk1");
      created.push(t);
      await db.createTable(t, { code: "NUMERIC", v: "TEXT, PRIMARY KEY (code)" });
      await expect(db.insert(t, { v: "1" })).rejects.toBeInstanceOf(NotNullViolationError);
      await db.insert(t, { code: "1.0", v: "2" });
      await expect(db.insert(t, { code: "1", v: "3" })).rejects.toMatchObject({ name: "UniqueViolationError" });
    });
  });
}
