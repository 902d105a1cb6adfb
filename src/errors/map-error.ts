/**
 * The one place where driver errors become tablekit errors. SQLite extended result codes and
 * PostgreSQL SQLSTATEs map to the same classes, so the same failure looks the same on every backend.
 *
 * @module
 */
import {
  AmbiguousCommitError,
  CheckViolationError,
  ConnectionError,
  ConstraintError,
  ForeignKeyViolationError,
  NotNullViolationError,
  QueryError,
  ReadOnlyError,
  SerializationError,
  StatementTimeoutError,
  TablekitError,
  UniqueViolationError,
} from "./errors.js";
import { redactSecrets } from "../config/redact.js";
import { isTlsErrorCode } from "./connection-hints.js";
import { serverDetails } from "./server-details.js";

/**
 * Finds the name of the unique index behind a SQLite UNIQUE/PRIMARY KEY failure, from the table
 * and the columns SQLite's message lists (see `sqliteUniqueConstraint` in the SQLite driver).
 */
export type SqliteConstraintLookup = (table: string, columns: readonly string[], primaryKey: boolean) => string | undefined;

interface DriverErrorLike {
  message?: unknown;
  code?: unknown;
  detail?: unknown;
  /** node-postgres field names. */
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  /** postgres.js field names. */
  table_name?: unknown;
  column_name?: unknown;
  constraint_name?: unknown;
}

function asRecord(error: unknown): DriverErrorLike {
  return typeof error === "object" && error !== null ? (error as DriverErrorLike) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Parses "UNIQUE constraint failed: users.email, users.org" into its table and columns. */
function sqliteConstraintTarget(message: string): { table?: string; columns: string[] } {
  const colon = message.indexOf(": ");
  if (colon < 0) return { columns: [] };
  const columns: string[] = [];
  let table: string | undefined;
  for (const part of message.slice(colon + 2).split(",")) {
    const item = part.trim();
    const dot = item.indexOf(".");
    if (dot > 0 && /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(item)) {
      table ??= item.slice(0, dot);
      columns.push(item.slice(dot + 1));
    }
  }
  return table === undefined ? { columns } : { table, columns };
}

/**
 * Maps a better-sqlite3 error (or anything thrown while using SQLite) to a {@link TablekitError}.
 * `lookup` names the unique index of a UNIQUE/PRIMARY KEY failure (none: `constraint` stays unset).
 */
export function mapSqliteError(error: unknown, lookup?: SqliteConstraintLookup): TablekitError {
  if (error instanceof TablekitError) return error;
  const e = asRecord(error);
  const code = str(e.code) ?? "";
  const message = str(e.message) ?? String(error);
  const options = { cause: error, code: code || undefined };
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    const target = sqliteConstraintTarget(message);
    const details = { ...options, table: target.table, columns: target.columns };
    switch (code) {
      case "SQLITE_CONSTRAINT_UNIQUE":
      case "SQLITE_CONSTRAINT_PRIMARYKEY": {
        // An index on expressions is named by SQLite itself: "UNIQUE constraint failed: index 'name'".
        const named = /constraint failed: index '([^']+)'/.exec(message)?.[1];
        let constraint = named;
        if (constraint === undefined && lookup !== undefined && target.table !== undefined && target.columns.length > 0) {
          try {
            constraint = lookup(target.table, target.columns, code === "SQLITE_CONSTRAINT_PRIMARYKEY");
          } catch {
            // The name is a courtesy: a failed lookup leaves it unset.
          }
        }
        return new UniqueViolationError(message, { ...details, constraint });
      }
      case "SQLITE_CONSTRAINT_FOREIGNKEY":
        return new ForeignKeyViolationError(message, details);
      case "SQLITE_CONSTRAINT_NOTNULL":
        return new NotNullViolationError(message, details);
      case "SQLITE_CONSTRAINT_CHECK": {
        const constraint = message.slice(message.indexOf(": ") + 2);
        return new CheckViolationError(message, { ...options, constraint });
      }
      default:
        return new ConstraintError(message, details);
    }
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new SerializationError(`The database is busy: ${message}`, options);
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return new ReadOnlyError(`The database is read-only: ${message}`, options);
  }
  if (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_NOTADB") || code.startsWith("SQLITE_IOERR")) {
    return new ConnectionError(message, options);
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    // better-sqlite3 raises these for bad bindings (wrong parameter count, unsupported value types).
    return new QueryError(message, options);
  }
  return new QueryError(message, options);
}

/** Node and postgres.js codes that mean the connection is unusable or could not be made. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "SASL_SIGNATURE_MISMATCH",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "AUTH_TYPE_NOT_IMPLEMENTED",
]);

/** Parses the column list out of PostgreSQL's `Key (a, b)=(…) already exists.` without keeping the values. */
function pgKeyColumns(detail: string | undefined): string[] {
  if (detail === undefined || !detail.startsWith("Key (")) return [];
  const end = detail.indexOf(")=(");
  if (end < 0) return [];
  return detail
    .slice(5, end)
    .split(",")
    .map((c) => c.trim().replace(/^"|"$/g, ""))
    .filter((c) => c !== "");
}

/** True when a PostgreSQL/CockroachDB error says the transaction must be retried. */
function isPgRetryable(code: string, message: string): boolean {
  return code === "40001" || code === "40P01" || (code.startsWith("40") && /restart transaction/i.test(message));
}

/** What {@link mapPostgresError} may know besides the error. */
export interface PostgresErrorContext {
  /** The statement as sent (placeholders only): the message shows the line the server pointed at. */
  sql?: string | undefined;
  /** Whether the server's DETAIL may show row values (`logParameters: true`). */
  showValues?: boolean | undefined;
}

/**
 * Maps a node-postgres or Node network error to a {@link TablekitError}. `secrets` (the password)
 * are scrubbed from the message. The server's DETAIL, HINT and position are kept on the error
 * and appended to the message, psql-style (see server-details.ts).
 */
export function mapPostgresError(error: unknown, secrets: readonly (string | undefined)[] = [], context: PostgresErrorContext = {}): TablekitError {
  if (error instanceof TablekitError) return error;
  const e = asRecord(error);
  const code = str(e.code) ?? "";
  const details = serverDetails(error, code, { sql: context.sql, showValues: context.showValues, secrets });
  // The driver's error stays as `cause`, which util.inspect, JSON and loggers print (enumerable properties): its
  // DETAIL, when it differs from the shown one (row values hidden), stays readable (the CLI shows it) but is not enumerable.
  if (details.detail !== undefined && details.detail !== str(e.detail)) Reflect.defineProperty(error as object, "detail", { value: e.detail, enumerable: false, writable: true, configurable: true });
  const base = redactSecrets(str(e.message) ?? String(error), secrets);
  const message = details.lines.length === 0 ? base : `${base}\n${details.lines.join("\n")}`;
  const options = { cause: error, code: code || undefined, detail: details.detail, hint: details.hint, position: details.position };
  const table = str(e.table) ?? str(e.table_name);
  const constraint = str(e.constraint) ?? str(e.constraint_name);
  switch (code) {
    case "23505":
      return new UniqueViolationError(message, { ...options, table, constraint, columns: pgKeyColumns(str(e.detail)) });
    case "23503":
      return new ForeignKeyViolationError(message, { ...options, table, constraint, columns: pgKeyColumns(str(e.detail)) });
    case "23502": {
      const column = str(e.column) ?? str(e.column_name);
      return new NotNullViolationError(message, { ...options, table, constraint, columns: column ? [column] : [] });
    }
    case "23514":
      return new CheckViolationError(message, { ...options, table, constraint });
    case "57014":
      return new StatementTimeoutError(`The statement was cancelled: ${message}`, options);
    case "40003":
      return new AmbiguousCommitError(`The transaction's commit outcome is unknown: ${message}`, options);
    case "25006": // read_only_sql_transaction: the same failure as SQLITE_READONLY
      return new ReadOnlyError(message, options);
  }
  if (code.startsWith("23")) return new ConstraintError(message, { ...options, table, constraint });
  if (isPgRetryable(code, message)) return new SerializationError(message, options);
  if (
    CONNECTION_CODES.has(code) ||
    isTlsErrorCode(code) || // a TLS failure is a connection failure, whenever it happens
    (code.startsWith("08") && code !== "08P01") || // connection exception (08P01: the client's protocol mistake)
    code === "57P01" || // admin shutdown
    code === "57P02" || // crash shutdown
    code === "57P05" || // idle_session_timeout ended the session
    code === "25P03" || // idle_in_transaction_session_timeout ended the session
    code === "57P03" || // cannot connect now
    code === "53300" || // too many connections
    code === "28P01" || // invalid password
    code === "28000" || // invalid authorization
    code === "3D000" // database does not exist
  ) {
    return new ConnectionError(message, options);
  }
  return new QueryError(message, options);
}
