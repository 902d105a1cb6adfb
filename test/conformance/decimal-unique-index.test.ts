/**
 * `createIndex(…, { unique: true })` over an unscaled DECIMAL compares values as numbers on every
 * backend (issue 17): PostgreSQL's NUMERIC equality makes "1.0" and "1.00" the same key; SQLite,
 * which stores the text as given, gets a unique index on the value key (`decimalValueKeySql`), and
 * an upsert naming the column targets it (docs/decisions.md, "Unique indexes by DECIMAL value").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`createIndex unique over an unscaled DECIMAL [${backend.name}]`, () => {
    let db: Database;
    const tables: string[] = [];
    beforeAll(() => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const t of tables) await db.dropTable(t, { ifExists: true });
      await db.close();
    });

    async function table(): Promise<string> {
      const name = uniqueTable("dec_uidx");
      tables.push(name);
      await db.createTable(name, { id: "INTEGER PRIMARY KEY", price: "NUMERIC", label: "TEXT" });
      return name;
    }

    it("refuses a second row with an equal number written differently", async () => {
      const t = await table();
      await db.createIndex(`${t}_price_u`, t, "price", { unique: true });
      await db.insert(t, { price: "1.0", label: "a" });
      const error = await db.insert(t, { price: "1.00", label: "b" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      await db.insert(t, { price: "1.01", label: "c" });
      expect(await db.count(t)).toBe(2);
      expect((await db.select(t, { orderBy: "price", columns: ["price"] })).map((r) => r["price"])).toEqual(["1.0", "1.01"]);
    });

    it("an upsert naming the column updates the row holding the equal number", async () => {
      const t = await table();
      await db.createIndex(`${t}_price_u`, t, "price", { unique: true });
      await db.insert(t, { price: "5.0", label: "old" });
      const row = await db.upsert(t, { price: "5.000", label: "new" }, { conflict: ["price"], update: ["label"] });
      expect(row).toMatchObject({ price: "5.0", label: "new" });
      expect(await db.count(t)).toBe(1);
    });

    it("a composite unique index compares its DECIMAL member by value and its other members as they are", async () => {
      const t = await table();
      await db.createIndex(`${t}_label_price_u`, t, ["label", "price"], { unique: true });
      await db.insert(t, { price: "2.5", label: "x" });
      await db.insert(t, { price: "2.50", label: "y" });
      await expect(db.insert(t, { price: "2.500", label: "x" })).rejects.toBeInstanceOf(UniqueViolationError);
      const row = await db.upsert(t, { price: "2.50", label: "y" }, { conflict: ["label", "price"], update: ["label"] });
      expect(row).toMatchObject({ price: "2.50", label: "y" });
      expect(await db.count(t)).toBe(2);
    });

    it("a non-unique index and a scaled DECIMAL are indexed as before", async () => {
      const t = await table();
      await db.createIndex(`${t}_price_i`, t, "price");
      await db.insert(t, { price: "3.0" });
      await db.insert(t, { price: "3.00" });
      expect(await db.count(t, { price: "3" })).toBe(2);
      const scaled = uniqueTable("dec_uidx_scaled");
      tables.push(scaled);
      await db.createTable(scaled, { id: "INTEGER PRIMARY KEY", price: "DECIMAL(10,2)" });
      await db.createIndex(`${scaled}_price_u`, scaled, "price", { unique: true });
      await db.insert(scaled, { price: "4.1" });
      await expect(db.insert(scaled, { price: "4.10" })).rejects.toBeInstanceOf(UniqueViolationError);
    });
  });
}
