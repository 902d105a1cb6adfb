/**
 * Many statements at once outside transactions, on few connections: each returns its own result,
 * each commits or fails on its own, a failure is reported as it would be alone, and a steady
 * stream of them does not keep a transaction from getting a connection. (On PostgreSQL these
 * statements share connections in pg's pipeline mode: see src/backends/postgres/pipelined-lane.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type Row, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable, rejection } from "../support/backends.js";

for (const backend of backends()) {
  describe(`concurrent statements on few connections [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("concurrent");

    beforeAll(async () => {
      db = backend.open({ maxConnections: 2 });
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" });
      await db.batchInsert(t, Array.from({ length: 200 }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` })), { returning: false });
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("gives each of 200 concurrent reads its own row", async () => {
      const ids = Array.from({ length: 200 }, (_, i) => 200 - i);
      const rows = await Promise.all(ids.map((id) => db.selectOne(t, { where: { id } })));
      expect(rows.map((row) => row?.["id"])).toEqual(ids);
      expect(rows.map((row) => row?.["name"])).toEqual(ids.map((id) => `row ${id}`));
    });

    it("commits or fails each concurrent write on its own", async () => {
      const w = uniqueTable("concurrent_w");
      await db.createTable(w, { id: "INTEGER PRIMARY KEY", n: "INTEGER NOT NULL" });
      try {
        await db.insert(w, { id: 25, n: 0 });
        const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => db.insert(w, { id: i + 1, n: i + 1 })));
        const failed = results.flatMap((result, i) => (result.status === "rejected" ? [{ id: i + 1, reason: result.reason as unknown }] : []));
        expect(failed.map((f) => f.id)).toEqual([25]);
        expect(failed[0]!.reason).toBeInstanceOf(UniqueViolationError);
        // The 49 neighbours of the failed insert committed; the pre-existing row kept its value.
        expect(await db.count(w)).toBe(50);
        expect(await db.selectOne(w, { where: { id: 25 } })).toEqual({ id: 25, n: 0 });
        const updated = await Promise.all(Array.from({ length: 50 }, (_, i) => db.update(w, { n: -(i + 1) }, { id: i + 1 })));
        expect(updated.every((row) => row !== null)).toBe(true);
        expect(await db.count(w, { n: { lt: 0 } })).toBe(50);
      } finally {
        await db.dropTable(w);
      }
    });

    it("reports a failure the same way whether the statement runs alone or among 20 identical ones", async () => {
      const missing = uniqueTable("concurrent_missing");
      const alone = (await rejection(db.selectOne<Row>(missing, { where: { id: 1 } }))) as Error & { code?: string };
      const together = (await Promise.allSettled(Array.from({ length: 20 }, () => db.selectOne(missing, { where: { id: 1 } })))).map(
        (result) => (result.status === "rejected" ? (result.reason as Error & { code?: string }) : undefined),
      );
      for (const error of together) {
        expect(error).toBeDefined();
        expect(error!.constructor).toBe(alone.constructor);
        expect(error!.code).toBe(alone.code);
        expect(error!.message).toBe(alone.message);
      }
      // The statement works once the table exists (no stale prepared statement is left behind).
      await db.createTable(missing, { id: "INTEGER PRIMARY KEY" });
      try {
        await db.insert(missing, { id: 1 });
        expect(await Promise.all(Array.from({ length: 20 }, () => db.selectOne(missing, { where: { id: 1 } })))).toEqual(
          Array.from({ length: 20 }, () => ({ id: 1 })),
        );
      } finally {
        await db.dropTable(missing);
      }
    });

    it("lets a transaction in while 8 callers keep both connections busy", { timeout: 30_000 }, async () => {
      let stop = false;
      let reads = 0;
      const workers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const row = await db.selectOne(t, { where: { id: ((w * 31 + i) % 200) + 1 } });
          expect(row).toBeDefined();
          reads++;
          // SQLite answers without ever leaving the microtask queue; let timers run.
          if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      });
      try {
        // Let the readers saturate the pool first.
        while (reads < 200) await new Promise((resolve) => setTimeout(resolve, 5));
        const counted = await Promise.race([
          db.transaction(async (tx) => tx.count(t)),
          new Promise<"starved">((resolve) => setTimeout(() => resolve("starved"), 10_000)),
        ]);
        expect(counted).toBe(200);
        // The readers were still going: the transaction got in under load, not after it.
        const after = reads;
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(reads).toBeGreaterThan(after);
      } finally {
        stop = true;
        await Promise.all(workers);
      }
    });
  });
}
