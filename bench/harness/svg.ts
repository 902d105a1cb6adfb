/**
 * A horizontal bar chart of one section's results, drawn from the run's own figures: for every
 * workload, each contender's rate relative to the fastest raw driver's, paired per repetition
 * (the inverse of the report's "time vs fastest raw"; 1.0 = as fast as the raw driver, longer is
 * better). No dependency: plain SVG text.
 *
 * @module
 */
import { type WorkloadResult, displayName } from "./measure.js";
import { fastestRaw, timeVs } from "./targets.js";

const COLORS: Record<string, string> = { tablekit: "#2563eb", raw: "#4b5563", peer: "#f59e0b", reference: "#9ca3af" };
const WIDTH = 960;
const LABEL = 250;
const BAR_AREA = 560;
const ROW = 18;
const GAP = 10;
const HEAD = 22;
/** Bars longer than this ratio are cut (and say so). */
const CAP = 2.5;

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The chart of a section as SVG text, or undefined when nothing was measured. */
export function sectionChart(title: string, results: readonly WorkloadResult[]): string | undefined {
  const groups = results
    .map((r) => {
      const raw = fastestRaw(r);
      if (raw === undefined) return undefined;
      const bars = r.entries
        .filter((e) => e.skip === undefined && e.samples.length > 0)
        .map((e) => ({ label: displayName(e), role: e.role, ratio: 1 / timeVs(raw, e) }));
      return { title: r.workload.title.replace(/^[^:]*: /, ""), bars };
    })
    .filter((g) => g !== undefined);
  if (groups.length === 0) return undefined;
  const max = Math.min(CAP, Math.max(1.2, ...groups.flatMap((g) => g.bars.map((b) => b.ratio))));
  const x = (ratio: number): number => LABEL + (Math.min(ratio, max) / max) * BAR_AREA;
  const height = 70 + groups.reduce((h, g) => h + HEAD + g.bars.length * ROW + GAP, 0);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(title)}: rate relative to the fastest raw driver (median of paired ratios; 1.00 = raw, longer is better)</text>`,
  );
  let legendX = 12;
  for (const [role, name] of [
    ["tablekit", "tablekit"],
    ["raw", "raw driver (the baseline)"],
    ["peer", "Kysely / Knex / Drizzle / Keyv"],
    ["reference", "reference (Map)"],
  ] as const) {
    out.push(`<rect x="${legendX}" y="33" width="12" height="12" fill="${COLORS[role]}"/><text x="${legendX + 16}" y="43">${esc(name)}</text>`);
    legendX += 40 + name.length * 6.5;
  }
  let y = 60;
  const top = y;
  for (const g of groups) {
    out.push(`<text x="12" y="${y + 15}" font-weight="600">${esc(g.title)}</text>`);
    y += HEAD;
    for (const b of g.bars) {
      const w = Math.max(1, x(b.ratio) - LABEL);
      const cut = b.ratio > max;
      out.push(
        `<text x="${LABEL - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 5}" fill="${COLORS[b.role]}"${b.role === "tablekit" ? "" : ' fill-opacity="0.85"'}/>`,
        `<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 13}">${b.ratio.toFixed(2)}${cut ? " (bar cut)" : ""}</text>`,
      );
      y += ROW;
    }
    y += GAP;
  }
  out.push(`<line x1="${x(1).toFixed(1)}" y1="${top}" x2="${x(1).toFixed(1)}" y2="${y - GAP}" stroke="#111827" stroke-dasharray="4 3" stroke-width="1"/>`);
  out.push(`<text x="${x(1).toFixed(1)}" y="${top - 2}" text-anchor="middle" fill="#111827">1.00</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
