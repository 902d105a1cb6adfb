/**
 * The targets of issue #5 as checks over one workload's results.
 *
 * @module
 */
import { type EntryResult, type TargetCheck, type WorkloadResult, displayName } from "./measure.js";
import { fmt, median, pairedRatio, ratio } from "./stats.js";

/** The measured entries (skipped ones left out). */
function measured(result: WorkloadResult): EntryResult[] {
  return result.entries.filter((e) => e.skip === undefined && e.samples.length > 0);
}

/** Median ops/s of an entry. */
export function rate(e: EntryResult): number {
  return median(e.samples);
}

/**
 * How many times `base`'s time per operation `e` takes: the median over repetitions of base's rate
 * over e's in the same repetition ({@link pairedRatio}). Every ratio of the report is taken so.
 */
export function timeVs(base: EntryResult, e: EntryResult): number {
  return pairedRatio(base.samples, e.samples);
}

/** The ratio of the two medians, reported next to the paired ratio of a target. */
function ofMedians(base: EntryResult, e: EntryResult): string {
  return `ratio of the medians ${ratio(rate(base) / rate(e))}`;
}

/** The fastest raw entry of a workload, if any. */
export function fastestRaw(result: WorkloadResult): EntryResult | undefined {
  let best: EntryResult | undefined;
  for (const e of measured(result)) if (e.role === "raw" && (best === undefined || rate(e) > rate(best))) best = e;
  return best;
}

/** The tablekit entry of a workload. */
export function tablekitOf(result: WorkloadResult): EntryResult | undefined {
  return measured(result).find((e) => e.role === "tablekit");
}

const label = (e: EntryResult): string => displayName(e);

/** Whether two entries' min–max ranges overlap: their difference is within the run's noise. */
function overlap(a: EntryResult, b: EntryResult): boolean {
  return Math.min(...a.samples) <= Math.max(...b.samples) && Math.min(...b.samples) <= Math.max(...a.samples);
}

/**
 * tablekit's time per operation within `max` times the fastest raw driver's. `alsoVs` names raw
 * contenders whose ratio is reported too (e.g. pg, the driver tablekit runs on).
 */
export function withinRaw(result: WorkloadResult, max: number, alsoVs: readonly string[] = []): TargetCheck {
  const text = `within ${max}x of the fastest raw driver's time`;
  const tk = tablekitOf(result);
  const raw = fastestRaw(result);
  if (tk === undefined || raw === undefined) return { text, met: false, detail: "not measured" };
  const r = timeVs(raw, tk);
  let detail = `tablekit ${ratio(r)} the time of ${label(raw)} (${ofMedians(raw, tk)})`;
  for (const name of alsoVs) {
    const other = measured(result).find((e) => e.contender === name && e.role === "raw");
    if (other !== undefined && other !== raw) detail += `; ${ratio(timeVs(other, tk))} of ${label(other)}`;
  }
  return { text, met: r <= max, detail };
}

/** tablekit's rate at least `fraction` of a named contender's. */
export function atLeastOf(result: WorkloadResult, fraction: number, contender: string, how?: string): TargetCheck {
  const other = measured(result).find((e) => e.contender === contender && (how === undefined || e.how === how));
  const text = `at least ${fraction}x the rate of ${contender}${how === undefined ? "" : ` ${how}`}`;
  const tk = tablekitOf(result);
  if (tk === undefined || other === undefined) return { text, met: false, detail: "not measured" };
  const r = timeVs(tk, other);
  return { text, met: r >= fraction, detail: `tablekit ${fmt(rate(tk))} vs ${fmt(rate(other))} ${result.workload.unit}: ${ratio(r)} (${ofMedians(tk, other)})` };
}

/** tablekit's time per operation within `max` times a named contender's. */
export function withinOf(result: WorkloadResult, max: number, contender: string): TargetCheck {
  const other = measured(result).find((e) => e.contender === contender);
  const text = `within ${max}x of ${contender}'s time`;
  const tk = tablekitOf(result);
  if (tk === undefined || other === undefined) return { text, met: false, detail: "not measured" };
  const r = timeVs(other, tk);
  return { text, met: r <= max, detail: `tablekit ${ratio(r)} the time of ${label(other)} (${ofMedians(other, tk)})` };
}

/** tablekit faster than every measured entry of the given role (peers by default) or names. */
export function aheadOf(result: WorkloadResult, names?: readonly string[]): TargetCheck {
  const others = measured(result).filter((e) => (names === undefined ? e.role === "peer" : names.includes(e.contender)));
  const text = `ahead of ${names === undefined ? "Kysely, Knex and Drizzle" : names.join(", ")}`;
  const tk = tablekitOf(result);
  if (tk === undefined || others.length === 0) return { text, met: false, detail: "not measured" };
  // paired like every ratio of the report: behind a peer that was faster in most repetitions
  const behind = others.filter((o) => timeVs(o, tk) >= 1);
  const best = others.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const noise = behind.length > 0 && behind.every((b) => overlap(b, tk)) ? " (the min–max ranges overlap: within this run's noise)" : "";
  const detail =
    behind.length === 0
      ? `tablekit ${fmt(rate(tk))} vs best of them ${fmt(rate(best))} ${result.workload.unit} (${label(best)})`
      : `behind ${behind.map((b) => `${label(b)} ${fmt(rate(b))}`).join(", ")}; tablekit ${fmt(rate(tk))} ${result.workload.unit}${noise}`;
  return { text, met: behind.length === 0, detail };
}

/**
 * tablekit ahead of the peers in client CPU time per operation (the `cpuUs` metric of a
 * `clientCpu` workload), for workloads whose wall time the server dominates. The rate comparison
 * is reported alongside.
 */
export function aheadInClientCpu(result: WorkloadResult, serverNote: string): TargetCheck {
  const others = measured(result).filter((e) => e.role === "peer");
  const text = `ahead of Kysely, Knex and Drizzle in client CPU per operation (${serverNote})`;
  const tk = tablekitOf(result);
  const cpu = (e: EntryResult): number | undefined => (e.metrics["cpuUs"]?.length ? median(e.metrics["cpuUs"]) : undefined);
  const mine = tk === undefined ? undefined : cpu(tk);
  if (tk === undefined || mine === undefined || others.length === 0 || others.some((o) => cpu(o) === undefined)) return { text, met: false, detail: "not measured" };
  const behind = others.filter((o) => cpu(o)! <= mine);
  const best = others.reduce((a, b) => (cpu(b)! < cpu(a)! ? b : a));
  const byRate = aheadOf(result);
  const cpuText =
    behind.length === 0
      ? `tablekit ${fmt(mine)} µs vs best of them ${fmt(cpu(best)!)} µs (${label(best)})`
      : `behind ${behind.map((b) => `${label(b)} ${fmt(cpu(b)!)} µs`).join(", ")}; tablekit ${fmt(mine)} µs`;
  return { text, met: behind.length === 0, detail: `${cpuText}; by rate: ${byRate.met ? "ahead, " : ""}${byRate.detail}` };
}

/** tablekit's median of a metric below a bound. */
export function metricBelow(result: WorkloadResult, metric: string, max: number, unit: string): TargetCheck {
  const text = `${result.workload.metrics?.[metric] ?? metric} under ${fmt(max)} ${unit}`;
  const tk = tablekitOf(result);
  const values = tk?.metrics[metric];
  if (values === undefined || values.length === 0) return { text, met: false, detail: "not measured" };
  const worst = Math.max(...values);
  return { text, met: worst < max, detail: `tablekit ${fmt(median(values))} ${unit} (median), ${fmt(worst)} at most` };
}
