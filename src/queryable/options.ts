/**
 * The option and result types of the {@link Queryable} API (re-exported by queryable.ts).
 *
 * @module
 */
import type { IsolationLevel, Row } from "../backends/contract.js";
import type { OrderBy } from "../sql/order-by.js";
import type { Where } from "../sql/where.js";
import type { RetryOptions } from "../transaction/retry.js";

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
