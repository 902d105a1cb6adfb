/**
 * How batchUpdate's statements run (docs/decisions.md, "Batch writes closer to the raw driver"):
 * a chunk of statements goes to the transaction's connection in one call where the driver has
 * `queryMany` (SQLite) and nobody observes single statements, else one `query` each (PostgreSQL
 * pipelines them, query listeners see every statement). Either way the batch is all or nothing, a
 * failure is the mapped error, and a failed batch inside a caller's transaction rolls back only
 * its savepoint. No query listener here (batch.test.ts records queries throughout, so it runs the
 * per-statement path).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const ROWS = 450;

for (const backend of backends()) {
  describe(`batchUpdate's statements [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("bu_run");
    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", code: "TEXT UNIQUE", n: "INTEGER" });
    });
    beforeEach(async () => {
      await db.deleteMany(t, {});
      await db.batchInsert(t, Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, code: `c${i + 1}`, n: 0 })), { returning: false });
    });
    afterAll(async () => {
      await db?.dropTable(t, { ifExists: true });
      await db?.close();
    });

    it("updates every record over several chunks, in order, with the count or the rows", async () => {
      const records = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, n: i * 2 }));
      expect(await db.batchUpdate(t, records, { returning: false })).toBe(ROWS);
      expect(await db.count(t, { n: 0 })).toBe(1);
      const rows = await db.batchUpdate<{ id: number; n: number }>(t, records.map((r) => ({ ...r, n: r.n + 1 })));
      expect(rows.map((r) => r.id)).toEqual(records.map((r) => r.id));
      expect(rows.every((r) => r.n % 2 === 1)).toBe(true);
    });

    it("records alternating between column lists each run their own statement", async () => {
      const records = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { id: i + 1, n: i } : i % 3 === 1 ? { id: i + 1, code: `x${i}` } : { id: i + 1, code: `y${i}`, n: -i }));
      const rows = await db.batchUpdate<{ id: number; code: string; n: number }>(t, records);
      expect(rows).toHaveLength(300);
      for (let i = 0; i < 300; i++) {
        const row = rows[i]!;
        if (i % 3 === 0) expect(row).toEqual({ id: i + 1, code: `c${i + 1}`, n: i });
        else if (i % 3 === 1) expect(row).toEqual({ id: i + 1, code: `x${i}`, n: 0 });
        else expect(row).toEqual({ id: i + 1, code: `y${i}`, n: -i });
      }
    });

    it("a statement failing in a later chunk rolls back the whole batch and rejects with the mapped error", async () => {
      // Record 300 (in the second chunk of 200) takes a code another row keeps.
      const records = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, n: 7, ...(i === 300 ? { code: "c1" } : {}) }));
      await expect(db.batchUpdate(t, records, { returning: false })).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await db.count(t, { n: 7 })).toBe(0);
      // The connection is usable and out of the failed transaction.
      expect(await db.batchUpdate(t, [{ id: 1, n: 8 }], { returning: false })).toBe(1);
      expect(await db.count(t, { n: 8 })).toBe(1);
    });

    it("inside a caller's transaction, a failed batch rolls back only itself", async () => {
      await db.transaction(async (tx) => {
        await tx.update(t, { n: 1 }, { id: 1 });
        const records = [{ id: 2, n: 9 }, { id: 3, n: 9, code: "c1" }];
        await expect(tx.batchUpdate(t, records, { returning: false })).rejects.toBeInstanceOf(UniqueViolationError);
        await tx.update(t, { n: 1 }, { id: 4 });
      });
      expect(await db.count(t, { n: 1 })).toBe(2);
      expect(await db.count(t, { n: 9 })).toBe(0);
    });

    it("a query listener sees every statement of the batch", async () => {
      const seen: string[] = [];
      const listener = (event: { sql: string }): void => {
        seen.push(event.sql);
      };
      db.on("query", listener);
      try {
        expect(await db.batchUpdate(t, Array.from({ length: 250 }, (_, i) => ({ id: i + 1, n: 5 })), { returning: false })).toBe(250);
      } finally {
        db.off("query", listener);
      }
      expect(seen.filter((s) => s.startsWith("UPDATE"))).toHaveLength(250);
    });
  });
}
