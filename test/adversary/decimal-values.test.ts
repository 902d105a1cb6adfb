/**
 * Adversary (issue 17, portable values): DECIMAL text in non-canonical forms.
 *
 * Found by the adversary run: SQLite stored an unscaled DECIMAL/NUMERIC value as the text given
 * (`"007"`, `"-0"`, `".5"`, `"5."`, `"+3"`), where PostgreSQL stores and returns the number in its
 * output form (`"7"`, `"0"`, `"0.5"`, `"5"`, `"3"`). Beyond the different read-back, a UNIQUE
 * DECIMAL column on SQLite accepted `7` and `"007"` (two texts) where PostgreSQL refuses the second.
 * Fixed in decimalText (src/crud/column-values.ts).
 *
 * Also here: PostgreSQL's special NUMERIC values (NaN, ±Infinity), which SQLite refused while
 * PostgreSQL stored them; SQLite now stores, compares and orders them as PostgreSQL does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, UniqueViolationError, ValidationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const CANONICAL: [string, string][] = [
  ["-0", "0"],
  ["-0.0", "0.0"],
  ["007", "7"],
  ["-007.50", "-7.50"],
  ["+.5", "0.5"],
  ["5.", "5"],
  ["00", "0"],
  ["+3", "3"],
  ["-.0e3", "0"],
  ["0.000", "0.000"],
  ["1e5", "100000"],
];

for (const backend of backends()) {
  describe(`DECIMAL text forms [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_decimal");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", d: "DECIMAL", u: "NUMERIC UNIQUE" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("an unscaled DECIMAL reads back in PostgreSQL's output form on every backend", async () => {
      let id = 0;
      for (const [given, stored] of CANONICAL) {
        id++;
        const written = await db.insert(table, { id, d: given });
        expect([given, written["d"]]).toEqual([given, stored]);
        expect([given, (await db.selectOne(table, { where: { id } }))?.["d"]]).toEqual([given, stored]);
      }
    });

    it("a UNIQUE DECIMAL refuses 7 and then \"007\" on every backend", async () => {
      await db.insert(table, { id: 100, u: 7 });
      await expect(db.insert(table, { id: 101, u: "007" })).rejects.toBeInstanceOf(UniqueViolationError);
      await db.insert(table, { id: 102, u: "0" });
      await expect(db.insert(table, { id: 103, u: "-0" })).rejects.toBeInstanceOf(UniqueViolationError);
    });

    // An unscaled DECIMAL keeps its scale ("1.0" reads back "1.0", as on PostgreSQL), so "1.0" and
    // "1.00" are two stored texts on SQLite: tablekit's UNIQUE there also has a unique index by value
    // (backends/sqlite/decimal-unique.ts), which refuses the second as PostgreSQL's NUMERIC equality does.
    it("a UNIQUE DECIMAL refuses \"1.0\" then \"1.00\" on every backend", async () => {
      await db.insert(table, { id: 300, u: "1.0" });
      await expect(db.insert(table, { id: 301, u: "1.00" })).rejects.toBeInstanceOf(UniqueViolationError);
    });

    // PostgreSQL's NUMERIC takes 'NaN' and, unscaled, ±Infinity (PostgreSQL 14+): SQLite stores
    // and reads them back alike, in any spelling PostgreSQL's input accepts; '-NaN' is refused by both.
    it("an unscaled DECIMAL stores NaN and ±Infinity as PostgreSQL does, on every backend", async () => {
      const cases: [unknown, string][] = [["NaN", "NaN"], [" nan ", "NaN"], ["Infinity", "Infinity"], ["+inf", "Infinity"], ["-Infinity", "-Infinity"], ["-INF", "-Infinity"], [Infinity, "Infinity"], [-Infinity, "-Infinity"]];
      let id = 200;
      for (const [given, stored] of cases) {
        id++;
        expect([given, (await db.insert(table, { id, d: given }))["d"]]).toEqual([given, stored]);
        expect([given, (await db.selectOne(table, { where: { id } }))?.["d"]]).toEqual([given, stored]);
      }
      for (const bad of ["-NaN", "+NaN", "infinit", "NaN1"]) {
        await expect(db.insert(table, { id: ++id, d: bad }), bad).rejects.toBeInstanceOf(ValidationError);
      }
      // A JS NaN stays refused everywhere (issue 14: SQLite would have stored NULL).
      await expect(db.insert(table, { id: ++id, d: NaN })).rejects.toBeInstanceOf(ValidationError);
    });

    it("a scaled DECIMAL stores NaN and refuses ±Infinity (PostgreSQL: numeric field overflow) with a ValidationError", async () => {
      const scaled = uniqueTable("adv_decimal_scaled");
      await db.createTable(scaled, { id: "INTEGER PRIMARY KEY", m: "DECIMAL(10,2)", p: "NUMERIC(5)" });
      try {
        expect((await db.insert(scaled, { id: 1, m: "nan", p: "NaN" }))).toMatchObject({ m: "NaN", p: "NaN" });
        for (const [i, value] of ["Infinity", "-inf", Infinity, -Infinity].entries()) {
          await expect(db.insert(scaled, { id: 10 + i, m: value }), String(value)).rejects.toBeInstanceOf(ValidationError);
          await expect(db.insert(scaled, { id: 20 + i, p: value }), String(value)).rejects.toBeInstanceOf(ValidationError);
        }
        expect(await db.count(scaled, {})).toBe(1);
      } finally {
        await db.dropTable(scaled, { ifExists: true });
      }
    });

    it("NaN, Infinity and -Infinity compare and order as PostgreSQL's NUMERIC: -Infinity below every number, NaN = NaN above Infinity", async () => {
      const ordered = uniqueTable("adv_decimal_order");
      await db.createTable(ordered, { id: "INTEGER PRIMARY KEY", d: "NUMERIC" });
      try {
        const values = ["NaN", "1e300", "-Infinity", "0", "Infinity", "-99999999999999999999", "NaN", "5", null];
        await db.batchInsert(ordered, values.map((d, i) => ({ id: i + 1, d })));
        const ids = async (options: Record<string, unknown>): Promise<unknown[]> => (await db.select(ordered, { columns: ["id"], orderBy: "d, id", ...options })).map((r) => r["id"]);
        expect(await ids({})).toEqual([3, 6, 4, 8, 2, 5, 1, 7, 9]);
        expect(await ids({ orderBy: "d DESC, id" })).toEqual([9, 1, 7, 5, 2, 8, 4, 6, 3]);
        expect(await ids({ where: { d: "NaN" } })).toEqual([1, 7]);
        expect(await ids({ where: { d: { gt: "Infinity" } } })).toEqual([1, 7]);
        expect(await ids({ where: { d: { gte: "Infinity" } } })).toEqual([5, 1, 7]);
        expect(await ids({ where: { d: { gt: 5 } } })).toEqual([2, 5, 1, 7]);
        expect(await ids({ where: { d: { lt: 0 } } })).toEqual([3, 6]);
        expect(await ids({ where: { d: { lt: "-1e300" } } })).toEqual([3]);
        expect(await ids({ where: { d: { lte: "NaN" } } })).toEqual([3, 6, 4, 8, 2, 5, 1, 7]);
        expect(await ids({ where: { d: { ne: "NaN" } } })).toEqual([3, 6, 4, 8, 2, 5]);
        expect(await ids({ where: { d: { in: ["-inf", "nan"] } } })).toEqual([3, 1, 7]);
        expect(await ids({ where: { d: Infinity } })).toEqual([5]);
      } finally {
        await db.dropTable(ordered, { ifExists: true });
      }
    });
  });
}
