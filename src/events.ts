/**
 * The `query` event: one notification per statement, for logging, counting and timing. Costs
 * nothing when nobody listens.
 *
 * @module
 */
import type { DialectName } from "./config/connection-config.js";
import type { TablekitError } from "./errors/errors.js";

/** What a `query` listener receives. */
export interface QueryEvent {
  /** The SQL text as sent to the database (placeholders, never values). */
  sql: string;
  /**
   * Bound parameters; present only when the Database was opened with `logParameters: true`, since
   * they hold user data. JSON-safe: a `bigint` is given as a number when it is a safe integer and
   * as a decimal string otherwise, so `JSON.stringify(event)` never throws (other values as bound:
   * strings, numbers, booleans, null, `Date`, `Buffer`/`Uint8Array`, arrays).
   */
  params?: readonly unknown[];
  /** Wall-clock time of the statement, in milliseconds. */
  durationMs: number;
  /** Rows returned or changed (0 on failure). */
  rowCount: number;
  /** The error, when the statement failed. */
  error?: TablekitError;
  /** The backend that ran it. */
  dialect: DialectName;
  /** Whether the statement ran inside a transaction. */
  inTransaction: boolean;
}

/**
 * A `query` listener. A listener that throws does not change the outcome of the query, nor stop
 * the other listeners; its first failure is reported with `process.emitWarning` (a
 * {@link ListenerWarning}, printed by Node on stderr unless the process handles `"warning"`).
 */
export type QueryListener = (event: QueryEvent) => void;

/**
 * The warning a throwing `query` listener is reported with (`process.on("warning", …)` sees it,
 * `name` `"TablekitListenerWarning"`, `code` `"TABLEKIT_LISTENER_ERROR"`). `cause` is what the
 * listener threw. Reported once per listener and Database: later failures of the same listener
 * are the same defect, and a warning per statement would flood stderr.
 */
export class ListenerWarning extends Error {
  /** Always `"TABLEKIT_LISTENER_ERROR"`. */
  readonly code = "TABLEKIT_LISTENER_ERROR";

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }

  override get name(): string {
    return "TablekitListenerWarning";
  }
}

/** The listeners of one Database. */
export class QueryEvents {
  #listeners: QueryListener[] = [];
  readonly #reported = new WeakSet<QueryListener>();

  /** Whether anyone listens (callers skip timing when not). */
  get active(): boolean {
    return this.#listeners.length > 0;
  }

  /** Adds a listener. */
  add(listener: QueryListener): void {
    if (typeof listener !== "function") throw new TypeError("A query listener must be a function");
    this.#listeners = [...this.#listeners, listener];
  }

  /** Removes a listener added before. */
  remove(listener: QueryListener): void {
    this.#listeners = this.#listeners.filter((l) => l !== listener);
  }

  /** Notifies every listener. */
  emit(event: QueryEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A listener's failure must not change the outcome of the query, nor go unnoticed.
        this.#report(listener, error);
      }
    }
  }

  #report(listener: QueryListener, error: unknown): void {
    if (this.#reported.has(listener)) return;
    this.#reported.add(listener);
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const name = listener.name === "" ? "A" : `The`;
    const label = listener.name === "" ? `"query" listener` : `"query" listener ${listener.name}()`;
    process.emitWarning(
      new ListenerWarning(`${name} ${label} threw (${what}); the query was not affected. Later failures of this listener are not reported again.`, { cause: error }),
    );
  }
}
