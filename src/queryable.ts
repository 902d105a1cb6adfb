/**
 * Everything that runs SQL — DDL, CRUD, batches, streams — written once over three primitives,
 * and shared by {@link Database} (pooled, or joining the ambient transaction) and
 * {@link Transaction} (one held connection).
 *
 * @module
 */
import type { Driver, Row, SqlDialect, QueryResult, IsolationLevel } from "./backends/contract.js";
import type { DialectName, Int64Mode } from "./config/connection-config.js";
import { CommittedButUnreadableError, QueryError, UnsafeIntegerError, ValidationError, type ValidationIssue } from "./errors/errors.js";
import { type ColumnType, columnFilters, columnType, filterNeedsTypes, integerFilterNeedsTypes, sqliteRowValues } from "./crud/column-values.js";
import { type CreateIndexOptions, type CreateTableOptions, createIndexSql, createTableSql, dropIndexSql, dropTableSql } from "./crud/ddl.js";
import {
  type SelectOptions,
  type UpsertOptions,
  checkBoolean,
  checkFunction,
  checkOptions,
  countStatement,
  dataColumns,
  deleteStatement,
  insertManyStatement,
  insertStatement,
  UNSAFE_BIGINT,
  ownDataKeys,
  refuseUnsafeBigints,
  selectStatement,
  tableName,
  updateStatement,
  upsertStatement,
  writeValueFlags,
} from "./crud/statements.js";
import { CompiledWhere, type Where, type WhereContext } from "./sql/where.js";
import type { Statement } from "./crud/statements.js";
import type { OrderBy } from "./sql/order-by.js";
import { assertIdentifier, quoteIdentifier } from "./sql/identifiers.js";
import { type SqlFragment, isSqlFragment } from "./sql/sql-tag.js";
import { questionMarkFragment } from "./sql/placeholders.js";
import { renderStatement } from "./sql/render.js";
import type { RetryOptions } from "./transaction/retry.js";
import { dataShape, shapeCacheFor, simpleWhereShape } from "./crud/shape-cache.js";
import type { Transaction } from "./transaction/transaction.js";
import type { BatchSource } from "./lifecycle/open-streams.js";

/**
 * The data a CRUD write takes for row type `R`: its columns, each optional (so a misspelled key is
 * a compile error with `db.insert<User>(…)`); any record when `R` is the default `Row`.
 */
export type WriteData<R extends object> = string extends keyof R ? Row : Partial<R>;

/** Options of `db.transaction`. */
export interface TransactionOptions extends RetryOptions {
  /** Isolation level (PostgreSQL/CockroachDB). Default: the server's default. SQLite is always serializable. */
  isolation?: IsolationLevel;
}

/** A column as reported by {@link Queryable.columns}. */
export interface ColumnInfo {
  /** Column name. */
  name: string;
  /** Declared type as the database reports it. */
  type: string;
  /** Whether the column is NOT NULL. */
  notNull: boolean;
  /** Whether the column is part of the primary key. */
  primaryKey: boolean;
}

/** Options of `batchInsert`. */
export interface BatchInsertOptions {
  /**
   * Rows per statement; capped so a statement stays under the backend's parameter limit. Default
   * 500. On the COPY path (`returning: false` on PostgreSQL/CockroachDB) all records go out in one
   * COPY, and this is only how often progress is reported (default every 10,000 rows).
   */
  chunkSize?: number;
  /** Return the inserted rows (default true). With false, only the count is returned and memory stays bounded. */
  returning?: boolean;
  /**
   * Called after each chunk with the rows done so far and the total. On the COPY path, "done"
   * counts rows sent to the server; the last call (done = total) comes once the COPY has finished.
   */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `batchUpdate`. */
export interface BatchUpdateOptions {
  /** The column that identifies each record's row. Default "id". */
  keyColumn?: string;
  /** Return the updated rows (default true); with false, the count of updated rows. */
  returning?: boolean;
  /** Called after each chunk with the records done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `stream`. */
export interface StreamOptions<R extends object = Row> {
  /** Filter (table streams). */
  where?: Where<R>;
  /** Ordering (table streams). */
  orderBy?: OrderBy;
  /** Columns (table streams). */
  columns?: readonly (keyof R & string)[];
  /** Rows fetched per round trip. Default 1000. */
  batchSize?: number;
}

const DEFAULT_CHUNK = 500;
/** Integer columns of SQLite tables, per Database, with the schema version they were read at. */
const COLUMN_TYPES = new WeakMap<object, Map<string, { version: number; columns: ReadonlyMap<string, ColumnType> }>>();
/** Native array columns of PostgreSQL tables, per Database (read when a write holds a JS array). */
const ARRAY_COLUMNS = new WeakMap<object, Map<string, ReadonlySet<string>>>();
/**
 * Per Database (schema owner) and table: the columns whose values a sequence generates (identity
 * and SERIAL columns) on PostgreSQL/CockroachDB, column → `pg_get_serial_sequence` name.
 */
const SEQUENCE_COLUMNS = new WeakMap<object, Map<string, ReadonlyMap<string, string>>>();
const SEQUENCE_NAME = /^(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?$/;
/** Whether a record holds a value that can be an explicit generated id (an integer ≥ 1): only such writes read the table's sequences. */
function hasPositiveInteger(record: Row): boolean {
  for (const key in record) {
    const value = record[key];
    if ((typeof value === "number" && Number.isInteger(value) && value >= 1) || (typeof value === "bigint" && value >= 1n)) return true;
    if (typeof value === "string" && /^\+?0*[1-9]\d*$/.test(value)) return true;
  }
  return false;
}
const SELECT_OPTIONS = ["columns", "where", "orderBy", "limit", "offset"];
const SELECT_ONE_OPTIONS = ["columns", "where", "orderBy"];
/** Rows between progress reports of a COPY when the caller gives no chunkSize. */
const DEFAULT_COPY_CHUNK = 10_000;
const PLACEHOLDER_CACHE = new Map<string, string>();

function rowsOrCount<R>(returning: boolean | undefined, rows: R[], count: number): R[] | number {
  return returning === false ? count : rows;
}

/**
 * The key of {@link Queryable}'s method for statements tablekit builds itself (the key-value
 * store's): not exported from the package, so only tablekit's own modules can call it.
 * @internal
 */
export const runOwnStatement: unique symbol = Symbol("tablekit.runOwnStatement");

/**
 * The key of {@link Queryable}'s method that gives the Database's driver (for the schema-version
 * reads of the value checks); not exported from the package.
 * @internal
 */
export const ownDriver: unique symbol = Symbol("tablekit.ownDriver");

/**
 * The key of {@link Queryable}'s method that gives the SQL dialect it builds statements for (a
 * Table's filters and pages); not exported from the package.
 * @internal
 */
export const dialectOf: unique symbol = Symbol("tablekit.dialectOf");

/**
 * The key of {@link Queryable}'s method for reads tablekit composes itself (a Table's pages);
 * not exported from the package.
 * @internal
 */
export const executeRead: unique symbol = Symbol("tablekit.executeRead");

/** @internal The key of {@link Queryable}'s filter context for statements a Table builds itself. */
export const filterContextFor: unique symbol = Symbol("tablekit.filterContextFor");

/**
 * PostgreSQL refused a value its column cannot hold (1.5 or "abc" for an integer, an out-of-range
 * number, text that is not a timestamp, bad bytea hex, text longer than a VARCHAR(n); SQLSTATE
 * 22P02/22003/22007/22008/22023/22001): the statement wrote nothing, and the caller gets the
 * {@link ValidationError} SQLite's checks give for the same input.
 */
const REFUSED_VALUE_CODES: ReadonlySet<string> = new Set(["22P02", "22003", "22007", "22008", "22023", "22001"]);

/**
 * A read or delete whose filter value the server refused (`{ n: "thirty" }` on an integer column:
 * 22P02 …) as the {@link ValidationError} SQLite's filter check gives for the same value.
 */
function refusedFilterError(error: unknown, operation: string, table: string): unknown {
  if (error instanceof QueryError && !(error instanceof UnsafeIntegerError) && REFUSED_VALUE_CODES.has(String(error.code))) {
    return new ValidationError(`The ${operation} on table "${table}" was refused (a filter value the column's type does not accept): ${error.message}`, [{ message: error.message, path: [] }], {
      cause: error,
      code: error.code,
    });
  }
  return error;
}

function refusedValueError(error: unknown, operation: string, table: string): unknown {
  if (error instanceof QueryError && !(error instanceof UnsafeIntegerError) && REFUSED_VALUE_CODES.has(String(error.code))) {
    return new ValidationError(`The ${operation} on table "${table}" was refused, nothing was written: ${error.message}`, [{ message: error.message, path: [] }], {
      cause: error,
      code: error.code,
    });
  }
  return error;
}

/**
 * The query API shared by {@link Database} and {@link Transaction}. Functions that should work
 * both inside and outside a transaction can take a `Queryable`.
 */
export abstract class Queryable {
  /** @internal Runs one statement in this object's context. */
  protected abstract runStatement(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult>;
  /**
   * @internal Runs one statement synchronously when this context can (see `Driver.queryNow`), or
   * returns undefined without running anything. Statements go through `Queryable.#run`, which
   * tries this first.
   */
  protected runNow(_sql: string, _params: readonly unknown[], _single?: boolean): QueryResult | undefined {
    return undefined;
  }
  /** @internal Streams a query's rows in batches in this object's context. */
  protected abstract streamStatement(sql: string, params: readonly unknown[], batchSize: number): BatchSource;
  /**
   * @internal Runs a read that tablekit built (select, selectOne, count, table pages, KV scans):
   * a Database with replicas may send it to one outside a transaction; elsewhere it is
   * {@link Queryable.runStatement}.
   */
  protected runRead(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    return this.runStatement(sql, params, single);
  }
  /** @internal Streams a read that tablekit built, like {@link Queryable.runRead}. */
  protected streamRead(sql: string, params: readonly unknown[], batchSize: number): BatchSource {
    return this.streamStatement(sql, params, batchSize);
  }
  /** @internal The SQL dialect used to build statements. */
  protected abstract get sqlDialect(): SqlDialect;

  /** @internal The SQL dialect used to build statements, for other tablekit modules. */
  [dialectOf](): SqlDialect {
    return this.sqlDialect;
  }

  /** @internal The Database's int64 policy (see {@link refuseUnsafeBigints}). */
  protected get int64Mode(): Int64Mode {
    return "number";
  }

  /** @internal Whether a statement run now commits by itself (false inside a transaction). */
  protected get autocommit(): boolean {
    return false;
  }

  /**
   * @internal The error to raise when a single write failed: a read failure of the returned row
   * after an autocommitted write says that the write happened ({@link CommittedButUnreadableError}),
   * so that no caller retries it as if nothing had been written.
   */
  protected afterWriteError(error: unknown, operation: string, table: string): unknown {
    if (error instanceof UnsafeIntegerError && this.autocommit) {
      return new CommittedButUnreadableError(
        `The ${operation} on table "${table}" was committed, but the returned row could not be read: ${error.message}. Do not retry it.`,
        { cause: error },
      );
    }
    if ((error as { code?: unknown } | null)?.code === "22P02") this.#forgetArrays(table);
    return refusedValueError(error, operation, table);
  }

  #checkInt64(data: unknown, what: string): void {
    if (this.int64Mode === "number") refuseUnsafeBigints(data, what);
  }

  /**
   * @internal The driver whose schema this context follows (the Database's), for
   * {@link Queryable.#columnTypesOf}; undefined before it connected.
   */
  [ownDriver](): Driver | undefined {
    const owner = this.schemaOwner;
    return owner !== this && owner instanceof Queryable ? owner[ownDriver]() : undefined;
  }

  /**
   * The column types of a SQLite table, cached per Database and table and kept only while
   * `PRAGMA schema_version` (which every schema change, from any connection, increments) is
   * unchanged. The driver reads the version synchronously without a query event (one header read
   * per checked write); before the Database connected, or when that read fails, they are read
   * through ordinary statements.
   */
  #columnTypesOf(table: string): ReadonlyMap<string, ColumnType> | Promise<ReadonlyMap<string, ColumnType>> {
    const driver = this[ownDriver]();
    const version = driver?.schemaVersion?.();
    if (driver !== undefined && version !== undefined) {
      const cached = this.#cachedTypes(table, version);
      if (cached !== undefined) return cached;
      const info = driver.tableColumns?.(table);
      if (info !== undefined) return this.#rememberTypes(table, version, info);
    }
    return this.#loadColumnTypes(table);
  }

  #cachedTypes(table: string, version: number): ReadonlyMap<string, ColumnType> | undefined {
    const cached = COLUMN_TYPES.get(this.schemaOwner)?.get(table);
    return cached !== undefined && cached.version === version ? cached.columns : undefined;
  }

  #rememberTypes(table: string, version: number, info: readonly { name: string; type: string; pk: boolean }[]): ReadonlyMap<string, ColumnType> {
    let byTable = COLUMN_TYPES.get(this.schemaOwner);
    if (byTable === undefined) COLUMN_TYPES.set(this.schemaOwner, (byTable = new Map()));
    const columns = new Map<string, ColumnType>();
    for (const c of info) columns.set(c.name, columnType(c.type, c.pk));
    if (byTable.size >= 1000) byTable.clear();
    byTable.set(table, { version, columns });
    return columns;
  }

  /**
   * The sequence-generated columns of a PostgreSQL/CockroachDB table (column → sequence), read once
   * per Database and table (one catalog query) and kept until createTable/dropTable of that table
   * through this Database, or a failed sequence update.
   */
  async #sequenceColumnsOf(table: string): Promise<ReadonlyMap<string, string>> {
    let byTable = SEQUENCE_COLUMNS.get(this.schemaOwner);
    if (byTable === undefined) SEQUENCE_COLUMNS.set(this.schemaOwner, (byTable = new Map()));
    const cached = byTable.get(table);
    if (cached !== undefined) return cached;
    const name = tableName(table);
    const rows = await this.runStatement(
      "SELECT a.attname AS name, pg_get_serial_sequence($1, a.attname) AS seq FROM pg_catalog.pg_attribute a " +
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
      [name],
    );
    const columns = new Map<string, string>();
    for (const row of rows.rows) {
      const seq = row["seq"];
      if (typeof seq === "string" && SEQUENCE_NAME.test(seq)) columns.set(String(row["name"]), seq);
    }
    if (rows.rows.length > 0) {
      if (byTable.size >= 1000) byTable.clear();
      byTable.set(table, columns);
    }
    return columns;
  }

  /** @internal Forgets what {@link Queryable.#sequenceColumnsOf} read for `table`. */
  protected forgetSequences(table: string): void {
    SEQUENCE_COLUMNS.get(this.schemaOwner)?.delete(table);
  }

  /**
   * The statement that moves the sequences of `records`' explicitly written generated columns past
   * the largest value in the table, or undefined when the records write none (or only values below
   * 1, which a sequence starting at 1 never reaches). SQLite needs none: its rowid continues above
   * the largest id by itself. PostgreSQL sequences do not see explicit values, so without this the
   * next generated id would collide with a row written with an explicit one.
   */
  async #sequenceAdvance(table: string, records: readonly Row[]): Promise<string | undefined> {
    if (this.sqlDialect.keysFollowExplicitValues || !records.some(hasPositiveInteger)) return undefined;
    const sequences = await this.#sequenceColumnsOf(table);
    if (sequences.size === 0) return undefined;
    const parts: string[] = [];
    for (const [column, sequence] of sequences) {
      let explicit = false;
      for (const record of records) {
        const value = record[column];
        if (value !== undefined && value !== null && Number(value) >= 1) {
          explicit = true;
          break;
        }
      }
      if (!explicit) continue;
      const col = quoteIdentifier(column);
      // GREATEST with last_value: never moves a sequence back below ids it already handed out.
      parts.push(
        `(SELECT setval('${sequence.replace(/'/g, "''")}', GREATEST((SELECT max(${col}) FROM ${tableName(table)}), s.last_value)) FROM ${sequence} s)`,
      );
    }
    return parts.length === 0 ? undefined : `SELECT ${parts.join(", ")}`;
  }

  /** Whether `records` write explicit values (≥ 1) into a sequence-generated column and leave it out (generated) in others. */
  async #mixesGenerated(table: string, records: readonly Row[]): Promise<boolean> {
    const sequences = await this.#sequenceColumnsOf(table);
    for (const column of sequences.keys()) {
      let explicit = false;
      let generated = false;
      for (const record of records) {
        const value = record[column];
        if (value === undefined) generated = true;
        else if (value !== null && Number(value) >= 1) explicit = true;
        if (explicit && generated) return true;
      }
    }
    return false;
  }

  /**
   * Runs a write of `records` and, when they carry explicit values for sequence-generated columns,
   * advances those sequences in the same transaction (one opened here when none is active).
   */
  async #withSequences<T>(advance: string | undefined, table: string, write: (q: Queryable) => Promise<T>): Promise<T> {
    if (advance === undefined) return write(this);
    const run = async (q: Queryable): Promise<T> => {
      const result = await write(q);
      try {
        await q.runStatement(advance, []);
      } catch (error) {
        this.forgetSequences(table);
        throw error;
      }
      return result;
    };
    return this.autocommit ? this.transaction((tx) => run(tx)) : run(this);
  }

  async #loadColumnTypes(table: string): Promise<ReadonlyMap<string, ColumnType>> {
    const version = Number((await this.execute<Row>("PRAGMA schema_version"))[0]?.["schema_version"]);
    const cached = this.#cachedTypes(table, version);
    if (cached !== undefined) return cached;
    const info = (await this.columns(table)).map((c) => ({ name: c.name, type: c.type, pk: c.primaryKey }));
    return this.#rememberTypes(table, version, info);
  }

  /**
   * The function that gives the data a write stores, checked against the columns' types so that
   * every backend stores the same value or refuses it with a {@link ValidationError}
   * (docs/database.md, "Values and types"). SQLite: every value is checked and converted by its
   * column's declared type ({@link sqliteRowValues}). PostgreSQL: JS arrays bound for native array
   * columns become array literals (elsewhere they are JSON); the array columns are read only when
   * `rows` hold a JS array. The function returns its argument itself when nothing changed, and
   * leaves anything but a plain object alone (the statement builders refuse it).
   */
  #valueChecker(table: string, rows: readonly unknown[]): ((data: Row) => Row) | undefined | Promise<((data: Row) => Row) | undefined> {
    if (this.sqlDialect.checksValuesByDeclaredType) {
      const types = this.#columnTypesOf(table);
      const check = (t: ReadonlyMap<string, ColumnType>) => (data: Row): Row => (dataShape(data) === undefined ? data : sqliteRowValues(data, t, table));
      return types instanceof Promise ? types.then(check) : check(types);
    }
    const arrayLiteral = this.sqlDialect.arrayLiteral;
    if (arrayLiteral === undefined) return undefined;
    const hasArray = rows.some((row) => typeof row === "object" && row !== null && Object.values(row).some(Array.isArray));
    if (!hasArray) return undefined;
    return this.#postgresArrayColumns(table).then((arrays) => (data: Row): Row => {
      if (dataShape(data) === undefined) return data;
      let out: Row | undefined;
      for (const column of arrays) {
        const value = data[column];
        if (Array.isArray(value)) (out ??= { ...data })[column] = arrayLiteral(value, column);
      }
      return out ?? data;
    });
  }

  /** {@link Queryable.#valueChecker} for one row. */
  #rowValues(table: string, data: Row): Row | Promise<Row> {
    if (dataShape(data) === undefined) return data;
    const checker = this.#valueChecker(table, [data]);
    if (checker === undefined) return data;
    return checker instanceof Promise ? checker.then((c) => (c === undefined ? data : c(data))) : checker(data);
  }

  async #postgresArrayColumns(table: string): Promise<ReadonlySet<string>> {
    tableName(table);
    let byTable = ARRAY_COLUMNS.get(this.schemaOwner);
    if (byTable === undefined) ARRAY_COLUMNS.set(this.schemaOwner, (byTable = new Map()));
    let arrays = byTable.get(table);
    if (arrays === undefined) {
      const rows = await this.execute<Row>(
        "SELECT a.attname AS name FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped AND t.typcategory = 'A'",
        [quoteIdentifier(table)],
      );
      arrays = new Set(rows.map((r) => String(r["name"])));
      if (byTable.size >= 1000) byTable.clear();
      byTable.set(table, arrays);
    }
    return arrays;
  }

  /**
   * On SQLite, the filter context that compares values as the columns store them (an uppercase
   * UUID matches, DECIMAL compares as a number; see `columnFilters`), or undefined where the filter
   * compares the same without it: always on other backends (the server types parameters from the
   * columns), and for filters of integer equalities only on columns the cache knows are not DECIMAL.
   */
  #filterContext(table: string, where: unknown, ordered = false): WhereContext | undefined | Promise<WhereContext | undefined> {
    if (!this.sqlDialect.checksValuesByDeclaredType || ((where === undefined || where === null) && !ordered)) return undefined;
    if (!ordered && !filterNeedsTypes(where)) {
      const known = COLUMN_TYPES.get(this.schemaOwner)?.get(table)?.columns;
      if (known !== undefined && !integerFilterNeedsTypes((where ?? {}) as Record<string, unknown>, known)) return undefined;
    }
    try {
      tableName(table);
    } catch {
      return undefined; // the statement builder reports it
    }
    const types = this.#columnTypesOf(table);
    return types instanceof Promise ? types.then((t) => ({ table, columnValues: columnFilters(t) })) : { table, columnValues: columnFilters(types) };
  }

  /**
   * {@link Queryable.#rowValues} for each record of a batch, before its transaction starts; a
   * refusal names the record's index. `keep` (batchUpdate's key column) is left as it is.
   */
  /**
   * Checks every record of a batch with {@link Queryable.#valueChecker} (a refusal names the
   * record's index) and returns the converter to apply to each record when its statement is built,
   * or undefined when records are written as given.
   */
  async #recordChecker(table: string, records: readonly Row[]): Promise<((data: Row) => Row) | undefined> {
    const found = this.#valueChecker(table, records);
    const check = found instanceof Promise ? await found : found;
    if (check === undefined) return undefined;
    for (let i = 0; i < records.length; i++) {
      try {
        check(records[i]!);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(`record ${i}: ${error.message}`, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
        }
        throw error;
      }
    }
    return check;
  }

  async #recordValues(table: string, records: readonly Row[], keep?: string): Promise<Row[]> {
    const found = this.#valueChecker(table, records);
    const check = found instanceof Promise ? await found : found;
    if (check === undefined) return records as Row[];
    const out: Row[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      try {
        if (keep !== undefined && dataShape(record) !== undefined && keep in record) {
          const { [keep]: id, ...rest } = record;
          const values = check(rest);
          out[i] = values === rest ? record : { [keep]: id, ...values };
        } else {
          out[i] = check(record);
        }
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(`record ${i}: ${error.message}`, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
        }
        throw error;
      }
    }
    return out;
  }

  /** Forgets what is cached of a PostgreSQL table's array columns (after the server refused a value: the columns may have changed). */
  #forgetArrays(table: string): void {
    ARRAY_COLUMNS.get(this.schemaOwner)?.delete(table);
  }

  /** @internal The object whose schema caches this context shares: the Database. */
  protected get schemaOwner(): object {
    return this;
  }

  /** The rare value checks of one write's data, as flagged by {@link writeValueFlags} (the caller skips the call, and its await, for 0). */
  async #checkWriteValues(table: string, data: unknown, what: string, flags: number): Promise<void> {
    if ((flags & UNSAFE_BIGINT) !== 0) this.#checkInt64(data, what);
  }

  /** The backend: "sqlite", "postgres" or "cockroachdb". */
  abstract get dialect(): DialectName;

  /**
   * @internal Runs a statement tablekit built itself: `sql` already uses the dialect's
   * placeholders, so {@link Queryable.execute}'s checks and placeholder translation are skipped.
   * The values are encoded for the dialect in place: `params` must be an array the caller owns.
   * Returns the result itself when the statement ran synchronously (see {@link Queryable.runNow}),
   * so a caller that checks for a promise saves an await.
   */
  [runOwnStatement](sql: string, params: unknown[], single?: boolean, read = false): QueryResult | Promise<QueryResult> {
    const encode = this.sqlDialect.encodeValue;
    for (let i = 0; i < params.length; i++) params[i] = encode(params[i]);
    return this.#runSql(sql, params, single, read);
  }

  /**
   * Runs a prepared statement: synchronously when this context can ({@link Queryable.runNow}),
   * else through {@link Queryable.runRead} (`read`: a read replicas may serve) or
   * {@link Queryable.runStatement}. The one place that chooses between them.
   */
  #runSql(sql: string, params: readonly unknown[], single: boolean | undefined, read: boolean): QueryResult | Promise<QueryResult> {
    return this.runNow(sql, params, single) ?? (read ? this.runRead(sql, params, single) : this.runStatement(sql, params, single));
  }

  /**
   * {@link Queryable.#runSql} for a `{ sql, params }` statement. Callers await only a promise
   * (`ran instanceof Promise ? await ran : ran`): a statement run synchronously costs no await.
   */
  #run(statement: { readonly sql: string; readonly params: readonly unknown[] }, single?: boolean, read = false): QueryResult | Promise<QueryResult> {
    return this.#runSql(statement.sql, statement.params, single, read);
  }

  /**
   * @internal The filter context of `table` for a filter a Table compiles itself (keyset pages,
   * streams, locked rows): on SQLite, values compared as the columns store them, as in `select`.
   * A promise only when the column types must be read first.
   */
  [filterContextFor](table: string, where: unknown): WhereContext | undefined | Promise<WhereContext | undefined> {
    return this.#filterContext(table, filterOf(where));
  }

  /**
   * @internal Runs a read that tablekit composed with the `sql` tag (a Table's keyset pages and
   * streams, eager loads): like {@link Queryable.execute}, but a read replicas may serve.
   */
  async [executeRead]<R extends object = Row>(query: SqlFragment): Promise<R[]> {
    const prepared = this.#prepare(query, undefined);
    const ran = this.#run(prepared, undefined, true);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rows as R[];
  }

  /** @internal Bulk-loads COPY text lines; only transactions on backends with COPY support it. */
  protected copyRows(_sql: string, _lines: Iterable<string>): Promise<number> {
    return Promise.reject(new QueryError("COPY runs only inside a transaction on PostgreSQL/CockroachDB"));
  }

  /**
   * Runs a transaction; see {@link Database.transaction}. Called on a transaction, it opens a
   * nested transaction (a SAVEPOINT) whose failure rolls back only itself.
   */
  abstract transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;

  /** The seed's name for {@link Queryable.transaction}: runs `operation` in a retrying transaction. */
  runInTransaction<T>(operation: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.transaction(operation, options);
  }

  /** Turns `?`/`$n` text or a `sql` fragment into dialect SQL with encoded parameters. */
  #prepare(query: string | SqlFragment, params: readonly unknown[] | undefined): { sql: string; params: unknown[] } {
    const dialect = this.sqlDialect;
    if (isSqlFragment(query)) {
      if (params !== undefined && params.length > 0) {
        throw new ValidationError("Pass values inside the sql`` template, not as a separate params array", [
          { message: "unexpected params", path: ["params"] },
        ]);
      }
      const rendered = renderStatement(query, dialect);
      return { sql: rendered.sql, params: rendered.params.map(dialect.encodeValue) };
    }
    if (typeof query !== "string" || query.trim() === "") {
      throw new ValidationError("execute needs a SQL string or a sql`` fragment", [{ message: "invalid query", path: ["sql"] }]);
    }
    if (params !== undefined && !Array.isArray(params)) {
      throw new ValidationError("params must be an array", [{ message: "must be an array", path: ["params"] }]);
    }
    let text = query;
    if (dialect.rewritesQuestionMarks) {
      // Text with `?` is a fragment shape (read by the SQL lexer), rendered at the edge like every
      // statement; its rendered text is memoized per text. Text in the dialect's own form passes.
      let rendered = PLACEHOLDER_CACHE.get(query);
      if (rendered === undefined) {
        const shape = questionMarkFragment(query);
        rendered = shape === undefined ? query : renderStatement(shape, dialect).sql;
        if (PLACEHOLDER_CACHE.size >= 1000) PLACEHOLDER_CACHE.clear();
        PLACEHOLDER_CACHE.set(query, rendered);
      }
      text = rendered;
    }
    return { sql: text, params: params === undefined ? [] : params.map(dialect.encodeValue) };
  }

  /**
   * Runs one statement and returns its rows as plain objects. `?` placeholders work on every
   * backend (`$1` also on PostgreSQL); the `sql` tag composes values and identifiers safely.
   *
   * ```ts
   * await db.execute("SELECT * FROM users WHERE age > ?", [25]);
   * await db.execute(sql`SELECT * FROM ${sql.id("users")} WHERE age > ${25}`);
   * ```
   */
  async execute<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R[]> {
    const prepared = this.#prepare(query, params);
    const ran = this.#run(prepared);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rows as R[];
  }

  /** Like {@link Queryable.execute}, but returns the number of rows changed (or returned). */
  async executeCount(query: string | SqlFragment, params?: readonly unknown[]): Promise<number> {
    const prepared = this.#prepare(query, params);
    const ran = this.#run(prepared);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rowCount;
  }

  /** Runs one statement once per parameter list, in one transaction; returns the total rows changed. */
  async executeMany(query: string, paramSets: readonly (readonly unknown[])[]): Promise<number> {
    if (!Array.isArray(paramSets)) throw new ValidationError("executeMany needs an array of parameter arrays", [{ message: "must be an array", path: [] }]);
    const prepared = paramSets.map((p) => this.#prepare(query, p));
    return this.transaction(async (tx) => {
      let total = 0;
      for (const statement of prepared) total += (await (tx as Queryable).runStatement(statement.sql, statement.params)).rowCount;
      return total;
    });
  }

  /** Runs a query and returns its first row, or null. */
  async fetchOne<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R | null> {
    const prepared = this.#prepare(query, params);
    const ran = this.#run(prepared, true, false);
    const result = ran instanceof Promise ? await ran : ran;
    return (result.rows[0] ?? null) as R | null;
  }

  // ---------------------------------------------------------------- DDL

  /**
   * Creates a database (PostgreSQL/CockroachDB). On SQLite every database is its own file, so this
   * raises a {@link QueryError}.
   */
  async createDatabase(name: string): Promise<void> {
    const quoted = quoteIdentifier(assertIdentifier(name, "database"));
    if (!this.sqlDialect.supportsCreateDatabase) {
      throw new QueryError("createDatabase is not available on SQLite: each SQLite database is a file; open a new Database with its path instead");
    }
    await this.runStatement(`CREATE DATABASE ${quoted}`, []);
  }

  /**
   * Creates a table from portable (PostgreSQL-style) column definitions, translated for SQLite.
   *
   * ```ts
   * await db.createTable("users", { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL" });
   * ```
   */
  async createTable(name: string, columns: Readonly<Record<string, string>>, options: CreateTableOptions = {}): Promise<void> {
    await this.runStatement(createTableSql(this.sqlDialect, name, columns, checkOptions(options, ["ifNotExists"], "createTable")), []);
    this.forgetSequences(name);
  }

  /** Drops a table (`ifExists` defaults to true). */
  async dropTable(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    await this.runStatement(dropTableSql(name, checkOptions(options, ["ifExists"], "dropTable")), []);
    this.forgetSequences(name);
  }

  /** Creates an index on one or more columns (`ifNotExists` defaults to true). */
  async createIndex(name: string, table: string, columns: string | readonly string[], options: CreateIndexOptions = {}): Promise<void> {
    await this.runStatement(createIndexSql(name, table, columns, checkOptions(options, ["unique", "ifNotExists"], "createIndex")), []);
  }

  /** Drops an index (`ifExists` defaults to true). */
  async dropIndex(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    await this.runStatement(dropIndexSql(name, checkOptions(options, ["ifExists"], "dropIndex")), []);
  }

  /** Whether a table of that name exists (in the current schema on PostgreSQL). */
  async tableExists(name: string): Promise<boolean> {
    assertIdentifier(name, "table");
    return (await this.runStatement(this.sqlDialect.tableExistsSql(), [name])).rows.length > 0;
  }

  /** Names of the user tables, sorted. */
  async listTables(): Promise<string[]> {
    return (await this.runStatement(this.sqlDialect.listTablesSql(), [])).rows.map((r) => String(r["name"]));
  }

  /** The columns of a table, in order; empty when the table does not exist. */
  async columns(table: string): Promise<ColumnInfo[]> {
    assertIdentifier(table, "table");
    const { rows } = await this.runStatement(this.sqlDialect.columnsSql(), [table]);
    return rows.map((r) => {
      const primaryKey = r["pk"] === true || Number(r["pk"]) > 0;
      // A primary key is NOT NULL on every backend, even where SQLite's catalog does not say so.
      return { name: String(r["name"]), type: String(r["type"] ?? ""), notNull: primaryKey || r["not_null"] === true || Number(r["not_null"]) === 1, primaryKey };
    });
  }

  /** Compacts the database (VACUUM; a no-op on CockroachDB, which compacts by itself). */
  async vacuum(): Promise<void> {
    for (const statement of this.sqlDialect.vacuumSql()) await this.runStatement(statement, []);
  }

  // ---------------------------------------------------------------- CRUD

  /**
   * Inserts one row and returns it as stored, with defaults and generated ids. `undefined` values
   * are left out, so column defaults apply.
   */
  async insert<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>): Promise<R> {
    const dialect = this.sqlDialect;
    const shape = dataShape(given);
    const build = (data: Row): Statement =>
      shape === undefined
        ? renderStatement(insertStatement(dialect, table, data), dialect)
        : shapeCacheFor(dialect).statement("insert", table, shape, data, undefined, () => insertStatement(dialect, table, data));
    return this.#writeOne<R>(table, given as Row, "insert", build);
  }

  /**
   * One row written by `build`'s statement (insert or upsert): the statement built first (so a
   * bad name fails before anything else), the values checked against the columns, the statement
   * built again when checking changed the data, then run, advancing PostgreSQL sequences that
   * the row wrote explicit values into, in the same transaction.
   */
  async #writeOne<R>(table: string, given: Row, what: "insert" | "upsert", build: (data: Row) => Statement): Promise<R> {
    let statement = build(given);
    const flags = writeValueFlags(given);
    if (flags !== 0) await this.#checkWriteValues(table, given, `${what} data`, flags);
    const checked = this.#rowValues(table, given);
    const data = checked instanceof Promise ? await checked : checked;
    if (data !== given) statement = build(data);
    let advance: string | undefined;
    try {
      // single: one row is wanted; the driver still steps a writer to completion, so a failed
      // autocommit COMMIT rejects (docs/decisions.md).
      const now = this.runNow(statement.sql, statement.params, true);
      if (now !== undefined) return now.rows[0] as R;
      advance = await this.#sequenceAdvance(table, [data]);
      const result = await this.#withSequences(advance, table, (q) => q.runStatement(statement.sql, statement.params, true));
      return result.rows[0] as R;
    } catch (error) {
      // With a sequence update the write ran in a transaction: a failure means nothing was stored.
      throw advance !== undefined && this.autocommit ? refusedValueError(error, what, table) : this.afterWriteError(error, what, table);
    }
  }

  /** Selects rows with optional `columns`, `where`, `orderBy`, `limit` and `offset`. */
  async select<R extends object = Row>(table: string, options: NoInfer<SelectOptions<R>> = {}): Promise<R[]> {
    const dialect = this.sqlDialect;
    const o = checkOptions(options as SelectOptions, SELECT_OPTIONS, "select");
    const filter = this.#filterContext(table, filterOf(o.where), o.orderBy !== undefined);
    const context = filter instanceof Promise ? await filter : filter;
    const shape = context === undefined && o.columns === undefined && o.orderBy === undefined && o.limit === undefined && o.offset === undefined ? simpleWhereShape(o.where) : undefined;
    const statement =
      shape === undefined
        ? renderStatement(selectStatement(dialect, table, o, context), dialect)
        : shapeCacheFor(dialect).statement("select", table, shape, o.where as Row, undefined, () => selectStatement(dialect, table, o));
    try {
      const ran = this.#run(statement, undefined, true);
      const result = ran instanceof Promise ? await ran : ran;
      return result.rows as R[];
    } catch (error) {
      throw refusedFilterError(error, "select", table);
    }
  }

  /** Selects the first matching row, or null. */
  async selectOne<R extends object = Row>(
    table: string,
    options: NoInfer<Pick<SelectOptions<R>, "where" | "columns" | "orderBy">> = {},
  ): Promise<R | null> {
    const dialect = this.sqlDialect;
    const o = checkOptions(options as SelectOptions, SELECT_ONE_OPTIONS, "selectOne");
    const filter = this.#filterContext(table, o.where, o.orderBy !== undefined);
    const context = filter instanceof Promise ? await filter : filter;
    const shape = context === undefined && o.columns === undefined && o.orderBy === undefined ? simpleWhereShape(o.where) : undefined;
    const statement =
      shape === undefined
        ? renderStatement(selectStatement(dialect, table, o, context, 1), dialect)
        : shapeCacheFor(dialect).statement("selectOne", table, shape, o.where as Row, undefined, () => selectStatement(dialect, table, o, undefined, 1));
    try {
      const ran = this.#run(statement, true, true);
      const result = ran instanceof Promise ? await ran : ran;
      return (result.rows[0] ?? null) as R | null;
    } catch (error) {
      throw refusedFilterError(error, "selectOne", table);
    }
  }

  /**
   * Updates the rows matching `where` with `data` and returns the (first) updated row, or null
   * when none matched. Meant for a filter that names one row; see {@link Queryable.updateMany}.
   */
  async update<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, where: NoInfer<Where<R>>): Promise<R | null> {
    let statement = this.#updateStatement(table, given as Row, where, true);
    const flags = writeValueFlags(given);
    if (flags !== 0) await this.#checkWriteValues(table, given, "update data", flags);
    const checked = this.#rowValues(table, given as Row);
    const data = checked instanceof Promise ? await checked : checked;
    const filter = this.#filterContext(table, filterOf(where));
    const context = filter instanceof Promise ? await filter : filter;
    if (data !== given || context !== undefined) statement = this.#updateStatement(table, data, where, true, context);
    try {
      const ran = this.#run(statement, true, false);
      const result = ran instanceof Promise ? await ran : ran;
      return (result.rows[0] ?? null) as R | null;
    } catch (error) {
      throw this.afterWriteError(error, "update", table);
    }
  }

  /** Updates every row matching `where` (pass `{}` for all rows) and returns how many changed. */
  async updateMany<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, where: NoInfer<Where<R>>): Promise<number> {
    let statement = this.#updateStatement(table, given as Row, where, false);
    const flags = writeValueFlags(given);
    if (flags !== 0) await this.#checkWriteValues(table, given, "update data", flags);
    const checked = this.#rowValues(table, given as Row);
    const data = checked instanceof Promise ? await checked : checked;
    const filter = this.#filterContext(table, filterOf(where));
    const context = filter instanceof Promise ? await filter : filter;
    if (data !== given || context !== undefined) statement = this.#updateStatement(table, data, where, false, context);
    try {
      const ran = this.#run(statement);
      const result = ran instanceof Promise ? await ran : ran;
      return result.rowCount;
    } catch (error) {
      throw this.afterWriteError(error, "updateMany", table);
    }
  }

  #updateStatement(table: string, data: Row, where: unknown, returning: boolean, context?: WhereContext) {
    const dialect = this.sqlDialect;
    const dataKeys = dataShape(data);
    const whereKeys = context !== undefined || dataKeys === undefined || dataKeys === "" ? undefined : simpleWhereShape(where);
    if (whereKeys === undefined) return renderStatement(updateStatement(dialect, table, data, where, returning, context ?? {}), dialect);
    return shapeCacheFor(dialect).statement(returning ? "update" : "updateMany", table, dataKeys + "|" + whereKeys, data, where as Row, () =>
      updateStatement(dialect, table, data, where, returning),
    );
  }

  /** Deletes the rows matching `where`; returns whether any row was deleted. */
  async delete<R extends object = Row>(table: string, where: NoInfer<Where<R>>): Promise<boolean> {
    return (await this.deleteMany(table, where)) > 0;
  }

  /** Deletes every row matching `where` (pass `{}` for all rows) and returns how many were deleted. */
  async deleteMany<R extends object = Row>(table: string, where: NoInfer<Where<R>>): Promise<number> {
    const dialect = this.sqlDialect;
    const filter = this.#filterContext(table, filterOf(where));
    const context = filter instanceof Promise ? await filter : filter;
    const shape = context === undefined ? simpleWhereShape(where) : undefined;
    const statement =
      shape === undefined
        ? renderStatement(deleteStatement(dialect, table, where, context), dialect)
        : shapeCacheFor(dialect).statement("delete", table, shape, where as Row, undefined, () => deleteStatement(dialect, table, where));
    try {
      const ran = this.#run(statement);
      const result = ran instanceof Promise ? await ran : ran;
      return result.rowCount;
    } catch (error) {
      throw refusedFilterError(error, "deleteMany", table);
    }
  }

  /**
   * Inserts a row, or updates the existing row with the same `conflict` columns, and returns it.
   *
   * ```ts
   * await db.upsert("users", { email: "a@x.io", name: "Ann" }, { conflict: ["email"] });
   * ```
   */
  async upsert<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, options: UpsertOptions): Promise<R> {
    return this.#writeOne<R>(table, given as Row, "upsert", (data) => renderStatement(upsertStatement(this.sqlDialect, table, data, options), this.sqlDialect));
  }

  /** Counts the rows matching `where` (all rows without it). */
  async count<R extends object = Row>(table: string, where?: NoInfer<Where<R>>): Promise<number> {
    const filter = this.#filterContext(table, filterOf(where));
    const statement = renderStatement(countStatement(this.sqlDialect, table, where, filter instanceof Promise ? await filter : filter), this.sqlDialect);
    let result: QueryResult;
    try {
      const ran = this.#run(statement, undefined, true);
      result = ran instanceof Promise ? await ran : ran;
    } catch (error) {
      throw refusedFilterError(error, "count", table);
    }
    const value = result.rows[0]?.["count"];
    return Number(value);
  }

  // ---------------------------------------------------------------- batches

  /**
   * Inserts many rows in one transaction, in multi-row statements sized under the backend's
   * bound-parameter limit. Returns the inserted rows, or their count with `returning: false`.
   * All rows are validated before any SQL runs; records may leave different columns out.
   */
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options: BatchInsertOptions & { returning: false }): Promise<number>;
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options?: BatchInsertOptions): Promise<R[]>;
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], given?: BatchInsertOptions): Promise<R[] | number> {
    tableName(table);
    const options = checkOptions(given, ["chunkSize", "returning", "onProgress"], "batchInsert");
    checkBoolean(options.returning, "returning", "batchInsert");
    checkFunction(options.onProgress, "onProgress", "batchInsert");
    if (!Array.isArray(records)) throw new ValidationError("batchInsert needs an array of records", [{ message: "must be an array", path: [] }]);
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new ValidationError("chunkSize must be a positive integer", [{ message: "must be a positive integer", path: ["chunkSize"] }]);
    }
    // Validate every record before the first statement, so bad input writes nothing. Equal column
    // lists are shared, so a million records cost one pointer each, not one array each.
    const interned = new Map<string, string[]>();
    const shapes = records.map((record, i) => {
      try {
        const columns = dataColumns(record, `record ${i}`, { table });
        this.#checkInt64(record, `record ${i}`);
        const key = columns.join(",");
        const known = interned.get(key);
        if (known !== undefined) return known;
        interned.set(key, columns);
        return columns;
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(error.message, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
        throw error;
      }
    });
    if (records.length === 0) return rowsOrCount(options.returning, [], 0);
    // Every record is checked before BEGIN (a refusal writes nothing); the converted values are made
    // again chunk by chunk, so memory stays bounded by the caller's array.
    const convert = await this.#recordChecker(table, records as Row[]);
    const returning = options.returning !== false;
    const dialect = this.sqlDialect;
    const maxParams = dialect.maxParameters;
    const advance = await this.#sequenceAdvance(table, records as Row[]);
    // Explicit and generated ids in one batch: the sequence moves after each chunk, so ids
    // generated after an explicit one continue above it, row order as on SQLite (its rowid), and
    // never collide with it; COPY (one stream) cannot do that, INSERT chunks can.
    const mixed = advance !== undefined && (await this.#mixesGenerated(table, records as Row[]));
    return this.transaction(async (tx) => {
      const advanceSequences = async (): Promise<void> => {
        if (advance === undefined) return;
        try {
          await (tx as Queryable).runStatement(advance, []);
        } catch (error) {
          this.forgetSequences(table);
          throw error;
        }
      };
      if (!returning && dialect.copyLine !== undefined && !mixed) {
        const count = await this.#copyInsert(tx, table, records as Row[], shapes, options.chunkSize ?? DEFAULT_COPY_CHUNK, options.onProgress, convert);
        await advanceSequences();
        return count;
      }
      const out: R[] = [];
      let done = 0;
      let start = 0;
      while (start < records.length) {
        const columns = shapes[start]!;
        const perStatement = Math.max(1, Math.min(chunkSize, Math.floor(maxParams / Math.max(1, columns.length))));
        let end = start + 1;
        while (end < records.length && end - start < perStatement && shapes[end] === columns) end++;
        const chunk = records.slice(start, end) as Row[];
        const statement = renderStatement(insertManyStatement(this.sqlDialect, table, columns, convert === undefined ? chunk : chunk.map(convert), returning), dialect);
        const result = await (tx as Queryable).runStatement(statement.sql, statement.params);
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
   * The PostgreSQL bulk path: `COPY … FROM STDIN`, measured 2.4x faster than multi-row VALUES
   * (docs/decisions.md). Consecutive records with the same columns share one COPY: splitting it
   * left the connection idle while the server finished each part (100,000 rows in ten COPYs ran at
   * 0.6–0.76x of one COPY's rate). Lines are produced lazily, so memory stays bounded by the
   * caller's array, and progress is reported every `progressEvery` rows as they are sent.
   */
  async #copyInsert(
    tx: Transaction,
    table: string,
    records: readonly Row[],
    shapes: readonly string[][],
    progressEvery: number,
    onProgress: ((done: number, total: number) => void) | undefined,
    convert: ((data: Row) => Row) | undefined,
  ): Promise<number> {
    const copyLine = this.sqlDialect.copyLine!;
    const name = tableName(table);
    const total = records.length;
    let start = 0;
    while (start < total) {
      const columns = shapes[start]!;
      let end = start + 1;
      while (end < total && shapes[end] === columns) end++;
      const from = start;
      const to = end;
      function* lines(): Generator<string> {
        const values: unknown[] = new Array(columns.length);
        for (let r = from; r < to; r++) {
          const record = convert === undefined ? records[r]! : convert(records[r]!);
          for (let c = 0; c < columns.length; c++) values[c] = record[columns[c]!];
          yield copyLine(values);
          // The run's last row is reported once its COPY has finished, below.
          if (onProgress !== undefined && (r + 1) % progressEvery === 0 && r + 1 < to) onProgress(r + 1, total);
        }
      }
      if (columns.length === 0) {
        const statement = renderStatement(insertManyStatement(this.sqlDialect, table, columns, records.slice(from, to), false), this.sqlDialect);
        for (let r = from; r < to; r++) await (tx as Queryable).runStatement(statement.sql, statement.params);
      } else {
        const list = columns.map((c) => quoteIdentifier(c)).join(", ");
        await (tx as Queryable).copyRows(`COPY ${name} (${list}) FROM STDIN`, lines());
      }
      start = to;
      onProgress?.(to, total);
    }
    return total;
  }

  /**
   * Updates many rows in one transaction, each record identified by its `keyColumn` (default
   * "id"). Returns the updated rows (records whose key matches nothing are skipped), or their count
   * with `returning: false`.
   */
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options: BatchUpdateOptions & { returning: false }): Promise<number>;
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], keyColumn?: string | BatchUpdateOptions): Promise<R[]>;
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], keyColumn: string | BatchUpdateOptions = {}): Promise<R[] | number> {
    const options: BatchUpdateOptions = typeof keyColumn === "string" ? { keyColumn } : checkOptions(keyColumn, ["keyColumn", "returning", "onProgress"], "batchUpdate");
    checkBoolean(options.returning, "returning", "batchUpdate");
    checkFunction(options.onProgress, "onProgress", "batchUpdate");
    const key = options.keyColumn ?? "id";
    tableName(table);
    assertIdentifier(key, "column", { table });
    if (!Array.isArray(records)) throw new ValidationError("batchUpdate needs an array of records", [{ message: "must be an array", path: [] }]);
    const returning = options.returning !== false;
    const statementOf = (record: unknown, i: number): Statement => {
      // The same rule as insert: a plain object whose own enumerable string keys are the columns.
      if (ownDataKeys(record, `record ${i}`) === undefined) {
        throw new ValidationError(`record ${i} must be a plain object of column values`, [{ message: "must be a plain object", path: [i] }]);
      }
      this.#checkInt64(record, `record ${i}`);
      const data = { ...(record as Row) };
      const id = data[key];
      if (id === undefined || id === null) {
        throw new ValidationError(`record ${i} has no value for the key column "${key}"`, [{ message: "missing key", path: [i, key] }]);
      }
      delete data[key];
      return renderStatement(updateStatement(this.sqlDialect, table, data, { [key]: id }, returning), this.sqlDialect);
    };
    let statements = records.map(statementOf);
    if (statements.length > 0) {
      const checkedRecords = await this.#recordValues(table, records as Row[], key);
      if (checkedRecords.some((record, i) => record !== records[i])) statements = checkedRecords.map(statementOf);
    }
    if (statements.length === 0) return rowsOrCount(options.returning, [], 0);
    return this.transaction(async (tx) => {
      const out: R[] = [];
      let changed = 0;
      const chunk = 200;
      for (let start = 0; start < statements.length; start += chunk) {
        // Statements of a chunk are issued together: PostgreSQL pipelines them on the transaction's
        // connection (pg pipeline mode); SQLite runs them one by one.
        const results = await Promise.all(statements.slice(start, start + chunk).map((s) => (tx as Queryable).runStatement(s.sql, s.params)));
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

  // ---------------------------------------------------------------- streams

  /**
   * Streams rows in constant memory: from a table (with `where`, `orderBy`, `columns`) or from a
   * `sql` query. Breaking out of the loop releases the cursor.
   *
   * ```ts
   * for await (const user of db.stream("users", { where: { active: true } })) { ... }
   * for await (const row of db.stream(sql`SELECT id FROM users`)) { ... }
   * ```
   */
  async *stream<R extends object = Row>(source: string | SqlFragment, given?: NoInfer<StreamOptions<R>>): AsyncGenerator<R> {
    const options = checkOptions(given as StreamOptions, isSqlFragment(source) ? ["batchSize"] : ["where", "orderBy", "columns", "batchSize"], "stream");
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ValidationError("batchSize must be a positive integer", [{ message: "must be a positive integer", path: ["batchSize"] }]);
    }
    const statement = isSqlFragment(source)
      ? this.#prepare(source, undefined)
      : renderStatement(selectStatement(this.sqlDialect, source, { where: options.where, orderBy: options.orderBy, columns: options.columns } as SelectOptions), this.sqlDialect);
    // A table's rows are a read tablekit built (replicas may serve it); SQL text goes to the primary.
    const batches: BatchSource = isSqlFragment(source) ? this.streamStatement(statement.sql, statement.params, batchSize) : this.streamRead(statement.sql, statement.params, batchSize);
    for await (const batch of batches) {
      for (const row of batch) {
        yield row as R;
        // Throws when db.close() ended this stream while its consumer had stopped reading.
        batches.checkpoint?.();
      }
    }
  }
}

/**
 * The filter whose column types a statement needs: none for a {@link CompiledWhere}, which its
 * caller compiled with them already (only an ordering may still need them).
 */
function filterOf(where: unknown): unknown {
  return where instanceof CompiledWhere ? undefined : where;
}
