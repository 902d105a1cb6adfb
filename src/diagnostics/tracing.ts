/**
 * tablekit's operations on `node:diagnostics_channel`: one `TracingChannel` per operation, so
 * that OpenTelemetry, APM agents and loggers see every statement, transaction, retry and connect
 * with no adapter in between. Node's own semantics apply: `start` and `end` around the
 * synchronous part, `asyncStart` and `asyncEnd` when the promise settles, `error` before them on
 * failure; the same context object is passed to every event of one operation, so a subscriber
 * can keep its span on it (e.g. `context.span = tracer.startSpan(…)` in `start`).
 *
 * | channel                | one operation                                           | context                        |
 * | ---------------------- | ------------------------------------------------------- | ------------------------------ |
 * | `tablekit:query`       | a statement (BEGIN/COMMIT too), or a whole stream       | {@link QueryTraceContext}       |
 * | `tablekit:transaction` | a `db.transaction(…)` call, every attempt included      | {@link TransactionTraceContext} |
 * | `tablekit:retry`       | the backoff wait before a transaction runs again        | {@link RetryTraceContext}       |
 * | `tablekit:connect`     | opening a Database (`connect()` or the first operation) | {@link ConnectTraceContext}     |
 *
 * Nothing is built and nothing is published while a channel has no subscriber
 * (`hasSubscribers`), so tracing costs nothing until someone subscribes.
 *
 * @module
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { DialectName, ResolvedConfig } from "../config/connection-config.js";
import type { IsolationLevel } from "../backends/contract.js";

/** Names of tablekit's tracing channels, for `diagnostics_channel.tracingChannel(name)`. */
export const TRACING_CHANNELS = Object.freeze({
  query: "tablekit:query",
  transaction: "tablekit:transaction",
  retry: "tablekit:retry",
  connect: "tablekit:connect",
} as const);

/** Where an operation runs: the same fields on every context. No password, ever. */
export interface TraceTarget {
  /** The backend: `"sqlite"`, `"postgres"` or `"cockroachdb"`. */
  dialect: DialectName;
  /** The database name (PostgreSQL/CockroachDB) or the SQLite file name (`":memory:"` for memory). */
  database: string;
  /** Server host (PostgreSQL/CockroachDB only). */
  host?: string;
  /** Server port (PostgreSQL/CockroachDB only). */
  port?: number;
}

/** The context of one `tablekit:query` operation. */
export interface QueryTraceContext extends TraceTarget {
  /** The SQL text as sent (placeholders, never values). */
  readonly sql: string;
  /**
   * Bound parameters as JSON-safe values (see {@link jsonSafeParams}); present only when the
   * Database was opened with `logParameters: true`, since they hold user data.
   */
  readonly params?: readonly unknown[];
  /** Whether the statement ran inside a transaction. */
  readonly inTransaction: boolean;
  /** Whether this is a stream (one operation for all its batches). */
  readonly stream: boolean;
  /** The enclosing `tablekit:transaction` context (the same object its subscribers saw), when in one. */
  readonly transaction?: TransactionTraceContext;
  /** Set by Node when the statement succeeded; `rowCount` is the rows returned or changed. */
  result?: { readonly rowCount: number };
  /** Set by Node when the statement failed: a `TablekitError`. */
  error?: unknown;
}

/** The context of one `tablekit:transaction` operation (a top-level `db.transaction(…)` call). */
export interface TransactionTraceContext extends TraceTarget {
  /** The isolation level asked for, when one was. */
  readonly isolation?: IsolationLevel;
  /** How many times the callback has run so far (1 + retries); final once the operation ends. */
  attempts: number;
  /** Set by Node on success: the callback's result. */
  result?: unknown;
  /** Set by Node on failure. */
  error?: unknown;
}

/** The context of one `tablekit:retry` operation: the wait before a transaction's next attempt. */
export interface RetryTraceContext extends TraceTarget {
  /** The attempt that failed (1-based); the next one is `attempt + 1`. */
  readonly attempt: number;
  /** The serialization failure that caused the retry. */
  readonly error: unknown;
  /** The backoff delay before the next attempt, in ms. */
  readonly delayMs: number;
  /** The enclosing transaction's context. */
  readonly transaction?: TransactionTraceContext;
}

/** The context of one `tablekit:connect` operation. */
export interface ConnectTraceContext extends TraceTarget {
  /** Set by Node on failure: a `ConnectionError` or `ConfigError`. */
  error?: unknown;
}

/** @internal */
export const queryChannel = diagnostics_channel.tracingChannel<unknown, QueryTraceContext>(TRACING_CHANNELS.query);
/** @internal */
export const transactionChannel = diagnostics_channel.tracingChannel<unknown, TransactionTraceContext>(TRACING_CHANNELS.transaction);
/** @internal */
export const retryChannel = diagnostics_channel.tracingChannel<unknown, RetryTraceContext>(TRACING_CHANNELS.retry);
/** @internal */
export const connectChannel = diagnostics_channel.tracingChannel<unknown, ConnectTraceContext>(TRACING_CHANNELS.connect);

/** @internal The target fields of a config (no password). */
export function traceTarget(config: ResolvedConfig, dialect: DialectName): TraceTarget {
  if ("filename" in config) return { dialect, database: config.filename };
  return { dialect, database: config.database, host: config.host, port: config.port };
}

/**
 * Bound parameters as values every logger can serialise: a `bigint` (SQLite and int64 columns
 * bind them) becomes a number when it is a safe integer and a decimal string otherwise; every
 * other value is kept as it is (`Date`, `Buffer` and `Uint8Array` have their own JSON forms).
 *
 * @param params - Parameters as bound.
 * @returns A new array, safe for `JSON.stringify`.
 */
export function jsonSafeParams(params: readonly unknown[]): unknown[] {
  return params.map(jsonSafe);
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(jsonSafe);
  return value;
}
