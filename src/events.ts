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
  /** Bound parameters; present only when the Database was opened with `logParameters: true`, since they hold user data. */
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

/** A `query` listener. Exceptions thrown by listeners are ignored so that logging cannot break queries. */
export type QueryListener = (event: QueryEvent) => void;

/** The listeners of one Database. */
export class QueryEvents {
  #listeners: QueryListener[] = [];

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
      } catch {
        // A listener's failure must not change the outcome of the query.
      }
    }
  }
}
