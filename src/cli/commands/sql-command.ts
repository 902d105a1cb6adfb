/**
 * `tablekit sql`: runs one statement or a script (`-f FILE`, `-f -`), streaming the rows of each
 * query as they arrive (table, TSV, CSV, JSON Lines or JSON), printing psql's command tags
 * (`UPDATE 3`) for the others, optionally in one transaction (`--atomic`). A failing statement is
 * named by file and line, with the server's DETAIL, HINT and a caret under the position.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import type { Database } from "../../database.js";
import type { Row } from "../../backends/contract.js";
import { type Queryable, dialectOf } from "../../queryable.js";
import { SerializationError, TablekitError } from "../../errors/errors.js";
import { sql } from "../../sql/sql-tag.js";
import type { SqlFlavor } from "../../sql/sql-tokens.js";
import { CliError, type CliIo, OutputWriter, UsageError, readAll, stderrInteractive } from "../cli-io.js";
import { type CommonOptions, addCommonOptions, jsonArray, withDatabase } from "../common.js";
import { type TableLayout, tableFooter, tableHeader, tableLayout, tableRows, tsvLine } from "../output.js";
import { type ScriptStatement, commandTag, lineOf, placeholderParts, returnsRows, splitScript } from "../sql-script.js";
import { rowJson, toJson } from "../values.js";
import { csvLine } from "./export-command.js";

/** How `sql` prints rows. */
export type SqlFormat = "table" | "tsv" | "csv" | "jsonl" | "json";

const SQL_FORMATS: readonly SqlFormat[] = ["table", "tsv", "csv", "jsonl", "json"];

/** Options of `tablekit sql`. */
export interface SqlOptions extends CommonOptions {
  /** `--params`: values of the `?` placeholders. */
  params?: unknown[];
  /** `-f FILE`: a script; `-` is stdin. */
  file?: string;
  /** `--atomic`: the whole script in one transaction. */
  atomic?: boolean;
  /** `--format`: how rows are printed. */
  format?: SqlFormat;
}

/** A statement that failed, with the server's details as extra lines (DETAIL, HINT, a caret). */
export class SqlStatementError extends CliError {
  /** Lines printed after the message, as psql prints them. */
  readonly extraLines: readonly string[];

  /** Creates the error. */
  constructor(message: string, extraLines: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.extraLines = extraLines;
  }

  override get name(): string {
    return "SqlStatementError";
  }
}

/**
 * The server's error fields (pg's DatabaseError), found on the error or one of its causes. The
 * driver's own (a tablekit error's DETAIL hides row values; the terminal is the user's, as psql's).
 */
function serverFields(error: unknown): { detail?: string; hint?: string; position?: number } {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const e = current as { detail?: unknown; hint?: unknown; position?: unknown; cause?: unknown };
    if (!(current instanceof TablekitError) && (typeof e.detail === "string" || typeof e.hint === "string" || e.position !== undefined)) {
      const position = Number(e.position);
      return {
        ...(typeof e.detail === "string" ? { detail: e.detail } : {}),
        ...(typeof e.hint === "string" ? { hint: e.hint } : {}),
        ...(Number.isFinite(position) && position > 0 ? { position } : {}),
      };
    }
    current = e.cause;
  }
  return {};
}

/** psql's lines for an error: `LINE n: …` with a caret under the position, then DETAIL and HINT. */
export function errorLines(statement: string, error: unknown): string[] {
  const { detail, hint, position } = serverFields(error);
  const lines: string[] = [];
  if (position !== undefined && position <= statement.length + 1) {
    const index = position - 1;
    const line = lineOf(statement, index);
    const lineStart = statement.lastIndexOf("\n", index - 1) + 1;
    const lineEnd = statement.indexOf("\n", index);
    const prefix = `LINE ${line}: `;
    lines.push(prefix + statement.slice(lineStart, lineEnd === -1 ? undefined : lineEnd));
    lines.push(" ".repeat(prefix.length + index - lineStart) + "^");
  }
  if (detail !== undefined) lines.push(`DETAIL:  ${detail}`);
  if (hint !== undefined) lines.push(`HINT:  ${hint}`);
  return lines;
}

/** The query of a statement: a `sql` template when its `?` match the params (so it can stream), else undefined. */
function template(statement: string, params: readonly unknown[], flavor: SqlFlavor): ReturnType<typeof sql.raw> | undefined {
  const parts = placeholderParts(statement, flavor);
  if (parts.length - 1 !== params.length) return undefined;
  if (params.length === 0) return sql.raw(statement);
  const strings = Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray;
  return sql(strings, ...params);
}

/** Rows the terminal table takes its column widths from before it prints (psql's FETCH_COUNT idea). */
const TABLE_GROUP = 1000;

/**
 * Prints rows as they arrive. The table format lays its columns out by the first
 * {@link TABLE_GROUP} rows, then prints every further row as it comes (a wider cell overflows its
 * column), so memory stays bounded in every format.
 */
async function printRows(rows: AsyncIterable<Row>, format: SqlFormat, writer: OutputWriter): Promise<void> {
  let columns: string[] | undefined;
  let count = 0;
  let buffered: Row[] = [];
  let layout: TableLayout | undefined;
  // Text is gathered into pieces of about 64 KiB: one write a row costs more than the encoding.
  let pending = "";
  const out = {
    write: async (text: string): Promise<void> => {
      pending += text;
      if (pending.length >= 65_536) await flush();
    },
  };
  const flush = async (): Promise<void> => {
    const text = pending;
    pending = "";
    await writer.write(text);
  };
  for await (const row of rows) {
    if (format === "table") {
      count++;
      if (layout !== undefined) {
        await out.write(tableRows(layout, [row]));
        continue;
      }
      buffered.push(row);
      if (buffered.length >= TABLE_GROUP) {
        layout = tableLayout(Object.keys(buffered[0]!), buffered);
        await out.write(tableHeader(layout) + tableRows(layout, buffered));
        buffered = [];
      }
      continue;
    }
    if (columns === undefined) {
      columns = Object.keys(row);
      if (format === "tsv") await out.write(tsvLine(columns));
      if (format === "csv") await out.write(csvLine(columns));
      if (format === "json") await out.write("[\n");
    }
    const values = columns.map((c) => row[c]);
    if (format === "tsv") await out.write(tsvLine(values));
    else if (format === "csv") await out.write(csvLine(values));
    else if (format === "jsonl") await out.write(rowJson(row) + "\n");
    else await out.write((count > 0 ? ",\n" : "") + toJson(row, 2).replace(/^/gm, "  "));
    count++;
  }
  if (format === "table") {
    if (layout === undefined) {
      layout = tableLayout(buffered.length > 0 ? Object.keys(buffered[0]!) : [], buffered);
      await out.write(tableHeader(layout) + tableRows(layout, buffered));
    }
    await out.write(tableFooter(count));
  }
  else if (format === "json") await out.write(count === 0 ? "[]\n" : "\n]\n");
  await flush();
}

/** psql's command tag with the count: `INSERT 0 3`, `UPDATE 2`, `DELETE 1`; DDL has no count. */
export function tagLine(tag: string, count: number): string {
  if (tag === "INSERT") return `INSERT 0 ${count}`;
  if (["UPDATE", "DELETE", "MERGE", "COPY", "SELECT", "MOVE", "FETCH"].includes(tag)) return `${tag} ${count}`;
  return tag;
}

async function runStatements(db: Database, statements: readonly ScriptStatement[], where: string | undefined, options: SqlOptions, io: CliIo): Promise<void> {
  const flavor: SqlFlavor = db[dialectOf]().sqlFlavor;
  const format: SqlFormat = options.json === true ? "json" : (options.format ?? (io.isTTY ? "table" : "tsv"));
  const params = options.params ?? [];
  const out = new OutputWriter(io.stdout);
  // Command tags are for people: on the terminal stdout is, else on a terminal stderr, else nowhere.
  const tagStream = io.isTTY ? io.stdout : stderrInteractive(io) ? io.stderr : undefined;
  let done = 0;
  const run = async (q: Queryable): Promise<void> => {
    for (const statement of statements) {
      try {
        if (returnsRows(statement.sql, flavor)) {
          const query = template(statement.sql, params, flavor);
          const rows = query === undefined ? (await q.execute(statement.sql, params)) : q.stream(query);
          await printRows(rows as AsyncIterable<Row>, format, out);
        } else {
          const count = await q.executeCount(statement.sql, params);
          if (format === "json" && statements.length === 1) await out.write("[]\n");
          if (tagStream !== undefined) tagStream.write(tagLine(commandTag(statement.sql, flavor), count) + "\n");
        }
      } catch (error) {
        if (error instanceof SerializationError && options.atomic === true) throw error;
        if ((error as { code?: unknown }).code === "EPIPE" || error === out.failure) throw error;
        // A tablekit error's message ends with the server's LINE/DETAIL/HINT lines: they are
        // printed below instead, as psql prints them.
        const message =
          error instanceof TablekitError && (error.detail ?? error.hint ?? error.position) !== undefined
            ? error.message.split("\n")[0]!
            : error instanceof Error
              ? error.message
              : String(error);
        const place = where !== undefined ? `${where}:${statement.line}: ` : statements.length > 1 ? `line ${statement.line}: ` : "";
        const kept =
          statements.length > 1
            ? options.atomic === true
              ? " (nothing was committed)"
              : done === 0
                ? " (no statement ran before it)"
                : ` (the ${done} ${done === 1 ? "statement" : "statements"} before it ${done === 1 ? "was" : "were"} committed)`
            : "";
        throw new SqlStatementError(`${place}${message.replace(/\s*\r?\n\s*/g, " ")}${kept}`, errorLines(statement.sql, error), { cause: error });
      }
      done++;
    }
  };
  try {
    if (options.atomic === true) await db.transaction((tx) => run(tx), { maxRetries: 0 });
    else await run(db);
  } finally {
    out.release();
  }
}

/** Registers `sql` on the program. */
export function registerSqlCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command("sql")
      .description("run SQL (a statement, or a script with -f) and print the rows it returns")
      .argument("[statement]", 'the SQL, with ? placeholders; "-" reads it from stdin')
      .option("-f, --file <file>", 'run the statements of a script file in order ("-" reads stdin)')
      .option("--atomic", "run all the statements in one transaction: on an error nothing is committed")
      .option("--params <json>", 'values for the ? placeholders, as a JSON array (e.g. \'[18, "a%"]\')', jsonArray)
      .addOption(new Option("--format <format>", "how rows are printed (default: table on a terminal, else tsv)").choices(SQL_FORMATS))
      .addHelpText(
        "after",
        "\nRows stream as they arrive (the table format takes its column widths from the first 1,000).\n" +
          "Statements that return no rows print psql's tag, e.g. UPDATE 3, on a terminal.\n" +
          "\nExamples:\n" +
          '  tablekit sql "SELECT name, age FROM users WHERE age >= ? ORDER BY name" --params "[18]"\n' +
          '  tablekit sql "SELECT count(*) AS n FROM users" --json\n' +
          "  tablekit sql \"SELECT * FROM events\" --format jsonl > events.jsonl\n" +
          "  tablekit sql -f schema.sql --atomic\n" +
          "  tablekit sql - < report.sql",
      ),
    "print JSON instead of a table (same as --format json)",
  ).action(async (statement: string | undefined, options: SqlOptions) => {
    if ((statement === undefined) === (options.file === undefined)) throw new UsageError("give either a statement or -f FILE");
    const fromStdin = statement === "-" || options.file === "-";
    const text = fromStdin ? await readAll(io.stdin) : options.file !== undefined ? await readFile(options.file, "utf8") : statement!;
    // Where a failing statement is: FILE:LINE, stdin:LINE, or "line N" of a statement given as an argument.
    const where = fromStdin ? "stdin" : options.file;
    await withDatabase(options, io, async (db) => {
      const flavor: SqlFlavor = db[dialectOf]().sqlFlavor;
      const statements = splitScript(text, flavor, where);
      if (statements.length === 0) throw new UsageError("no SQL statement to run");
      if (statements.length > 1 && (options.params ?? []).length > 0) throw new UsageError("--params applies to a single statement, not to a script");
      await runStatements(db, statements, where, options, io);
    });
  });
}
