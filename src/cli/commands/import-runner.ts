/**
 * The work of `tablekit import`: stream the file's records, convert each value for its column,
 * and insert them with `batchInsert` — all in one transaction (`--atomic`, the default), or
 * committing every `--batch N` rows. Every failure names where it happened: `FILE:LINE` for a
 * malformed line or a value that does not fit, `FILE:FIRST-LAST` for rows the database refused.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { Row } from "../../dialect/dialect.js";
import { SerializationError } from "../../errors/errors.js";
import type { Queryable, TransactionOptions } from "../../queryable.js";
import { CliError, type CliIo, InterruptedError } from "../cli-io.js";
import { type ProgressFlags, progressSettings } from "../common.js";
import { CoercionError, type ColumnKind, coerceValue, columnKind, inferColumnTypes } from "../column-kinds.js";
import { createProgress } from "../progress.js";
import { type DataFormat, MalformedRecordError, type SourceRecord, openRecordSource } from "../record-readers.js";

/** What to import, and how. */
export interface ImportPlan {
  /** Target table. */
  table: string;
  /** Input file, or `-` for stdin. */
  file: string;
  /** File format. */
  format: DataFormat;
  /** Commit every `batch` rows; undefined means one transaction for everything. */
  batch: number | undefined;
  /** Create the table from the file's columns when it does not exist. */
  create: boolean;
  /** `--quiet` / `--no-progress`. */
  flags?: ProgressFlags;
}

/** What an import did. */
export interface ImportResult {
  /** Rows inserted. */
  rows: number;
  /** Whether the table was created. */
  created: boolean;
}

/** Rows per `batchInsert` call inside the one transaction of an atomic import. */
const ATOMIC_CHUNK = 1000;
/** Records `--create` looks at to choose column types. */
const SAMPLE_SIZE = 1000;

/** A failure at a place in the file: `FILE:LINE: reason` (or `FILE:FIRST-LAST: reason`). */
class PlacedError extends CliError {}

function placed(file: string, first: number, last: number, reason: string, cause?: unknown): PlacedError {
  const where = first === last ? `${first}` : `${first}-${last}`;
  return new PlacedError(`${file === "-" ? "stdin" : file}:${where}: ${reason}`, { cause });
}

function convert(record: Row, line: number, kinds: ReadonlyMap<string, ColumnKind>, plan: ImportPlan): Row {
  const out: Row = {};
  const fromText = plan.format === "csv";
  for (const [column, value] of Object.entries(record)) {
    const kind = kinds.get(column);
    if (kind === undefined) {
      // In CSV the column names come from the header, line 1.
      throw placed(plan.file, fromText ? 1 : line, fromText ? 1 : line, `unknown column "${column}" (the table has: ${[...kinds.keys()].join(", ")})`);
    }
    try {
      out[column] = coerceValue(kind, value, fromText);
    } catch (error) {
      if (error instanceof CoercionError) throw placed(plan.file, line, line, `column "${column}": ${error.message}`);
      throw error;
    }
  }
  return out;
}

async function* concat<T>(first: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* first;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}

/**
 * Reads the file once and inserts its records through `q` (the Database, or the import's
 * transaction). `committed` is told about each batch that is durably stored (batch mode).
 */
async function load(q: Queryable, plan: ImportPlan, io: CliIo, chunk: number, committed: (rows: number) => void): Promise<ImportResult> {
  const source = await openRecordSource(plan.file, plan.format, io.stdin);
  const progress = createProgress({ ...progressSettings(plan.flags ?? {}, io), label: `import ${plan.table}`, total: source.totalBytes });
  const iterator = source.records[Symbol.asyncIterator]();
  const signal = io.signal;
  // Ctrl-C: stop reading (a reader waiting on stdin wakes up); the loop then stops with InterruptedError.
  const onAbort = (): void => source.interrupt();
  signal?.addEventListener("abort", onAbort, { once: true });
  const stopIfInterrupted = (): void => {
    if (signal?.aborted === true) throw new InterruptedError("interrupted");
  };
  try {
    let columns = await q.columns(plan.table);
    let created = false;
    const sample: SourceRecord[] = [];
    if (columns.length === 0) {
      if (!plan.create) throw new CliError(`table "${plan.table}" does not exist; add --create to create it from the file's columns`);
      while (sample.length < SAMPLE_SIZE) {
        const next = await iterator.next();
        if (next.done === true) break;
        sample.push(next.value);
      }
      const order = [...new Set(sample.flatMap((r) => Object.keys(r.record)))];
      if (order.length === 0) throw new CliError(`cannot create table "${plan.table}": the file has no records to take columns from`);
      await q.createTable(plan.table, inferColumnTypes(sample.map((r) => r.record), order, plan.format === "csv"));
      created = true;
      columns = await q.columns(plan.table);
    }
    const kinds = new Map(columns.map((c) => [c.name, columnKind(c.type)]));
    let batch: Row[] = [];
    let firstLine = 0;
    let lastLine = 0;
    let rows = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      try {
        await q.batchInsert(plan.table, batch, { returning: false });
      } catch (error) {
        // A serialization failure must reach db.transaction unchanged, so it can retry.
        if (error instanceof SerializationError) throw error;
        throw placed(plan.file, firstLine, lastLine, (error as Error).message, error);
      }
      rows += batch.length;
      committed(batch.length);
      batch = [];
    };
    for await (const { record, line } of concat(sample, iterator)) {
      stopIfInterrupted();
      if (batch.length === 0) firstLine = line;
      lastLine = line;
      batch.push(convert(record, line, kinds, plan));
      if (batch.length >= chunk) await flush();
      progress.update(rows + batch.length, source.bytesRead());
    }
    // A reader closed by Ctrl-C may just end: never commit the rows read so far as if complete.
    stopIfInterrupted();
    await flush();
    return { rows, created };
  } catch (error) {
    if (signal?.aborted === true && !(error instanceof SerializationError)) throw new InterruptedError("interrupted", { cause: error });
    if (error instanceof MalformedRecordError) throw placed(plan.file, error.line, error.line, error.message, error);
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    progress.finish();
    await iterator.return?.();
    source.close();
  }
}

/**
 * Runs an import. With `plan.batch` undefined, everything happens in one transaction, retried
 * from the start of the file on a serialization failure (never for stdin, which cannot be read
 * twice); a failure commits nothing. With `plan.batch`, every batch commits on its own and a
 * failure keeps the batches before it. The error message says which.
 */
export async function runImport(db: Database, plan: ImportPlan, io: CliIo): Promise<ImportResult> {
  let committed = 0;
  try {
    if (plan.batch !== undefined) return await load(db, plan, io, plan.batch, (n) => (committed += n));
    const options: TransactionOptions = plan.file === "-" ? { maxRetries: 0 } : {};
    return await db.transaction((tx) => load(tx, plan, io, ATOMIC_CHUNK, () => undefined), options);
  } catch (error) {
    if (!(error instanceof PlacedError) && !(error instanceof InterruptedError)) throw error;
    const outcome =
      plan.batch === undefined
        ? "nothing was imported"
        : committed === 0
          ? "no batch was committed"
          : `the first ${committed} ${committed === 1 ? "row was" : "rows were"} committed`;
    const message = `${error.message} (${outcome})`;
    throw error instanceof InterruptedError ? new InterruptedError(message, { cause: error.cause }) : new CliError(message, { cause: error.cause ?? error });
  }
}
