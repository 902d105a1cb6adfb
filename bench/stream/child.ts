/**
 * One streaming run in its own process, so that each contender's peak RSS is its own:
 *
 *   node --import tsx bench/stream/child.ts '{"contender":"tablekit-sqlite","target":"/tmp/x.db","table":"t","n":1000000,"total":1000000}'
 *
 * Imports only the contender's modules, connects, records the RSS, streams `n` rows (stopping
 * early when n < total), checks them, and prints one JSON line: rows, ms, baseRssMb, peakRssMb.
 * Exits non-zero on a wrong result.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

interface Args {
  contender: string;
  /** SQLite file or PostgreSQL URL. */
  target: string;
  table: string;
  n: number;
  total: number;
  batch: number;
}

interface StreamedRow {
  id: number;
  name: string;
}

/** Rows as an async iterable, plus a closer. */
type Source = { rows: AsyncIterable<StreamedRow> | Iterable<StreamedRow>; close: () => Promise<void> };

async function* flatten(batches: AsyncIterable<readonly StreamedRow[]>): AsyncGenerator<StreamedRow> {
  for await (const batch of batches) yield* batch;
}

/** Opens the contender and returns the stream (not yet started). */
async function open(a: Args): Promise<Source> {
  const sqlSelect = `SELECT * FROM ${a.table}`;
  switch (a.contender) {
    case "tablekit-sqlite":
    case "tablekit-postgres": {
      const { Database } = await import("../../src/index.js");
      const db = await Database.open(a.contender === "tablekit-sqlite" ? { filename: a.target } : { url: a.target, maxConnections: 10 });
      return { rows: db.stream<StreamedRow>(a.table, { batchSize: a.batch }), close: () => db.close() };
    }
    case "better-sqlite3": {
      const { default: BetterSqlite3 } = await import("better-sqlite3");
      const db = new BetterSqlite3(a.target, { readonly: true });
      return { rows: db.prepare<[], StreamedRow>(sqlSelect).iterate(), close: async () => void db.close() };
    }
    case "kysely-sqlite": {
      const { default: BetterSqlite3 } = await import("better-sqlite3");
      const { Kysely, SqliteDialect } = await import("kysely");
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(a.target, { readonly: true }) }) });
      return { rows: db.selectFrom(a.table).selectAll().stream(a.batch) as AsyncIterable<StreamedRow>, close: () => db.destroy() };
    }
    case "knex-sqlite": {
      const { default: knexFactory } = await import("knex");
      const k = knexFactory({ client: "better-sqlite3", connection: { filename: a.target }, useNullAsDefault: true });
      return { rows: k.select("*").from(a.table).stream() as AsyncIterable<StreamedRow>, close: () => k.destroy() };
    }
    case "pg": {
      const { default: pg } = await import("pg");
      const { default: Cursor } = await import("pg-cursor");
      const pool = new pg.Pool({ connectionString: a.target, max: 10 });
      pool.on("error", () => {});
      const client = await pool.connect();
      const cursor = client.query(new Cursor<StreamedRow>(sqlSelect));
      async function* read(): AsyncGenerator<StreamedRow[]> {
        for (;;) {
          const rows = await cursor.read(a.batch);
          if (rows.length === 0) return;
          yield rows;
        }
      }
      return {
        rows: flatten(read()),
        close: async () => {
          await cursor.close();
          client.release();
          await pool.end();
        },
      };
    }
    case "postgres.js": {
      const { default: postgres } = await import("postgres");
      const sql = postgres(a.target, { max: 10, onnotice: () => {} });
      return { rows: flatten(sql.unsafe<StreamedRow[]>(sqlSelect).cursor(a.batch)), close: () => sql.end({ timeout: 5 }) };
    }
    case "kysely-pg": {
      const { default: pg } = await import("pg");
      const { default: Cursor } = await import("pg-cursor");
      const { Kysely, PostgresDialect } = await import("kysely");
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: a.target, max: 10 }), cursor: Cursor }) });
      return { rows: db.selectFrom(a.table).selectAll().stream(a.batch) as AsyncIterable<StreamedRow>, close: () => db.destroy() };
    }
    default:
      throw new Error(`unknown stream contender ${a.contender}`);
  }
}

/**
 * The process's peak RSS. On Linux, VmHWM of /proc/self/status: getrusage's maxRSS would not do,
 * because the kernel carries it over from the forked copy of the parent across exec, so every
 * child would report at least the parent's RSS.
 */
function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? "{}") as Args;
  const source = await open(a);
  const baseRss = process.memoryUsage.rss();
  let count = 0;
  let idSum = 0;
  let bad: StreamedRow | undefined;
  const t0 = performance.now();
  try {
    for await (const row of source.rows) {
      count++;
      const id = Number(row.id);
      idSum += id;
      if (id % 1000 === 0 && row.name !== `user ${id}`) bad ??= row;
      if (count >= a.n) break;
    }
  } finally {
    await source.close();
  }
  const ms = performance.now() - t0;
  const problems: string[] = [];
  if (count !== a.n) problems.push(`${count} rows streamed, expected ${a.n}`);
  if (a.n === a.total && idSum !== (a.total * (a.total + 1)) / 2) problems.push(`sum of ids ${idSum}, expected ${(a.total * (a.total + 1)) / 2}`);
  if (bad !== undefined) problems.push(`row ${JSON.stringify(bad)} has the wrong name`);
  if (problems.length > 0) {
    console.error(`${a.contender}: ${problems.join("; ")}`);
    process.exitCode = 3;
    return;
  }
  const peakRss = peakRssBytes();
  console.log(JSON.stringify({ rows: count, ms, baseRssMb: baseRss / 2 ** 20, peakRssMb: peakRss / 2 ** 20 }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
