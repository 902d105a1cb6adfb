/**
 * Every error tablekit throws is a {@link TablekitError}. Driver errors are mapped once, in
 * `map-error.ts`, to the classes below and kept as `cause`.
 *
 * @module
 */

/** Options accepted by every tablekit error constructor. */
export interface TablekitErrorOptions {
  /** The underlying error (usually the driver's), kept for debugging. */
  cause?: unknown;
  /** SQLSTATE (PostgreSQL/CockroachDB) or extended result code (SQLite), when known. */
  code?: string | undefined;
  /** The server's DETAIL (row values hidden unless `logParameters: true`). */
  detail?: string | undefined;
  /** The server's HINT. */
  hint?: string | undefined;
  /** 1-based character position in the statement the server pointed at. */
  position?: number | undefined;
}

/** Base class of every error raised by tablekit. */
export class TablekitError extends Error {
  /** SQLSTATE (PostgreSQL/CockroachDB) or SQLite extended result code, when the error came from the database. */
  readonly code: string | undefined;
  /**
   * PostgreSQL's DETAIL (e.g. `Key (email)=(***) already exists.`), also in the message. Row
   * values show only when the Database was opened with `logParameters: true`; passwords never.
   */
  readonly detail: string | undefined;
  /** PostgreSQL's HINT, also in the message. */
  readonly hint: string | undefined;
  /**
   * The 1-based character position in the statement the server pointed at (a syntax error, an
   * unknown column); the message shows the line with a caret under it.
   */
  readonly position: number | undefined;

  constructor(message: string, options: TablekitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.detail = options.detail;
    this.hint = options.hint;
    this.position = options.position;
  }

  /** The class name (`"UniqueViolationError"`, …), so logs and `String(error)` say what failed. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** Invalid configuration: a malformed URL, an unknown sslmode, an impossible pool size. */
export class ConfigError extends TablekitError {}

/** The database could not be reached, the connection broke, the pool timed out, or the Database is closed. */
export class ConnectionError extends TablekitError {}

/**
 * The server did not answer within `queryTimeoutMs` (PostgreSQL/CockroachDB): a frozen or
 * unreachable server, a network partition, or a statement slower than the limit. The connection
 * was closed and is never reused. A read, a statement inside a transaction (which is then rolled
 * back by the server) or a stream batch fails with this error; a COMMIT or a write outside a
 * transaction whose outcome is unknown fails with {@link AmbiguousCommitError} instead, with this
 * error as `cause`.
 */
export class QueryTimeoutError extends ConnectionError {
  /** The limit that was exceeded, in ms (`queryTimeoutMs`). */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options: TablekitErrorOptions = {}) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A statement failed in the database for a reason other than a constraint or a serialization conflict. */
export class QueryError extends TablekitError {}

/**
 * The server cancelled the statement (SQLSTATE 57014): it ran longer than `statementTimeoutMs`
 * (the server's `statement_timeout`), or an administrator cancelled it. Nothing the statement did
 * was kept; the connection stays usable. Inside a transaction the transaction is aborted.
 */
export class StatementTimeoutError extends QueryError {}

/** A 64-bit integer read from the database does not fit a JavaScript number under the `int64: "number"` policy. */
export class UnsafeIntegerError extends QueryError {}

/**
 * A write was attempted on a database opened read-only (`readonly: true`, `?mode=ro`), or on a
 * file SQLite can only read (SQLITE_READONLY). Nothing was written.
 */
export class ReadOnlyError extends QueryError {}

/** Where a constraint failure happened, as far as the database reports it. */
export interface ConstraintDetails extends TablekitErrorOptions {
  /** Table the constraint belongs to. */
  table?: string | undefined;
  /** Constraint name: PostgreSQL's; on SQLite the unique index's name (see `UniqueViolationError`). */
  constraint?: string | undefined;
  /** Columns involved, when reported. */
  columns?: readonly string[] | undefined;
}

/** A constraint of the schema rejected the write. Nothing was written by the failing statement. */
export class ConstraintError extends TablekitError {
  /** Table the constraint belongs to, when known. */
  readonly table: string | undefined;
  /** Constraint name, when known. */
  readonly constraint: string | undefined;
  /** Columns involved, when known (empty when the backend did not say). */
  readonly columns: readonly string[];

  constructor(message: string, details: ConstraintDetails = {}) {
    super(message, details);
    this.table = details.table;
    this.constraint = details.constraint;
    this.columns = details.columns ?? [];
  }
}

/**
 * A UNIQUE or PRIMARY KEY constraint was violated (SQLSTATE 23505, SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY).
 *
 * `constraint` names it on both backends. PostgreSQL reports it. SQLite reports only the table
 * and columns, so tablekit looks the unique index up: an index made with `CREATE UNIQUE INDEX`
 * keeps its name; an inline `UNIQUE` or `PRIMARY KEY` (an `sqlite_autoindex_…`, or the rowid)
 * gets the name PostgreSQL would give it (`users_email_key`, `users_a_b_key`, `users_pkey`), so
 * the same schema fails with the same constraint name on both.
 */
export class UniqueViolationError extends ConstraintError {}

/** A FOREIGN KEY constraint was violated (SQLSTATE 23503, SQLITE_CONSTRAINT_FOREIGNKEY). */
export class ForeignKeyViolationError extends ConstraintError {}

/** A NOT NULL constraint was violated (SQLSTATE 23502, SQLITE_CONSTRAINT_NOTNULL). */
export class NotNullViolationError extends ConstraintError {}

/** A CHECK constraint was violated (SQLSTATE 23514, SQLITE_CONSTRAINT_CHECK). */
export class CheckViolationError extends ConstraintError {}

/**
 * The database aborted the transaction because of a conflict with concurrent work
 * (SQLSTATE 40001 or 40P01, CockroachDB "restart transaction", SQLITE_BUSY). Retrying the whole
 * transaction is safe; `db.transaction` does so by itself.
 */
export class SerializationError extends TablekitError {}

/** A retrying transaction gave up. `attempts` tells how many times the callback ran; `cause` is the last failure. */
export class TransactionRetryError extends TablekitError {
  /** How many times the transaction callback ran. */
  readonly attempts: number;

  constructor(message: string, attempts: number, options: TablekitErrorOptions = {}) {
    super(message, options);
    this.attempts = attempts;
  }
}

/**
 * The outcome of a COMMIT is unknown: the connection was lost while committing, or CockroachDB
 * reported SQLSTATE 40003. tablekit never retries such a transaction, because it may have committed.
 */
export class AmbiguousCommitError extends TablekitError {}

/**
 * A write outside a transaction was committed, but the row it returned could not be read: under
 * the default `int64: "number"` policy, a 64-bit integer beyond ±(2^53−1) that the database
 * produced itself (a DEFAULT, a trigger, a sequence) cannot become a JavaScript number. The write
 * happened: do not retry it. `cause` is the {@link UnsafeIntegerError}; read the row with
 * `int64: "bigint"` or `"string"`.
 *
 * Values tablekit can see coming (a bigint in the data) are refused before any SQL with a
 * {@link ValidationError} instead. It extends {@link AmbiguousCommitError}, so code that checks
 * the outcome of an ambiguous commit handles it too (on PostgreSQL, in the unlikely case that a
 * deferred constraint also failed at COMMIT, pg reports only the read failure).
 */
export class CommittedButUnreadableError extends AmbiguousCommitError {
  /** Always true: the write was committed. */
  readonly committed = true;
}

/** A table, column or other identifier is not a plain identifier, or is not a column of the table. Raised before any SQL runs. */
export class IdentifierError extends TablekitError {}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Human-readable description of the problem. */
  message: string;
  /** Where in the input the problem is (property names and array indexes). */
  path: readonly (string | number)[];
}

/**
 * Input was rejected and nothing was written: bad filters, options or keys, values no backend stores
 * alike, or a model's validation issues. Raised before any SQL runs, except where PostgreSQL itself
 * refuses a value its column cannot hold (SQLSTATE 22P02/22003, kept as `cause`), and in batches,
 * which roll back.
 */
export class ValidationError extends TablekitError {
  /** Every problem found, not only the first. */
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[] = [], options: TablekitErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/**
 * A prepared statement's result columns changed under it (PostgreSQL SQLSTATE 0A000 "cached plan
 * must not change result type", after ALTER TABLE from any connection). Outside a transaction the
 * statement is prepared again and re-run once by itself (nothing ran the first time); inside one,
 * the error aborted the transaction, and `db.transaction` re-runs the callback, as it does for any
 * {@link SerializationError}.
 */
export class SchemaChangedError extends SerializationError {}

/**
 * A statement exceeds a hard limit of the database, refused before anything is sent: more bound
 * parameters than the backend takes (65,535 on PostgreSQL, 32,766 on SQLite). The message names
 * the limit and what to use instead (`batchInsert`, or one array parameter).
 */
export class LimitError extends ValidationError {}
