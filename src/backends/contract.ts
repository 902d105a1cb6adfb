/**
 * What a backend provides to the core. The core never asks "is this SQLite?": it talks to a
 * {@link Driver} (connections, statements, transactions) and a {@link SqlDialect} (the SQL text and
 * value encodings that differ between backends).
 *
 * @module
 */
import type { DialectName, ResolvedConfig } from "../config/connection-config.js";
import type { WhereDialect } from "../sql/where.js";
import type { SqlFlavor } from "../sql/sql-tokens.js";
import type { PoolStats } from "../diagnostics/pool-stats.js";
import type { KVBackend } from "../kv/storage/storage.js";

/**
 * The key of a Queryable's method for statements tablekit builds itself (the key-value store's
 * storage adapters run theirs through it): not exported from the package, so only tablekit's own
 * modules can call it. Declared here, below both, so that a backend's key-value adapter reaches
 * the core's fast path without importing the core.
 * @internal
 */
export const runOwnStatement: unique symbol = Symbol("tablekit.runOwnStatement");

/** A row as returned by tablekit: a plain object keyed by column name. */
export type Row = Record<string, unknown>;

/** The outcome of one statement. */
export interface QueryResult {
  /** Decoded rows (empty for statements that return none). */
  rows: Row[];
  /** Rows returned, or rows changed for INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
}

/** One connection's worth of statement execution. SQL uses the dialect's own placeholders. */
export interface DriverConnection {
  /** Runs one statement and returns its decoded rows; `single` means only the first row is wanted. */
  query(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult>;
  /** Runs a query and yields its rows in batches of about `batchSize`, holding at most two batches in memory (PostgreSQL requests the next while the caller handles the current one). */
  stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]>;
}

/** One statement for {@link ReservedConnection.queryMany}: text in the dialect's placeholder style and its bound values. */
export interface StatementText {
  /** SQL text in the dialect's placeholder style. */
  readonly sql: string;
  /** Bound parameters, already encoded for the driver. */
  readonly params: readonly unknown[];
}

/** A connection held exclusively, for a transaction. */
export interface ReservedConnection extends DriverConnection {
  /**
   * Bulk-loads rows with `COPY … FROM STDIN` (text format, one line per row), where the backend
   * has it; returns the number of rows loaded.
   */
  copyIn?(sql: string, lines: Iterable<string>): Promise<number>;
  /**
   * Runs statements one after another on this connection and returns their results in order;
   * the first that fails rejects, and none after it runs. Where statements run synchronously
   * (SQLite), one call for a batch's statements saves a promise chain per statement. Optional:
   * without it, each statement is sent with `query` (PostgreSQL pipelines them).
   */
  queryMany?(statements: readonly StatementText[]): Promise<QueryResult[]>;
  /**
   * True once the connection is known to be lost (the server ended the session, the socket
   * failed): nothing more can be sent on it, so a transaction on it cannot commit.
   */
  readonly lost?: boolean;
  /** Returns the connection to the pool; `broken` discards it instead (its state is unknown). */
  release(broken?: boolean): void;
}

/** A backend's connection management. */
export interface Driver extends DriverConnection {
  /** The backend; a PostgreSQL driver may report "cockroachdb" once connected to one. */
  readonly dialect: DialectName;
  /**
   * True when statements may reach a different server session each: a transaction-mode
   * connection pooler (PgBouncer `pool_mode = transaction`) sits in front of the server, so
   * session state (SET, session-level advisory locks, LISTEN) does not outlast one transaction.
   * Known once connected; absent or false otherwise.
   */
  readonly transactionPooler?: boolean;
  /** Opens the connection or pool. Idempotent. */
  connect(): Promise<void>;
  /** Waits for a connection of its own (SQLite: the single writer slot). */
  acquire(): Promise<ReservedConnection>;
  /** Lets in-flight work finish, then closes every connection. */
  close(): Promise<void>;
  /** The connections' counts right now (see `Database.stats`). */
  stats?(): PoolStats;
  /**
   * Runs one statement synchronously when the backend can do so right now (an embedded database
   * whose connection no transaction holds), or returns undefined without running anything, and the
   * caller uses {@link DriverConnection.query}. Saves a promise and a microtask per statement.
   */
  queryNow?(sql: string, params: readonly unknown[], single?: boolean): QueryResult | undefined;
  /**
   * The schema version (SQLite's `PRAGMA schema_version`), read synchronously and without a query
   * event, or undefined when it cannot be read now; absent on server backends. Lets tablekit's
   * value checks keep per-table column types current (src/crud/column-values.ts).
   */
  schemaVersion?(): number | undefined;
  /**
   * A table's columns with their declared types, whether they are in the primary key and whether
   * they have a DEFAULT (SQLite's `pragma_table_info`), read like {@link Driver.schemaVersion}.
   */
  tableColumns?(table: string): readonly TableColumn[] | undefined;
}

/**
 * Advisory locks named by a text key, as statements in the backend's own SQL (its placeholders):
 * the lock and unlock statements take the key as their one parameter.
 */
export interface AdvisoryLocks {
  /** Waits for the session-level lock of the key (parameter: the key), held until {@link AdvisoryLocks.unlock} or the session ends. */
  readonly lock: string;
  /** Releases the session-level lock of the key (parameter: the key). */
  readonly unlock: string;
  /** Waits for the transaction-level lock of the key (parameter: the key), released by COMMIT or ROLLBACK. */
  readonly transactionLock: string;
  /** Bounds how long a lock is waited for, in milliseconds: for the session, or for the transaction (`local`). */
  lockTimeout(ms: number, local: boolean): string;
  /** Sets the wait back to the default: for the session, or for the transaction (`local`). */
  resetLockTimeout(local: boolean): string;
  /** Whether `error` is the backend's "lock not obtained in time" (PostgreSQL: SQLSTATE 55P03). */
  isLockTimeout(error: unknown): boolean;
}

/** A column as {@link Driver.tableColumns} reports it. */
export interface TableColumn {
  /** The column's name. */
  readonly name: string;
  /** Its declared type. */
  readonly type: string;
  /** Whether it is (part of) the primary key. */
  readonly pk: boolean;
  /** Whether it has a DEFAULT. */
  readonly hasDefault: boolean;
  /**
   * Whether a unique index of the table compares it by numeric value (SQLite: an unscaled DECIMAL
   * under `decimalValueKeySql`), so an upsert naming it targets that expression.
   */
  readonly keyedByValue?: boolean;
}

/** The sequences behind generated columns (identity, SERIAL), as statements in the backend's own SQL. */
export interface KeySequences {
  /**
   * Lists a table's columns with their sequence (parameter: the table name, as written in SQL),
   * one row per column: `name`, and `seq`, the sequence's qualified name or NULL.
   */
  readonly columnsSql: string;
  /**
   * An expression that moves `sequence` (a qualified name the catalog gave, already checked) past
   * the largest value of `column` in `table` (both quoted), never back below what it handed out.
   */
  advanceExpression(table: string, column: string, sequence: string): string;
}

/** The SQL that differs between backends. Everything else is shared. */
export interface SqlDialect extends WhereDialect {
  /** Backend name. */
  readonly name: DialectName;
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParameters: number;
  /**
   * Placeholder for the parameter at a 1-based index: `"?"` on SQLite, `"$n"` on PostgreSQL.
   * Written only at the edge, when a statement's fragment is rendered for the driver (sql/render.ts).
   */
  placeholder(index: number): string;
  /**
   * Whether LIMIT/OFFSET values are written into the SQL text (validated integers) instead of being
   * bound. SQLite plans `LIMIT ?` three times slower than `LIMIT 1` (measured: 73k vs 227k point
   * reads/s); PostgreSQL binds them so that paging does not prepare a statement per offset.
   */
  readonly inlineLimits: boolean;
  /** The LIMIT value meaning "no limit" (SQLite -1, PostgreSQL NULL), for OFFSET without LIMIT. */
  readonly unlimited: unknown;
  /** Whether this backend has databases that `CREATE DATABASE` can make. */
  readonly supportsCreateDatabase: boolean;
  /** `CREATE TABLE` for portable (PostgreSQL-style) column definitions. */
  createTable(table: string, columns: Readonly<Record<string, string>>, ifNotExists: boolean): string;
  /**
   * Statements to run after {@link SqlDialect.createTable}'s, in the same transaction, when the
   * table did not exist (SQLite: unique indexes by numeric value for UNIQUE/PRIMARY KEY constraints
   * with an unscaled DECIMAL member). Absent or empty: none. `taken`: the names in use, lowercased
   * (see {@link SqlDialect.relationNamesSql}), which the statements' index names avoid.
   */
  createTableIndexes?(table: string, columns: Readonly<Record<string, string>>, ifNotExists: boolean, taken?: ReadonlySet<string>): readonly string[];
  /**
   * With {@link SqlDialect.createTableIndexes}: a query returning one row with a `name` column per
   * name a new index may not take (SQLite: every table, index and view of the file). `createTable`
   * reads it in the transaction that creates the table and passes the names (lowercased) as
   * `taken`, so an index a constraint is named after gets PostgreSQL's next free name (`…_key1`).
   */
  relationNamesSql?(): string;
  /** A query returning one row with a `name` column per user table, ordered by name. */
  listTablesSql(): string;
  /** A query returning a row when the table (bound as the first parameter) exists. */
  tableExistsSql(): string;
  /** A query returning `{ name, type, notnull, pk }` rows describing a table's columns (table bound as first parameter). */
  columnsSql(): string;
  /** A query listing a table's indexes (table bound as the first parameter), for {@link SqlDialect.indexes}. */
  indexesSql(): string;
  /** The indexes, sorted by name, of the rows {@link SqlDialect.indexesSql} returned. */
  indexes(rows: readonly Row[]): IndexInfo[];
  /** Statements that compact the database, or none where the backend does it itself. */
  vacuumSql(): string[];
  /**
   * One row in COPY text format (tab-separated, `\N` for NULL, escaped), on backends whose
   * drivers can `copyIn`; absent elsewhere.
   */
  copyLine?(values: readonly unknown[]): string;
  /** The statement that starts a transaction. */
  beginSql(options: { isolation?: IsolationLevel | undefined }): string;

  // Capabilities: what the core asks instead of "is this SQLite?".

  /** The lexical rules of the backend's SQL text (quotes, comments, dollar quotes), for splitting scripts and checking fragments. */
  readonly sqlFlavor: SqlFlavor;
  /** Whether `?` placeholders in SQL text a caller passes must be rewritten to the dialect's own (`$1` …). */
  readonly rewritesQuestionMarks: boolean;
  /**
   * Whether generated keys continue above explicitly written ones by themselves (SQLite's rowid);
   * where not, tablekit advances the column's sequence after such a write.
   */
  readonly keysFollowExplicitValues: boolean;
  /**
   * Where keys do not follow explicit values: how the backend names the sequences behind a table's
   * generated columns and moves them past explicit values, in its own SQL; undefined on SQLite.
   */
  readonly sequences?: KeySequences | undefined;
  /**
   * Whether column types leave values unchecked (SQLite's type affinity): tablekit then checks and
   * converts written values by declared type, and filters compare values as the columns store them.
   */
  readonly checksValuesByDeclaredType: boolean;
  /** The clause that locks the selected rows for the transaction (` FOR UPDATE`); empty where a write transaction locks the whole database. */
  readonly lockRowsClause: string;
  /** The select-list expression giving a column's value exactly as stored, for keyset cursors (`quoted` is the quoted column name). */
  exactValue(quoted: string): string;
  /**
   * The SQL function that orders a column's exact decimals by number, for the declared types whose
   * values the column stores as text or numbers mixed (SQLite's DECIMAL); undefined where the
   * column type orders them itself.
   */
  decimalOrder(declaredType: string): string | undefined;
  /** The width of a key column's integers by its declared type, or undefined for other types. */
  integerBits(declaredType: string): 16 | 32 | 64 | undefined;
  /**
   * The backend's advisory locks (the migrations' run and step locks: migrate/migration-lock.ts),
   * as statements in its own SQL; undefined where it has none (SQLite's `BEGIN IMMEDIATE` already
   * serializes writers; CockroachDB has none).
   */
  readonly advisoryLocks: AdvisoryLocks | undefined;
  /** Whether `ALTER TABLE … ADD COLUMN` accepts `PRIMARY KEY` and `UNIQUE`. */
  readonly addColumnWithKeys: boolean;
  /**
   * A JS array written to a native array column as the backend's array literal (PostgreSQL's
   * `{…}` text), where the backend has array columns; absent elsewhere (arrays are JSON there).
   */
  arrayLiteral?(value: readonly unknown[], column: string): string;
  /** Whether replicas serve reads as follower reads at a past timestamp (CockroachDB) rather than by replication lag checks. */
  readonly followerReads: boolean;
  /**
   * The key-value store's storage adapter on this backend (its table's SQL, key order, batch sizes,
   * the tuning of a Database the store opened), and what Keyv is told the backend is: `KVStore`
   * and `tablekit/keyv` ask the Database's dialect for it.
   */
  readonly keyValue: KVBackend;
}

/** One index of a table. */
export interface IndexInfo {
  /** Index name (SQLite names the indexes of UNIQUE and PRIMARY KEY constraints `sqlite_autoindex_…`). */
  name: string;
  /** Indexed columns (or expressions) in order; on PostgreSQL as the index definition writes them. */
  columns: string[];
  /** Whether the index enforces uniqueness. */
  unique: boolean;
  /** Whether the index is the table's primary key. */
  primary: boolean;
  /** Whether the index covers only the rows matching a WHERE clause. */
  partial: boolean;
}

/** Transaction isolation levels. SQLite transactions are always serializable. */
export type IsolationLevel = "serializable" | "repeatable read" | "read committed";

/** Makes a backend's driver for a resolved configuration of that backend. */
export type DriverFactory = (config: ResolvedConfig) => Driver;

/**
 * The defaults of a server dialect's connection options, as libpq (or the server's own client)
 * has them.
 */
export interface ServerDefaults {
  /** The port when none is given (PostgreSQL 5432, CockroachDB 26257). */
  readonly port: number;
  /** The user name when none is given (and, with {@link libpqEnvironment}, no `PGUSER`). */
  readonly user: string;
  /** The database name when none is given; `undefined`: the user name, as libpq does. */
  readonly database: string | undefined;
  /**
   * Whether libpq's environment variables (`PGUSER`, `PGPASSWORD`, `PGSSLMODE`, `PGSSLROOTCERT`,
   * `PGSSLCERT`, `PGSSLKEY`, `PGPASSFILE`, `PGTARGETSESSIONATTRS`) supply defaults.
   */
  readonly libpqEnvironment: boolean;
}

/**
 * How a backend's connection URLs are written and what they default to: plain data, so the
 * config resolver can read it without loading any driver.
 */
export interface BackendUrls {
  /**
   * `"file"`: a file path after the scheme (`sqlite:data/app.db`, `sqlite::memory:`) or a bare
   * path; `"server"`: `scheme://user:password@host:port/database?parameters`.
   */
  readonly form: "file" | "server";
  /**
   * URL scheme (lower case, without the colon) → the dialect it selects, in display order; the
   * first scheme of a dialect is the one messages show. Dialect names are schemes too.
   */
  readonly schemes: Readonly<Record<string, DialectName>>;
  /** How messages show this backend's URLs (`"sqlite:…"`, `"postgres://…"`). */
  readonly examples: readonly string[];
  /** File backends: which strings without a scheme are one of its files (`app.db`, `:memory:`), and how messages say so. */
  readonly barePath?: { readonly test: (text: string) => boolean; readonly description: string };
  /** Server backends: each dialect's defaults. */
  readonly serverDefaults?: Readonly<Partial<Record<DialectName, ServerDefaults>>>;
}

/**
 * What one backend folder (src/backends/<name>/index.ts) gives the registry. The descriptor is
 * light: loading it loads the dialects, not the database library, which comes with the driver.
 */
export interface Backend {
  /** What its URLs look like and what they default to: read by src/config through the registry. */
  readonly urls: BackendUrls;
  /** The SQL dialects of this backend, by dialect name (PostgreSQL's includes CockroachDB's variant). */
  readonly dialects: Readonly<Partial<Record<DialectName, SqlDialect>>>;
  /** Imports the driver module (and its database library) and returns its factory. */
  loadDriver(): Promise<DriverFactory>;
}
