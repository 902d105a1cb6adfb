/**
 * The SQLite driver over better-sqlite3: one connection behind an async FIFO lock (one writer at a
 * time), a bounded prepared-statement cache with per-statement row decoders, async retries on
 * SQLITE_BUSY so the event loop never blocks on another process's lock, and read-only side
 * connections for streaming.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import type { Database as SqliteDatabase, Statement } from "better-sqlite3";
import type { SqliteConfig } from "../../config/connection-config.js";
import { ConnectionError, type TablekitError } from "../../errors/errors.js";
import { mapSqliteError } from "./sqlite-errors.js";
import type { PoolStats } from "../../diagnostics/pool-stats.js";
import { sqliteUniqueConstraint } from "./unique-constraint-name.js";
import type { Driver, QueryResult, ReservedConnection, Row, TableColumn } from "../contract.js";
import { Mutex } from "./mutex.js";
import { bigintToSafeNumber, int64FromBigint, int64FromText } from "../common/int64.js";
import { registerSqliteFunctions } from "./sqlite-functions.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { tooManyParameters } from "../../sql/placeholders.js";
import { arrayDecoder, decodeBoolean, decodeDecimal, decodeJson, decodeTimestamp } from "./sqlite-types.js";
import { decimalScale, formatDecimal, valueKindOfDeclaredType } from "../common/declared-types.js";
import { UNIQUE_INDEX_TEXTS_SQL, columnsKeyedByValue } from "../common/decimal-key.js";
import { INT8_KEY_MARKER } from "./sqlite-schema.js";

type Decoder = (value: unknown) => unknown;
type RowDecoder = (row: Row) => Row;

interface CachedStatement {
  readonly stmt: Statement;
  readonly reader: boolean;
  /**
   * Whether the statement only reads (`stmt.readonly`). Only such statements may be read with
   * `get()`: a writer must step to completion, because its autocommit COMMIT happens at the last
   * step, and `get()` resets the statement after the first row, discarding the COMMIT's outcome.
   */
  readonly readonly: boolean;
  readonly decode: RowDecoder | undefined;
  /** Read with safeIntegers off: a possibly rounded integer makes the decoder throw {@link NEEDS_EXACT}. */
  readonly approximate: boolean;
}

/**
 * Thrown by an approximate decoder when a value may be a rounded 64-bit integer; the statement is
 * then run again with exact (bigint) integers. Read-only statements only, so re-running is harmless.
 */
const NEEDS_EXACT = Symbol("needs exact integers");
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function checkApproximate(v: unknown): unknown {
  if (typeof v === "number" && (v > MAX_SAFE || v < -MAX_SAFE) && Number.isInteger(v)) throw NEEDS_EXACT;
  return v;
}

const STATEMENT_CACHE_SIZE = 1000;

const INT8_TYPE = /INT8|BIGINT|INT64|BIGSERIAL/i;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Builds the value decoder for one result column from its declared type. */
function columnDecoder(declared: string | null, int64: SqliteConfig["int64"], approximate: boolean): Decoder | undefined {
  const wide = int64FromBigint(int64);
  const int8 = declared === null || INT8_TYPE.test(declared);
  const integer: Decoder = approximate
    ? checkApproximate
    : int8
      ? (v) => (typeof v === "bigint" ? wide(v) : v)
      : (v) => (typeof v === "bigint" ? (int64 === "number" ? bigintToSafeNumber(v) : safeOr(v, wide)) : v);
  switch (valueKindOfDeclaredType(declared)) {
    case "boolean":
      return decodeBoolean;
    case "json":
      return arrayDecoder(declared, int64FromText(int64)) ?? decodeJson;
    case "timestamp":
      return (v) => decodeTimestamp(typeof v === "bigint" ? Number(v) : v);
    case "decimal": {
      // PostgreSQL returns NUMERIC(p,s) at its scale ("7.00"); so does SQLite, at read time.
      const scale = decimalScale(declared);
      if (scale === undefined) return decodeDecimal;
      return (v) => {
        const text = decodeDecimal(v);
        return typeof text === "string" ? formatDecimal(text, scale) : text;
      };
    }
    case "text":
    case "date":
    case "bytes":
      return undefined;
    default:
      return integer;
  }
}

function safeOr(v: bigint, wide: (value: bigint) => unknown): unknown {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : wide(v);
}

/**
 * Table → its 64-bit integer primary key: the column tablekit created as SQLite's rowid (declared
 * `INTEGER`, which a rowid must be) from a `BIGINT`/`INT8`/`BIGSERIAL` definition, found by the
 * marker the schema translation writes (`INT8_KEY_MARKER`).
 */
type Int8Keys = ReadonlyMap<string, string>;

const NO_INT8_KEYS: Int8Keys = new Map();

/** The tables carrying the marker, with their rowid key (the one `INTEGER` primary key column). */
const INT8_KEYS_SQL =
  "SELECT m.name AS t, p.name AS c FROM sqlite_schema AS m, pragma_table_info(m.name) AS p " +
  `WHERE m.type = 'table' AND instr(m.sql, '${INT8_KEY_MARKER.replaceAll("'", "''")}') > 0 AND p.pk = 1 AND upper(p.type) = 'INTEGER'`;

/** Reads {@link Int8Keys} (run when the schema version moves). */
function readInt8Keys(stmt: Statement): Int8Keys {
  const rows = stmt.all() as { t: string; c: string }[];
  return rows.length === 0 ? NO_INT8_KEYS : new Map(rows.map((row) => [row.t, row.c]));
}

/** The declared type a result column decodes by: a marked 64-bit rowid key reads as `BIGINT`. */
function declaredTypeOf(column: { type: string | null; table: string | null; column: string | null }, int8Keys: Int8Keys): string | null {
  if (int8Keys.size === 0 || column.table === null || column.type === null) return column.type;
  return int8Keys.get(column.table) === column.column && column.type.toUpperCase() === "INTEGER" ? "BIGINT" : column.type;
}

/** A decoder that rewrites the row in place, or undefined when no column needs decoding. */
function rowDecoder(stmt: Statement, int64: SqliteConfig["int64"], approximate: boolean, int8Keys: Int8Keys): RowDecoder | undefined {
  const names: string[] = [];
  const decoders: Decoder[] = [];
  for (const column of stmt.columns()) {
    const decode = columnDecoder(declaredTypeOf(column, int8Keys), int64, approximate);
    if (decode !== undefined) {
      names.push(column.name);
      decoders.push(decode);
    }
  }
  if (names.length === 0) return undefined;
  const count = names.length;
  return (row) => {
    for (let i = 0; i < count; i++) {
      const name = names[i]!;
      const value = row[name];
      if (value !== null) row[name] = decoders[i]!(value);
    }
    return row;
  };
}

/**
 * Prepares `sql`; more placeholders than SQLite takes (SQLITE_MAX_VARIABLE_NUMBER, 32,766) is a
 * {@link LimitError} naming the limit and what to use instead, not "too many SQL variables".
 */
function prepare(db: SqliteDatabase, sql: string): Statement {
  try {
    return db.prepare(sql);
  } catch (error) {
    if (/too many SQL variables/i.test(String((error as Error | null)?.message))) {
      throw tooManyParameters(undefined, sqliteDialect.maxParameters, "SQLite");
    }
    throw error;
  }
}

/**
 * One better-sqlite3 connection with its statement cache.
 *
 * The cache follows the schema. SQLite re-prepares a statement by itself after a schema change,
 * but the row decoder was built from the declared column types at prepare time: after ALTER TABLE
 * (here or in another connection or process) it would decode by the old types. So before a
 * statement that returns rows runs, the connection compares `PRAGMA schema_version` with the
 * version its cache was built at and empties the cache when it moved. Inside a transaction the
 * schema can only change through this connection, so the check runs once after each statement
 * that returns no rows (BEGIN, DDL, writes) instead of before every read. See docs/decisions.md
 * ("Schema changes") for the measured cost.
 */
class SqliteConnection {
  readonly db: SqliteDatabase;
  readonly #int64: SqliteConfig["int64"];
  readonly #cache = new Map<string, CachedStatement>();
  #schemaVersionStmt: Statement | undefined;
  #schemaReloadStmt: Statement | undefined;
  #int8KeysStmt: Statement | undefined;
  /** The marked 64-bit rowid keys, read with the schema version (see {@link readInt8Keys}). */
  #int8Keys: Int8Keys = NO_INT8_KEYS;
  /** The schema version the cached decoders were built at (-1: unknown). */
  #schemaVersion = -1;
  /** Inside a transaction: the schema was checked since the last statement that returns no rows. */
  #schemaChecked = false;

  constructor(db: SqliteDatabase, int64: SqliteConfig["int64"]) {
    this.db = db;
    this.#int64 = int64;
  }

  /**
   * Compares the schema version with the one the cache was built at; when it moved, empties the
   * cache and makes SQLite reload its copy of the schema (statements prepared next are compiled,
   * and their decoders built, from the current one). Returns whether it moved.
   */
  #followSchema(): boolean {
    const stmt = (this.#schemaVersionStmt ??= this.db.prepare("PRAGMA schema_version").pluck());
    const version = stmt.get() as number;
    this.#schemaChecked = this.db.inTransaction;
    if (version === this.#schemaVersion) return false;
    this.#cache.clear();
    // PRAGMA schema_version reads the database header, not this connection's copy of the schema,
    // which a prepare would still compile against; running any statement reloads it.
    (this.#schemaReloadStmt ??= this.db.prepare("SELECT 1 FROM sqlite_schema LIMIT 1")).get();
    this.#int8Keys = readInt8Keys(
      (this.#int8KeysStmt ??= this.db.prepare(INT8_KEYS_SQL)),
    );
    this.#schemaVersion = version;
    return true;
  }

  /** Whether a statement that returns rows must check the schema first (see the class documentation). */
  get #mustCheckSchema(): boolean {
    return !this.#checkedThisTurn && (!this.#schemaChecked || !this.db.inTransaction);
  }

  /**
   * Set by {@link schemaVersion} until the current synchronous run of JavaScript ends (cleared in a
   * microtask): a statement run in the same synchronous stretch follows the schema version just
   * read, exactly as if it had read it itself (nothing else can run in between), so a checked
   * write reads `PRAGMA schema_version` once, not twice.
   */
  #checkedThisTurn = false;

  /**
   * The schema version, read now (`PRAGMA schema_version`), with the statement cache made to
   * follow it; statements run before the current synchronous stretch ends skip their own check.
   */
  schemaVersion(): number {
    this.#followSchema();
    if (!this.#checkedThisTurn) {
      this.#checkedThisTurn = true;
      queueMicrotask(() => {
        this.#checkedThisTurn = false;
      });
    }
    return this.#schemaVersion;
  }

  /**
   * The cached statement for `sql`, its decoder built from the current schema. Read-only
   * statements under the "number" policy read integers as plain numbers (safeIntegers off,
   * measurably faster) and fall back to an exact twin when a value might have been rounded;
   * everything else reads exact bigints and converts them.
   */
  prepared(sql: string, exact = false): CachedStatement {
    const key = exact ? sql + "\u0000exact" : sql;
    let cached = this.#cache.get(key);
    if (cached !== undefined) {
      if (!cached.reader) {
        this.#schemaChecked = false;
        this.#checkedThisTurn = false;
        return cached;
      }
      if (!this.#mustCheckSchema || !this.#followSchema()) return cached;
    }
    let stmt = prepare(this.db, sql);
    // A statement new to the cache is checked too: this connection's copy of the schema may be
    // older than the database's (another connection changed it).
    if (stmt.reader && this.#mustCheckSchema && this.#followSchema()) stmt = prepare(this.db, sql);
    if (!stmt.reader) {
      this.#schemaChecked = false;
      this.#checkedThisTurn = false;
    }
    const reader = stmt.reader;
    const approximate = !exact && reader && stmt.readonly && this.#int64 === "number";
    stmt.safeIntegers(!approximate);
    cached = { stmt, reader, readonly: stmt.readonly, decode: reader ? rowDecoder(stmt, this.#int64, approximate, this.#int8Keys) : undefined, approximate };
    if (this.#cache.size >= STATEMENT_CACHE_SIZE) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(key, cached);
    return cached;
  }

  run(sql: string, params: readonly unknown[], single: boolean): QueryResult {
    const cached = this.prepared(sql);
    if (!cached.approximate) return this.#execute(cached, params, single);
    try {
      return this.#execute(cached, params, single);
    } catch (error) {
      if (error !== NEEDS_EXACT) throw error;
      return this.#execute(this.prepared(sql, true), params, single);
    }
  }

  #execute({ stmt, reader, readonly, decode }: CachedStatement, params: readonly unknown[], single: boolean): QueryResult {
    if (reader && single && readonly) {
      // get() stops after the first row: measurably cheaper than all() for point reads. Never for
      // writers (INSERT … RETURNING): get() resets the statement after its first row, and SQLite
      // then finishes the autocommit transaction inside sqlite3_reset, whose result better-sqlite3
      // ignores, so a failed COMMIT (deferred foreign key, disk full) would go unreported. all()
      // and run() step to SQLITE_DONE and throw the COMMIT's error.
      const row = stmt.get(params as unknown[]) as Row | undefined;
      if (row === undefined) return { rows: [], rowCount: 0 };
      return { rows: [decode === undefined ? row : decode(row)], rowCount: 1 };
    }
    if (reader) {
      const rows = stmt.all(params as unknown[]) as Row[];
      if (decode !== undefined) for (let i = 0; i < rows.length; i++) decode(rows[i]!);
      return { rows, rowCount: rows.length };
    }
    const info = stmt.run(params as unknown[]);
    return { rows: [], rowCount: info.changes };
  }

  clearCache(): void {
    this.#cache.clear();
  }
}

/** The `PRAGMA synchronous` value of each level: a fixed table, never text from the config. */
const SYNCHRONOUS_PRAGMA: Readonly<Record<SqliteConfig["synchronous"], string>> = Object.freeze({ full: "FULL", extra: "EXTRA", normal: "NORMAL" });

/** The embedded SQLite driver. See the module documentation. */
export class SqliteDriver implements Driver {
  readonly dialect = "sqlite" as const;
  readonly #config: SqliteConfig;
  readonly #mutex = new Mutex();
  #main: SqliteConnection | undefined;
  #readers: SqliteConnection[] = [];
  /** Side connections streams are reading from now. */
  #readersInUse = 0;
  #closed = false;
  /** Whether the database is served from an in-memory image of a file on a read-only location (see #readable). */
  #snapshot = false;

  constructor(config: SqliteConfig) {
    this.#config = config;
  }

  async connect(): Promise<void> {
    this.#connection();
  }

  #tableInfoStmt: Statement | undefined;
  #uniqueIndexStmt: Statement | undefined;

  /**
   * See {@link Driver.schemaVersion}: the main connection's database header, read in place; the
   * connection's statement cache follows it, and a statement run before the current synchronous
   * stretch of JavaScript ends does not read it again.
   */
  schemaVersion(): number | undefined {
    try {
      return this.#connection().schemaVersion();
    } catch {
      return undefined;
    }
  }

  /** See {@link Driver.tableColumns}. */
  tableColumns(table: string): readonly TableColumn[] | undefined {
    try {
      const db = this.#connection().db;
      if (this.#tableInfoStmt?.database !== db) {
        this.#tableInfoStmt = db.prepare("SELECT name, type, pk, dflt_value IS NOT NULL AS dflt FROM pragma_table_info(?) ORDER BY cid");
        this.#uniqueIndexStmt = db.prepare(UNIQUE_INDEX_TEXTS_SQL).pluck();
      }
      this.#tableInfoStmt.safeIntegers(false);
      const columns = this.#tableInfoStmt.all(table) as { name: string; type: string; pk: number; dflt: number }[];
      const keyed = columnsKeyedByValue(this.#uniqueIndexStmt!.all(table) as string[], columns.map((c) => c.name));
      return columns.map((c) => ({ name: c.name, type: c.type, pk: c.pk > 0, hasDefault: c.dflt === 1, keyedByValue: keyed.has(c.name) }));
    } catch {
      return undefined;
    }
  }

  /**
   * Opens a connection: the main one (read-write, or read-only under `readonly`), or a read-only
   * side connection for streaming (`sideReader`). A read-only open never changes the journal mode
   * or any other persistent setting.
   */
  #open(sideReader: boolean): SqliteConnection {
    const filename = this.#config.filename;
    const readonly = sideReader || this.#config.readonly;
    let db: SqliteDatabase;
    try {
      db = new BetterSqlite3(filename, { readonly, fileMustExist: readonly });
      if (readonly) db = this.#readable(db);
    } catch (error) {
      throw this.#openError(error);
    }
    try {
      // busy_timeout 0: waiting for another process's lock happens asynchronously in #retryBusy,
      // so the event loop never blocks inside SQLite's busy handler.
      db.pragma("busy_timeout = 0");
      if (!readonly && !this.#isMemory) db.pragma("journal_mode = WAL");
      // Per connection, never stored in the file: set on every connection, the read-only ones
      // included (a reader never writes, but the same level everywhere is easy to check).
      db.pragma(`synchronous = ${SYNCHRONOUS_PRAGMA[this.#config.synchronous]}`);
      db.pragma("foreign_keys = ON");
      db.pragma("case_sensitive_like = ON");
      registerSqliteFunctions(db);
    } catch (error) {
      db.close();
      throw this.#openError(error);
    }
    return new SqliteConnection(db, this.#config.int64);
  }

  #openError(error: unknown): ConnectionError {
    const mapped = mapSqliteError(error);
    const code = mapped.code ?? "";
    const hint =
      !this.#config.readonly && (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_READONLY"))
        ? " (if the file is on a read-only location, open it read-only: readonly: true, or ?mode=ro in a sqlite: URL)"
        : "";
    return new ConnectionError(`Cannot open SQLite database "${this.#config.filename}": ${mapped.message}${hint}`, { cause: error, code: mapped.code });
  }

  /**
   * A read-only connection that can read: reading a WAL-mode file needs its `-shm` (and `-wal`)
   * file, which SQLite cannot create on a read-only mount. When they are absent there, the WAL
   * holds nothing, so the file alone is the whole database: it is read into memory (marked as a
   * rollback-journal file, as sqlite3_deserialize requires) and served read-only from there.
   */
  #readable(db: SqliteDatabase): SqliteDatabase {
    try {
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
      return db;
    } catch (error) {
      db.close();
      const filename = this.#config.filename;
      const code = (error as { code?: unknown }).code;
      if (code !== "SQLITE_CANTOPEN" || existsSync(`${filename}-wal`) || existsSync(`${filename}-shm`)) throw error;
      const image = readFileSync(filename);
      if (image.length < 100 || image[18] !== 2 || image[19] !== 2) throw error;
      image[18] = 1;
      image[19] = 1;
      this.#snapshot = true;
      return new BetterSqlite3(image, { readonly: true });
    }
  }

  get #isMemory(): boolean {
    const f = this.#config.filename;
    return f === ":memory:" || f === "" || f.includes("mode=memory");
  }

  #connection(): SqliteConnection {
    if (this.#closed) throw new ConnectionError("The database is closed");
    if (this.#main === undefined) this.#main = this.#open(false);
    return this.#main;
  }

  /** Runs `fn`, retrying SQLITE_BUSY asynchronously until `busyTimeoutMs` has passed. */
  async #retryBusy<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.#config.busyTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return fn();
      } catch (error) {
        if (!isBusy(error) || Date.now() + delay > deadline) throw this.#mapError(error);
      }
      await sleep(delay);
    }
  }

  #run(connection: SqliteConnection, sql: string, params: readonly unknown[], single = false): Promise<QueryResult> | QueryResult {
    try {
      return connection.run(sql, params, single);
    } catch (error) {
      if (isBusy(error)) return this.#retryBusy(() => connection.run(sql, params, single));
      throw this.#mapError(error);
    }
  }

  query(sql: string, params: readonly unknown[], single = false): Promise<QueryResult> {
    if (!this.#mutex.locked) {
      // The fast path: no transaction holds the connection, and better-sqlite3 runs synchronously,
      // so nothing can interleave with this statement.
      try {
        return Promise.resolve(this.#connection().run(sql, params, single));
      } catch (error) {
        // SQLITE_BUSY (another process holds the write lock): the statement made no change. Its
        // retries wait asynchronously, so they run holding the lock: a transaction beginning
        // meanwhile on this connection must not absorb them (its ROLLBACK would undo them).
        if (isBusy(error)) return this.#queryWhenFree(sql, params, single);
        return Promise.reject(this.#mapError(error));
      }
    }
    return this.#queryWhenFree(sql, params, single);
  }

  queryNow(sql: string, params: readonly unknown[], single = false): QueryResult | undefined {
    if (this.#mutex.locked) return undefined;
    const connection = this.#connection();
    try {
      return connection.run(sql, params, single);
    } catch (error) {
      // SQLITE_BUSY: the statement made no change; query() runs it again, waiting asynchronously.
      if (isBusy(error)) return undefined;
      throw this.#mapError(error);
    }
  }

  async #queryWhenFree(sql: string, params: readonly unknown[], single: boolean): Promise<QueryResult> {
    await this.#mutex.acquire();
    try {
      return await this.#run(this.#connection(), sql, params, single);
    } finally {
      this.#mutex.release();
    }
  }

  async acquire(): Promise<ReservedConnection> {
    this.#connection();
    await this.#mutex.acquire();
    let released = false;
    const connection = this.#connection;
    const guard = (): SqliteConnection => {
      if (released) throw new ConnectionError("This transaction's connection was already released");
      return connection.call(this);
    };
    // Read-only: a transaction begins deferred (BEGIN IMMEDIATE takes the write lock, which a
    // read-only connection cannot), so read transactions work and the first write rejects.
    const readonly = this.#config.readonly;
    return {
      query: async (sql, params, single) => this.#run(guard(), readonly && sql === "BEGIN IMMEDIATE" ? "BEGIN" : sql, params, single),
      // better-sqlite3 runs each statement synchronously: a batch's statements run in one loop,
      // awaiting only a SQLITE_BUSY retry. The first failure rejects; none after it runs.
      queryMany: async (statements) => {
        const results: QueryResult[] = new Array(statements.length);
        for (let i = 0; i < statements.length; i++) {
          const statement = statements[i]!;
          const ran = this.#run(guard(), statement.sql, statement.params);
          results[i] = ran instanceof Promise ? await ran : ran;
        }
        return results;
      },
      stream: (sql, params, batchSize) => this.#streamMaterialized(guard(), sql, params, batchSize),
      release: () => {
        if (released) return;
        released = true;
        try {
          this.#ensureNoTransaction();
        } finally {
          this.#mutex.release();
        }
      },
    };
  }

  /**
   * Leaves the main connection outside any transaction before the lock is handed on. A COMMIT that
   * failed (a deferred foreign key, SQLITE_BUSY, a full disk) leaves SQLite's transaction open;
   * without this, the next caller's statements would run inside it, be acknowledged, and be lost
   * when the connection closes. If even ROLLBACK fails, the connection is closed and the next call
   * opens a fresh one (closing rolls back).
   */
  #ensureNoTransaction(): void {
    const main = this.#main;
    if (main === undefined || !main.db.open || !main.db.inTransaction) return;
    try {
      main.db.exec("ROLLBACK");
    } catch {
      // Handled below.
    }
    if (main.db.inTransaction) {
      this.#main = undefined;
      main.clearCache();
      try {
        main.db.close();
      } catch {
        // Nothing more can be done with this handle; it is no longer used.
      }
    }
  }

  stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]> {
    if (this.#isMemory || this.#snapshot) return this.#streamMaterialized(this.#connection(), sql, params, batchSize, true);
    return this.#streamFromReader(sql, params, batchSize);
  }

  /**
   * Streams from a read-only side connection: WAL gives it a consistent snapshot, and the main
   * connection stays free for writes made while the caller consumes the rows.
   */
  async *#streamFromReader(sql: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    this.#connection();
    const reader = this.#readers.pop() ?? this.#open(true);
    this.#readersInUse++;
    let iterator: IterableIterator<unknown> | undefined;
    try {
      const { stmt, decode } = reader.prepared(sql, true);
      iterator = stmt.iterate(params as unknown[]) as IterableIterator<unknown>;
      for (;;) {
        const batch: Row[] = [];
        for (let i = 0; i < batchSize; i++) {
          let next: IteratorResult<unknown>;
          try {
            next = iterator.next();
          } catch (error) {
            throw this.#mapError(error);
          }
          if (next.done) break;
          const row = next.value as Row;
          batch.push(decode === undefined ? row : decode(row));
        }
        if (batch.length === 0) break;
        yield batch;
        if (batch.length < batchSize) break;
      }
    } catch (error) {
      throw this.#mapError(error);
    } finally {
      iterator?.return?.();
      this.#readersInUse--;
      if (this.#closed || this.#readers.length >= 4) reader.db.close();
      else this.#readers.push(reader);
    }
  }

  /**
   * Streams where no side connection can see the data (in-memory databases, open transactions):
   * the rows are read at once, then handed out in batches.
   */
  async *#streamMaterialized(
    connection: SqliteConnection,
    sql: string,
    params: readonly unknown[],
    batchSize: number,
    lock = false,
  ): AsyncGenerator<Row[]> {
    let result: QueryResult;
    if (lock) result = await this.query(sql, params);
    else result = await this.#run(connection, sql, params);
    for (let i = 0; i < result.rows.length; i += batchSize) yield result.rows.slice(i, i + batchSize);
  }

  /** Maps an error of a statement; a UNIQUE/PRIMARY KEY failure gets its constraint's name (unique-constraint-name.ts). */
  #mapError(error: unknown): TablekitError {
    return mapSqliteError(error, (table, columns, primaryKey) => {
      const db = this.#main?.db;
      return db === undefined || !db.open ? undefined : sqliteUniqueConstraint(db, table, columns, primaryKey);
    });
  }

  /** See {@link Driver.stats}: the main connection (busy while a transaction holds it) and the stream readers. */
  stats(): PoolStats {
    const main = this.#main === undefined || this.#closed ? 0 : 1;
    const idleMain = main === 1 && !this.#mutex.locked ? 1 : 0;
    return { total: main + this.#readers.length + this.#readersInUse, idle: idleMain + this.#readers.length, waiting: this.#mutex.waiting };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#mutex.acquire();
    this.#closed = true;
    try {
      for (const reader of this.#readers) reader.db.close();
      this.#readers = [];
      if (this.#main !== undefined) {
        this.#main.clearCache();
        this.#main.db.close();
        this.#main = undefined;
      }
    } finally {
      this.#mutex.release();
    }
  }
}
