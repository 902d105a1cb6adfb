/**
 * Connection pool statistics, as `db.stats()` returns them: the primary's pool, and each read
 * replica's.
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

/** One read replica's pool, as `db.stats()` reports it (counts as in {@link PoolStats}). */
export interface ReplicaPoolStats extends PoolStats {
  /** `host:port` of the replica, as `db.replicaStats()` names it. */
  readonly server: string;
}

/**
 * What `db.stats()` returns: the primary's connections (`total`, `idle`, `waiting`, which count the
 * primary's pool only), and, on a Database with read replicas, each replica's pool.
 */
export interface DatabaseStats extends PoolStats {
  /**
   * Each read replica's pool, in the order the replicas were given; absent on a Database without
   * replicas. A replica's pool opens on its first read (all zeros until then, and after close).
   */
  readonly replicas?: readonly ReplicaPoolStats[];
}
