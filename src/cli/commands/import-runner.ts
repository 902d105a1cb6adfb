/**
 * The work of `tablekit import`: stream the file's records, convert each value for its column,
 * and insert them with `batchInsert` — all in one transaction (`--atomic`, the default), or
 * committing every `--batch N` rows. Every failure names where it happened: `FILE:LINE` for a
 * malformed line or a value that does not fit, `FILE:FIRST-LAST` for rows the database refused.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { Row } from "../../backends/contract.js";
import { SerializationError, UniqueViolationError } from "../../errors/errors.js";
import type { Queryable, TransactionOptions } from "../../queryable.js";
import { CliError, type CliIo, InterruptedError } from "../cli-io.js";
import { type ProgressFlags, progressSettings } from "../common.js";
import { CoercionError, type ColumnKind, coerceValue, columnKind, inferColumnTypes } from "../column-kinds.js";
import { createProgress } from "../progress.js";
import { toJson } from "../values.js";
import { findTable, normalizeName, recordOriginalNames } from "../table-names.js";
import { type DataFormat, MalformedRecordError, type ReadOptions, type SourceRecord, isTextFormat, openRecordSource } from "../record-readers.js";

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
  /** `--delimiter`, `--encoding`, gzip. */
  read?: ReadOptions;
  /** `--pk COL[,COL…]`: the key of the rows; default the table's primary key. */
  key?: readonly string[] | undefined;
  /** What to do with a row whose key exists: fail (`insert`, the default), `ignore`, `upsert`, `replace`. */
  mode?: ConflictMode;
}

/** How `import` treats a record whose key is already in the table. */
export type ConflictMode = "insert" | "ignore" | "upsert" | "replace";

/** Rows looked up (by key) per statement in `--ignore`/`--upsert`/`--replace`. */
const KEY_CHUNK = 500;

/** A key value as text, so a number from the file and a bigint from the database compare equal. */
function keyText(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return "n:" + String(value);
  if (typeof value === "string") return "s:" + value;
  if (value instanceof Date) return "d:" + value.toISOString();
  if (value instanceof Uint8Array) return "b:" + Buffer.from(value).toString("hex");
  return "o:" + String(value);
}

/** A record whose key is already in the table or earlier in the file (a `--pk` import without a mode). */
class KeyExistsError extends Error {
  /** The record's index in its batch. */
  readonly index: number;

  constructor(index: number, message: string) {
    super(message);
    this.index = index;
  }
}

/** What to add when a record's key exists (printed after the reason). */
const KEY_HINT = "add --ignore to skip such records, --upsert or --replace to overwrite them";

/** `(code) = ("a")`, `(order_id, line) = (1, 2)`. */
function keyDescription(key: readonly string[], row: Row): string {
  return `(${key.join(", ")}) = (${key.map((k) => toJson(row[k] ?? null)).join(", ")})`;
}

/**
 * With `--pk` and no `--ignore`/`--upsert`/`--replace`, a record whose key is already in the table
 * (or twice in the batch) is refused, as a primary key would refuse it, even when the table has no
 * unique constraint on those columns: so re-running a failed `--batch` import never duplicates rows.
 *
 * @throws {KeyExistsError} Naming the first such record.
 */
async function refuseExistingKeys(q: Queryable, table: string, rows: readonly Row[], key: readonly string[]): Promise<void> {
  const id = (row: Row): string => key.map((k) => keyText(row[k])).join("\u0000");
  const complete = (row: Row): boolean => key.every((k) => row[k] !== null && row[k] !== undefined);
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    if (!complete(row)) continue;
    const k = id(row);
    if (seen.has(k)) throw new KeyExistsError(i, `the key ${keyDescription(key, row)} is already in the file`);
    seen.add(k);
  }
  for (let start = 0; start < rows.length; start += KEY_CHUNK) {
    const chunk = rows.slice(start, start + KEY_CHUNK).filter(complete);
    if (chunk.length === 0) continue;
    const where = key.length === 1 ? { [key[0]!]: { in: chunk.map((r) => r[key[0]!]) } } : { OR: chunk.map((r) => Object.fromEntries(key.map((k) => [k, r[k]]))) };
    const existing = new Set((await q.select(table, { where, columns: [...key] })).map(id));
    if (existing.size === 0) continue;
    const index = rows.findIndex((r, i) => i >= start && complete(r) && existing.has(id(r)));
    throw new KeyExistsError(index, `the key ${keyDescription(key, rows[index]!)} is already in the table`);
  }
}

/**
 * Writes one batch of converted rows: a plain `batchInsert`, or, with a key and a mode, rows whose
 * key exists are skipped (`ignore`), updated (`upsert`) or deleted and inserted anew (`replace`).
 * Within the batch the first record of a key wins for `ignore`, the last for the others.
 */
async function writeRows(q: Queryable, table: string, rows: readonly Row[], key: readonly string[], mode: ConflictMode, checkKeys: boolean): Promise<void> {
  if (mode === "insert" || key.length === 0) {
    if (checkKeys && key.length > 0) await refuseExistingKeys(q, table, rows, key);
    await q.batchInsert(table, rows as Row[], { returning: false });
    return;
  }
  const id = (row: Row): string => key.map((k) => keyText(row[k])).join("\u0000");
  for (let start = 0; start < rows.length; start += KEY_CHUNK) {
    const byKey = new Map<string, Row>();
    for (const row of rows.slice(start, start + KEY_CHUNK)) {
      const k = id(row);
      if (mode === "ignore" && byKey.has(k)) continue;
      byKey.set(k, mode === "upsert" && byKey.has(k) ? { ...byKey.get(k), ...row } : row);
    }
    const unique = [...byKey.values()];
    const where =
      key.length === 1 ? { [key[0]!]: { in: unique.map((r) => r[key[0]!]).filter((v) => v !== null && v !== undefined) } } : { OR: unique.map((r) => Object.fromEntries(key.map((k) => [k, r[k] ?? null]))) };
    if (mode === "replace") {
      await q.deleteMany(table, where);
      await q.batchInsert(table, unique, { returning: false });
      continue;
    }
    const existing = new Set((await q.select(table, { where, columns: [...key] })).map(id));
    const fresh = unique.filter((r) => !existing.has(id(r)));
    if (fresh.length > 0) await q.batchInsert(table, fresh, { returning: false });
    if (mode !== "upsert") continue;
    for (const row of unique) {
      if (!existing.has(id(row))) continue;
      const data = Object.fromEntries(Object.entries(row).filter(([c]) => !key.includes(c)));
      if (Object.keys(data).length > 0) await q.updateMany(table, data, Object.fromEntries(key.map((k) => [k, row[k]])));
    }
  }
}

/** The column name a file's header becomes on import: {@link normalizeName} (kept under this name for existing callers). */
export const normalizeColumnName: (name: string) => string = normalizeName;

/**
 * Maps the file's names to the table's columns: the same name, else its
 * {@link normalizeColumnName}, else the one column equal to either ignoring case. Each renaming
 * is announced once on stderr (unless `--quiet`); two names landing on one column are an error.
 */
class ColumnMapper {
  readonly #known = new Map<string, string | undefined>();
  readonly #taken = new Map<string, string>();
  constructor(
    private readonly columns: readonly string[],
    private readonly announce: (from: string, to: string) => void,
  ) {}

  /** The column for `name`, or undefined when the table has none. */
  resolve(name: string): string | undefined {
    if (this.#known.has(name)) return this.#known.get(name);
    let column: string | undefined = this.columns.includes(name) ? name : undefined;
    if (column === undefined) {
      const normal = normalizeName(name);
      if (this.columns.includes(normal)) column = normal;
      else {
        const folded = this.columns.filter((c) => c.toLowerCase() === name.toLowerCase() || c.toLowerCase() === normal.toLowerCase());
        if (folded.length === 1) column = folded[0];
      }
    }
    if (column !== undefined) {
      const other = this.#taken.get(column);
      if (other !== undefined && other !== name) throw new CoercionError(`the names "${other}" and "${name}" both become the column ${column}`);
      this.#taken.set(column, name);
      if (column !== name) this.announce(name, column);
    }
    this.#known.set(name, column);
    return column;
  }
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

function convert(record: Row, line: number, kinds: ReadonlyMap<string, ColumnKind>, plan: ImportPlan, mapper: ColumnMapper): Row {
  const out: Row = {};
  const fromText = isTextFormat(plan.format);
  for (const [name, value] of Object.entries(record)) {
    let column: string | undefined;
    try {
      column = mapper.resolve(name);
    } catch (error) {
      if (error instanceof CoercionError) throw placed(plan.file, fromText ? 1 : line, fromText ? 1 : line, error.message);
      throw error;
    }
    const kind = column === undefined ? undefined : kinds.get(column);
    if (column === undefined || kind === undefined) {
      // In CSV the column names come from the header, line 1.
      throw placed(plan.file, fromText ? 1 : line, fromText ? 1 : line, `unknown column "${name}" (the table has: ${[...kinds.keys()].join(", ")})`);
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
  const source = await openRecordSource(plan.file, plan.format, io.stdin, { ...plan.read, signal: io.signal });
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
    // Interrupted while waiting for the input's first bytes (stdin): stop before touching the table.
    stopIfInterrupted();
    // The table by its exact name, or the one an earlier import made for this name ("Mailing List" → mailing_list).
    const found = await findTable(q, plan.table);
    if (found !== undefined && !found.plain) {
      throw new CliError(`cannot import into "${plan.table}": tablekit writes only to tables whose names are plain identifiers (export, describe and sql read it)`);
    }
    const table = found?.name ?? normalizeName(plan.table);
    let columns = found === undefined ? [] : await q.columns(table);
    let created = false;
    const mode = plan.mode ?? "insert";
    const sample: SourceRecord[] = [];
    if (columns.length === 0) {
      if (!plan.create) throw new CliError(`table "${plan.table}" does not exist; add --create to create it from the file's columns`);
      if (table !== plan.table && (await q.tableExists(table))) {
        throw new CliError(`cannot create table "${plan.table}" as ${table}: a table of that name exists (import into ${table} by that name)`);
      }
      if (mode !== "insert" && plan.key === undefined) throw new CliError(`--${mode} needs a key: add --pk COLUMN`);
      while (sample.length < SAMPLE_SIZE) {
        // A reader must not start on an input Ctrl-C already closed (it would wait for its end).
        stopIfInterrupted();
        const next = await iterator.next();
        if (next.done === true) break;
        sample.push(next.value);
      }
      const order = [...new Set(sample.flatMap((r) => Object.keys(r.record)))];
      if (order.length === 0) throw new CliError(`cannot create table "${plan.table}": the file has no records to take columns from`);
      const inferred = inferColumnTypes(sample.map((r) => r.record), order, isTextFormat(plan.format));
      const types: Record<string, string> = {};
      const from = new Map<string, string>();
      for (const [name, type] of Object.entries(inferred)) {
        const column = normalizeName(name);
        const other = from.get(column);
        if (other !== undefined) throw new CliError(`cannot create table "${plan.table}": the names "${other}" and "${name}" both become the column ${column}`);
        from.set(column, name);
        types[column] = type;
      }
      const keyColumns = (plan.key ?? []).map(normalizeName);
      for (const k of keyColumns) if (!(k in types)) throw new CliError(`--pk: the file has no column "${k}" (it has: ${Object.keys(types).join(", ")})`);
      // --pk on a new table: NOT NULL key columns and a primary key, so a re-run can find the rows.
      if (keyColumns.length === 1) types[keyColumns[0]!] = `${types[keyColumns[0]!]} PRIMARY KEY`;
      else for (const k of keyColumns) types[k] = `${types[k]} NOT NULL`;
      await q.createTable(table, types, { ifNotExists: false });
      if (keyColumns.length > 1) await q.createIndex(`${table}_key`.slice(0, 63), table, keyColumns, { unique: true });
      // The file's own names, so export writes them back (in the same transaction as the table).
      await recordOriginalNames(q, table, plan.table, from);
      if (table !== plan.table && plan.flags?.quiet !== true) io.stderr.write(`tablekit: note: the table "${plan.table}" is created as ${table}\n`);
      created = true;
      columns = await q.columns(table);
    }
    const kinds = new Map(columns.map((c) => [c.name, columnKind(c.type)]));
    const quiet = plan.flags?.quiet === true;
    const names = columns.map((c) => c.name);
    const key =
      plan.key === undefined
        ? columns.filter((c) => c.primaryKey).map((c) => c.name)
        : plan.key.map((k) => {
            const column = names.includes(k) ? k : names.find((c) => c === normalizeName(k) || c.toLowerCase() === k.toLowerCase());
            if (column === undefined) throw new CliError(`--pk: table "${plan.table}" has no column "${k}" (it has: ${names.join(", ")})`);
            return column;
          });
    if (mode !== "insert" && key.length === 0) throw new CliError(`--${mode} needs a key: table "${plan.table}" has no primary key; add --pk COLUMN`);
    if (plan.batch !== undefined && key.length === 0 && !quiet) {
      io.stderr.write(`tablekit: warning: table "${plan.table}" has no primary key and no --pk was given: if this import fails, re-running it inserts the committed rows again\n`);
    }
    const mapper = new ColumnMapper(
      columns.map((c) => c.name),
      (from, to) => {
        if (!quiet) io.stderr.write(`tablekit: note: "${from}" is imported into the column ${to}\n`);
      },
    );
    let batch: Row[] = [];
    let lines: number[] = [];
    let rows = 0;
    // With --pk and no mode, the command checks the keys itself (the table may have no unique key on them).
    const checkKeys = plan.key !== undefined;
    // --batch: each batch in its own transaction, so a batch of several statements (--replace
    // deletes, then inserts) is kept whole or not at all, never half.
    const write = (rowsOf: readonly Row[]): Promise<void> =>
      plan.batch === undefined ? writeRows(q, table, rowsOf, key, mode, checkKeys) : q.transaction((tx) => writeRows(tx, table, rowsOf, key, mode, checkKeys));
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      try {
        await write(batch);
      } catch (error) {
        // A serialization failure must reach db.transaction unchanged, so it can retry.
        if (error instanceof SerializationError) throw error;
        if (error instanceof KeyExistsError) throw placed(plan.file, lines[error.index]!, lines[error.index]!, `${error.message}; ${KEY_HINT}`, error);
        const hint = error instanceof UniqueViolationError && mode === "insert" && key.length > 0 ? `; ${KEY_HINT}` : "";
        throw placed(plan.file, lines[0]!, lines[lines.length - 1]!, (error as Error).message + hint, error);
      }
      rows += batch.length;
      committed(batch.length);
      batch = [];
      lines = [];
    };
    stopIfInterrupted();
    for await (const { record, line } of concat(sample, iterator)) {
      stopIfInterrupted();
      lines.push(line);
      batch.push(convert(record, line, kinds, plan, mapper));
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
