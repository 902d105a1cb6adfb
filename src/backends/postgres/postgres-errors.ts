/**
 * PostgreSQL's (and CockroachDB's) error mapping: SQLSTATEs and Node network codes become
 * tablekit's error classes (src/errors/errors.ts), the same classes SQLite's result codes map to.
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
} from "../../errors/errors.js";
import { asRecord, str } from "../../errors/driver-error.js";
import { redactSecrets } from "../../util/redact.js";
import { isTlsErrorCode } from "./connection-hints.js";
import { serverDetails } from "./server-details.js";

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
