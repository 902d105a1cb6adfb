/**
 * How query results are shown: an aligned table on a terminal (psql's layout), tab-separated
 * lines when piped, and JSON with `--json`.
 *
 * @module
 */
import type { Row } from "../dialect/dialect.js";
import stringWidth from "string-width";
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

/**
 * Display width of a terminal cell in columns: East Asian wide characters and most emoji take two,
 * combining marks and zero-width characters none (string-width, which follows Unicode's tables).
 */
function width(text: string): number {
  return stringWidth(text);
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

/** The column widths and alignments of a terminal table, taken from the rows it was made from. */
export interface TableLayout {
  /** Column names. */
  columns: readonly string[];
  /** Width of each column, in code points. */
  widths: readonly number[];
  /** Whether each column is right-aligned (every value a number or NULL). */
  numeric: readonly boolean[];
}

/** The layout that fits `rows` (a later row wider than its column overflows it, as psql's FETCH_COUNT groups do). */
export function tableLayout(columns: readonly string[], rows: readonly Row[]): TableLayout {
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === "number" || typeof row[c] === "bigint"));
  const widths = columns.map((c) => Math.max(width(c), ...rows.map((row) => width(terminalCell(row[c])))));
  return { columns, widths, numeric };
}

/** The header line and the rule under it (nothing for no columns). */
export function tableHeader(layout: TableLayout): string {
  if (layout.columns.length === 0) return "";
  return " " + layout.columns.map((c, i) => pad(c, layout.widths[i]!, false)).join(" | ").trimEnd() + "\n" + layout.widths.map((w) => "-".repeat(w + 2)).join("+") + "\n";
}

/** One line a row, laid out by `layout`. */
export function tableRows(layout: TableLayout, rows: readonly Row[]): string {
  if (layout.columns.length === 0) return "";
  let text = "";
  for (const row of rows) text += " " + layout.columns.map((c, i) => pad(terminalCell(row[c]), layout.widths[i]!, layout.numeric[i]!)).join(" | ").trimEnd() + "\n";
  return text;
}

/** psql's footer: `(1 row)`, `(3 rows)`. */
export function tableFooter(count: number): string {
  return `(${count} ${count === 1 ? "row" : "rows"})\n`;
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
  const layout = tableLayout(columns, rows);
  return tableHeader(layout) + tableRows(layout, rows) + (footer ? tableFooter(rows.length) : "");
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
