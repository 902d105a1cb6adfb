/**
 * Adversary (issue 17, DECIMAL uniqueness by value on SQLite): tables whose constraints the SQLite
 * translation did not expect.
 *
 * Found by the adversary run:
 * - A table constraint written after a comma in a column that is not the last one
 *   (`{ a: "INTEGER", d: "DECIMAL, UNIQUE (a, d)", v: "TEXT" }`) is a syntax error on SQLite, which
 *   takes table constraints only after the last column; PostgreSQL takes them anywhere. Fixed in
 *   translateCreateTable (src/backends/sqlite/sqlite-schema.ts): they move to the end.
 * - The unique index by value is named as PostgreSQL names the constraint (`<table>_<col>_key`), and
 *   index names are global in a SQLite file as relation names are in a PostgreSQL schema: table
 *   `p_a` with column `b_c` and table `p_a_b` with column `c` both give `p_a_b_c_key`. PostgreSQL
 *   then names the second `p_a_b_c_key1`; SQLite ran `CREATE UNIQUE INDEX IF NOT EXISTS`, so the
 *   second table was created WITHOUT its index by value and took `"1.0"` and then `"1.00"`.
 *   Fixed (decimalKeyIndexes, src/backends/sqlite/decimal-unique.ts): no `IF NOT EXISTS`
 *   (createTable creates the indexes only with a table it has just created), and createTable reads
 *   the names in use in the transaction that creates the table (`relationNamesSql`), so the index
 *   gets PostgreSQL's next free name (`…_key1`, then `…_key2`), and a violation reports it as
 *   `UniqueViolationError.constraint` on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`DECIMAL UNIQUE in unusual tables [${backend.name}]`, () => {
    let db: Database;
    const created: string[] = [];
    beforeAll(() => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const t of created) await db?.dropTable(t, { ifExists: true });
      await db?.close();
    });

    it("a table constraint after a comma in a column that is not the last works on every backend", async () => {
      const t = uniqueTable("adv_dec_mid");
      created.push(t);
      await db.createTable(t, { a: "INTEGER", d: "DECIMAL, UNIQUE (a, d)", v: "TEXT" });
      await db.insert(t, { a: 1, d: "2.0", v: "x" });
      await expect(db.insert(t, { a: 1, d: "2.00", v: "y" })).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await db.upsert(t, { a: 1, d: "2", v: "z" }, { conflict: ["a", "d"] })).toMatchObject({ a: 1, d: "2.0", v: "z" });
    });

    it("never creates a DECIMAL UNIQUE table that compares text, when its constraint's name is taken", async () => {
      const base = uniqueTable("adv_dec_nm");
      created.push(`${base}_a_b`, `${base}_a`);
      await db.createTable(`${base}_a_b`, { id: "INTEGER PRIMARY KEY", c: "NUMERIC UNIQUE" });
      let tableCreated = true;
      try {
        await db.createTable(`${base}_a`, { id: "INTEGER PRIMARY KEY", b_c: "NUMERIC UNIQUE" });
      } catch {
        tableCreated = false;
      }
      if (!tableCreated) {
        expect(await db.tableExists(`${base}_a`)).toBe(false);
        return;
      }
      await db.insert(`${base}_a`, { id: 1, b_c: "1.0" });
      await expect(db.insert(`${base}_a`, { id: 2, b_c: "1.00" })).rejects.toBeInstanceOf(UniqueViolationError);
    });

    // PostgreSQL names the second constraint `<name>1` (then 2, …); SQLite picks the same free name.
    it("creates a DECIMAL UNIQUE table whose constraint's name is taken, as PostgreSQL does", async () => {
      const base = uniqueTable("adv_dec_nm2");
      created.push(`${base}_a_b`, `${base}_a`, `${base}`);
      await db.createTable(`${base}_a_b`, { id: "INTEGER PRIMARY KEY", c: "NUMERIC UNIQUE" });
      await db.createTable(`${base}_a`, { id: "INTEGER PRIMARY KEY", b_c: "NUMERIC UNIQUE" });
      await db.insert(`${base}_a`, { id: 1, b_c: "1.0" });
      const error = await db.insert(`${base}_a`, { id: 2, b_c: "1.00" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect((error as UniqueViolationError).constraint).toBe(`${base}_a_b_c_key1`);
      // A third table whose constraint would take the same name gets `…_key2`.
      await db.createTable(`${base}`, { id: "INTEGER PRIMARY KEY", a_b_c: "DECIMAL UNIQUE" });
      await db.insert(`${base}`, { id: 1, a_b_c: "2" });
      const third = await db.insert(`${base}`, { id: 2, a_b_c: "2.000" }).catch((e: unknown) => e);
      expect(third).toBeInstanceOf(UniqueViolationError);
      expect((third as UniqueViolationError).constraint).toBe(`${base}_a_b_c_key2`);
      // The first table keeps its name.
      await db.insert(`${base}_a_b`, { id: 1, c: "3" });
      const first = await db.insert(`${base}_a_b`, { id: 2, c: "3.0" }).catch((e: unknown) => e);
      expect((first as UniqueViolationError).constraint).toBe(`${base}_a_b_c_key`);
    });

    it("a DECIMAL primary key whose name is taken by a table gets PostgreSQL's next name", async () => {
      const base = uniqueTable("adv_dec_pk");
      created.push(`${base}_pkey`, base);
      await db.createTable(`${base}_pkey`, { id: "INTEGER PRIMARY KEY" });
      await db.createTable(base, { d: "NUMERIC PRIMARY KEY" });
      await db.insert(base, { d: "1.5" });
      const error = await db.insert(base, { d: "1.50" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect((error as UniqueViolationError).constraint).toBe(`${base}_pkey1`);
    });
  });
}
