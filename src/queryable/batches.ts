/**
 * The batch writes of a {@link Queryable}: `batchInsert` (multi-row INSERTs under the backend's
 * parameter limit, or COPY on PostgreSQL) and `batchUpdate` (one UPDATE per record, pipelined),
 * each in one transaction, every record checked before the first statement.
 *
 * @module
 */
import type { Row, SqlDialect } from "../backends/contract.js";
import {
  type Statement,
  checkBoolean,
  checkFunction,
  checkOptions,
  dataColumns,
  insertManyStatement,
  tableName,
  updateStatement,
} from "../crud/statements.js";
import { ValidationError } from "../errors/errors.js";
import { columnFilters } from "../crud/column-values.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { SqlFragment } from "../sql/sql-tag.js";
import { CompiledWhere, type WhereContext, compileWhereFragment } from "../sql/where.js";
import { isPlainObject } from "../util/is-plain-object.js";
import { renderStatement } from "../sql/render.js";
import { type CopyTarget, copyInsert } from "./copy-insert.js";
import type { BatchInsertOptions, BatchUpdateOptions } from "./options.js";
import { refusedValueError } from "./refused-values.js";
import type { SchemaAccess } from "./schema-access.js";
import { mixesGenerated, sequenceAdvance } from "./sequences.js";
import { type RowConverter, batchChecker, recordChecker } from "./value-checks.js";
import { columnTypesOf } from "./sqlite-column-types.js";

/** What a batch needs from the Queryable it runs on. */
export interface BatchContext {
  /** The schema caches and value checks' view of the Queryable. */
  readonly access: SchemaAccess;
  /** The SQL dialect statements are built for. */
  readonly dialect: SqlDialect;
  /** Refuses a bigint the int64 policy could not read back (see `refuseUnsafeBigints`). */
  checkInt64(data: unknown, what: string): void;
  /** Forgets the sequence-generated columns read for `table` (after a failed sequence update). */
  forgetSequences(table: string): void;
  /** Runs `fn` in a transaction (a savepoint inside one), handing it the transaction's statement runner. */
  inTransaction<T>(fn: (tx: CopyTarget) => Promise<T>): Promise<T>;
}

const DEFAULT_CHUNK = 500;
/** Rows between progress reports of a COPY when the caller gives no chunkSize. */
const DEFAULT_COPY_CHUNK = 10_000;

function rowsOrCount<R>(returning: boolean | undefined, rows: R[], count: number): R[] | number {
  return returning === false ? count : rows;
}

/**
 * Inserts many rows in one transaction, in multi-row statements sized under the backend's
 * bound-parameter limit. Returns the inserted rows, or their count with `returning: false`.
 * All rows are validated before any SQL runs; records may leave different columns out.
 */
export async function batchInsert<R>(context: BatchContext, table: string, records: readonly unknown[], given?: BatchInsertOptions): Promise<R[] | number> {
  tableName(table);
  const dialect = context.dialect;
  const options = checkOptions(given, ["chunkSize", "returning", "onProgress"], "batchInsert");
  checkBoolean(options.returning, "returning", "batchInsert");
  checkFunction(options.onProgress, "onProgress", "batchInsert");
  if (!Array.isArray(records)) throw new ValidationError("batchInsert needs an array of records", [{ message: "must be an array", path: [] }]);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new ValidationError("chunkSize must be a positive integer", [{ message: "must be a positive integer", path: ["chunkSize"] }]);
  }
  // Validate every record before the first statement, so bad input writes nothing. Equal column
  // lists are shared (ColumnLists).
  const lists = new ColumnLists();
  const where = { table };
  const shapes: string[][] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    try {
      const columns = dataColumns(record, `record ${i}`, where);
      context.checkInt64(record, `record ${i}`);
      shapes[i] = lists.shared(columns);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(error.message, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
      throw error;
    }
  }
  if (records.length === 0) return rowsOrCount(options.returning, [], 0);
  // Every record is checked before BEGIN (a refusal writes nothing); the converted values are made
  // again chunk by chunk, so memory stays bounded by the caller's array.
  const convert = await recordChecker(context.access, table, records as Row[]);
  const returning = options.returning !== false;
  const maxParams = dialect.maxParameters;
  const advance = await sequenceAdvance(context.access, table, records as Row[]);
  // Explicit and generated ids in one batch: the sequence moves after each chunk, so ids
  // generated after an explicit one continue above it, row order as on SQLite (its rowid), and
  // never collide with it; COPY (one stream) cannot do that, INSERT chunks can.
  const mixed = advance !== undefined && (await mixesGenerated(context.access, table, records as Row[]));
  return context.inTransaction(async (tx) => {
    const advanceSequences = async (): Promise<void> => {
      if (advance === undefined) return;
      try {
        await tx.run(advance, []);
      } catch (error) {
        context.forgetSequences(table);
        throw error;
      }
    };
    if (!returning && dialect.copyLine !== undefined && !mixed) {
      const count = await copyInsert(tx, dialect, table, records as Row[], shapes, options.chunkSize ?? DEFAULT_COPY_CHUNK, options.onProgress, convert);
      await advanceSequences();
      return count;
    }
    const out: R[] = [];
    const texts = new InsertTexts();
    let done = 0;
    let start = 0;
    while (start < records.length) {
      const columns = shapes[start]!;
      const perStatement = Math.max(1, Math.min(chunkSize, Math.floor(maxParams / Math.max(1, columns.length))));
      let end = start + 1;
      while (end < records.length && end - start < perStatement && shapes[end] === columns) end++;
      const statement = texts.statement(dialect, table, columns, records as Row[], start, end, convert, returning);
      const result = await tx.run(statement.sql, statement.params);
      if (returning) for (const row of result.rows) out.push(row as R);
      if (mixed && end < records.length) await advanceSequences();
      done += end - start;
      start = end;
      options.onProgress?.(done, records.length);
    }
    await advanceSequences();
    return rowsOrCount(options.returning, out, done);
  }).catch((error: unknown) => {
    throw refusedValueError(error, "batchInsert", table);
  });
}

/**
 * The multi-row INSERTs of one batch: a statement of `n` records setting `columns` is built and
 * rendered once (crud/statements.ts, sql/render.ts); the batch's later chunks of that shape reuse
 * its text and only collect their encoded values, in the same order. Keyed on the batch's shared
 * column arrays, so no key text is made.
 */
class InsertTexts {
  readonly #texts = new Map<readonly string[], Map<number, string>>();

  /** The INSERT of `records[start..end)` (each converted by `convert`), all setting `columns`. */
  statement(dialect: SqlDialect, table: string, columns: readonly string[], records: readonly Row[], start: number, end: number, convert: RowConverter | undefined, returning: boolean): Statement {
    const count = end - start;
    const sql = columns.length === 0 ? undefined : this.#texts.get(columns)?.get(count);
    if (sql === undefined) {
      const chunk = records.slice(start, end);
      const statement = renderStatement(insertManyStatement(dialect, table, columns, convert === undefined ? chunk : chunk.map(convert), returning), dialect);
      if (columns.length > 0) {
        let bySize = this.#texts.get(columns);
        if (bySize === undefined) this.#texts.set(columns, (bySize = new Map()));
        bySize.set(count, statement.sql);
      }
      return statement;
    }
    const width = columns.length;
    const params: unknown[] = new Array(count * width);
    const encode = dialect.encodeValue;
    let p = 0;
    for (let r = start; r < end; r++) {
      const row = convert === undefined ? records[r]! : convert(records[r]!);
      for (let c = 0; c < width; c++) params[p++] = encode(row[columns[c]!]);
    }
    return { sql, params };
  }
}

/** A batchUpdate record checked for its shape: its key value and the columns it sets (shared arrays for equal lists). */
interface UpdateShape {
  readonly id: unknown;
  readonly columns: string[];
}

/** The rendered text of one UPDATE shape of a batch: for records setting `columns` with a key filter of `where` (its text pieces). */
interface UpdateText {
  readonly where: readonly string[];
  readonly sql: string;
}

/**
 * The column lists of a batch's records, interned: equal lists share one array (compared with the
 * previous record's first, then looked up by their joined names), so a million records cost one
 * pointer each, and a list's identity keys the batch's statement texts.
 */
class ColumnLists {
  readonly #known = new Map<string, string[]>();
  #previous: string[] | undefined;

  /** The batch's shared array equal to `columns` (`columns` itself the first time). */
  shared(columns: string[]): string[] {
    const previous = this.#previous;
    if (previous !== undefined && samePieces(previous, columns)) return previous;
    const name = columns.join(",");
    const known = this.#known.get(name);
    if (known !== undefined) columns = known;
    else this.#known.set(name, columns);
    this.#previous = columns;
    return columns;
  }
}

function samePieces(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The filter context the key of a batchUpdate is compiled with: as `where: { [keyColumn]: value }`
 * compiles it (on SQLite the column's filter conversion: CHAR(n) padded, DECIMAL by its exact
 * number; elsewhere the value as given, typed by the server).
 */
function keyContext(access: SchemaAccess, table: string): WhereContext | Promise<WhereContext> {
  if (!access.dialect.checksValuesByDeclaredType) return { table };
  const types = columnTypesOf(access, table);
  return types instanceof Promise ? types.then((t) => ({ table, columnValues: columnFilters(t) })) : { table, columnValues: columnFilters(types) };
}

/**
 * Updates many rows in one transaction, each record identified by its `keyColumn` (default
 * "id"), matched exactly as `where: { [keyColumn]: value }` matches it. Returns the updated rows
 * (records whose key matches nothing are skipped), or their count with `returning: false`.
 */
export async function batchUpdate<R>(context: BatchContext, table: string, records: readonly unknown[], keyColumn: string | BatchUpdateOptions = {}): Promise<R[] | number> {
  const dialect = context.dialect;
  const options: BatchUpdateOptions = typeof keyColumn === "string" ? { keyColumn } : checkOptions(keyColumn, ["keyColumn", "returning", "onProgress"], "batchUpdate");
  checkBoolean(options.returning, "returning", "batchUpdate");
  checkFunction(options.onProgress, "onProgress", "batchUpdate");
  const key = options.keyColumn ?? "id";
  tableName(table);
  assertIdentifier(key, "column", { table });
  if (!Array.isArray(records)) throw new ValidationError("batchUpdate needs an array of records", [{ message: "must be an array", path: [] }]);
  const returning = options.returning !== false;
  // Every record's shape first (no SQL, no schema read): a plain object with a key and a column to set.
  const shapes = updateShapes(context, table, records, key);
  if (shapes.length === 0) return rowsOrCount(options.returning, [], 0);
  // Then its values: checked and converted as a write stores them (the key left out), and the key
  // compiled as a filter on its column. A refusal names the record; nothing has run yet.
  const found = batchChecker(context.access, table, records);
  const convert = found instanceof Promise ? await found : found;
  const foundContext = keyContext(context.access, table);
  const whereContext = foundContext instanceof Promise ? await foundContext : foundContext;
  const statements = updateStatements(dialect, table, records as Row[], shapes, key, convert, whereContext, returning);
  return context.inTransaction(async (tx) => {
    const out: R[] = [];
    let changed = 0;
    const chunk = 200;
    for (let start = 0; start < statements.length; start += chunk) {
      // Statements of a chunk are issued together: PostgreSQL pipelines them on the transaction's
      // connection (pg pipeline mode); SQLite runs them in one loop (one driver call a chunk).
      const results = await tx.runMany(statements.slice(start, start + chunk));
      for (const result of results) {
        changed += result.rowCount;
        if (returning) for (const row of result.rows) out.push(row as R);
      }
      options.onProgress?.(Math.min(start + chunk, statements.length), statements.length);
    }
    return rowsOrCount(options.returning, out, changed);
  }).catch((error: unknown) => {
    throw refusedValueError(error, "batchUpdate", table);
  });
}

/** Checks each batchUpdate record's shape: a plain object (the same rule as insert), int64-safe, with a key value and at least one column to set. */
function updateShapes(context: BatchContext, table: string, records: readonly unknown[], key: string): UpdateShape[] {
  const shapes: UpdateShape[] = new Array(records.length);
  const lists = new ColumnLists();
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    // The same rule as insert: a plain object whose own enumerable string keys are the columns
    // (dataColumns, below, refuses symbol and non-enumerable keys).
    if (!isPlainObject(record)) {
      throw new ValidationError(`record ${i} must be a plain object of column values`, [{ message: "must be a plain object", path: [i] }]);
    }
    const all = dataColumns(record, `record ${i}`, { table });
    context.checkInt64(record, `record ${i}`);
    const id = (record as Row)[key];
    if (id === undefined || id === null) {
      throw new ValidationError(`record ${i} has no value for the key column "${key}"`, [{ message: "missing key", path: [i, key] }]);
    }
    if (Array.isArray(id) || isPlainObject(id)) {
      // A key is one value: an operator object here would turn the record into a filter matching many rows.
      const why = "must be one value (a string, number, bigint, boolean, Date or bytes), not an object or array";
      throw new ValidationError(`record ${i}: the key column "${key}" ${why}`, [{ message: why, path: [i, key] }]);
    }
    const columns = all.length === 0 ? all : all.filter((column) => column !== key);
    if (columns.length === 0) {
      throw new ValidationError(`record ${i}: update data must set at least one column`, [{ message: "no columns to update", path: [i] }]);
    }
    // Equal column lists share one array, which keys the batch's statement texts.
    shapes[i] = { id, columns: lists.shared(columns) };
  }
  return shapes;
}

/**
 * The UPDATE of each record: its converted values set, its key compiled as a filter (the one
 * compiler, with `whereContext`). The text is rendered once per shape of the batch (columns set,
 * key filter text), so repeated records only collect their encoded values, and the driver finds
 * its prepared statement by the same string.
 */
function updateStatements(
  dialect: SqlDialect,
  table: string,
  records: readonly Row[],
  shapes: readonly UpdateShape[],
  key: string,
  convert: RowConverter | undefined,
  whereContext: WhereContext,
  returning: boolean,
): Statement[] {
  const texts = new Map<string[], UpdateText>();
  const statements: Statement[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const { id, columns } = shapes[i]!;
    let where: SqlFragment | undefined;
    let values: Row;
    try {
      let data: Row = {};
      for (let c = 0; c < columns.length; c++) data[columns[c]!] = record[columns[c]!];
      if (convert !== undefined) data = convert(data);
      values = data;
      where = compileWhereFragment({ [key]: id }, dialect, whereContext);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`record ${i}: ${error.message}`, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
      }
      throw error;
    }
    const known = texts.get(columns);
    if (known !== undefined && where !== undefined && samePieces(known.where, where.strings)) {
      const params: unknown[] = new Array(columns.length + where.values.length);
      for (let c = 0; c < columns.length; c++) params[c] = dialect.encodeValue(values[columns[c]!]);
      for (let v = 0; v < where.values.length; v++) params[columns.length + v] = where.values[v];
      statements[i] = { sql: known.sql, params };
      continue;
    }
    const statement = renderStatement(updateStatement(dialect, table, values, new CompiledWhere(where), returning, { table }), dialect);
    if (where !== undefined && !where.values.some((v) => v instanceof SqlFragment)) texts.set(columns, { where: where.strings, sql: statement.sql });
    statements[i] = statement;
  }
  return statements;
}
