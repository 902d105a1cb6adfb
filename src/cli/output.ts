/**
 * How query results are shown: an aligned table on a terminal (psql's layout), tab-separated
 * lines when piped, and JSON with `--json`.
 *
 * @module
 */
import type { Row } from "../dialect/dialect.js";
import { cellText, toJson } from "./values.js";

/** How rows should be printed. */
export type OutputMode = "table" | "tsv" | "json";

/** The output mode for a command: `--json` wins, then a terminal gets a table, a pipe tab-separated text. */
export function outputMode(json: boolean | undefined, isTTY: boolean): OutputMode {
  if (json === true) return "json";
  return isTTY ? "table" : "tsv";
}

/** Column names of `rows` in the order they first appear (rows of a query share one order). */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** Display width of a terminal cell: code points, so accented letters count once. */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, to: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, to - width(text)));
  return right ? fill + text : text + fill;
}

/** A cell for the terminal: NULL spelled out, line breaks and tabs made visible on one line. */
function terminalCell(value: unknown): string {
  const text = cellText(value);
  if (text === null) return "NULL";
  return text.replace(/\r\n|\r|\n/g, "↵").replace(/\t/g, "→");
}

/**
 * Rows as an aligned table, psql style: a header, a rule, one line a row (numbers right-aligned),
 * and (unless `footer` is false) a `(N rows)` footer.
 *
 * ```text
 *  id | name
 * ----+------
 *   1 | Ann
 * (1 row)
 * ```
 */
export function renderTable(columns: readonly string[], rows: readonly Row[], footer = true): string {
  const cells = rows.map((row) => columns.map((c) => terminalCell(row[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === "number" || typeof row[c] === "bigint"));
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((line) => width(line[i]!))));
  const lines: string[] = [];
  if (columns.length > 0) {
    lines.push(" " + columns.map((c, i) => pad(c, widths[i]!, false)).join(" | ").trimEnd());
    lines.push(widths.map((w) => "-".repeat(w + 2)).join("+"));
    for (const line of cells) lines.push(" " + line.map((cell, i) => pad(cell, widths[i]!, numeric[i]!)).join(" | ").trimEnd());
  }
  if (footer) lines.push(`(${rows.length} ${rows.length === 1 ? "row" : "rows"})`);
  return lines.join("\n") + "\n";
}

/** One cell of tab-separated output: NULL as nothing; backslash, tab and line breaks escaped as `\\ \t \n \r`. */
function tsvCell(value: unknown): string {
  const text = cellText(value);
  if (text === null) return "";
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** One tab-separated line of values, with its line break. */
export function tsvLine(values: readonly unknown[]): string {
  return values.map(tsvCell).join("\t") + "\n";
}

/** Rows as tab-separated lines after a header line (nothing at all for no columns). */
export function renderTsv(columns: readonly string[], rows: readonly Row[]): string {
  if (columns.length === 0) return "";
  return tsvLine(columns) + rows.map((row) => tsvLine(columns.map((c) => row[c]))).join("");
}

/** Rows in the given mode; `columns` defaults to the rows' own keys. */
export function renderRows(mode: OutputMode, rows: readonly Row[], columns: readonly string[] = columnsOf(rows)): string {
  if (mode === "json") return toJson(rows, 2) + "\n";
  return mode === "table" ? renderTable(columns, rows) : renderTsv(columns, rows);
}
