/**
 * tablekit's benchmark (issue #5): the same workloads through tablekit, the raw drivers
 * (better-sqlite3; pg and postgres.js), Kysely, Knex and Drizzle, and for key-value Keyv with
 * @keyv/sqlite and a plain Map, in one process run. Writes docs/benchmarks.md and the charts.
 *
 *   npm run bench                       full run, writes docs/
 *   npm run bench -- --quick            under two minutes, writes .tmp/bench/
 *   npm run bench -- --only sqlite,kv   some sections
 *   npm run bench -- --workload kv-set  some workloads (by id, printed with each title)
 *
 * See bench/harness/measure.ts for how each figure is taken.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import os from "node:os";
import { relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "./harness/config.js";
import { REPO_ROOT, machineInfo } from "./harness/machine.js";
import type { WorkloadResult } from "./harness/measure.js";
import { writeReport } from "./harness/report.js";
import { runKv } from "./kv/section.js";
import { runPooler } from "./pooler/section.js";
import { runPostgres } from "./postgres/section.js";
import { runReplicas } from "./replicas/section.js";
import { runSqlite } from "./sqlite/section.js";

/** The commit measured, with a mark when the working tree differs from it (read-only git calls). */
function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    let dirty = false;
    try {
      execFileSync("git", ["diff", "--quiet", "HEAD", "--", "src"], { cwd: REPO_ROOT });
    } catch {
      dirty = true;
    }
    return dirty ? `commit ${head} with uncommitted changes in src/` : `commit ${head}`;
  } catch {
    return "an unknown commit";
  }
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2), REPO_ROOT);
  // The code measured is what was loaded now; record its commit before anything runs.
  const measured = commit();
  const machine = machineInfo();
  const startedAt = new Date();
  const t0 = performance.now();
  console.log(
    `tablekit bench: ${config.quick ? "quick" : "full"} run of ${config.sections.join(", ")}${config.workloads === undefined ? "" : ` (workloads matching ${config.workloads.join(", ")})`}; ${config.reps} repetitions; ` +
      `load average ${machine.loadAtStart.map((l) => l.toFixed(2)).join(" ")} on ${machine.cores} cores`,
  );
  if (machine.loadAtStart[0]! > machine.cores * 0.5) {
    console.log(`  note: the machine is busy (load ${machine.loadAtStart[0]!.toFixed(2)}); figures will be noisy`);
  }
  const results: WorkloadResult[] = [];
  let sqliteVersion: string | undefined;
  let postgresVersion: string | undefined;
  try {
    for (const section of config.sections) {
      if (section === "sqlite") {
        const r = await runSqlite(config);
        results.push(...r.results);
        sqliteVersion = r.version;
      } else if (section === "postgres") {
        const r = await runPostgres(config);
        results.push(...r.results);
        postgresVersion = r.version;
      } else if (section === "pooler") {
        results.push(...(await runPooler(config)));
      } else if (section === "replicas") {
        results.push(...(await runReplicas(config)));
      } else {
        results.push(...(await runKv(config)));
        sqliteVersion ??= "(see better-sqlite3)";
      }
    }
  } finally {
    rmSync(config.dir, { recursive: true, force: true });
  }
  machine.loadAtEnd = os.loadavg();
  const durationS = (performance.now() - t0) / 1000;
  const path = writeReport({
    config,
    machine,
    startedAt,
    durationS,
    commit: commit() === measured ? measured : `${measured} (src/ or HEAD changed during the run: streaming children may have run newer code)`,
    ...(sqliteVersion === undefined ? {} : { sqliteVersion }),
    ...(postgresVersion === undefined ? {} : { postgresVersion }),
    results,
  });
  console.log(`\nwrote ${relative(process.cwd(), path)} in ${Math.round(durationS)} s`);
  let missed = 0;
  for (const r of results) {
    for (const t of r.workload.targets?.(r) ?? []) {
      if (!t.met) missed++;
      console.log(`  ${t.met ? "met   " : "MISSED"} ${r.workload.title}: ${t.text} — ${t.detail}`);
    }
  }
  if (missed > 0) console.log(`${missed} target(s) missed (a missed target is reported, not a failure)`);
}

main().catch((error: unknown) => {
  console.error("\nbench FAILED:", error);
  process.exitCode = 1;
});
