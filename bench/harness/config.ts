/**
 * Command-line flags and the sizes they imply. The full run uses the sizes of issue #5; `--quick`
 * shrinks every size and repetition so that a routine check takes under two minutes.
 *
 * @module
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The sections of the benchmark; `--only` picks some of them. */
export const SECTIONS = ["sqlite", "postgres", "kv", "pooler", "replicas"] as const;
export type Section = (typeof SECTIONS)[number];

/** Everything a workload needs to know about the run. */
export interface BenchConfig {
  readonly quick: boolean;
  readonly sections: readonly Section[];
  /** Workload ids picked with `--workload` (all when undefined); see {@link wants}. */
  readonly workloads: readonly string[] | undefined;
  /** Timed repetitions per measurement (median reported). */
  readonly reps: number;
  /** Approximate duration of one calibrated repetition, in ms. */
  readonly targetMs: number;
  /** Least duration of each contender's untimed warm-up in a calibrated workload, in ms (none with --quick). */
  readonly warmMs: number;
  /** Rows of the tables read by the point workloads. */
  readonly tableRows: number;
  /** Rows of the bulk insert. */
  readonly bulkRows: number;
  /** Rows of the batch update. */
  readonly batchUpdateRows: number;
  /** Rows streamed. */
  readonly streamRows: number;
  /** Keys of the key-value batchUpdate. */
  readonly kvBatchKeys: number;
  /** Keys of the key-value table read by the get workloads. */
  readonly kvKeys: number;
  /** Accounts of the transfer workload, and its concurrency. */
  readonly accounts: number;
  readonly transferConcurrency: number;
  readonly pgUrl: string;
  readonly poolSize: number;
  /**
   * SQLite's `PRAGMA synchronous` for every SQLite contender of the SQLite section (tablekit's
   * `synchronous` option, the same pragma on the raw driver and the peers): `full` (tablekit's
   * default) unless `--sqlite-synchronous` or `BENCH_SQLITE_SYNCHRONOUS` says otherwise.
   */
  readonly sqliteSynchronous: "full" | "normal" | "extra";
  /** Temporary directory holding the SQLite files. */
  readonly dir: string;
  /** Where the report goes: docs/ for a full run, .tmp/bench/ otherwise unless --out is given. */
  readonly outDir: string;
}

const USAGE = `usage: tsx bench/run.ts [--quick] [--only sqlite|postgres|kv|pooler|replicas[,…]] [--workload ID[,…]] [--out DIR]

  --quick        reduced sizes, 3 repetitions (under two minutes)
  --only LIST    run only these sections (comma-separated): ${SECTIONS.join(", ")}
  --workload IDS run only the workloads whose id contains one of these (comma-separated), e.g.
                 postgres-read-c32 or kv-set; ids are printed with each workload
  --out DIR      write the report (benchmarks.md, benchmarks/*.svg) into DIR; default docs/
                 for a full run of every section, .tmp/bench/ otherwise
  --sqlite-synchronous full|normal|extra
                 SQLite's PRAGMA synchronous for every contender of the sqlite section
                 (default full, tablekit's default)

environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_REPS, BENCH_TARGET_MS,
BENCH_SQLITE_SYNCHRONOUS`;

/** Parses `process.argv`-style flags; exits with the usage text on a bad flag. */
export function parseArgs(argv: readonly string[], repoRoot: string): BenchConfig {
  let quick = false;
  let only: Section[] | undefined;
  let out: string | undefined;
  let workloads: string[] | undefined;
  let sqliteSynchronous: string = process.env["BENCH_SQLITE_SYNCHRONOUS"] ?? "full";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (v === undefined || v === "") usage(`${arg} needs a value`);
      return v;
    };
    if (arg === "--quick") quick = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      only = value()
        .split(/[,|]/)
        .map((s) => s.trim())
        .filter((s) => s !== "")
        .map((s) => {
          if (!(SECTIONS as readonly string[]).includes(s)) usage(`unknown section "${s}"`);
          return s as Section;
        });
    } else if (arg === "--workload" || arg.startsWith("--workload=")) {
      workloads = value()
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    } else if (arg === "--out" || arg.startsWith("--out=")) out = value();
    else if (arg === "--sqlite-synchronous" || arg.startsWith("--sqlite-synchronous=")) sqliteSynchronous = value();
    else if (arg === "--help" || arg === "-h") usage();
    else usage(`unknown flag "${arg}"`);
  }
  if (sqliteSynchronous !== "full" && sqliteSynchronous !== "normal" && sqliteSynchronous !== "extra") usage(`--sqlite-synchronous must be full, normal or extra, got "${sqliteSynchronous}"`);
  const sections = only ?? [...SECTIONS];
  const full = !quick && sections.length === SECTIONS.length && workloads === undefined;
  const envReps = Number(process.env["BENCH_REPS"]);
  const envTarget = Number(process.env["BENCH_TARGET_MS"]);
  return Object.freeze({
    quick,
    sections,
    workloads,
    reps: Number.isInteger(envReps) && envReps > 0 ? envReps : quick ? 3 : 5,
    // --quick: 40 ms repetitions. Opening, warming and closing a fresh client per repetition costs
    // 200–600 ms per contender whatever the length, so this is what keeps the run under two minutes
    // (2 min 17 s with 70 ms, 1 min 57 s with 40 ms at a load average of 4, 2026-11-29).
    targetMs: Number.isFinite(envTarget) && envTarget > 0 ? envTarget : quick ? 40 : 700,
    warmMs: quick ? 0 : 1_000,
    tableRows: 10_000,
    bulkRows: quick ? 10_000 : 100_000,
    batchUpdateRows: quick ? 1_000 : 10_000,
    streamRows: quick ? 50_000 : 1_000_000,
    kvBatchKeys: quick ? 10_000 : 100_000,
    kvKeys: 10_000,
    accounts: 100,
    transferConcurrency: 16,
    pgUrl: process.env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test",
    poolSize: 10,
    sqliteSynchronous,
    dir: mkdtempSync(join(tmpdir(), "tablekit-bench-")),
    outDir: out ?? (full ? join(repoRoot, "docs") : join(repoRoot, ".tmp", "bench")),
  });
}

/** Whether the run includes the workload `id` (`--workload` picks by substring). */
export function wants(config: BenchConfig, id: string): boolean {
  return config.workloads === undefined || config.workloads.some((w) => id.includes(w));
}

function usage(problem?: string): never {
  if (problem !== undefined) console.error(`bench: ${problem}\n`);
  console.error(USAGE);
  process.exit(problem === undefined ? 0 : 2);
}
