/**
 * `tablekit export TABLE`: streams a table's rows (optionally filtered) through `db.stream` as
 * JSON Lines or CSV, to stdout or to a file, in bounded memory. A file is written under a
 * temporary name and renamed at the end, so a failed export never leaves a truncated file behind.
 *
 * @module
 */
import { open, rename, unlink } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { type Command, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import type { Database } from "../../database.js";
import type { Row } from "../../backends/contract.js";
import { isIdentifier, quoteIdentifier } from "../../sql/identifiers.js";
import { sql } from "../../sql/sql-tag.js";
import type { Where } from "../../sql/where.js";
import { CliError, type CliIo, InterruptedError, OutputWriter, UsageError, pendingTempFiles } from "../cli-io.js";
import { type CommonOptions, type ProgressFlags, addCommonOptions, addProgressOptions, jsonObject, progressSettings, showSummary, withDatabase } from "../common.js";
import { type Progress, createProgress } from "../progress.js";
import { originalColumnNames, requireTable, tableColumns } from "../table-names.js";
import { DATA_FORMATS, type DataFormat, formatFromPath, isGzipPath } from "../record-readers.js";
import { cellText, rowJson } from "../values.js";

/** Options of `tablekit export`. */
export interface ExportOptions extends Omit<CommonOptions, "json">, ProgressFlags {
  /** `--where`: a tablekit filter as JSON. */
  where?: Record<string, unknown>;
  /** `--format`: overrides the `--out` extension (default jsonl). */
  format?: DataFormat;
  /** `--out FILE`: write there instead of stdout. */
  out?: string;
  /** `--order-by`: ordering, e.g. `"id"` or `"created_at DESC"`. */
  orderBy?: string;
  /** `--column-names`: name the columns as the table does, not by the headers `import` renamed. */
  columnNames?: boolean;
}

/** Rows encoded and written together (csv-stringify is much faster on many records at once). */
const ROWS_PER_WRITE = 1000;

const CSV_OPTIONS = { cast: { string: (v: string) => (v === "" ? { value: "", quoted_empty: true } : v) } };

const TSV_OPTIONS = { ...CSV_OPTIONS, delimiter: "\t" };

/**
 * CSV lines for records of values; an empty string is written `""`, so it reads back differently
 * from NULL (nothing). `delimiter` `"\t"` writes TSV (a cell holding a tab is quoted).
 */
export function csvLines(records: readonly (readonly unknown[])[], delimiter = ","): string {
  return records.length === 0 ? "" : stringify(records.map((values) => values.map(cellText)), delimiter === "\t" ? TSV_OPTIONS : CSV_OPTIONS);
}

/** One CSV line; see {@link csvLines}. */
export function csvLine(values: readonly unknown[], delimiter = ","): string {
  return csvLines([values], delimiter);
}

const HELP = `
Rows are written as JSON Lines (one object a line) or CSV (a header line, then one line a row;
NULL is an empty cell, the empty string ""). Bytes are written as \\x hex, timestamps as ISO-8601,
64-bit integers as exact numbers: what \`tablekit import\` reads back.

--where takes a tablekit filter as JSON: {"age": {"gte": 18}, "OR": [{"role": "admin"}, …]}.

Any existing table can be exported, whatever its name ("First Table"). Columns that import renamed
("First Name" -> first_name) are written with the file's original names; --column-names writes
the table's own.

Examples:
  tablekit export users > users.jsonl
  tablekit export users --where '{"active": true}' --format csv --out active.csv
  tablekit export events --order-by "id" --out events.jsonl`;

async function exportRows(db: Database, table: string, options: ExportOptions, format: DataFormat, io: CliIo): Promise<number> {
  // Any existing table, whatever its name; a name that is not one is refused before any SQL uses it.
  const ref = await requireTable(db, table);
  const columns = (await tableColumns(db, ref)).map((c) => c.name);
  if (columns.length === 0) throw new CliError(`table "${table}" has no columns`);
  // The file's own names for the columns import renamed ("First Name" for first_name), unless --column-names.
  const originals = options.columnNames === true ? new Map<string, string>() : await originalColumnNames(db, ref.name);
  const labels = columns.map((c) => originals.get(c) ?? c);
  const relabel = originals.size === 0 ? undefined : (row: Row): Row => Object.fromEntries(columns.map((c, i) => [labels[i]!, row[c]]));
  const where = options.where as Where<Row> | undefined;
  const temp = options.out === undefined ? undefined : `${options.out}.${process.pid}.tmp`;
  // Registered before it exists, so a second Ctrl-C (main.ts exits at once) still removes it.
  if (temp !== undefined) pendingTempFiles.add(temp);
  const signal = io.signal;
  let target: Writable | undefined;
  let writer: OutputWriter | undefined;
  let progress: Progress | undefined;
  let rows = 0;
  // Ctrl-C: the loop below stops at the next row (listening also tells main.ts we stop cleanly).
  const onAbort = (): void => undefined;
  signal?.addEventListener("abort", onAbort);
  const stopIfInterrupted = (): void => {
    if (signal?.aborted === true) throw new InterruptedError(`interrupted${temp === undefined ? "" : ` (${options.out} was not written)`}`);
  };
  let file: Writable | undefined;
  try {
    if (temp !== undefined) {
      file = (await open(temp, "w")).createWriteStream();
      if (isGzipPath(options.out!)) {
        const gzip = createGzip();
        const into = file;
        gzip.on("error", (error) => into.destroy(error));
        gzip.pipe(file);
        target = gzip;
      } else target = file;
    } else target = io.stdout;
    writer = new OutputWriter(target);
    // The bar goes to stderr when it is a terminal, and never when the data itself goes to the terminal.
    const settings = progressSettings(options, io);
    const showProgress = settings.enabled && (temp !== undefined || !io.isTTY);
    // Column names that are not plain identifiers ("First Name", made outside tablekit), or such a
    // table name, cannot go through the CRUD helpers; such a table is read with quoted names instead.
    const plain = ref.plain && columns.every((c) => isIdentifier(c));
    if (!plain && (options.where !== undefined || options.orderBy !== undefined)) {
      const names = [...(ref.plain ? [] : [ref.name]), ...columns.filter((c) => !isIdentifier(c))];
      throw new UsageError(`--where and --order-by need plain names; ${names.map((n) => JSON.stringify(n)).join(", ")} ${names.length === 1 ? "is" : "are"} not (use tablekit sql)`);
    }
    const total = !showProgress ? undefined : plain ? await db.count(ref.name, where) : Number((await db.execute(`SELECT count(*) AS n FROM ${ref.quoted}`))[0]?.["n"]);
    progress = createProgress({ ...settings, enabled: showProgress, label: `export ${table}`, total });
    const delimiter = format === "tsv" ? "\t" : ",";
    let first = true;
    const json = relabel === undefined ? rowJson : (row: Row): string => rowJson(relabel(row));
    const encode = (batch: readonly Row[]): string => {
      if (format === "csv" || format === "tsv") return csvLines(batch.map((row) => columns.map((c) => row[c])), delimiter);
      if (format === "jsonl") return batch.map((row) => json(row) + "\n").join("");
      // JSON: one array, one row a line.
      const text = batch.map((row, i) => (first && i === 0 ? "" : ",\n") + json(row)).join("");
      if (batch.length > 0) first = false;
      return text;
    };
    if (format === "csv" || format === "tsv") await writer.write(csvLine(labels, delimiter));
    if (format === "json") await writer.write("[\n");
    const rowsOf = plain
      ? db.stream(ref.name, { where, orderBy: options.orderBy, columns, batchSize: ROWS_PER_WRITE })
      : db.stream(sql`SELECT ${sql.raw(columns.map(quoteIdentifier).join(", "))} FROM ${sql.raw(ref.quoted)}`, { batchSize: ROWS_PER_WRITE });
    let batch: Row[] = [];
    for await (const row of rowsOf) {
      stopIfInterrupted();
      batch.push(row);
      progress.update(++rows);
      if (batch.length >= ROWS_PER_WRITE) {
        await writer.write(encode(batch));
        batch = [];
      }
    }
    stopIfInterrupted();
    await writer.write(encode(batch));
    if (format === "json") await writer.write(first ? "]\n" : "\n]\n");
    if (temp !== undefined) {
      target.end();
      await finished(file!);
      await rename(temp, options.out!);
    }
    return rows;
  } catch (error) {
    if (temp !== undefined) {
      if (target !== undefined) target.destroy();
      if (file !== undefined) {
        file.destroy();
        await finished(file).catch(() => undefined);
      }
      await unlink(temp).catch(() => undefined);
    }
    if (signal?.aborted === true && !(error instanceof InterruptedError)) throw new InterruptedError("interrupted", { cause: error });
    throw error;
  } finally {
    if (temp !== undefined) pendingTempFiles.delete(temp);
    signal?.removeEventListener("abort", onAbort);
    progress?.finish();
    writer?.release();
  }
}

/** Registers `export` on the program. */
export function registerExportCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    addProgressOptions(program
      .command("export")
      .description("write a table's rows as JSON Lines or CSV, streaming")
      .argument("<table>", "table to export")
      .option("--where <json>", "only the rows matching this tablekit filter (JSON)", jsonObject)
      .addOption(new Option("--format <format>", "output format (default: from --out's extension, else jsonl)").choices(DATA_FORMATS))
      .option("--out <file>", "write to this file instead of stdout")
      .option("--order-by <order>", 'row order, e.g. "id" or "created_at DESC"')
      .option("--column-names", "use the table's column names, not the original headers import recorded (first_name, not First Name)")
      .addHelpText("after", HELP)),
    false,
  ).action(async (table: string, options: ExportOptions) => {
    let format = options.format;
    if (format === undefined && options.out !== undefined) {
      format = formatFromPath(options.out);
      if (format === undefined) throw new UsageError(`cannot tell the format of "${options.out}" from its extension; add --format jsonl, csv, tsv or json`);
    }
    const started = performance.now();
    const rows = await withDatabase(options, io, (db) => exportRows(db, table, options, format ?? "jsonl", io));
    // A summary is a diagnostic: stderr (on a terminal, unless --quiet); stdout carries only data.
    if (options.out !== undefined && showSummary(options, io)) {
      io.stderr.write(`Exported ${rows.toLocaleString("en-US")} ${rows === 1 ? "row" : "rows"} from ${table} to ${options.out} in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
    }
  });
}
