/**
 * The SQLite section: a WAL file in the run's temporary directory, the six table workloads and
 * the streaming workload.
 *
 * @module
 */
import { join } from "node:path";
import { type BenchConfig, wants } from "../harness/config.js";
import { type WorkloadResult, runWorkload } from "../harness/measure.js";
import { type RowAdmin, filledRows, rowWorkloads } from "../harness/row-workloads.js";
import { streamWorkload, type StreamContender } from "../stream/workload.js";
import { openSqlite, sqliteContenders } from "./contenders.js";

const DDL = (t: string) =>
  `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL, score INTEGER NOT NULL)`;

function adminOf(file: string, sync: BenchConfig["sqliteSynchronous"]): RowAdmin & { close(): void; sqliteVersion(): string } {
  const db = openSqlite(file, sync);
  return {
    createTable: async (t) => {
      db.exec(`DROP TABLE IF EXISTS ${t}; ${DDL(t)}`);
    },
    fill: async (t, n) => {
      const ins = db.prepare(`INSERT INTO ${t} (id, name, email, age, score) VALUES (?, ?, ?, ?, ?)`);
      db.transaction(() => {
        for (const r of filledRows(n)) ins.run(r.id, r.name, r.email, r.age, r.score);
      })();
    },
    drop: async (t) => {
      db.exec(`DROP TABLE IF EXISTS ${t}`);
    },
    empty: async (t) => {
      db.exec(`DELETE FROM ${t}`);
    },
    aggregate: async (t, maxId) => {
      const row = db
        .prepare(
          `SELECT count(*) AS count, coalesce(sum(age), 0) AS ages, coalesce(sum(score), 0) AS scores, coalesce(sum(length(name)), 0) AS nameChars FROM ${t}` +
            (maxId === undefined ? "" : ` WHERE id <= ${Number(maxId)}`),
        )
        .get() as { count: number; ages: number; scores: number; nameChars: number };
      return row;
    },
    close: () => db.close(),
    sqliteVersion: () => (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v,
  };
}

const STREAMERS: StreamContender[] = [
  { child: "tablekit-sqlite", contender: "tablekit", role: "tablekit", how: "for await (const row of db.stream(t))" },
  { child: "better-sqlite3", contender: "better-sqlite3", role: "raw", how: "for (const row of stmt.iterate())" },
  { child: "kysely-sqlite", contender: "Kysely", role: "peer", how: "selectFrom(t).selectAll().stream(1000)" },
  { child: "knex-sqlite", contender: "Knex", role: "peer", how: "knex(t).select().stream()" },
  { child: "", contender: "Drizzle", role: "peer", how: "", skip: "drizzle-orm 0.45 has no streaming API on better-sqlite3" },
];

/** Runs the SQLite section; returns its results and the SQLite version. */
export async function runSqlite(config: BenchConfig): Promise<{ results: WorkloadResult[]; version: string }> {
  const file = join(config.dir, "bench.db");
  const admin = adminOf(file, config.sqliteSynchronous);
  const version = admin.sqliteVersion();
  const results: WorkloadResult[] = [];
  try {
    const rows = rowWorkloads(config, {
      section: "sqlite",
      label: "SQLite",
      contenders: sqliteContenders(file, config.sqliteSynchronous),
      admin,
      pointConcurrency: [1],
      bulkTarget: { kind: "within", max: 1.1 },
    });
    for (const w of rows.workloads) {
      if (!wants(config, w.id)) continue;
      await rows.prepare(w);
      try {
        results.push(await runWorkload(config, w));
      } finally {
        await rows.cleanup(w);
      }
    }

    // Streaming: every contender reads a fresh file of its own.
    if (!wants(config, "sqlite-stream")) return { results, version };
    const fileOf = (c: StreamContender) => join(config.dir, `stream_${c.child}.db`);
    const table = "bench_lite_stream";
    for (const c of STREAMERS) {
      if (c.skip !== undefined) continue;
      const own = adminOf(fileOf(c), config.sqliteSynchronous);
      await own.createTable(table);
      await own.fill(table, config.streamRows);
      own.close();
    }
    results.push(await runWorkload(config, streamWorkload(config, "sqlite", "SQLite", STREAMERS, (c) => ({ target: fileOf(c), table }))));
  } finally {
    admin.close();
  }
  return { results, version };
}
