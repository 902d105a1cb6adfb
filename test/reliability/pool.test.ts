/**
 * Scenario 4, pool pressure: far more concurrent transactions than connections all complete; with
 * an acquire timeout, a caller that cannot get a connection in time gets a clear error instead of
 * waiting forever, and the pool is healthy afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, type Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { countUnhandledRejections, report, scale } from "./scale.js";

const TRANSACTIONS = scale(500, 5_000);

for (const backend of backends()) {
  describe(`reliability: pool pressure [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("pool");
    beforeAll(async () => {
      db = backend.open({ maxConnections: 10 });
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", worker: "INTEGER NOT NULL" });
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it(`completes ${TRANSACTIONS} concurrent transactions with maxConnections 10`, { timeout: 600_000 }, async () => {
      const started = Date.now();
      const unhandled = await countUnhandledRejections(async () => {
        await Promise.all(
          Array.from({ length: TRANSACTIONS }, (_, i) =>
            db.transaction(async (tx) => {
              await tx.insert(t, { id: i + 1, worker: i % 10 });
              return tx.count(t, { worker: i % 10 });
            }),
          ),
        );
      });
      report("pool", backend.name, { transactions: TRANSACTIONS, maxConnections: 10, seconds: (Date.now() - started) / 1000, unhandled });
      expect(unhandled).toBe(0);
      expect(await db.count(t)).toBe(TRANSACTIONS);
    });

    if (backend.name === "postgres") {
      it("times out waiting for a connection with a clear error, then recovers", async () => {
        const small = backend.open({ maxConnections: 2, acquireTimeoutMs: 200 });
        try {
          let release!: () => void;
          const hold = new Promise<void>((resolve) => (release = resolve));
          const holders = [small.transaction(() => hold), small.transaction(() => hold)];
          await new Promise((resolve) => setTimeout(resolve, 50));
          const results = await Promise.allSettled(Array.from({ length: 5 }, () => small.transaction(async (tx) => tx.count(t))));
          for (const result of results) {
            expect(result.status).toBe("rejected");
            expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionError);
          }
          release();
          await Promise.all(holders);
          const after = await Promise.all(Array.from({ length: 20 }, () => small.transaction(async (tx) => tx.count(t))));
          expect(after.every((n) => typeof n === "number")).toBe(true);
        } finally {
          await small.close();
        }
      });
    }
  });
}
