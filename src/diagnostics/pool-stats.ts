/**
 * Connection pool statistics, as `db.stats()` returns them.
 *
 * @module
 */

/** A snapshot of a Database's connections (see `Database.stats`). */
export interface PoolStats {
  /** Connections open now (SQLite: the main connection and the side connections kept for streams). */
  readonly total: number;
  /** Open connections no call is using. */
  readonly idle: number;
  /** Calls waiting for a connection (PostgreSQL: a full pool; SQLite: behind a running transaction). */
  readonly waiting: number;
}
