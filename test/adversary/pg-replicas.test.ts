/**
 * Adversary (issue 18 parts 2-3): read replicas as an operator meets them. A private primary and
 * an asynchronous streaming standby (PgCluster), never the shared server.
 *
 * - a replica that was serving reads, then freezes (SIGSTOP: TCP open, no answer): reads settle
 *   within queryTimeoutMs plus a bound, with the primary's answer, and close() settles too;
 * - db.primary() around a transaction with nested savepoints: every write lands on the primary;
 * - the replica's credentials never appear in errors or util.inspect.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, sql } from "../../src/index.js";
import { selectedBackendNames } from "../support/backends.js";
import { PgCluster, canStartClusters, freePort } from "../support/pg-cluster.js";
import { ProcessWatch, within } from "../postgres/fault-harness.js";

describe.runIf(selectedBackendNames().includes("postgres") && canStartClusters())("read replicas under attack [postgres]", () => {
  let primary: PgCluster;
  let standby: PgCluster;
  const watch = new ProcessWatch();

  beforeAll(async () => {
    primary = await PgCluster.start();
    for (const statement of [
      "CREATE TABLE items (id int PRIMARY KEY, s text NOT NULL)",
      "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g",
    ]) primary.psql(statement, "test");
    standby = await primary.createReplica();
    watch.install();
  }, 120_000);

  afterAll(async () => {
    watch.uninstall();
    standby?.thaw();
    await standby?.destroy();
    await primary?.destroy();
  });

  it("a replica frozen after serving reads: reads settle with the primary's answer, close() settles", { timeout: 30_000 }, async () => {
    const db = new Database({ url: primary.url(), replicas: [standby.url()], queryTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    try {
      for (let i = 0; i < 5; i++) expect(await db.count("items")).toBe(100);
      expect(db.replicaStats()?.replicas[0]?.reads ?? 0).toBeGreaterThan(0);
      standby.freeze();
      const started = Date.now();
      const answer = await within(db.count("items"), 6_000);
      expect(answer).toBe(100);
      expect(Date.now() - started).toBeLessThan(6_000);
      // Later reads do not wait for the frozen replica again.
      const again = Date.now();
      expect(await within(db.select("items", { where: { id: 7 } }), 3_000)).toEqual([{ id: 7, s: "item 7" }]);
      expect(Date.now() - again).toBeLessThan(3_000);
      const reading = db.count("items").catch((e: unknown) => e);
      expect(await within(db.close(), 8_000)).not.toBe("pending");
      expect(await within(reading, 1_000)).not.toBe("pending");
    } finally {
      standby.thaw();
      await within(db.close(), 5_000);
    }
    expect(watch.escaped).toEqual([]);
  });

  it("writes inside db.primary() with a transaction and nested savepoints land on the primary, once", async () => {
    await using db = new Database({ url: primary.url(), replicas: [standby.url()] });
    await db.execute(sql`CREATE TABLE IF NOT EXISTS adv_nested (id int PRIMARY KEY)`);
    await db.primary(async () => {
      await db.transaction(async (tx) => {
        await tx.insert("adv_nested", { id: 1 });
        await tx.transaction(async (inner) => {
          await inner.insert("adv_nested", { id: 2 });
          await inner
            .transaction(async (innermost) => {
              await innermost.insert("adv_nested", { id: 3 });
              throw new Error("roll back the innermost savepoint");
            })
            .catch(() => undefined);
        });
      });
      expect((await db.select("adv_nested", { orderBy: "id" })).map((r) => r["id"])).toEqual([1, 2]);
    });
    expect(primary.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM adv_nested", "test").trim()).toBe("1,2");
  });

  it("db.stats() reports the replica's pool beside the primary's: zeros before its first read, a connection held by a stream, zeros after close", async () => {
    const db = new Database({ url: primary.url(), replicas: [standby.url()], minConnections: 0 });
    const server = `127.0.0.1:${standby.port}`;
    // A connection of the statement lane goes back to the pool in a later turn of the event loop.
    const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
    try {
      expect(db.stats()).toEqual({ total: 0, idle: 0, waiting: 0, replicas: [{ server, total: 0, idle: 0, waiting: 0 }] });
      await db.execute(sql`SELECT 1`); // the primary
      expect(db.stats().replicas).toEqual([{ server, total: 0, idle: 0, waiting: 0 }]);
      const primaryTotal = db.stats().total;
      expect(primaryTotal).toBeGreaterThan(0);
      expect(await db.count("items")).toBe(100); // the replica
      expect(db.replicaStats()?.replicas[0]?.reads).toBe(1);
      await settled();
      const afterRead = db.stats();
      expect(afterRead.total).toBe(primaryTotal); // the primary's counts leave the replica out
      expect(afterRead.replicas).toEqual([{ server, total: 1, idle: 1, waiting: 0 }]);
      // A stream served by the replica holds one of its connections until it ends.
      const rows = db.stream("items", { batchSize: 10 })[Symbol.asyncIterator]();
      expect((await rows.next()).done).toBe(false);
      const streaming = db.stats().replicas![0]!;
      expect(streaming.total - streaming.idle).toBe(1);
      await rows.return?.(undefined);
      await settled();
      expect(db.stats().replicas![0]!.idle).toBe(db.stats().replicas![0]!.total);
    } finally {
      await db.close();
    }
    expect(db.stats()).toEqual({ total: 0, idle: 0, waiting: 0, replicas: [{ server, total: 0, idle: 0, waiting: 0 }] });
  });

  it("a replica URL's password is not shown by util.inspect, replicaStats or a failed read", async () => {
    const dead = await freePort();
    const db = new Database({
      url: primary.url(),
      replicas: [`postgres://reader:R3plicaS3cret@127.0.0.1:${dead}/test`],
      connectTimeoutMs: 500,
    });
    try {
      expect(await db.count("items")).toBe(100);
      const shown = [inspect(db, { depth: 8 }), JSON.stringify(db.replicaStats()), String(db)].join("\n");
      expect(shown).not.toContain("R3plicaS3cret");
    } finally {
      await db.close();
    }
  });
});
