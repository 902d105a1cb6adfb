/**
 * Writes the report: benchmarks.md (machine, versions, the targets of issue #5 with met/missed,
 * a table per workload, notes, how to run) and one SVG chart per section under benchmarks/.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { BenchConfig, Section } from "./config.js";
import { type MachineInfo, PACKAGES, REPO_ROOT, packageVersion, tablekitVersion } from "./machine.js";
import { type TargetCheck, type WorkloadResult, displayName } from "./measure.js";
import { fmt, median, ratio, spread } from "./stats.js";
import { sectionChart } from "./svg.js";
import { fastestRaw, rate, timeVs } from "./targets.js";

export interface ReportInput {
  config: BenchConfig;
  machine: MachineInfo;
  startedAt: Date;
  durationS: number;
  commit: string;
  sqliteVersion?: string;
  postgresVersion?: string;
  results: readonly WorkloadResult[];
}

const SECTION_TITLES: Record<Section, string> = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
  kv: "Key-value",
  pooler: "PostgreSQL through PgBouncer",
  replicas: "PostgreSQL read replicas",
};

const cell = (s: string): string => s.replace(/\|/g, "\\|");

/** A markdown code span that survives backticks inside. */
const code = (s: string): string => (s.includes("`") ? `\`\` ${cell(s)} \`\`` : `\`${cell(s)}\``);

function workloadTable(r: WorkloadResult): string[] {
  const raw = fastestRaw(r);
  const metricKeys = Object.keys(r.workload.metrics ?? {});
  const head = ["contender", "call", `${r.workload.unit} (median)`, "min–max", "spread", "time vs fastest raw", ...metricKeys.map((k) => r.workload.metrics![k]!)];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`];
  const ordered = [...r.entries].sort((a, b) => (b.skip === undefined ? rate(b) : -1) - (a.skip === undefined ? rate(a) : -1));
  for (const e of ordered) {
    const name = e.role === "tablekit" ? `**${displayName(e)}**` : displayName(e);
    if (e.skip !== undefined) {
      lines.push(`| ${name} | – | not offered: ${cell(e.skip)} | | | |${metricKeys.map(() => " |").join("")}`);
      continue;
    }
    const med = rate(e);
    const cols = [
      name,
      code(e.how),
      e.role === "tablekit" ? `**${fmt(med)}**` : fmt(med),
      `${fmt(Math.min(...e.samples))}–${fmt(Math.max(...e.samples))}`,
      spread(e.samples),
      raw === undefined ? "–" : ratio(timeVs(raw, e)),
      ...metricKeys.map((k) => {
        const values = e.metrics[k];
        return values === undefined || values.length === 0 ? "–" : fmt(median(values));
      }),
    ];
    lines.push(`| ${cols.join(" | ")} |`);
  }
  return lines;
}

function targetLine(t: TargetCheck): string {
  return `- ${t.met ? "**met**" : "**missed**"}: ${t.text}. ${t.detail}.`;
}

/** Writes benchmarks.md and the charts into config.outDir; returns the markdown path. */
export function writeReport(input: ReportInput): string {
  const { config, machine, results } = input;
  const outDir = config.outDir;
  const chartDir = join(outDir, "benchmarks");
  mkdirSync(chartDir, { recursive: true });
  const md: string[] = [];
  const checks = results.flatMap((r) => (r.workload.targets?.(r) ?? []).map((t) => ({ r, t })));
  const met = checks.filter((c) => c.t.met).length;

  md.push("# Benchmarks", "");
  md.push(
    `Written by \`npm run bench\` (bench/run.ts) on ${input.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
      `tablekit ${tablekitVersion()} at ${input.commit}, in ${Math.round(input.durationS)} s. Do not edit by hand: change bench/ and run it again.`,
    "",
  );
  if (config.quick) md.push("> **Quick run** (`--quick`): reduced sizes and 3 repetitions. For routine checks only; the figures below are not the reference ones.", "");
  md.push(
    "Each figure is the median of " +
      `${config.reps} repetitions (spread: half the min–max range over the median), every contender in this one process run on fresh tables of its own, ` +
      (config.warmMs > 0 ? `after an untimed warm-up of at least ${fmt(config.warmMs)} ms each; ` : "") +
      "in every repetition each contender runs once, tablekit right next to the raw drivers, the order rotated between repetitions. " +
      '"Time vs fastest raw" is the median over the repetitions of the fastest raw driver\'s rate divided by the contender\'s in the same repetition ' +
      "(a paired ratio, so a slow stretch of the shared machine that hits both cancels out): 1.25x means 25% more time per operation. " +
      "Targets quote the ratio of the two medians next to it. " +
      "Every operation's result is checked; a wrong result fails the run instead of producing a figure.",
    "",
  );

  md.push("## Targets of issue #5", "");
  md.push(`${met} of ${checks.length} met.`, "");
  md.push("| workload | target | result | figures |", "|---|---|---|---|");
  for (const { r, t } of checks) md.push(`| ${cell(r.workload.title)} | ${cell(t.text)} | ${t.met ? "met" : "**missed**"} | ${cell(t.detail)} |`);
  md.push("");

  md.push("## Machine", "");
  md.push(`- CPU: ${machine.cpu}, ${machine.cores} cores available; RAM ${machine.ramGiB.toFixed(1)} GiB`);
  md.push(`- OS: ${machine.os}`);
  md.push(`- Node ${machine.node} (the \`node\` devDependency, through npm)`);
  md.push(
    `- Load average at start: ${machine.loadAtStart.map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min)` +
      (machine.loadAtEnd === undefined ? "" : `; at the end: ${machine.loadAtEnd.map((l) => l.toFixed(2)).join(", ")}`),
  );
  if (input.sqliteVersion !== undefined) md.push(`- SQLite ${input.sqliteVersion} (bundled with better-sqlite3), a file in WAL mode, synchronous=${config.sqliteSynchronous.toUpperCase()} for every contender of the SQLite section (tablekit's \`synchronous\` option; the key-value section: FULL)`);
  if (input.postgresVersion !== undefined) md.push(`- PostgreSQL ${input.postgresVersion} on 127.0.0.1 (loopback TCP, SSL off), a pool of ${config.poolSize} connections per contender`);
  md.push(
    `- Sizes: tables of ${fmt(config.tableRows)} rows for reads, bulk insert ${fmt(config.bulkRows)} rows, batch update ${fmt(config.batchUpdateRows)} rows, ` +
      `stream ${fmt(config.streamRows)} rows, key-value batch ${fmt(config.kvBatchKeys)} keys; about ${config.targetMs} ms per calibrated repetition`,
    "",
  );

  md.push("## Versions", "", "| package | version |", "|---|---|", `| tablekit | ${tablekitVersion()} (${input.commit}) |`);
  for (const p of PACKAGES) md.push(`| ${p} | ${packageVersion(p)} |`);
  md.push(
    "",
    "Keyv is at 5: Keyv 6 is out, but @keyv/sqlite has no release for it yet (its latest, 4.x, declares `keyv: ^5`). " +
      "Keyv's SQLite adapter runs on the `sqlite3` package (asynchronous, a worker thread), not on better-sqlite3.",
    "",
  );

  const sections = [...new Set(results.map((r) => r.workload.section))];
  md.push("## Charts", "");
  for (const s of sections) {
    const svg = sectionChart(SECTION_TITLES[s], results.filter((r) => r.workload.section === s));
    if (svg === undefined) continue;
    const file = join(chartDir, `${s}.svg`);
    writeFileSync(file, svg);
    md.push(`![${SECTION_TITLES[s]}: rate relative to the fastest raw driver](${relative(outDir, file)})`, "");
  }

  for (const s of sections) {
    md.push(`## ${SECTION_TITLES[s]}`, "");
    for (const r of results.filter((x) => x.workload.section === s)) {
      md.push(`### ${r.workload.title}`, "");
      if (r.workload.note !== undefined) md.push(r.workload.note, "");
      md.push(...workloadTable(r), "");
      const targets = r.workload.targets?.(r) ?? [];
      if (targets.length > 0) md.push("Targets:", "", ...targets.map(targetLine), "");
    }
  }

  const notes = join(REPO_ROOT, "bench", "report-notes.md");
  if (existsSync(notes)) md.push(readFileSync(notes, "utf8").trim(), "");

  md.push(
    "## How to run",
    "",
    "```sh",
    "npm run bench                      # the full run: writes docs/benchmarks.md and docs/benchmarks/*.svg (about 16 minutes on 2 cores)",
    "npm run bench -- --quick           # reduced sizes, 3 repetitions, under two minutes; writes .tmp/bench/",
    "npm run bench -- --only sqlite,kv  # some sections: sqlite, postgres, kv, pooler, replicas (writes .tmp/bench/ unless --out docs)",
    "npm run bench -- --workload postgres-read-c32,kv-set  # only the workloads whose id contains one of these (ids are printed with each title)",
    "```",
    "",
    "PostgreSQL must be reachable at `BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); tables are named `bench_*` and dropped at the end. " +
      "SQLite files go to a temporary directory, removed at the end. `BENCH_REPS` and `BENCH_TARGET_MS` override the repetitions and the length of a repetition; " +
      "`--sqlite-synchronous normal` (or `BENCH_SQLITE_SYNCHRONOUS`) runs the SQLite section with `synchronous = NORMAL` for every contender instead of FULL. " +
      "Run it on a quiet machine (`cat /proc/loadavg`), and compare contenders only within one run. Benchmarks never run in CI and no test asserts a timing.",
    "",
  );
  const path = join(outDir, "benchmarks.md");
  writeFileSync(path, md.join("\n"));
  return path;
}
