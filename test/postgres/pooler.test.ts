/**
 * tablekit behind a real PgBouncer in transaction mode (issue #18, part 4): what breaks with named
 * prepared statements, pipelining and session state, and that the `pooler` setting (or its
 * detection) handles it. The whole PostgreSQL conformance suite also runs through PgBouncer in
 * .ci/run (TABLEKIT_TEST_PGBOUNCER=transaction, see test/setup/global-setup.ts).
 *
 * Needs pgbouncer (Debian's package): without it these tests are skipped with that reason, and
 * fail under TABLEKIT_REQUIRE_BACKENDS=1 (CI).
 */
import { type Server, createConnection, createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, type DatabaseOptions } from "../../src/index.js";
import { ConfigError, ConnectionError } from "../../src/errors/errors.js";
import { MigrationLockTimeoutError } from "../../src/migrate/migration-errors.js";
import { PG_URL, rejection, selectedBackendNames, uniqueTable } from "../support/backends.js";
import { PgBouncer, pgbouncerMissing } from "../support/pgbouncer.js";

const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";

/**
 * A TCP proxy that delivers each chunk the client writes in two halves, the second 3 ms later, so
 * that PgBouncer sees the end of one statement and the start of the next in different reads, as
 * a busy network does now and then: PgBouncer may then hand the rest to another server session.
 */
async function choppingProxy(targetPort: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    let queue = Promise.resolve();
    let chunks = 0;
    client.on("data", (chunk: Buffer) => {
      // The startup packet goes whole: PgBouncer refuses one in pieces.
      const first = chunks++ === 0;
      queue = queue.then(async () => {
        const half = chunk.length > 64 && !first ? Math.floor(chunk.length / 2) : chunk.length;
        upstream.write(chunk.subarray(0, half));
        if (half < chunk.length) {
          await new Promise((resolve) => setTimeout(resolve, 3));
          upstream.write(chunk.subarray(half));
        }
      });
    });
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address !== null ? address.port : 0, server };
}
const MISSING = pgbouncerMissing();

describe.runIf(selectedBackendNames().includes("postgres"))("behind PgBouncer in transaction mode [postgres]", () => {
  /** pool_size 1: every client shares one server session, so a name clash is certain. */
  let narrow: PgBouncer | undefined;
  /** pool_size 3: statements of one client land in different server sessions. */
  let wide: PgBouncer | undefined;
  const open: Database[] = [];
  const db = (url: string, options: Omit<DatabaseOptions, "url"> = {}): Database => {
    const created = new Database({ url, ...options });
    open.push(created);
    return created;
  };

  beforeAll(async () => {
    if (MISSING !== undefined) return;
    [narrow, wide] = await Promise.all([PgBouncer.start({ target: PG_URL, poolSize: 1 }), PgBouncer.start({ target: PG_URL, poolSize: 3, settings: { pkt_buf: 512 } })]);
  });
  afterAll(async () => {
    await Promise.all(open.map((d) => d.close().catch(() => undefined)));
    await Promise.all([narrow?.destroy(), wide?.destroy()]);
  });

  /** Skips the test (with the reason) where pgbouncer is missing; a failure in CI. */
  function need(context: { skip: (note?: string) => void }): void {
    if (MISSING === undefined) return;
    if (REQUIRED) throw new Error(MISSING);
    context.skip(MISSING);
  }

  it("named prepared statements clash between clients that share a server session (the failure mode), and a clash switches to unnamed statements", async (context) => {
    need(context);
    const a = db(narrow!.url(), { pooler: "none", minConnections: 1, maxConnections: 1 });
    const b = db(narrow!.url(), { pooler: "none", minConnections: 1, maxConnections: 1 });
    // a prepares its statements as tk0, tk1, … in the single server session.
    expect(await a.execute("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    expect(await a.execute("SELECT $1::int AS two", [2])).toEqual([{ two: 2 }]);
    // b's first named statement is tk0 too: PostgreSQL says 42P05 "already exists"; tablekit runs
    // it again unnamed and stays unnamed from then on.
    expect(await b.execute("SELECT $1::text || $2::text AS ab", ["a", "b"])).toEqual([{ ab: "ab" }]);
    expect((await b.driver()).transactionPooler).toBe(true);
    expect(await b.execute("SELECT $1::text || $2::text AS ab", ["c", "d"])).toEqual([{ ab: "cd" }]);
    expect((await a.driver()).transactionPooler).toBe(false);
  });

  it("the pooler is detected at connect (announced backend pid ≠ pg_backend_pid()), and not on a direct connection", async (context) => {
    need(context);
    const pooled = db(wide!.url());
    const direct = db(PG_URL);
    await Promise.all([pooled.connect(), direct.connect()]);
    expect((await pooled.driver()).transactionPooler).toBe(true);
    expect((await direct.driver()).transactionPooler).toBe(false);
    // Said explicitly, in the URL or as an option, it holds without detection.
    const url = new URL(PG_URL);
    url.searchParams.set("pooler", "transaction");
    expect((await db(url.toString()).driver()).transactionPooler).toBe(true);
    expect((await db(wide!.url(), { pooler: "session" }).driver()).transactionPooler).toBe(false);
  });

  it("many concurrent statements of different shapes from two processes' pools all get their own answers (no pipelining across statements)", async (context) => {
    need(context);
    // Before the lane stopped pipelining behind a pooler, a statement's Parse could land in one
    // server session and its Bind in another: "bind message supplies 1 parameters, but prepared
    // statement "" requires 3", or another client's statement run with these values.
    const proxy = await choppingProxy(wide!.port);
    const url = new URL(wide!.url());
    url.port = String(proxy.port);
    const one = db(url.toString(), { maxConnections: 2, pooler: "transaction" });
    const two = db(url.toString(), { maxConnections: 2, pooler: "transaction" });
    const table = uniqueTable("pooler_mix");
    await one.createTable(table, { id: "INTEGER PRIMARY KEY", a: "TEXT", b: "INTEGER" });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const client = i % 2 === 0 ? one : two;
      if (i % 3 === 0) calls.push(client.insert(table, { id: i, a: `v${i}`, b: i }).then((row) => expect(row).toEqual({ id: i, a: `v${i}`, b: i })));
      else if (i % 3 === 1) calls.push(client.execute("SELECT $1::int AS x", [i]).then((rows) => expect(rows).toEqual([{ x: i }])));
      else calls.push(client.execute("SELECT $1::text AS a, $2::int AS b, $3::int AS c", [`s${i}`, i, -i]).then((rows) => expect(rows).toEqual([{ a: `s${i}`, b: i, c: -i }])));
    }
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
    expect(await one.count(table)).toBe(100);
    await one.dropTable(table);
    await Promise.all([one.close(), two.close()]);
    proxy.server.close();
  });

  it("transactions pipeline inside (one server session), streams and COPY work outside them", async (context) => {
    need(context);
    const pooled = db(wide!.url(), { maxConnections: 3 });
    const other = db(wide!.url(), { maxConnections: 3 });
    const table = uniqueTable("pooler_tx");
    await pooled.createTable(table, { id: "INTEGER PRIMARY KEY", v: "TEXT" });
    // Statements issued together inside a transaction are pipelined on its connection, and the
    // pooler keeps one server session for the whole transaction.
    await pooled.transaction(async (tx) => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => tx.insert(table, { id: i, v: `t${i}` })));
    });
    // A rollback leaves nothing behind, even with other clients' statements in between.
    await rejection(
      pooled.transaction(async (tx) => {
        await tx.insert(table, { id: 1000, v: "x" });
        await other.execute("SELECT 1");
        throw new Error("roll back");
      }),
    );
    expect(await pooled.count(table)).toBe(50);
    // batchInsert without returning uses COPY.
    const loaded = await pooled.batchInsert(table, Array.from({ length: 3000 }, (_, i) => ({ id: 100 + i, v: `c${i}` })), { returning: false });
    expect(loaded).toBe(3000);
    // A stream outside a transaction (a protocol-level cursor, one implicit transaction until it
    // ends) while other clients keep the pooler's sessions busy.
    const noise = Promise.all(Array.from({ length: 60 }, (_, i) => other.execute("SELECT $1::int AS n", [i])));
    let seen = 0;
    for await (const row of pooled.stream<{ id: number }>(table, { orderBy: "id", batchSize: 100 })) {
      expect(typeof row.id).toBe("number");
      seen++;
    }
    await noise;
    expect(seen).toBe(3050);
    await pooled.dropTable(table);
  });

  it("migrations: the run lock stays in one server session (held in a transaction) and is released; another instance waits for it", async (context) => {
    need(context);
    const table = uniqueTable("pooler_mig");
    const t = uniqueTable("pooler_mig_t");
    const migrations = [{ name: "001", up: (q: Database | { createTable: Database["createTable"] }) => q.createTable(t, { id: "INTEGER PRIMARY KEY" }) }];
    const holder = db(wide!.url());
    const pooled = db(wide!.url());
    const direct = db(PG_URL);
    // Another instance holds the run lock: this one waits lockTimeoutMs and gives up.
    await holder.transaction(async (tx) => {
      await tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [`tablekit.migrate.run:${table}`]);
      const error = await rejection(pooled.migrate({ table, migrations, lockTimeoutMs: 300 }));
      expect(error).toBeInstanceOf(MigrationLockTimeoutError);
    });
    expect((await pooled.migrate({ table, migrations })).applied).toEqual(["001"]);
    // No advisory lock is left held in a server session of the pooler's pool.
    const held = await direct.execute<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext(?)::oid", [
      `tablekit.migrate.run:${table}`,
    ]);
    expect(held).toEqual([{ n: 0 }]);
    await direct.dropTable(t);
    await direct.dropTable(table);
  });

  it("session settings: refused with pooler \"transaction\" (a ConfigError naming the role setting), and PgBouncer's refusal at connect says what to do", async (context) => {
    need(context);
    const url = wide!.url();
    expect(() => new Database({ url, pooler: "transaction", statementTimeoutMs: 1000 })).toThrow(ConfigError);
    expect(() => new Database({ url: `${url}?pooler=transaction&idle_in_transaction_session_timeout=5` })).toThrow(/ALTER ROLE/);
    // Auto-detection cannot run before PgBouncer has refused the startup parameter.
    const error = await rejection(db(url, { statementTimeoutMs: 1000, connectTimeoutMs: 5000 }).execute("SELECT 1"));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/unsupported startup parameter.*ALTER ROLE/s);
  });
});
