/**
 * The streaming workload: each contender streams a fresh table of `streamRows` rows in a child
 * process of its own (bench/stream/child.ts), one process per repetition, so that its peak RSS
 * is its own. Reported: rows per second and the child's peak RSS (and its RSS before streaming,
 * which is Node, tsx and the contender's modules).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchConfig, Section } from "../harness/config.js";
import { type Entry, type Role, type Workload, WrongResultError } from "../harness/measure.js";
import { aheadOf, metricBelow } from "../harness/targets.js";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** A streaming contender: the child's contender name, or a reason it cannot stream. */
export interface StreamContender {
  child: string;
  contender: string;
  role: Role;
  how: string;
  skip?: string;
}

interface ChildResult {
  rows: number;
  ms: number;
  baseRssMb: number;
  peakRssMb: number;
}

/** Runs one child; rejects with its stderr when it fails. */
function runChild(args: Record<string, unknown>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(args)], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as ChildResult);
        } catch {
          reject(new Error(`stream child printed ${JSON.stringify(out)}`));
        }
      } else if (code === 3) reject(new WrongResultError(err.trim()));
      else reject(new Error(`stream child exited with ${code}: ${err.trim()}`));
    });
  });
}

/**
 * The workload. `where` gives each contender's database (SQLite file or URL) and table, which the
 * caller creates and fills with rows 1..streamRows before the workload runs.
 */
export function streamWorkload(
  config: BenchConfig,
  section: Section,
  label: string,
  contenders: readonly StreamContender[],
  where: (c: StreamContender) => { target: string; table: string },
): Workload {
  const total = config.streamRows;
  const entries: Entry[] = contenders.map((c) => ({
    contender: c.contender,
    role: c.role,
    how: c.how,
    ...(c.skip === undefined ? {} : { skip: c.skip }),
    open: async () => ({
      run: async (n) => {
        const r = await runChild({ contender: c.child, ...where(c), n, total, batch: 1000 });
        return { ms: r.ms, ops: r.rows, metrics: { peakRssMb: r.peakRssMb, baseRssMb: r.baseRssMb } };
      },
      close: async () => {},
    }),
  }));
  return {
    id: `${section}-stream`,
    section,
    title: `${label}: stream ${total.toLocaleString("en-US")} rows`,
    unit: "rows/s",
    fixedN: total,
    warmN: Math.min(total, 50_000),
    repWarmN: 0,
    metrics: { peakRssMb: "peak RSS (MB)", baseRssMb: "RSS before streaming (MB)" },
    note:
      "Each run is a fresh child process (`node --import tsx`), so RSS includes Node, the tsx loader and the contender's modules; " +
      "the time covers the rows only (after connecting). Checked: row count, the sum of the ids, every 1,000th name.",
    entries,
    targets: (w) => [metricBelow(w, "peakRssMb", 150, "MB"), aheadOf(w)],
  };
}
