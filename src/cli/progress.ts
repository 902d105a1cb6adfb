/**
 * The progress bar of `import` and `export`: rows done, rows per second and, when the total is
 * known, a bar, a percentage and an ETA. Drawn on one terminal line that is rewritten in place
 * (at most every 100 ms), shortened to the terminal's width, and erased at the end; when disabled
 * (stderr is not a terminal, `--quiet`, `--no-progress`) it prints nothing.
 *
 * @module
 */
import type { Writable } from "node:stream";

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where the bar is drawn (stderr, so it never mixes with data on stdout). */
  stream: Writable;
  /** Draw anything at all? False when not on a terminal. */
  enabled: boolean;
  /** What is being done, e.g. `"import users"`. */
  label: string;
  /** The amount of work in the unit of `done` (bytes of the file, or rows), when known. */
  total?: number | undefined;
  /** The clock in ms (tests pass a fake one). Default `performance.now`. */
  now?: () => number;
  /** Least time between two redraws, in ms. Default 100. */
  intervalMs?: number;
  /** Terminal width in columns: the line is shortened to fit (`width - 1`) so it never wraps. Default: not shortened. */
  width?: number | undefined;
  /**
   * No escape sequences at all (`NO_COLOR` set): the line is cleared by padding with spaces
   * instead of the erase-line sequence `ESC[K`.
   */
  plain?: boolean;
}

/** A progress bar; see {@link createProgress}. */
export interface Progress {
  /**
   * Reports progress: `rows` processed so far and, for the ETA, `done` in the unit of `total`
   * (defaults to `rows`). Redraws when the interval has passed.
   */
  update(rows: number, done?: number): void;
  /** Erases the bar. Idempotent. */
  finish(): void;
}

const BAR_WIDTH = 24;
const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/**
 * The text of one progress line (without the carriage return), e.g.
 * `import users [##########--------------]  42%  12,345 rows  5,432 rows/s  ETA 0:03`.
 */
export function progressLine(label: string, rows: number, done: number, total: number | undefined, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? rows / seconds : 0;
  const parts = [label];
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, done / total);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
  }
  parts.push(`${NUMBER.format(rows)} ${rows === 1 ? "row" : "rows"}`, `${NUMBER.format(rate)} rows/s`);
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, done / total);
    parts.push(fraction > 0 ? `ETA ${formatDuration((seconds * (1 - fraction)) / fraction)}` : "ETA --:--");
  }
  return parts.join("  ");
}

/**
 * Shortens a progress line to at most `width` characters, dropping the least useful parts first
 * (ETA, rate, bar), then cutting the label.
 */
export function fitLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const parts = line.split("  ");
  // Drop the ETA, then the rate, then the bar, keeping label, rows and percentage as long as possible.
  for (const drop of [/^ETA /, /rows\/s$/, /^\[/]) {
    const i = parts.findIndex((p) => drop.test(p));
    if (i > 0) parts.splice(i, 1);
    const shorter = parts.join("  ");
    if (shorter.length <= width) return shorter;
  }
  return parts.join("  ").slice(0, Math.max(0, width));
}

const DISABLED: Progress = { update: () => undefined, finish: () => undefined };

/** A progress bar on `options.stream`, or one that does nothing when `options.enabled` is false. */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return DISABLED;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const start = now();
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;
  let previous = 0;
  const width = options.width === undefined ? Number.POSITIVE_INFINITY : Math.max(10, options.width - 1);
  const draw = (line: string): void => {
    if (options.plain === true) {
      options.stream.write(`\r${line}${" ".repeat(Math.max(0, previous - line.length))}`);
      if (line.length === 0) options.stream.write("\r");
    } else options.stream.write(line.length === 0 ? "\r\x1b[K" : `\r${line}\x1b[K`);
    previous = line.length;
  };
  return {
    update(rows: number, done: number = rows): void {
      if (finished) return;
      const t = now();
      if (t - last < interval) return;
      last = t;
      drawn = true;
      draw(fitLine(progressLine(options.label, rows, done, options.total, t - start), width));
    },
    finish(): void {
      if (finished) return;
      finished = true;
      if (drawn) draw("");
    },
  };
}
