/**
 * Issue 17, item 1a: UNIQUE and PRIMARY KEY constraints over an unscaled DECIMAL compare by
 * numeric value on every backend. PostgreSQL's NUMERIC equality refuses "1.00" after "1.0" (and
 * reads each back with its own scale); SQLite stored both texts. On SQLite, tablekit's createTable
 * adds a unique index by value for such constraints (backends/sqlite/decimal-unique.ts), named as
 * PostgreSQL names the constraint; `upsert` targets it, so a numerically equal conflict updates the
 * row as on PostgreSQL.
 */
import Sqlite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, UniqueViolationError } from "../../src/index.js";
import { postgresConstraintName } from "../../src/backends/sqlite/unique-constraint-name.js";
import { backends, uniqueTable } from "../support/backends.js";

async function refusal(call: Promise<unknown>): Promise<{ name: string; constraint: string | undefined }> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(UniqueViolationError);
    return { name: (error as Error).constructor.name, constraint: (error as UniqueViolationError).constraint };
  }
  throw new Error("the write was not refused");
}

for (const backend of backends()) {
  describe(`DECIMAL uniqueness by value [${backend.name}]`, () => {
    let db: Database;
    const created: string[] = [];
    const table = (prefix: string): string => {
      const name = uniqueTable(prefix);
      created.push(name);
      return name;
    };
    beforeAll(() => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const name of created) await db?.dropTable(name, { ifExists: true });
      await db?.close();
    });

    it("a UNIQUE NUMERIC refuses a numerically equal value in another scale, with PostgreSQL's constraint name; each value reads back with its own scale", async () => {
      const t = table("dec_u");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE" });
      expect((await db.insert(t, { id: 1, u: "1.0" }))["u"]).toBe("1.0");
      for (const [id, u] of [[2, "1.00"], [3, 1], [4, "1"], [5, "1.0"], [6, "+001.000e0"]] as const) {
        expect(await refusal(db.insert(t, { id, u })), String(u)).toEqual({ name: "UniqueViolationError", constraint: `${t}_u_key` });
      }
      expect((await db.insert(t, { id: 7, u: "10" }))["u"]).toBe("10");
      expect((await db.insert(t, { id: 8, u: "0.1" }))["u"]).toBe("0.1");
      expect((await db.insert(t, { id: 9, u: "-1.50" }))["u"]).toBe("-1.50");
      expect(await refusal(db.insert(t, { id: 10, u: "-1.5" }))).toMatchObject({ constraint: `${t}_u_key` });
      expect(await refusal(db.update<{ id: number; u: string }>(t, { u: "10.000" }, { id: 8 }))).toMatchObject({ constraint: `${t}_u_key` });
      // NULLs are not equal to each other; NaN equals NaN.
      await db.insert(t, { id: 11, u: null });
      await db.insert(t, { id: 12, u: null });
      await db.insert(t, { id: 13, u: "NaN" });
      await refusal(db.insert(t, { id: 14, u: "nan" }));
      expect((await db.select(t, { columns: ["u"], orderBy: "id" })).map((r) => r["u"])).toEqual(["1.0", "10", "0.1", "-1.50", null, null, "NaN"]);
    });

    it("a NUMERIC PRIMARY KEY and a composite UNIQUE with a NUMERIC member compare it by value", async () => {
      const pk = table("dec_pk");
      await db.createTable(pk, { k: "NUMERIC PRIMARY KEY", v: "TEXT" });
      await db.insert(pk, { k: "2.50", v: "a" });
      expect(await refusal(db.insert(pk, { k: "2.5", v: "b" }))).toMatchObject({ constraint: `${pk}_pkey` });
      expect(await refusal(db.insert(pk, { k: "2.50", v: "b" }))).toMatchObject({ constraint: `${pk}_pkey` });

      const pair = table("dec_pair");
      await db.createTable(pair, { id: "INTEGER PRIMARY KEY", a: "INTEGER", b: "DECIMAL", c: "TEXT, UNIQUE (a, b)" });
      await db.insert(pair, { id: 1, a: 1, b: "3.0" });
      await db.insert(pair, { id: 2, a: 2, b: "3.00" });
      expect(await refusal(db.insert(pair, { id: 3, a: 1, b: "3" }))).toMatchObject({ constraint: `${pair}_a_b_key` });

      const named = table("dec_named");
      await db.createTable(named, { id: "INTEGER PRIMARY KEY", p: "DECIMAL CONSTRAINT price_once UNIQUE" });
      await db.insert(named, { id: 1, p: "7" });
      expect(await refusal(db.insert(named, { id: 2, p: "7.000" }))).toMatchObject({ constraint: "price_once" });
    });

    it("long names: the constraint is named as PostgreSQL truncates it (63 bytes, the longer name shortened first)", async () => {
      const t = table("dec_" + "long".repeat(10));
      const column = "amount_in_minor_units_of_the_currency_of_record";
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", [column]: "NUMERIC UNIQUE" });
      await db.insert(t, { id: 1, [column]: "1" });
      const expected = postgresConstraintName(t, column, "key");
      expect(Buffer.byteLength(expected)).toBe(63);
      expect(await refusal(db.insert(t, { id: 2, [column]: "1.0" }))).toMatchObject({ constraint: expected });
      // A plain UNIQUE (not DECIMAL) is named by the same rule on SQLite.
      const u = table("dec_" + "name".repeat(10));
      await db.createTable(u, { id: "INTEGER PRIMARY KEY", [column]: "TEXT UNIQUE" });
      await db.insert(u, { id: 1, [column]: "x" });
      expect(await refusal(db.insert(u, { id: 2, [column]: "x" }))).toMatchObject({ constraint: postgresConstraintName(u, column, "key") });
    });

    it("upsert with a numerically equal conflict value updates the existing row, as on PostgreSQL", async () => {
      const t = table("dec_up");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", code: "NUMERIC UNIQUE", note: "TEXT" });
      await db.insert(t, { id: 1, code: "5.0", note: "first" });
      expect(await db.upsert(t, { id: 2, code: "5.00", note: "second" }, { conflict: ["code"], update: ["note"] })).toEqual({ id: 1, code: "5.0", note: "second" });
      expect(await db.upsert(t, { id: 3, code: "6", note: "new" }, { conflict: ["code"] })).toEqual({ id: 3, code: "6", note: "new" });
      expect(await db.count(t, {})).toBe(2);

      const pair = table("dec_up2");
      await db.createTable(pair, { id: "INTEGER PRIMARY KEY", a: "INTEGER", b: "NUMERIC", n: "INTEGER, UNIQUE (a, b)" });
      await db.insert(pair, { id: 1, a: 1, b: "0.5", n: 1 });
      expect(await db.upsert(pair, { id: 9, a: 1, b: ".50", n: 2 }, { conflict: ["b", "a"], update: ["n"] })).toEqual({ id: 1, a: 1, b: "0.5", n: 2 });
    });

    it("tables without an unscaled DECIMAL key are created as before (no extra index); scaled DECIMAL(p,s) UNIQUE compares stored text at the scale", async () => {
      const t = table("dec_scaled");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", m: "DECIMAL(10,2) UNIQUE", n: "NUMERIC" });
      await db.insert(t, { id: 1, m: "1.5" });
      expect(await refusal(db.insert(t, { id: 2, m: "1.500" }))).toMatchObject({ constraint: `${t}_m_key` });
      if (backend.name === "sqlite") {
        // Only SQLite's own autoindexes: no index by value, and the declared types are unchanged.
        expect(await db.execute("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [t])).toEqual([]);
        expect((await db.columns(t)).map((c) => c.type)).toEqual(["INTEGER", "DECIMAL TEXT(10,2)", "NUMERIC TEXT"]);
      }
    });

    it("createTable with ifNotExists on an existing table changes nothing", async () => {
      const t = table("dec_again");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE" });
      await db.insert(t, { id: 1, u: "2" });
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE", other: "TEXT" });
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["id", "u"]);
      await refusal(db.insert(t, { id: 2, u: "2.0" }));
    });

    if (backend.name === "sqlite") {
      it("SQLite: the index uses built-in functions only, so another SQLite tool can write the table (and its writes are checked by value too)", async () => {
        const options = backend.options();
        const filename = options.filename as string;
        const file = new Database(options);
        const t = uniqueTable("dec_tool");
        await file.createTable(t, { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE" });
        await file.insert(t, { id: 1, u: "4.0" });
        await file.close();
        const raw = new Sqlite(filename);
        try {
          raw.prepare(`INSERT INTO "${t}" (id, u) VALUES (2, '5')`).run();
          expect(() => raw.prepare(`INSERT INTO "${t}" (id, u) VALUES (3, '4.000')`).run()).toThrow(/UNIQUE constraint failed: index '.*_u_key'/);
          expect(raw.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
          raw.exec("VACUUM");
          expect(raw.prepare(`SELECT type FROM pragma_table_info('${t}') WHERE name = 'u'`).pluck().get()).toBe("NUMERIC KEYED TEXT");
        } finally {
          raw.close();
        }
      });
    }
  });
}
