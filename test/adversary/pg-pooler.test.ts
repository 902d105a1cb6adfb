/**
 * Adversary (issue 18 part 4): PgBouncer in transaction mode dying under load. A private PgBouncer
 * (test/support/pgbouncer.ts) in front of the shared server, which is never stopped.
 *
 * PgBouncer is SIGKILLed while 300 autocommit inserts and 60 transactions are in flight through
 * it (`pooler=transaction` and the default `pooler=auto`): every call settles within a bound, a
 * failure is a ConnectionError (AmbiguousCommitError included), never anything else, every
 * acknowledged row is stored (checked directly on the server), and nothing escapes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousCommitError, ConnectionError, Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";
import { PgBouncer, pgbouncerMissing } from "../support/pgbouncer.js";
import { ProcessWatch, sleep, within } from "../postgres/fault-harness.js";

describe.runIf(selectedBackendNames().includes("postgres") && pgbouncerMissing() === undefined)("PgBouncer killed mid-pipeline [postgres]", () => {
  const direct = new Database(PG_URL);
  const watch = new ProcessWatch();
  beforeAll(() => watch.install());
  afterAll(async () => {
    watch.uninstall();
    await direct.close();
  });

  for (const pooler of ["transaction", "auto"] as const) {
    it(`pooler=${pooler}: every call settles, failures are ConnectionErrors, acknowledged rows are stored`, { timeout: 40_000 }, async () => {
      const table = uniqueTable("adv_bouncer");
      await direct.createTable(table, { id: "INTEGER PRIMARY KEY", via: "TEXT" });
      const bouncer = await PgBouncer.start({ target: PG_URL, poolSize: 4 });
      const db = new Database({ url: bouncer.url({ query: `pooler=${pooler}` }), queryTimeoutMs: 3_000, connectTimeoutMs: 2_000, maxConnections: 8 });
      try {
        await db.insert(table, { id: 0, via: "warm-up" });
        const acked: number[] = [];
        const failures: unknown[] = [];
        const calls: Promise<void>[] = [];
        for (let i = 1; i <= 300; i++) {
          calls.push(
            db.insert(table, { id: i, via: "autocommit" }).then(
              () => void acked.push(i),
              (e: unknown) => void failures.push(e),
            ),
          );
          if (i % 5 === 0) {
            const id = 1_000 + i;
            calls.push(
              db
                .transaction(async (tx) => {
                  await tx.insert(table, { id, via: "tx" });
                  await tx.count(table);
                })
                .then(
                  () => void acked.push(id),
                  (e: unknown) => void failures.push(e),
                ),
            );
          }
        }
        // Autocommit inserts are acknowledged after most transactions: kill once both kinds have some.
        const deadline = Date.now() + 10_000;
        while (acked.filter((id) => id < 1_000).length < 3 && failures.length === 0 && Date.now() < deadline) await sleep(1);
        bouncer.signal("SIGKILL");
        expect(await within(Promise.all(calls), 15_000)).not.toBe("pending");
        expect(failures.filter((e) => !(e instanceof ConnectionError) && !(e instanceof AmbiguousCommitError)).map(String)).toEqual([]);
        const stored = new Set((await direct.select(table, { columns: ["id"] })).map((r) => Number(r["id"])));
        expect(acked.filter((id) => !stored.has(id))).toEqual([]);
        // A refused call (ConnectionError, not ambiguous) stored nothing: count the rows not acknowledged.
        const ambiguous = failures.filter((e) => e instanceof AmbiguousCommitError).length;
        expect(stored.size - 1 - acked.length).toBeLessThanOrEqual(ambiguous);
        expect(acked.filter((id) => id < 1_000).length).toBeGreaterThan(0);
        expect(failures.length).toBeGreaterThan(0);
        // The Database settles the next call too, and closes.
        expect(await within(db.count(table).catch((e: unknown) => e), 10_000)).toBeInstanceOf(ConnectionError);
      } finally {
        expect(await within(db.close(), 10_000)).not.toBe("pending");
        await bouncer.destroy();
        await direct.dropTable(table, { ifExists: true });
      }
      expect(watch.escaped).toEqual([]);
    });
  }
});
