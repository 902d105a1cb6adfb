/**
 * The pooler section (issue #18): point operations (insert one row, read by key, update by key,
 * at concurrency 1 and 32) with tablekit and pg connected directly and through a PgBouncer in
 * transaction mode on the same machine (test/support/pgbouncer.ts, `default_pool_size` = the
 * bench's pool size, so both reach the server over the same number of connections). Through
 * PgBouncer tablekit detects the pooler and runs unnamed statements without pipelining; pg runs
 * `pool.query(text, values)` (unnamed: named statements do not survive transaction pooling).
 *
 * Skipped, with the reason printed, where pgbouncer is not installed.
 *
 * @module
 */
import pg from "pg";
import { Database } from "../../src/index.js";
import { PgBouncer, pgbouncerMissing } from "../../test/support/pgbouncer.js";
import { type BenchConfig, wants } from "../harness/config.js";
import type { BenchRow, RowOps } from "../harness/data.js";
import { type WorkloadResult, runWorkload } from "../harness/measure.js";
import { type RowContender, rowWorkloads } from "../harness/row-workloads.js";
import { adminOf } from "../postgres/section.js";

const COLUMNS = "name, email, age, score";

function tablekitVia(url: string, config: BenchConfig, variant: string): RowContender {
  return {
    key: `tk_${variant.replace(/\W/g, "").toLowerCase()}`,
    contender: "tablekit",
    variant,
    role: "tablekit",
    how: { insert: "db.insert(t, row)", read: "db.selectOne(t, { where: { id } })", update: "db.updateMany(t, { age }, { id })" },
    open: async (t): Promise<RowOps> => {
      const db = await Database.open({ url, maxConnections: config.poolSize, minConnections: config.poolSize });
      return {
        insert: (row) => db.insert<BenchRow>(t, row),
        read: async (id) => (await db.selectOne<BenchRow>(t, { where: { id } })) ?? undefined,
        update: (id, age) => db.updateMany<BenchRow>(t, { age }, { id }),
        close: () => db.close(),
      };
    },
  };
}

function pgVia(url: string, config: BenchConfig, variant: string, named: boolean): RowContender {
  const how = named ? "pool.query({ name, text, values }) named prepared" : "pool.query(text, values) unnamed";
  return {
    key: `pg_${variant.replace(/\W/g, "").toLowerCase()}`,
    contender: "pg",
    variant,
    role: "raw",
    how: { insert: how, read: how, update: how },
    open: async (t): Promise<RowOps> => {
      const pool = new pg.Pool({ connectionString: url, max: config.poolSize, ssl: false });
      pool.on("error", () => {});
      const q = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
        named ? pool.query<R>({ name: `${name}_${t}`, text, values }) : pool.query<R>(text, values);
      return {
        insert: async (r) => (await q<BenchRow>("i", `INSERT INTO ${t} (${COLUMNS}) VALUES ($1, $2, $3, $4) RETURNING *`, [r.name, r.email, r.age, r.score])).rows[0]!,
        read: async (id) => (await q<BenchRow>("r", `SELECT * FROM ${t} WHERE id = $1`, [id])).rows[0],
        update: async (id, age) => (await q("u", `UPDATE ${t} SET age = $1 WHERE id = $2`, [age, id])).rowCount ?? 0,
        close: () => pool.end(),
      };
    },
  };
}

/** Runs the pooler section; returns its results (none, with a note, without pgbouncer). */
export async function runPooler(config: BenchConfig): Promise<WorkloadResult[]> {
  const missing = pgbouncerMissing();
  if (missing !== undefined) {
    console.log(`pooler section skipped: ${missing}`);
    return [];
  }
  const bouncer = await PgBouncer.start({ target: config.pgUrl, poolMode: "transaction", poolSize: config.poolSize });
  const pool = new pg.Pool({ connectionString: config.pgUrl, max: 2, ssl: false });
  pool.on("error", () => {});
  const results: WorkloadResult[] = [];
  try {
    const via = bouncer.url();
    const rows = rowWorkloads(config, {
      section: "pooler",
      label: "PostgreSQL direct vs through PgBouncer (transaction mode)",
      contenders: [
        tablekitVia(config.pgUrl, config, "direct"),
        tablekitVia(via, config, "through PgBouncer"),
        pgVia(config.pgUrl, config, "direct", true),
        pgVia(via, config, "through PgBouncer", false),
      ],
      admin: adminOf(pool),
      pointConcurrency: [1, 32],
      ownDriver: "pg",
      bulkTarget: { kind: "atLeast", fraction: 0, contender: "pg", how: "" },
    });
    for (const w of rows.workloads) {
      if (!/-(insert|read|update)-c\d+$/.test(w.id) || !wants(config, w.id)) continue;
      // Targets compare tablekit with the fastest raw driver on one connection path; here the
      // figures compare the paths, so none are checked.
      delete w.targets;
      w.note =
        "Same machine: PgBouncer adds a hop and a process on the same 2 cores, so this shows its cost, not a gain. " +
        "Through PgBouncer, tablekit detects the pooler and runs unnamed statements without pipelining (docs/scaling.md#connection-poolers).";
      await rows.prepare(w);
      try {
        results.push(await runWorkload(config, w));
      } finally {
        await rows.cleanup(w);
      }
    }
    return results;
  } finally {
    await pool.end();
    await bouncer.destroy();
  }
}
