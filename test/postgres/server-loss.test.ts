/**
 * Server loss on a private server (PgCluster), for every kind of call: the server is stopped
 * (fast, immediate), killed (SIGKILL) or the connections terminated (pg_terminate_backend) while
 * the calls are in flight. Each call settles within a bound with a typed error, nothing escapes
 * as an uncaught exception or unhandled rejection, nothing acknowledged is lost, `close()`
 * settles, and the same Database works once the server is back.
 *
 * queryTimeoutMs is off here: loss must be noticed without it. A frozen server (which only the
 * timeout bounds) is in timeouts.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousCommitError, ConnectionError, Database, sql } from "../../src/index.js";
import { selectedBackendNames } from "../support/backends.js";
import type { PgCluster } from "../support/pg-cluster.js";
import { scale } from "../reliability/scale.js";
import { ProcessWatch, type Settled, expectLossError, sleep, startFaultCluster, track, within } from "./fault-harness.js";

/** Every call must settle within this long after the fault (they settle in milliseconds; the slack is for a loaded machine). */
const SETTLE_BOUND_MS = 5_000;

type Fault = "terminate" | "fast" | "immediate" | "kill";

/** Each fault once in `npm test`; 10 times with TABLEKIT_STRESS=1. */
const ROUNDS = scale(1, 10);

describe.runIf(selectedBackendNames().includes("postgres"))("PostgreSQL server loss: every call settles with a typed error [postgres]", () => {
  let cluster: PgCluster;
  const watch = new ProcessWatch();

  beforeAll(async () => {
    cluster = await startFaultCluster([
      // Each row a millisecond: COPY and batchUpdate are still running when the fault comes.
      "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$",
      "CREATE TRIGGER loaded_slow BEFORE INSERT ON loaded FOR EACH ROW EXECUTE FUNCTION slow_row()",
      "CREATE TABLE slow (id int PRIMARY KEY, n int NOT NULL)",
      "INSERT INTO slow SELECT g, 0 FROM generate_series(1, 20000) g",
      "CREATE TRIGGER slow_slow BEFORE UPDATE ON slow FOR EACH ROW EXECUTE FUNCTION slow_row()",
      // A COMMIT that takes 30 s: a deferred constraint trigger sleeps at commit time.
      "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$",
      "CREATE TABLE committing (id int)",
      "CREATE CONSTRAINT TRIGGER committing_slow AFTER INSERT ON committing DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()",
    ]);
    watch.install();
  }, 60_000);

  afterAll(async () => {
    watch.uninstall();
    await cluster?.destroy();
  });

  async function fault(kind: Fault): Promise<void> {
    switch (kind) {
      case "terminate":
        cluster.terminateClients();
        return;
      case "fast":
      case "immediate":
        cluster.stop(kind);
        return;
      case "kill":
        cluster.kill();
    }
  }

  for (let round = 1; round <= ROUNDS; round++)
  for (const kind of ["terminate", "fast", "immediate", "kill"] as const) {
    it(`${kind}${ROUNDS > 1 ? ` (round ${round})` : ""}: point query, insert, transaction statement, COMMIT, streams, COPY, batchUpdate and pipelined statements all settle within ${SETTLE_BOUND_MS} ms; nothing acknowledged is lost; the Database heals`, { timeout: 60_000 }, async () => {
      cluster.psql("TRUNCATE acks, loaded, committing", "test");
      const db = new Database({ url: cluster.url(), maxConnections: 16, connectTimeoutMs: 2_000, queryTimeoutMs: 0 });
      await db.connect();
      let faultAt = Number.POSITIVE_INFINITY;
      const since = () => faultAt;

      const slowStream = async (inTransaction: boolean): Promise<number> => {
        const run = async (q: Pick<Database, "stream">) => {
          let rows = 0;
          for await (const _ of q.stream(sql`SELECT * FROM items ORDER BY id`, { batchSize: 100 })) {
            if (++rows % 100 === 0) await sleep(20); // a slow consumer: the connection dies between reads
          }
          return rows;
        };
        return inTransaction ? db.transaction((tx) => run(tx)) : run(db);
      };
      const copyRows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, s: "copied" }));
      const updates = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, n: 1 }));

      const calls: Record<string, { promise: Promise<unknown>; expect: "connection" | "ambiguous" | "either" }> = {
        "point query": { promise: db.execute(sql`SELECT pg_sleep(30)`), expect: "connection" },
        "insert (autocommit)": { promise: db.execute(sql`INSERT INTO acks (id) SELECT -1 FROM pg_sleep(30)`), expect: "either" },
        "transaction statement": { promise: db.transaction((tx) => tx.execute(sql`SELECT pg_sleep(30)`)), expect: "connection" },
        COMMIT: { promise: db.transaction((tx) => tx.insert("committing", { id: 1 })), expect: "ambiguous" },
        "stream outside a transaction": { promise: slowStream(false), expect: "connection" },
        "stream inside a transaction": { promise: slowStream(true), expect: "connection" },
        "COPY batchInsert": { promise: db.batchInsert("loaded", copyRows, { returning: false }), expect: "connection" },
        batchUpdate: { promise: db.batchUpdate("slow", updates, { returning: false }), expect: "connection" },
      };
      // Pipelined: 24 statements over a pool of 2 connections share them (see PipelinedLane).
      const piped = new Database({ url: cluster.url(), maxConnections: 2, connectTimeoutMs: 2_000, queryTimeoutMs: 0 });
      for (let i = 0; i < 24; i++) calls[`pipelined statement ${i}`] = { promise: piped.execute(sql`SELECT pg_sleep(30), ${i}::int AS i`), expect: "connection" };
      const tracked = Object.entries(calls).map(([label, call]) => ({ label, expect: call.expect, ...track(call.promise, since) }));

      // Acknowledged writes across the fault: autocommit inserts and one-insert transactions.
      const acked: number[] = [];
      const refused: number[] = []; // ConnectionError: must not be stored
      let writing = true;
      let nextId = 1;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        while (writing) {
          const id = nextId++;
          try {
            if (w % 2 === 0) await db.insert("acks", { id });
            else await db.transaction((tx) => tx.insert("acks", { id }));
            acked.push(id);
          } catch (error) {
            if (error instanceof AmbiguousCommitError) continue;
            expect(error, String(error)).toBeInstanceOf(ConnectionError);
            refused.push(id);
            await sleep(20);
          }
        }
      });

      await sleep(500);
      expect(tracked.filter((t) => t.done()).map((t) => t.label), "calls finished before the fault").toEqual([]);
      // Every call is running on the server (none waits for a connection): 8 calls, the
      // streams' connections, 2 pipelined connections, up to 4 writers.
      const running = Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'test' AND state = 'active' AND query LIKE '%pg_sleep(30)%'"));
      expect(running, "statements sleeping on the server").toBeGreaterThanOrEqual(5);
      faultAt = Date.now();
      await fault(kind);
      if (kind !== "terminate") {
        await sleep(200);
        // A write while the server is down is never sent: a ConnectionError, not an unknown outcome.
        const down = await db.insert("acks", { id: -2 }).catch((e: unknown) => e);
        expect(down, String(down)).toBeInstanceOf(ConnectionError);
        expect(down, String(down)).not.toBeInstanceOf(AmbiguousCommitError);
        await cluster.startServer();
      }

      const results: [string, "connection" | "ambiguous" | "either", Settled<unknown> | "pending"][] = [];
      for (const t of tracked) results.push([t.label, t.expect, await within(t.settled, SETTLE_BOUND_MS)]);
      const pending = results.filter(([, , r]) => r === "pending").map(([label]) => label);
      expect(pending, "calls still pending").toEqual([]);
      let slowest = 0;
      for (const [label, allowed, result] of results) {
        if (result === "pending") continue;
        expectLossError(label, result, allowed);
        slowest = Math.max(slowest, result.at);
      }
      expect(slowest).toBeLessThan(SETTLE_BOUND_MS);
      console.log(`[server-loss] ${kind}: ${results.length} calls, the slowest settled ${slowest} ms after the fault`);

      // The same Database works again: every kind of call succeeds.
      await sleep(300);
      writing = false;
      await within(Promise.all(writers), SETTLE_BOUND_MS);
      expect(await db.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
      });
      expect(await db.batchInsert("loaded", [{ id: -5, s: "after" }], { returning: false })).toBe(1);
      let streamed = 0;
      for await (const _ of db.stream(sql`SELECT id FROM items WHERE id <= 250`, { batchSize: 100 })) streamed++;
      expect(streamed).toBe(250);

      // Nothing acknowledged is lost, and nothing reported as not written was written.
      const stored = new Set((await db.execute<{ id: number }>(sql`SELECT id FROM acks`)).map((r) => r.id));
      expect(acked.length).toBeGreaterThan(0);
      expect(acked.filter((id) => !stored.has(id)), "acknowledged but missing").toEqual([]);
      expect(refused.filter((id) => stored.has(id)), "ConnectionError but stored").toEqual([]);
      expect(stored.has(-1), "the autocommit insert that the fault interrupted").toBe(false);

      expect(await piped.execute(sql`SELECT 2 AS two`)).toEqual([{ two: 2 }]);
      const closed = await within(Promise.all([db.close(), piped.close()]).then(() => "closed"), SETTLE_BOUND_MS);
      expect(closed).toBe("closed");
      await watch.expectNone();
    });
  }
});
