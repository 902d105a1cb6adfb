/**
 * batchInsert's bulk path (COPY on PostgreSQL, multi-row INSERT on SQLite) stores exactly what
 * insert stores, for every value type and every character that needs escaping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type Row, UniqueViolationError } from "../../src/index.js";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";

const tricky = ["tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\x00", "quote'\"", "unicode ✓ 🎉", "", " lead/trail "];

for (const backend of backends()) {
  describe(`bulk values [${backend.name}]`, () => {
    let db: Database;
    const single = uniqueTable("bulk_single");
    const bulk = uniqueTable("bulk_copy");
    const columns = {
      id: "INTEGER PRIMARY KEY",
      s: "TEXT",
      n: "DOUBLE PRECISION",
      big: "INT8",
      flag: "BOOLEAN",
      at: "TIMESTAMPTZ",
      day: "DATE",
      doc: "JSONB",
      raw: "BYTEA",
      price: "DECIMAL(12,2)",
    };
    beforeAll(async () => {
      db = backend.open();
      await db.createTable(single, columns);
      await db.createTable(bulk, columns);
    });
    afterAll(async () => {
      await db.dropTable(single);
      await db.dropTable(bulk);
      await db.close();
    });

    it("round-trips every type and escape through the bulk path exactly as through insert", async () => {
      const records = tricky.map((s, i) => ({
        id: i + 1,
        s,
        n: i % 2 === 0 ? 1.5 * i : null,
        big: 9_007_199_254_740_991 - i,
        flag: i % 3 === 0,
        at: new Date(Date.UTC(2026, 10, 23, 10, i, 0, 123)),
        day: "2026-11-23",
        doc: { text: s, list: [i, null, "x\ty"], nested: { ok: true } },
        raw: Buffer.from([0, 9, 10, 13, 92, 255, i]),
        price: `${i}.5`,
      }));
      records.push({ id: 100, s: null, n: null, big: null, flag: null, at: null, day: null, doc: null, raw: null, price: null } as never);
      for (const record of records) await db.insert(single, record);
      const seen = recordQueries(db);
      expect(await db.batchInsert(bulk, records, { returning: false })).toBe(records.length);
      if (backend.name === "postgres") expect(seen.some((s) => s.startsWith("COPY "))).toBe(true);
      const viaInsert = await db.select<Row>(single, { orderBy: "id" });
      const viaBulk = await db.select<Row>(bulk, { orderBy: "id" });
      expect(viaBulk).toEqual(viaInsert);
      expect(viaBulk[0]!["s"]).toBe("tab\there");
      expect(viaBulk.find((r) => r["id"] === 5)!["s"]).toBe("\\N");
      expect(viaBulk.at(-1)!["s"]).toBeNull();
    });

    it("rolls the whole bulk load back when a row is rejected", async () => {
      await db.deleteMany(bulk, {});
      const records = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, s: `r${i}` }));
      records.push({ id: 1, s: "duplicate key at the very end" });
      await expect(db.batchInsert(bulk, records, { returning: false })).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await db.count(bulk)).toBe(0);
    });
  });
}
