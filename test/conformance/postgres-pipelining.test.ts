/**
 * PostgreSQL only: statements outside transactions are pipelined over few connections
 * (src/backends/postgres/pipelined-lane.ts), each still in its own implicit transaction, and the
 * connections go back to the pool out of pipeline mode.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelinedLane } from "../../src/backends/postgres/pipelined-lane.js";
import { PG_URL, selectedBackendNames } from "../support/backends.js";

type PipelineClient = pg.PoolClient & { pipeline: boolean };

describe.runIf(selectedBackendNames().includes("postgres"))("PostgreSQL pipelined lane", () => {
  let pool: pg.Pool;
  let lane: PipelinedLane;
  let checkouts = 0;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    pool.on("acquire", () => checkouts++);
    lane = new PipelinedLane(pool, 2, () => false, (error) => error);
  });
  afterAll(async () => {
    await pool.end();
  });

  it("runs 40 concurrent statements on 2 connections, each in its own transaction", async () => {
    checkouts = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        lane.run(async (client) => {
          const { rows } = await client.query("SELECT $1::int AS n, txid_current()::text AS tx, pg_backend_pid() AS pid, pg_sleep(0.005)", [i]);
          return rows[0] as { n: number; tx: string; pid: number };
        }),
      ),
    );
    expect(results.map((row) => row.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Pipelined: a handful of checkouts, not one per statement (pool.query would make 40).
    expect(checkouts).toBeLessThanOrEqual(4);
    expect(new Set(results.map((row) => row.pid)).size).toBeLessThanOrEqual(2);
    // Every statement had a transaction of its own (one Sync each), even behind another.
    expect(new Set(results.map((row) => row.tx)).size).toBe(40);
  });

  it("keeps one connection for statements run one after another", async () => {
    await new Promise((resolve) => setImmediate(resolve));
    checkouts = 0;
    for (let i = 0; i < 20; i++) {
      const { rows } = await lane.run((client) => client.query("SELECT $1::int AS n", [i]));
      expect(rows[0]).toEqual({ n: i });
    }
    expect(checkouts).toBe(1);
  });

  it("gives an idle lane connection back to a waiting checkout", async () => {
    await lane.run((client) => client.query("SELECT 1"));
    const other = await pool.connect();
    // The pool is full (the lane kept its connection); the lane lets go of it within this turn.
    const second = await pool.connect();
    expect(pool.totalCount).toBe(2);
    other.release();
    second.release();
  });

  it("isolates a failing statement from the ones pipelined with it", async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => lane.run(async (client) => (await client.query("SELECT 10 / $1::int AS q", [i - 5])).rows[0] as { q: number })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i === 5 ? "rejected" : "fulfilled")));
    expect(((outcomes[5] as PromiseRejectedResult).reason as { code?: string }).code).toBe("22012");
  });

  it("gives connections back to the pool out of pipeline mode", async () => {
    await Promise.all(Array.from({ length: 10 }, () => lane.run((client) => client.query("SELECT 1"))));
    // Kept until the end of the event loop's turn, then given back.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.idleCount).toBe(pool.totalCount);
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    try {
      for (const client of clients) expect((client as PipelineClient).pipeline).toBe(false);
    } finally {
      for (const client of clients) client.release();
    }
  });

  it("waits for a free connection behind a transaction that holds the pool, then pipelines", async () => {
    const held = await Promise.all([pool.connect(), pool.connect()]);
    let done = 0;
    const pending = Array.from({ length: 6 }, () => lane.run((client) => client.query("SELECT 1")).then(() => done++));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(0);
    for (const client of held) client.release();
    await Promise.all(pending);
    expect(done).toBe(6);
  });
});
