/**
 * In-process micro benchmark for the SQLite single writes that read their row before COMMIT
 * (src/queryable/read-before-commit.ts), old tree against new, at `synchronous` NORMAL and FULL.
 *
 * ```sh
 * mkdir -p .tmp/old && git archive <old commit> src | tar -x -C .tmp/old
 * npx tsx bench/read-before-commit.ts
 * ```
 *
 * Workloads, each one awaited call at a time on a file database (WAL): `insert` with an explicit
 * id into a `BIGINT PRIMARY KEY` table with a `BIGINT` column (the path that now runs in a
 * transaction), and paths that only pay the check: an explicit id into a table without another
 * 64-bit column, a generated id, `upsert` on a TEXT key. Rounds alternate old and
 * new so drift in machine load hits both; the median per-call time of each is printed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Db = {
  createTable(name: string, columns: Record<string, string>): Promise<void>;
  insert(table: string, row: Record<string, unknown>): Promise<unknown>;
  upsert(table: string, row: Record<string, unknown>, options: { conflict: string[] }): Promise<unknown>;
  close(): Promise<void>;
};
type DbClass = new (options: { url: string; synchronous: "normal" | "full" }) => Db;

const CALLS = Number(process.env["CALLS"] ?? 2000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);

async function load(path: string): Promise<DbClass> {
  return ((await import(path)) as { Database: DbClass }).Database;
}

async function round(Database: DbClass, synchronous: "normal" | "full", workload: string, dir: string, r: number): Promise<number> {
  const db = new Database({ url: `sqlite://${join(dir, `${workload}-${synchronous}-${r}-${Math.random()}.db`)}`, synchronous });
  await db.createTable("k", { id: "BIGINT PRIMARY KEY", n: "INTEGER" });
  await db.createTable("t", { k: "TEXT PRIMARY KEY", n: "INTEGER" });
  await db.createTable("w", { id: "BIGINT PRIMARY KEY", b: "BIGINT" });
  for (let i = 1; i <= 50; i++) await db.insert("w", { b: i });
  for (let i = 1; i <= 50; i++) await db.insert("k", { n: i }); // warm-up: statements prepared, types cached
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    if (workload === "insert explicit id") await db.insert("k", { id: 1000 + i, n: i });
    else if (workload === "explicit id, BIGINT col") await db.insert("w", { id: 1000 + i, b: i });
    else if (workload === "insert generated id") await db.insert("k", { n: i });
    else await db.upsert("t", { k: `k${i % 100}`, n: i }, { conflict: ["k"] });
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1000 / CALLS;
  await db.close();
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const oldDb = await load("../.tmp/old/src/index.js");
const newDb = await load("../src/index.js");
const dir = mkdtempSync(join(tmpdir(), "tk-rbc-"));
try {
  for (const synchronous of ["normal", "full"] as const) {
    for (const workload of ["explicit id, BIGINT col", "insert explicit id", "insert generated id", "upsert text key"]) {
      const old: number[] = [];
      const now: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        old.push(await round(oldDb, synchronous, workload, dir, r));
        now.push(await round(newDb, synchronous, workload, dir, r));
      }
      const o = median(old);
      const n = median(now);
      console.log(`${synchronous.padEnd(6)} ${workload.padEnd(20)} old ${o.toFixed(1).padStart(7)} µs  new ${n.toFixed(1).padStart(7)} µs  new/old ${(n / o).toFixed(2)}x`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
