/**
 * Statements issued together inside one transaction (Promise.all): each gets its own result, in
 * order; a failure fails the transaction and nothing of it is committed; a bulk load (COPY on
 * PostgreSQL) and a stream issued amid other statements do not disturb them. (On PostgreSQL
 * the transaction's statements are pipelined on its connection.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type Row, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`statements issued together in a transaction [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("tx_concurrent");

    beforeAll(async () => {
      db = backend.open({ maxConnections: 2 });
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", n: "INTEGER NOT NULL" });
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("gives each of 100 concurrent statements its own result", async () => {
      await db.deleteMany(t, { id: { gte: 0 } });
      const results = await db.transaction(async (tx) => {
        const inserted = await Promise.all(Array.from({ length: 50 }, (_, i) => tx.insert<Row>(t, { id: i + 1, n: i })));
        const read = await Promise.all(Array.from({ length: 50 }, (_, i) => tx.selectOne<Row>(t, { where: { id: 50 - i } })));
        return { inserted, read };
      });
      expect(results.inserted.map((row) => row["id"])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(results.read.map((row) => row?.["n"])).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
      expect(await db.count(t)).toBe(50);
    });

    it("fails the whole transaction when one of its concurrent statements fails", async () => {
      await db.deleteMany(t, { id: { gte: 0 } });
      await db.insert(t, { id: 1000, n: 0 });
      let error: unknown;
      try {
        await db.transaction(async (tx) => {
          await Promise.all(Array.from({ length: 40 }, (_, i) => tx.insert(t, { id: 980 + i, n: 1 })));
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect(await db.count(t)).toBe(1);
      // The connection is healthy afterwards.
      expect(await db.transaction(async (tx) => tx.count(t))).toBe(1);
    });

    it("runs a bulk load and a stream among statements issued with them", async () => {
      await db.deleteMany(t, { id: { gte: 0 } });
      const rows = Array.from({ length: 2_000 }, (_, i) => ({ id: i + 1, n: i % 7 }));
      const outcome = await db.transaction(async (tx) => {
        await tx.insert(t, { id: 10_000, n: 0 });
        const loaded = tx.batchInsert(t, rows, { returning: false });
        const extras = Promise.all(Array.from({ length: 20 }, (_, i) => tx.insert<Row>(t, { id: 5_000 + i, n: 7 })));
        const streamed = (async () => {
          let seen = 0;
          for await (const row of tx.stream<Row>(t, { batchSize: 300 })) if (row["id"] === 10_000) seen++;
          return seen;
        })();
        const counted = tx.count(t);
        return Promise.all([loaded, extras, streamed, counted]);
      });
      const [loaded, extras, streamed, counted] = outcome;
      expect(loaded).toBe(2_000);
      expect(extras.map((row) => row["id"])).toEqual(Array.from({ length: 20 }, (_, i) => 5_000 + i));
      // Issued after the first insert had answered, the stream and the count see it.
      expect(streamed).toBe(1);
      expect(counted).toBeGreaterThanOrEqual(1);
      expect(counted).toBeLessThanOrEqual(2_021);
      expect(await db.count(t)).toBe(2_021);
    });
  });
}
