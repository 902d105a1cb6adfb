/**
 * Timeouts on a private server (PgCluster). A frozen server (SIGSTOP: to a client, the same as a
 * network partition) answers nothing and closes nothing, so only a client-side limit ends a wait:
 * with queryTimeoutMs every kind of call settles within it (plus slack) with QueryTimeoutError, or
 * AmbiguousCommitError where a commit or an autocommit write was waiting. statementTimeoutMs and
 * idleInTransactionTimeoutMs are the server's settings; keepalive is on by default; the pool's
 * acquire-timeout message counts what is really busy.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AmbiguousCommitError,
  ConfigError,
  ConnectionError,
  Database,
  QueryTimeoutError,
  StatementTimeoutError,
  TablekitError,
  type Transaction,
  sql,
} from "../../src/index.js";
import { resolveConfig, type ServerConfig } from "../../src/config/connection-config.js";
import { selectedBackendNames } from "../support/backends.js";
import type { PgCluster } from "../support/pg-cluster.js";
import { ProcessWatch, sleep, startFaultCluster, track, within } from "./fault-harness.js";

const QUERY_TIMEOUT_MS = 500;
/** A call waiting on a frozen server settles within queryTimeoutMs plus this (timer and scheduling slack on a loaded machine). */
const SLACK_MS = 1_000;

describe("timeout options: fields, URL parameters and defaults", () => {
  const server = (input: Parameters<typeof resolveConfig>[0]) => resolveConfig(input, {}) as ServerConfig;

  it("defaults: queryTimeoutMs 5 min, server timeouts left to the server, keepalive on after 30 s idle", () => {
    const c = server("postgres://u@db.example/app");
    expect([c.queryTimeoutMs, c.statementTimeoutMs, c.idleInTransactionTimeoutMs, c.keepAlive, c.keepAliveInitialDelayMs]).toEqual([300_000, 0, 0, true, 30_000]);
  });

  it("URL parameters: query_timeout, statement_timeout, idle_in_transaction_session_timeout (ms), keepalives (1/0), keepalives_idle (s)", () => {
    const c = server("postgres://u@db.example/app?query_timeout=1500&statement_timeout=1000&idle_in_transaction_session_timeout=2000&keepalives=0&keepalives_idle=7");
    expect([c.queryTimeoutMs, c.statementTimeoutMs, c.idleInTransactionTimeoutMs, c.keepAlive, c.keepAliveInitialDelayMs]).toEqual([1500, 1000, 2000, false, 7000]);
    // Fields win over the URL, as for every other option.
    expect(server({ url: "postgres://u@db.example/app?query_timeout=1500", queryTimeoutMs: 0 }).queryTimeoutMs).toBe(0);
  });

  it("refuses bad values with ConfigError", () => {
    for (const bad of ["query_timeout=-1", "query_timeout=1.5", "statement_timeout=abc", "keepalives=yes", "keepalives_idle=1s", "query_timeout=3000000000"]) {
      expect(() => server(`postgres://u@db.example/app?${bad}`), bad).toThrow(ConfigError);
    }
    for (const bad of [{ queryTimeoutMs: -1 }, { queryTimeoutMs: 2 ** 31 }, { statementTimeoutMs: 1.5 }, { idleInTransactionTimeoutMs: -5 }, { keepAlive: "yes" }, { keepAliveInitialDelayMs: Number.NaN }]) {
      expect(() => server({ host: "db.example", ...(bad as object) }), JSON.stringify(bad)).toThrow(ConfigError);
    }
  });
});

describe.runIf(selectedBackendNames().includes("postgres"))("PostgreSQL timeouts [postgres]", () => {
  let cluster: PgCluster;
  const watch = new ProcessWatch();

  beforeAll(async () => {
    cluster = await startFaultCluster();
    watch.install();
  }, 60_000);

  afterAll(async () => {
    watch.uninstall();
    await cluster?.destroy();
  });

  describe("a frozen server (SIGSTOP): every kind of call settles within queryTimeoutMs", () => {
    let db: Database;
    let piped: Database;
    beforeAll(async () => {
      // Warm connections, so that calls reach the frozen server (new ones would meet connectTimeoutMs).
      db = new Database({ url: cluster.url(), minConnections: 8, maxConnections: 12, connectTimeoutMs: 1_000, queryTimeoutMs: QUERY_TIMEOUT_MS });
      piped = new Database({ url: cluster.url(), minConnections: 2, maxConnections: 2, connectTimeoutMs: 1_000, queryTimeoutMs: QUERY_TIMEOUT_MS });
      await db.connect();
      await piped.connect();
      // The first helper write with an integer to a table reads the table's sequence-generated
      // columns (docs/database.md, "Generated integer keys"): done here, so the frozen insert below
      // is one autocommitted statement.
      await db.insert("acks", { id: 1_000_000 });
    });
    afterAll(async () => {
      cluster.thaw();
      const closed = await within(Promise.all([db.close(), piped.close()]).then(() => "closed"), 5_000);
      expect(closed).toBe("closed");
    });

    type Expected = "timeout" | "ambiguous" | "connection";
    const cases: [string, Expected, (freeze: () => void) => Promise<unknown>][] = [
      ["point query", "timeout", async (freeze) => {
        freeze();
        return db.execute(sql`SELECT 1`);
      }],
      ["insert outside a transaction (outcome unknown)", "ambiguous", async (freeze) => {
        freeze();
        return db.insert("acks", { id: 1 });
      }],
      ["statement inside a transaction", "timeout", (freeze) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`SELECT 1`);
          freeze();
          await tx.execute(sql`SELECT 2`);
        })],
      ["COMMIT (outcome unknown)", "ambiguous", (freeze) =>
        db.transaction(async (tx) => {
          await tx.insert("acks", { id: 2 });
          freeze();
        })],
      ["stream outside a transaction", "timeout", async (freeze) => {
        for await (const _ of db.stream(sql`SELECT * FROM items`, { batchSize: 100 })) freeze();
      }],
      ["stream inside a transaction", "timeout", (freeze) =>
        db.transaction(async (tx: Transaction) => {
          for await (const _ of tx.stream(sql`SELECT * FROM items`, { batchSize: 100 })) freeze();
        })],
      ["COPY batchInsert", "timeout", (freeze) =>
        db.batchInsert("loaded", Array.from({ length: 200_000 }, (_, i) => ({ id: i, s: "row" })), { returning: false, chunkSize: 1_000, onProgress: freeze })],
      ["batchUpdate (pipelined in a transaction)", "timeout", (freeze) =>
        db.batchUpdate("items", Array.from({ length: 1_000 }, (_, i) => ({ id: i + 1, s: "y" })), { returning: false, onProgress: freeze })],
      ["pipelined statements outside transactions (24 over 2 connections)", "connection", async (freeze) => {
        freeze();
        // Every one of them must fail (with a connection error); the first error stands for all.
        const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => piped.execute(sql`SELECT ${i}::int AS i`)));
        const errors = results.map((r) => (r.status === "rejected" ? r.reason : undefined));
        expect(errors.filter((e) => !(e instanceof ConnectionError))).toEqual([]);
        throw errors[0];
      }],
    ];

    for (const [label, expected, start] of cases) {
      it(`${label}: settles within ${QUERY_TIMEOUT_MS} + ${SLACK_MS} ms with ${expected === "timeout" ? "QueryTimeoutError" : expected === "ambiguous" ? "AmbiguousCommitError" : "ConnectionError"}; works again after thaw`, { timeout: 20_000 }, async () => {
        let frozenAt = Number.POSITIVE_INFINITY;
        const freeze = () => {
          if (frozenAt !== Number.POSITIVE_INFINITY) return;
          cluster.freeze();
          frozenAt = Date.now();
        };
        const call = track(start(freeze), () => frozenAt);
        const result = await within(call.settled, QUERY_TIMEOUT_MS + SLACK_MS + 5_000);
        cluster.thaw();
        expect(result, "still pending").not.toBe("pending");
        if (result === "pending") return;
        expect(frozenAt, "the server was frozen during the call").toBeLessThan(Number.POSITIVE_INFINITY);
        expect(result.ok, `${label} should have failed`).toBe(false);
        const error = result.error;
        const text = `${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`;
        expect(error instanceof TablekitError, text).toBe(true);
        if (expected === "timeout") expect(error, text).toBeInstanceOf(QueryTimeoutError);
        if (expected === "ambiguous") {
          expect(error, text).toBeInstanceOf(AmbiguousCommitError);
          expect((error as Error).cause, text).toBeInstanceOf(QueryTimeoutError);
        }
        if (expected === "connection") expect(error, text).toBeInstanceOf(ConnectionError);
        expect(result.at, text).toBeLessThan(QUERY_TIMEOUT_MS + SLACK_MS);
        console.log(`[timeouts] frozen server, ${label}: ${(error as Error).constructor.name} ${result.at} ms after the freeze`);
        // The same Databases work once the server answers again.
        expect(await db.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
        expect(await piped.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
        await watch.expectNone();
      });
    }
  });

  it("statementTimeoutMs (and the URL's statement_timeout): the server cancels a long statement with StatementTimeoutError; the connection stays usable", async () => {
    for (const db of [new Database({ url: cluster.url(), statementTimeoutMs: 200 }), new Database(cluster.url({ query: "statement_timeout=200" }))]) {
      try {
        const started = Date.now();
        const error = await db.execute(sql`SELECT pg_sleep(5)`).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StatementTimeoutError);
        expect((error as StatementTimeoutError).code).toBe("57014");
        expect(Date.now() - started).toBeLessThan(2_000);
        // In a transaction it fails the transaction; the Database goes on.
        await expect(db.transaction((tx) => tx.execute(sql`SELECT pg_sleep(5)`))).rejects.toBeInstanceOf(StatementTimeoutError);
        expect(await db.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      } finally {
        await db.close();
      }
    }
    await watch.expectNone();
  });

  it("idleInTransactionTimeoutMs: the server ends a transaction left idle; its next statement fails with ConnectionError; the Database goes on", async () => {
    const db = new Database({ url: cluster.url(), idleInTransactionTimeoutMs: 200 });
    try {
      const error = await db
        .transaction(async (tx) => {
          await tx.insert("acks", { id: 100 });
          await sleep(700);
          await tx.execute(sql`SELECT 1`);
        })
        .catch((e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(ConnectionError);
      expect(await db.select("acks", { where: { id: 100 } })).toEqual([]);
      // A callback that returns after the server ended the session: COMMIT was never sent, so the
      // transaction did not commit (ConnectionError, not an AmbiguousCommitError).
      const atCommit = await db
        .transaction(async (tx) => {
          await tx.insert("acks", { id: 101 });
          await sleep(700);
        })
        .catch((e: unknown) => e);
      expect(atCommit, String(atCommit)).toBeInstanceOf(ConnectionError);
      expect(atCommit).not.toBeInstanceOf(AmbiguousCommitError);
      expect(await db.select("acks", { where: { id: 101 } })).toEqual([]);
      expect(await db.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    await watch.expectNone();
  });

  it("TCP keepalive is on by default, with the configured idle time (ss shows the keepalive timer)", async () => {
    const db = new Database({ url: cluster.url(), minConnections: 1, maxConnections: 1, keepAliveInitialDelayMs: 17_000 });
    const off = new Database({ url: cluster.url({ query: "keepalives=0" }), minConnections: 1, maxConnections: 1 });
    try {
      await db.execute(sql`SELECT 1`);
      const sockets = () => execFileSync("ss", ["-tno", "state", "established", `( dport = :${cluster.port} )`], { encoding: "utf8" });
      const on = sockets();
      expect(on).toMatch(/timer:\(keepalive,1[0-7]sec/);
      await db.close();
      await off.execute(sql`SELECT 1`);
      expect(sockets()).not.toMatch(/keepalive/);
    } finally {
      await db.close();
      await off.close();
    }
  });

  it("the acquire-timeout message counts the connections really busy (2 of 4, not 'all 4')", async () => {
    const db = new Database({ url: cluster.url(), minConnections: 0, maxConnections: 4, acquireTimeoutMs: 300, connectTimeoutMs: 3_000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [0, 1].map(() => db.transaction(() => held));
    try {
      await sleep(300);
      // A frozen server: the third caller's new connection never finishes opening.
      cluster.freeze();
      const error = await db.transaction(async () => 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/2 of 4 connections busy, 1 still opening/);
    } finally {
      cluster.thaw();
      release();
      await Promise.all(holders);
      await db.close();
    }
  });
});
