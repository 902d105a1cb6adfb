/**
 * The lane that runs statements outside transactions: pooled connections in pg's pipeline mode,
 * shared by concurrent statements.
 *
 * `pool.query` holds a connection for a whole round trip, so with more concurrent statements than
 * connections the rest wait in the pool's queue and every statement costs the server a wake-up of
 * its own. The lane instead checks connections out of the same pool and writes statements to
 * them without waiting for the previous answers (each statement still ends with its own Sync, so
 * each is still its own implicit transaction: one failing statement does not touch its
 * neighbours). The rules:
 *
 * - While the pool has a free connection, a statement gets a connection of its own (latency first).
 * - When the pool is exhausted, a statement is written behind the least busy lane connection.
 * - When somebody else (a transaction) waits for a connection, no new statement is written to the
 *   lane; its connections drain and go back to the pool, which serves its queue in order. A
 *   steady stream of statements therefore cannot starve transactions.
 * - A lane connection goes back to the pool once its last statement has answered and no new one
 *   arrived within the same turn of the event loop.
 *
 * - Behind a transaction-mode pooler (`pipelining()` false) a connection carries one statement at
 *   a time: PgBouncer 1.18 hands a client's connection to another server session as soon as one
 *   statement's ReadyForQuery says idle, so the Parse of a statement pipelined behind it can land
 *   in one server session and its Bind in another (measured: "bind message supplies 1
 *   parameters, but prepared statement "" requires 3", i.e. another client's statement). Statements
 *   then wait for a free connection, as with `pool.query`.
 *
 * Measured on the benchmark machine (docs/benchmarks.md): point reads at concurrency 32 over 10
 * connections from ~10,600/s with `pool.query` to the rate of postgres.js, which pipelines the
 * same way.
 *
 * @module
 */
import type pg from "pg";
import { coalesceWrites } from "./coalesce-writes.js";

interface LaneConnection {
  readonly client: pg.PoolClient;
  /** Statements written and not yet answered. */
  inFlight: number;
  /** False once the connection failed: no new statements, destroyed when drained. */
  usable: boolean;
  /** A release at the end of this event-loop turn is pending (see PipelinedLane.#idle). */
  releaseScheduled: boolean;
  readonly onError: () => void;
}

/**
 * Switches pg's pipeline mode on an idle client this code holds (the type declarations mark the
 * property read-only; pg reads it on every dispatch).
 */
export function setPipelineMode(client: pg.ClientBase, on: boolean): void {
  (client as pg.ClientBase & { pipeline: boolean }).pipeline = on;
}

/** See the module documentation. */
export class PipelinedLane {
  readonly #pool: pg.Pool;
  readonly #maxConnections: number;
  readonly #isBroken: (error: unknown) => boolean;
  readonly #mapError: (error: unknown) => unknown;
  readonly #pipelining: () => boolean;
  readonly #connections: LaneConnection[] = [];
  /** Checkouts from the pool in progress. */
  #opening = 0;
  /** Statements waiting for a lane connection that is being opened. */
  #waiters: (() => void)[] = [];

  /**
   * @param pool The pool shared with transactions.
   * @param maxConnections The pool's size.
   * @param isBroken Whether a statement's (mapped) error means its connection is unusable.
   * @param mapError Turns a failure to check a connection out into the error callers get.
   * @param pipelining Whether statements may be written behind unanswered ones (false behind a
   *   transaction-mode pooler); asked at every statement, since a pooler is detected after connecting.
   */
  constructor(
    pool: pg.Pool,
    maxConnections: number,
    isBroken: (error: unknown) => boolean,
    mapError: (error: unknown) => unknown,
    pipelining: () => boolean = () => true,
  ) {
    this.#pool = pool;
    this.#maxConnections = maxConnections;
    this.#isBroken = isBroken;
    this.#mapError = mapError;
    this.#pipelining = pipelining;
  }

  /** Runs `work` (one statement) on a lane connection. */
  async run<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let lane = this.#pick();
    while (lane === "wait") {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      lane = this.#pick();
    }
    if (lane === "open") lane = await this.#open();
    lane.inFlight++;
    coalesceWrites(lane.client);
    try {
      return await work(lane.client);
    } catch (error) {
      if (this.#isBroken(error)) lane.usable = false;
      throw error;
    } finally {
      if (--lane.inFlight === 0) this.#idle(lane);
    }
  }

  /** Connections that the pool could hand out now: idle or not yet opened, minus those claimed. */
  #freeConnections(): number {
    const pool = this.#pool;
    return pool.idleCount + (this.#maxConnections - pool.totalCount) - pool.waitingCount;
  }

  #pick(): LaneConnection | "open" | "wait" {
    // Somebody other than the lane waits in the pool's queue: let the lane drain for them.
    const othersWaiting = this.#pool.waitingCount > this.#opening;
    let best: LaneConnection | undefined;
    for (const lane of this.#connections) {
      if (lane.usable && (best === undefined || lane.inFlight < best.inFlight)) best = lane;
    }
    if (best !== undefined && best.inFlight === 0 && !othersWaiting) return best;
    if (othersWaiting || this.#freeConnections() > 0) return "open";
    // No pipelining: wait in the pool's queue for a connection of one's own.
    if (!this.#pipelining()) return "open";
    if (best !== undefined) return best;
    // The pool is exhausted and the lane has no connection yet: pipeline behind the first one
    // that opens rather than queueing for a connection of one's own.
    return this.#opening > 0 ? "wait" : "open";
  }

  async #open(): Promise<LaneConnection> {
    this.#opening++;
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#mapError(error);
    } finally {
      this.#opening--;
      this.#wake();
    }
    setPipelineMode(client, true);
    const lane: LaneConnection = {
      client,
      inFlight: 0,
      usable: true,
      releaseScheduled: false,
      // A lane connection that dies emits "error" on its client; without a listener the process
      // would crash. Its statements fail on their own and reach their callers.
      onError: () => {
        lane.usable = false;
      },
    };
    client.on("error", lane.onError);
    this.#connections.push(lane);
    return lane;
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * A lane connection with nothing in flight goes back to the pool at the end of this turn of the
   * event loop, unless a statement arrives first: a caller running statements one after another
   * keeps its connection instead of checking one out of the pool for each (measured: read by key
   * at concurrency 1 went from 1.30x of \`pool.query\`'s time to ~1.0x). It goes back at once when
   * somebody waits for a connection, or when it failed.
   */
  #idle(lane: LaneConnection): void {
    // Without pipelining, the lane's own statements wait in the pool's queue too: serve them now.
    if (!lane.usable || this.#pool.waitingCount > (this.#pipelining() ? this.#opening : 0)) {
      this.#release(lane);
      return;
    }
    if (lane.releaseScheduled) return;
    lane.releaseScheduled = true;
    setImmediate(() => {
      lane.releaseScheduled = false;
      if (lane.inFlight === 0) this.#release(lane);
    });
  }

  #release(lane: LaneConnection): void {
    const index = this.#connections.indexOf(lane);
    if (index < 0) return;
    this.#connections.splice(index, 1);
    lane.client.off("error", lane.onError);
    setPipelineMode(lane.client, false);
    // A broken connection is destroyed instead of going back to the pool.
    lane.client.release(lane.usable ? undefined : true);
  }
}
