/**
 * How every figure is taken (after bench/drivers.ts): for each contender an untimed warm-up of at
 * least `warmMs`, then a calibration run that fixes the operation count to about `targetMs` of
 * work (bulk workloads use a fixed count), then `reps` timed repetitions in which every contender
 * runs once, tablekit next to the raw drivers (see {@link repetitionOrder}), so machine noise hits
 * them alike. Every repetition opens a fresh client (untimed), warms it untimed, and collects
 * garbage before the timed part. A session checks its own results: a wrong result throws
 * {@link WrongResultError} and fails the whole run.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import type { BenchConfig, Section } from "./config.js";
import { fmt } from "./stats.js";

/** How a contender relates to tablekit: ratios are taken against the fastest `raw` entry. */
export type Role = "tablekit" | "raw" | "peer" | "reference";

/** What a timed run may report besides its duration. */
export interface RunOutcome {
  /** Overrides the harness's own timing (a child process timed itself). */
  ms?: number;
  /** Extra figures per repetition (retries, peak RSS…), medians reported. */
  metrics?: Record<string, number>;
  /** Overrides the number of operations counted (e.g. committed transactions). */
  ops?: number;
}

/** One contender's client for one repetition. */
export interface Session {
  /** Before the timed part, untimed (e.g. empty the table). */
  setup?(): Promise<void>;
  /** The timed part: `n` operations (rows for bulk workloads). */
  run(n: number): Promise<RunOutcome | void>;
  /** After the timed part, untimed: throws on a wrong result. */
  verify?(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A contender in one workload. */
export interface Entry {
  /** Display name: "tablekit", "better-sqlite3", "Kysely"… */
  contender: string;
  /** Tells apart entries of one contender in a workload ("COPY", "unnest"). */
  variant?: string;
  role: Role;
  /** The call measured, shown in the report. */
  how: string;
  /** Set when the contender does not offer the operation; reported, not measured. */
  skip?: string;
  open(): Promise<Session>;
}

/** A target of issue #5, checked against a workload's results. */
export interface TargetCheck {
  text: string;
  met: boolean;
  detail: string;
}

export interface Workload {
  id: string;
  section: Section;
  title: string;
  unit: string;
  /** Operations of the warm-up and calibration runs (rows for bulk). */
  warmN: number;
  /** Operations run untimed on each repetition's fresh client. */
  repWarmN: number;
  /** Fixed count (bulk); otherwise calibrated to `targetMs`. */
  fixedN?: number;
  /** Smallest calibrated count. */
  minN?: number;
  /** Extra metric columns: key → header. */
  metrics?: Record<string, string>;
  /**
   * Also record the client process's CPU time per operation as the metric `cpuUs` (user + system,
   * in µs), for workloads whose wall time the database server dominates: there the rate measures
   * the server, and the CPU time measures the client library.
   */
  clientCpu?: boolean;
  /** Text shown under the workload's table. */
  note?: string;
  entries: Entry[];
  targets?: (result: WorkloadResult) => TargetCheck[];
}

export interface EntryResult {
  contender: string;
  variant?: string;
  role: Role;
  how: string;
  skip?: string;
  n: number;
  /** Operations per second, one per repetition. */
  samples: number[];
  metrics: Record<string, number[]>;
}

export interface WorkloadResult {
  workload: Workload;
  entries: EntryResult[];
}

/** A contender returned a wrong result: the run fails instead of reporting a figure. */
export class WrongResultError extends Error {
  override name = "WrongResultError";
}

/** The name shown for an entry: the contender, with its variant when it has one. */
export function displayName(e: { contender: string; variant?: string }): string {
  return e.variant === undefined ? e.contender : `${e.contender} (${e.variant})`;
}

/** Throws a {@link WrongResultError} unless `ok`. */
export function check(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new WrongResultError(message());
}

/**
 * A full garbage collection before every timed part, so that no contender pays for the garbage
 * the previous one left (the allocation-heavy libraries would otherwise slow down whoever runs
 * after them). BENCH_NO_GC=1 turns it off.
 */
const collectGarbage: () => void = (() => {
  if (process.env["BENCH_NO_GC"] === "1") return () => {};
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();

async function timed(entry: Entry, n: number, warm: number, clientCpu = false): Promise<{ ms: number; ops: number; metrics: Record<string, number> }> {
  const session = await entry.open();
  try {
    if (warm > 0) {
      await session.setup?.();
      await session.run(warm);
    }
    await session.setup?.();
    collectGarbage();
    const cpu0 = clientCpu ? process.cpuUsage() : undefined;
    const t0 = performance.now();
    const outcome = (await session.run(n)) ?? {};
    const ms = outcome.ms ?? performance.now() - t0;
    const ops = outcome.ops ?? n;
    const metrics = outcome.metrics ?? {};
    if (cpu0 !== undefined) {
      const cpu = process.cpuUsage(cpu0);
      metrics["cpuUs"] = (cpu.user + cpu.system) / ops;
    }
    await session.verify?.(n);
    return { ms, ops, metrics };
  } finally {
    await session.close();
  }
}

/**
 * The untimed warm-up of a calibrated workload: `warmN` operations, then as many more as fill about
 * `warmMs` in all. A count alone warms a fast contender for a few milliseconds, too short for V8
 * to finish optimizing a library with more code than the raw driver: the first timed repetition
 * then ran at 60–70% of the later ones (tablekit's SQLite read by key: 78,000/s, then
 * 108,000–115,000/s).
 */
async function warmUp(entry: Entry, warmN: number, warmMs: number): Promise<void> {
  const { ms } = await timed(entry, warmN, 0);
  if (ms >= warmMs) return;
  await timed(entry, Math.min(warmN * 100, Math.round((warmN / Math.max(ms, 0.01)) * (warmMs - ms))), 0);
}

/** Runs one workload for every contender; see the module documentation. */
export async function runWorkload(config: BenchConfig, workload: Workload): Promise<WorkloadResult> {
  console.log(`\n## ${workload.title} [${workload.id}]`);
  const started = performance.now();
  const live = workload.entries.filter((e) => e.skip === undefined);
  // --quick: smaller floors and per-repetition warm-ups (calibration still sets the counts)
  const scale = config.quick ? 0.25 : 1;
  const minN = Math.ceil((workload.minN ?? 50) * scale);
  const repWarm = Math.ceil(workload.repWarmN * scale);
  const warmN = Math.ceil(workload.warmN * scale);
  const counts = new Map<Entry, number>();
  for (const entry of live) {
    const where = `${workload.title} / ${displayName(entry)} (${entry.how})`;
    try {
      if (workload.fixedN !== undefined) {
        if (!config.quick) await timed(entry, warmN, 0); // warm-up: JIT, caches, server buffers
        counts.set(entry, workload.fixedN);
      } else {
        if (!config.quick) await warmUp(entry, warmN, config.warmMs);
        const { ms } = await timed(entry, warmN, repWarm);
        const n = Math.max(minN, Math.round((warmN / Math.max(ms, 0.01)) * config.targetMs));
        counts.set(entry, n);
      }
    } catch (error) {
      throw annotate(error, where);
    }
    console.log(`  ${displayName(entry)} — ${entry.how}: n=${fmt(counts.get(entry)!)}`);
  }
  const samples = new Map<Entry, number[]>(live.map((e) => [e, []]));
  const metrics = new Map<Entry, Record<string, number[]>>(live.map((e) => [e, {}]));
  for (let rep = 0; rep < config.reps; rep++) {
    const line: string[] = [];
    for (const entry of repetitionOrder(live, rep)) {
      const n = counts.get(entry)!;
      let got: Awaited<ReturnType<typeof timed>>;
      try {
        got = await timed(entry, n, repWarm, workload.clientCpu);
      } catch (error) {
        throw annotate(error, `${workload.title} / ${displayName(entry)} (${entry.how}), repetition ${rep + 1}`);
      }
      const rate = (got.ops / got.ms) * 1000;
      samples.get(entry)!.push(rate);
      const m = metrics.get(entry)!;
      for (const [key, value] of Object.entries(got.metrics)) (m[key] ??= []).push(value);
      line.push(`${displayName(entry)}=${fmt(rate)}`);
    }
    console.log(`  rep ${rep + 1}: ${line.join(" | ")}`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return {
    workload,
    entries: workload.entries.map((e) => ({
      contender: e.contender,
      ...(e.variant === undefined ? {} : { variant: e.variant }),
      role: e.role,
      how: e.how,
      ...(e.skip === undefined ? {} : { skip: e.skip }),
      n: counts.get(e) ?? 0,
      samples: samples.get(e) ?? [],
      metrics: metrics.get(e) ?? {},
    })),
  };
}

/**
 * The order in which the contenders run in repetition `rep`. tablekit and the raw drivers form one
 * block with tablekit in the middle, so each repetition measures tablekit right next to the raw
 * drivers its ratios are taken against and a slow stretch of the shared machine hits both (the
 * ratios are paired per repetition: `pairedRatio` in stats.ts). The block runs reversed every other
 * repetition, so each raw driver runs before tablekit half the time and after it the other half,
 * and it rotates among the other contenders, so no one always runs first.
 */
export function repetitionOrder<E extends { role: Role }>(live: readonly E[], rep: number): E[] {
  const mine = live.filter((e) => e.role === "tablekit");
  const raws = live.filter((e) => e.role === "raw");
  const others = live.filter((e) => e.role !== "tablekit" && e.role !== "raw");
  const half = Math.ceil(raws.length / 2);
  const block = [...raws.slice(0, half), ...mine, ...raws.slice(half)];
  if (rep % 2 === 1) block.reverse();
  const units = [block, ...others.map((e) => [e])].filter((u) => u.length > 0);
  const k = rep % units.length;
  return [...units.slice(k), ...units.slice(0, k)].flat();
}

function annotate(error: unknown, where: string): Error {
  if (error instanceof Error) {
    error.message = `${where}: ${error.message}`;
    return error;
  }
  return new Error(`${where}: ${String(error)}`);
}

/** `n` operations, `concurrency` at a time; stops at the first failure and rethrows it. */
export async function concurrently(n: number, concurrency: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed) {
      const i = next++;
      if (i >= n) return;
      try {
        await op(i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** `n` operations one after another (concurrency 1 without the worker machinery). */
export async function sequentially(n: number, op: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) await op(i);
}
