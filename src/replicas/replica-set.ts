/**
 * Read replicas: where a read that may go to a replica goes (see `DatabaseOptions.replicas` and
 * docs/scaling.md).
 *
 * - Reads go to the usable replicas in turn (round robin).
 * - A replica whose read fails with a {@link ConnectionError} (down, unreachable, restarting) is
 *   marked down and the read runs on the primary instead (a read is safe to run twice); while it
 *   is down, reads go to the primary and, at most once a second, a check in the background
 *   (never in a caller's way) finds out whether it is back. A read a hot standby cancels (a
 *   conflict with recovery, SQLSTATE 40001) also runs again on the primary.
 * - With `maxReplicaLagMs`, a replica is checked before its first read and then at most once a
 *   second (in the background): one whose replay lags more than the bound is skipped until it
 *   catches up. Lag is 0 when everything received is replayed, else the time since the last
 *   replayed transaction (`pg_last_xact_replay_timestamp()`), as monitoring tools compute it.
 * - CockroachDB: a "replica" is a node whose reads run as follower reads, in a read-only
 *   transaction `AS OF SYSTEM TIME follower_read_timestamp()` (stale by a few seconds, served by
 *   the nearest replica of each range). Untested here: CockroachDB cannot be installed on the
 *   test machine.
 *
 * @module
 */
import type { ServerConfig } from "../config/connection-config.js";
import type { Driver, DriverConnection, QueryResult, Row } from "../backends/contract.js";
import { createLoadedDriver, sqlDialectFor } from "../backends/registry.js";
import { AmbiguousCommitError, ConnectionError, SerializationError } from "../errors/errors.js";
import type { PoolStats, ReplicaPoolStats } from "../diagnostics/pool-stats.js";

/**
 * What a replica's failure means for the read: `down` (the connection failed: the read runs on
 * the primary and the replica is left alone for a while), `retry` (a hot standby cancelled it
 * because of a conflict with recovery, SQLSTATE 40001, or a schema change: the read runs on the
 * primary), or `throw` (the read itself is wrong, and would be on the primary too).
 */
function replicaFailure(error: unknown): "down" | "retry" | "throw" {
  // A read cannot have an unknown outcome; AmbiguousCommitError would only come from a
  // misclassified statement, and means the connection failed.
  if (error instanceof ConnectionError || error instanceof AmbiguousCommitError) return "down";
  if (error instanceof SerializationError) return "retry";
  return "throw";
}

/** How long a replica is left alone after a connection failure before it is checked again, in ms. */
const RECHECK_MS = 1_000;

/** PostgreSQL: how far behind the primary a standby's replay is, in ms (0 on a primary or when caught up). */
const LAG_SQL =
  "SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 " +
  "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000, 0) END::float8 AS lag_ms";

/** CockroachDB's follower reads: a read-only transaction at the follower read timestamp. */
const FOLLOWER_BEGIN = "BEGIN TRANSACTION AS OF SYSTEM TIME follower_read_timestamp()";

/** Whether the primary's backend serves replica reads as follower reads (CockroachDB), not by lag checks. */
function followerReads(primary: Driver): boolean {
  return sqlDialectFor(primary.dialect).followerReads;
}

/** What is known of a replica: `up`, `down`, `lagging` (beyond `maxReplicaLagMs`), or `unknown` before its first use. */
export type ReplicaHealth = "unknown" | "up" | "down" | "lagging";

/** One replica: its driver and what is known of it. */
class Replica {
  #driver: Driver | undefined;
  health: ReplicaHealth = "unknown";
  /** When the health was last established (ms since the epoch). */
  checkedAt = 0;
  /** The check in progress, if any. */
  checking: Promise<void> | undefined;
  /** The last measured lag, in ms. */
  lagMs = 0;
  reads = 0;

  constructor(readonly config: ServerConfig) {}

  /**
   * The replica's driver, made on first use: replicas are used only once the primary connected,
   * which loaded the backend's driver module.
   */
  get driver(): Driver {
    return (this.#driver ??= createLoadedDriver(this.config));
  }

  /** The replica's pool counts: zeros before its driver is made (its first read) and once closed. */
  poolStats(): PoolStats {
    return this.#driver?.stats?.() ?? { total: 0, idle: 0, waiting: 0 };
  }

  /** `host:port`, as the stats name the replica. */
  get server(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  /** Closes the driver if one was made. */
  close(): Promise<void> {
    return this.#driver?.close() ?? Promise.resolve();
  }
}

/** One replica's state, as `db.replicaStats()` reports it. */
export interface ReplicaStats {
  /** `host:port` of the replica. */
  readonly server: string;
  /** What is known: `up`, `down`, `lagging`, or `unknown` before its first use. */
  readonly health: ReplicaHealth;
  /** The last measured replay lag in ms (measured only with `maxReplicaLagMs`). */
  readonly lagMs: number;
  /** Reads it served. */
  readonly reads: number;
}

/** What `db.replicaStats()` reports. */
export interface ReplicaReport {
  /** Each replica's state, in the order given. */
  readonly replicas: ReplicaStats[];
  /** Reads that went to the primary because no replica was usable (down, lagging, or a read it cancelled). */
  readonly primaryReads: number;
}

/** The replicas of one Database. See the module documentation. */
export class ReplicaSet {
  readonly #replicas: Replica[];
  readonly #maxLagMs: number;
  #next = 0;
  #closed = false;
  /** Reads that went to the primary because no replica was usable. */
  primaryReads = 0;

  constructor(configs: readonly ServerConfig[], maxLagMs: number) {
    this.#replicas = configs.map((config) => new Replica(config));
    this.#maxLagMs = maxLagMs;
  }

  /** Per-replica state, for tests and monitoring. */
  stats(): ReplicaStats[] {
    return this.#replicas.map((r) => ({ server: r.server, health: r.health, lagMs: r.lagMs, reads: r.reads }));
  }

  /** Each replica's pool counts, in order (see `db.stats()`). */
  poolStats(): ReplicaPoolStats[] {
    return this.#replicas.map((r) => ({ server: r.server, ...r.poolStats() }));
  }

  /**
   * A connection-like object whose statements go to a usable replica, else to `primary`: what
   * the Database times and reports like any other statement.
   */
  reader(primary: Driver): DriverConnection {
    return {
      query: (sql, params, single) => this.query(primary, sql, params, single),
      stream: (sql, params, batchSize) => this.stream(primary, sql, params, batchSize),
    };
  }

  /** Runs a read on a usable replica, else on `primary`. */
  async query(primary: Driver, sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    const replica = await this.#pick(primary);
    if (replica === undefined) {
      this.primaryReads++;
      return primary.query(sql, params, single);
    }
    try {
      const result = followerReads(primary) ? await this.#followerRead(replica, sql, params) : await replica.driver.query(sql, params, single);
      replica.reads++;
      return result;
    } catch (error) {
      const failure = replicaFailure(error);
      if (failure === "throw") throw error;
      if (failure === "down") this.#markDown(replica);
      this.primaryReads++;
      return primary.query(sql, params, single);
    }
  }

  /** Streams a read from a usable replica, else from `primary`; falls back only before the first batch. */
  async *stream(primary: Driver, sql: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    const replica = await this.#pick(primary);
    if (replica === undefined || followerReads(primary)) {
      // CockroachDB: streams keep to the gateway (a follower read would need a transaction held open).
      this.primaryReads++;
      yield* primary.stream(sql, params, batchSize);
      return;
    }
    const batches = replica.driver.stream(sql, params, batchSize)[Symbol.asyncIterator]();
    let first: IteratorResult<Row[]>;
    try {
      first = await batches.next();
    } catch (error) {
      const failure = replicaFailure(error);
      if (failure === "throw") throw error;
      if (failure === "down") this.#markDown(replica);
      this.primaryReads++;
      yield* primary.stream(sql, params, batchSize);
      return;
    }
    replica.reads++;
    try {
      if (first.done === true) return;
      yield first.value;
      for (let next = await batches.next(); next.done !== true; next = await batches.next()) yield next.value;
    } finally {
      await batches.return?.(undefined);
    }
  }

  /** The next usable replica in turn, or undefined when none is. */
  async #pick(primary: Driver): Promise<Replica | undefined> {
    if (this.#closed) return undefined;
    const count = this.#replicas.length;
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const replica = this.#replicas[(this.#next + i) % count]!;
      if (replica.health === "unknown") {
        // The lag must be known before the first read; without a bound there is nothing to check.
        if (this.#maxLagMs > 0 && !followerReads(primary)) await this.#check(replica, primary);
        else replica.health = "up";
      } else if (now - replica.checkedAt >= RECHECK_MS && this.#needsChecks(replica, primary)) {
        void this.#check(replica, primary);
      }
      if (replica.health === "up") {
        this.#next = (this.#next + i + 1) % count;
        return replica;
      }
    }
    return undefined;
  }

  /** Whether `replica` is checked in the background: when down or lagging, and (with a lag bound) when up. */
  #needsChecks(replica: Replica, primary: Driver): boolean {
    if (replica.health !== "up") return true;
    return this.#maxLagMs > 0 && !followerReads(primary);
  }

  /** Measures whether `replica` answers (and its lag); never rejects. */
  #check(replica: Replica, primary: Driver): Promise<void> {
    replica.checking ??= (async () => {
      try {
        if (followerReads(primary)) {
          await replica.driver.query("SELECT 1", []);
          replica.health = "up";
        } else {
          const { rows } = await replica.driver.query(LAG_SQL, []);
          replica.lagMs = Number(rows[0]?.["lag_ms"] ?? 0);
          replica.health = this.#maxLagMs > 0 && replica.lagMs > this.#maxLagMs ? "lagging" : "up";
        }
      } catch {
        replica.health = "down";
      } finally {
        replica.checkedAt = Date.now();
        replica.checking = undefined;
      }
    })();
    return replica.checking;
  }

  #markDown(replica: Replica): void {
    replica.health = "down";
    replica.checkedAt = Date.now();
  }

  /** CockroachDB: the read in a read-only transaction at the follower read timestamp. */
  async #followerRead(replica: Replica, sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const connection = await replica.driver.acquire();
    let broken = false;
    try {
      const [, result] = await Promise.all([connection.query(FOLLOWER_BEGIN, []), connection.query(sql, params), connection.query("COMMIT", [])]);
      return result;
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  /** Closes every replica's connections. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#replicas.map(async (r) => {
      await r.checking;
      await r.close();
    }));
  }
}
