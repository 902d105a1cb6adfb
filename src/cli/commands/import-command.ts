/**
 * `tablekit import TABLE FILE`: options, format detection and the summary; the work itself is in
 * `import-runner.ts`.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { TextDecoder } from "node:util";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type CliIo, OutputWriter, UsageError } from "../cli-io.js";
import { type CommonOptions, type ProgressFlags, addCommonOptions, addProgressOptions, positiveInteger, showSummary, withDatabase } from "../common.js";
import { DATA_FORMATS, type DataFormat, formatFromPath } from "../record-readers.js";
import { toJson } from "../values.js";
import { runImport } from "./import-runner.js";

/** Options of `tablekit import`. */
export interface ImportOptions extends CommonOptions, ProgressFlags {
  /** `--format`: overrides the file extension. */
  format?: DataFormat;
  /** `--atomic`: one transaction (the default). */
  atomic?: boolean;
  /** `--batch N`: commit every N rows. */
  batch?: number;
  /** `--create`: create the table when missing. */
  create?: boolean;
  /** `--delimiter C`: the CSV separator. */
  delimiter?: string;
  /** `--tsv`: tab-separated (same as `--format tsv`). */
  tsv?: boolean;
  /** `--encoding NAME`: the file's text encoding. */
  encoding?: string;
  /** `--pk COL[,COL…]`: the key columns. */
  pk?: string[];
  /** `--upsert`: update rows whose key exists. */
  upsert?: boolean;
  /** `--ignore`: skip rows whose key exists. */
  ignore?: boolean;
  /** `--replace`: replace rows whose key exists. */
  replace?: boolean;
}

/** A commander parser for `--pk a,b`. */
function keyOption(value: string): string[] {
  const names = value.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) throw new InvalidArgumentError("must be one or more column names separated by commas");
  return names;
}

/** A commander parser for `--delimiter`: one character; `\t` and `tab` mean a tab. */
function delimiterOption(value: string): string {
  const d = value === "\\t" || value.toLowerCase() === "tab" ? "\t" : value;
  if ([...d].length !== 1 || d === '"' || d === "\n" || d === "\r") throw new InvalidArgumentError('must be one character other than a quote or a line break (\\t or "tab" for a tab)');
  return d;
}

/** A commander parser for `--encoding`: a label `TextDecoder` knows. */
function encodingOption(value: string): string {
  try {
    new TextDecoder(value);
  } catch {
    throw new InvalidArgumentError("unknown encoding (try utf-8, latin1, windows-1252, utf-16le)");
  }
  return value;
}

const HELP = `
Formats: JSON Lines (.jsonl, .ndjson: one JSON object a line), a JSON array (.json: [{…}, …]),
CSV (.csv: a header line of column names; an empty unquoted cell is NULL, "" is the empty string;
the separator , ; tab or | is sniffed from the header unless --delimiter says) and TSV (.tsv).
gzip input is gunzipped, told by its first bytes (stdin too). A UTF-8 BOM and CRLF line ends are
fine; --encoding latin1 reads others. Names that are not plain identifiers are normalised:
"First Name" -> first_name (a table name too); --create records the originals in tablekit_names,
and export writes them back.

Into an existing table, --ignore skips records whose key (--pk, else the primary key) exists,
--upsert updates those rows, --replace deletes and inserts them anew; so a failed --batch import
can be re-run with --ignore without duplicating rows. Values are converted for
each column's type: bytes as \\x hex, timestamps as ISO-8601, JSON columns from JSON text in CSV.

A malformed line or a value that does not fit stops the import with FILE:LINE and the reason.
With --atomic (the default) nothing is committed then; with --batch N the batches before it stay.

--create makes the table when it does not exist, with types inferred from the first 1,000 records:
BIGINT, DOUBLE PRECISION, BOOLEAN, JSONB (objects and arrays) or TEXT; every column nullable.

Examples:
  tablekit import users users.jsonl
  tablekit import events events.csv --create --batch 10000
  cat big.jsonl.gz | tablekit import events - --format jsonl`;

/** Registers `import` on the program. */
export function registerImportCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    addProgressOptions(program
      .command("import")
      .description("load a JSON Lines or CSV file into a table, streaming")
      .argument("<table>", "target table")
      .argument("<file>", 'input file; "-" reads stdin (then --format is required)')
      .addOption(new Option("--format <format>", "input format (default: from the file extension)").choices(DATA_FORMATS))
      .addOption(new Option("--atomic", "import in one transaction: on error nothing is committed (default)"))
      .addOption(new Option("--batch <n>", "commit every N rows as they go: on error earlier batches are kept").argParser(positiveInteger).conflicts("atomic"))
      .option("--create", "create the table from the file's columns when it does not exist")
      .option("--delimiter <char>", "CSV field separator (default: sniffed from the header among , ; tab |)", delimiterOption)
      .option("--tsv", "tab-separated values (same as --format tsv)")
      .option("--pk <columns>", "key column(s), comma-separated (default: the table's primary key; with --create: made the primary key)", keyOption)
      .addOption(new Option("--upsert", "update the rows whose key exists (needs a key)").conflicts(["ignore", "replace"]))
      .addOption(new Option("--ignore", "skip the records whose key exists (needs a key)").conflicts(["upsert", "replace"]))
      .addOption(new Option("--replace", "delete and insert anew the rows whose key exists (needs a key)").conflicts(["upsert", "ignore"]))
      .option("--encoding <name>", "text encoding of the file, e.g. latin1, windows-1252, utf-16le (default utf-8)", encodingOption)
      .addHelpText("after", HELP)),
    "print a JSON summary (rows, seconds) on stdout when done",
  ).action(async (table: string, file: string, options: ImportOptions) => {
    const format = options.tsv === true ? "tsv" : (options.format ?? (file === "-" ? undefined : formatFromPath(file)));
    if (format === undefined) {
      throw new UsageError(
        file === "-" ? "reading stdin needs --format (jsonl, csv, tsv or json)" : `cannot tell the format of "${file}" from its extension; add --format jsonl, csv, tsv or json`,
      );
    }
    if (options.delimiter !== undefined && format !== "csv" && format !== "tsv") throw new UsageError(`--delimiter applies to CSV, not to ${format}`);
    const started = performance.now();
    const plan = { table, file, format, batch: options.batch, create: options.create === true, flags: options, read: { delimiter: options.delimiter, encoding: options.encoding },
      key: options.pk,
      mode: options.upsert === true ? ("upsert" as const) : options.ignore === true ? ("ignore" as const) : options.replace === true ? ("replace" as const) : ("insert" as const),
    };
    const result = await withDatabase(options, io, (db) => runImport(db, plan, io));
    const seconds = (performance.now() - started) / 1000;
    // The summary is a diagnostic: stderr, on a terminal, unless --quiet. --json asks for it as data: stdout.
    if (showSummary(options, io) && options.json !== true) {
      const created = result.created ? " (table created)" : "";
      io.stderr.write(`Imported ${result.rows.toLocaleString("en-US")} ${result.rows === 1 ? "row" : "rows"} into ${table}${created} in ${seconds.toFixed(2)} s\n`);
    }
    if (options.json !== true) return;
    const out = new OutputWriter(io.stdout);
    try {
      await out.write(toJson({ table, file, format, rows: result.rows, created: result.created, seconds: Number(seconds.toFixed(3)) }) + "\n");
    } finally {
      out.release();
    }
  });
}
