/**
 * `Database`: one async API over embedded SQLite, PostgreSQL and CockroachDB — connection
 * lifecycle, the ambient transaction, retries, and query events. The query methods themselves
 * are inherited from {@link Queryable}.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { type DatabaseOptions, type DialectName, type Int64Mode, type ResolvedConfig, describeConfig, resolveConfig } from "./config/connection-config.js";
import type { Driver, DriverConnection, QueryResult, ReservedConnection, Row, SqlDialect, StatementText } from "./backends/contract.js";
import { createDriver, sqlDialectFor } from "./backends/registry.js";
import { AmbiguousCommitError, ConnectionError, QueryError, TablekitError, ValidationError } from "./errors/errors.js";
import { type QueryListener, QueryEvents } from "./events.js";
import {
  type QueryTraceContext,
  type TraceTarget,
  type TransactionTraceContext,
  connectChannel,
  jsonSafeParams,
  queryChannel,
  traceTarget,
  transactionChannel,
} from "./diagnostics/tracing.js";
import type { DatabaseStats, PoolStats } from "./diagnostics/pool-stats.js";
import { Queryable, type TransactionOptions, ownDriver } from "./queryable.js";
import { type BatchSource, OpenStreams } from "./lifecycle/open-streams.js";
import { currentScope, runInScope } from "./transaction/context.js";
import { type FailoverRetry, resolveRetryOptions, withRetries } from "./transaction/retry.js";
import { Transaction, type TransactionHost, TxScope, execInScope } from "./transaction/transaction.js";
import { registerDatabaseClass } from "./table/database-hook.js";
import { Table, type FromOptions, type TableInit, type TableInsertOf, type TableRowOf } from "./table/table-constructor.js";
import type { SchemaShape } from "./table/schema-types.js";
import type { Model } from "./table/model.js";
import type { RelationMap } from "./table/relations.js";
import { type Migrate, createMigrate } from "./migrate/migrator.js";
import { compareSchema, diffText } from "./migrate/schema-diff.js";
import { type ReplicaReport, ReplicaSet } from "./replicas/replica-set.js";
import { onPrimary, runOnPrimary } from "./replicas/primary-scope.js";

/**
 * The failover retry of a config (see `withRetries`): for several hosts with
 * `targetSessionAttrs` `read-write` or `primary`, a transaction whose connection was lost before
 * COMMIT was sent runs again, for up to connectTimeoutMs (10 s when that is 0) after the loss.
 */
function failoverRetry(config: ResolvedConfig, stopped: () => boolean): FailoverRetry | undefined {
  if (!("hosts" in config) || config.hosts === undefined) return undefined;
  if (config.targetSessionAttrs !== "read-write" && config.targetSessionAttrs !== "primary") return undefined;
  return { windowMs: config.connectTimeoutMs > 0 ? config.connectTimeoutMs : 10_000, stopped };
}

const ISOLATION_LEVELS = new Set(["serializable", "repeatable read", "read committed"]);
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

type State = "new" | "open" | "closing" | "closed";

/**
 * A database: embedded SQLite by default, or PostgreSQL/CockroachDB by URL or fields.
 *
 * ```ts
 * const db = new Database();                                  // DATABASE_URL, else ./tablekit.db
 * const db2 = new Database({ url: "sqlite::memory:" });
 * await using db3 = await Database.open("postgres://postgres@127.0.0.1:5432/test");
 * const adults = await db.select("users", { where: { age: { gte: 18 } }, orderBy: "name" });
 * ```
 *
 * `M` is the `int64` option as the compiler sees it (`new Database({ int64: "bigint" })` is a
 * `Database<"bigint">`): Tables typed from their `schema` read 64-bit integer columns by it. It
 * has no runtime effect; an `int64` given only in a URL or `DATABASE_URL` is not seen by the
 * compiler, so give the type then: `new Database<"bigint">(url)`.
 */
export class Database<M extends Int64Mode = "number"> extends Queryable {
  readonly #config: ResolvedConfig;
  readonly #events = new QueryEvents();
  readonly #streams = new OpenStreams();
  readonly #host: TransactionHost;
  /** Set for multi-host configs that want a writable host: transactions lost before COMMIT run again. */
  readonly #failover: FailoverRetry | undefined;
  #driver: Driver | undefined;
  /** The read replicas, when configured (server backends). */
  readonly #replicas: ReplicaSet | undefined;
  #connecting: Promise<void> | undefined;
  #state: State = "new";
  #active = 0;
  #openTransactions = 0;
  #drained: (() => void) | undefined;
  /** The closing started by the first {@link Database.close} call. */
  #closing: Promise<void> | undefined;

  /**
   * Schema migrations: `await db.migrate({ dir: "migrations" })` applies the pending ones in name
   * order, each in its own transaction; `db.migrate.status(…)` lists applied and pending;
   * `db.migrate.down({ …, to })` rolls back. See docs/migrations.md.
   */
  readonly migrate: Migrate = createMigrate(() => ({ db: this, poolSize: "maxConnections" in this.#config ? this.#config.maxConnections : 1 }));

  /** Creates a Database; nothing connects until {@link Database.connect} or the first operation. */
  constructor(options?: (DatabaseOptions & { int64?: M }) | string);
  /** Creates a Database from options whose `int64` is not a literal. */
  constructor(options?: DatabaseOptions | string);
  constructor(options?: DatabaseOptions | string) {
    super();
    this.#config = resolveConfig(options);
    this.#failover = failoverRetry(this.#config, () => this.closed);
    const config = this.#config;
    const replicas = "replicas" in config ? config.replicas : undefined;
    this.#replicas = replicas === undefined || replicas.length === 0 ? undefined : new ReplicaSet(replicas, ("maxReplicaLagMs" in config ? config.maxReplicaLagMs : undefined) ?? 0);
    const db = this;
    this.#host = {
      owner: this,
      get dialectName() {
        return db.dialect;
      },
      get sqlDialect() {
        return db.sqlDialect;
      },
      int64: this.#config.int64,
      execRaw: (scope, sql, params, single) => this.#timed(scope.connection, sql, params, true, single, scope.root.trace),
      execRawMany: (scope, statements) => this.#timedMany(scope.connection, statements, scope.root.trace),
      stream: (scope, sql, params, batchSize) => this.#timedStream(scope.connection, sql, params, batchSize, true, scope.root.trace),
      copyIn: (scope, sql, lines) => this.#timedCopy(scope.connection, sql, lines, scope.root.trace),
    };
  }

  /** Creates a Database from a URL (`sqlite:…`, `postgres://…`, `cockroachdb://…`). */
  static fromUrl<M extends Int64Mode = "number">(url: string, options: Omit<DatabaseOptions, "url"> & { int64?: M } = {}): Database<M> {
    return new Database<M>({ ...options, url });
  }

  /** Creates and connects a Database; use with `await using` to close it at the end of the scope. */
  static async open<M extends Int64Mode = "number">(options?: (DatabaseOptions & { int64?: M }) | string): Promise<Database<M>> {
    const db = new Database<M>(options);
    await db.connect();
    return db;
  }

  /** The backend: "sqlite", "postgres" or "cockroachdb" (known for sure once connected). */
  get dialect(): DialectName {
    return this.#driver?.dialect ?? this.#config.dialect;
  }

  /** @internal */
  protected get sqlDialect(): SqlDialect {
    return sqlDialectFor(this.dialect);
  }

  /** Whether {@link Database.close} has been called. */
  get closed(): boolean {
    return this.#state === "closing" || this.#state === "closed";
  }

  /** Connects (opens the file, or the pool). Idempotent; operations connect by themselves. */
  async connect(): Promise<void> {
    if (this.#state === "open") return;
    if (this.closed) throw new ConnectionError("The Database is closed");
    this.#connecting ??= (async () => {
      const driver = await createDriver(this.#config);
      try {
        if (connectChannel.hasSubscribers) await connectChannel.tracePromise(() => driver.connect(), this.#traceTarget());
        else await driver.connect();
      } catch (error) {
        this.#connecting = undefined;
        await driver.close().catch(() => undefined);
        throw error;
      }
      this.#driver = driver;
      this.#state = "open";
    })();
    return this.#connecting;
  }

  /**
   * Closes the Database: calls already running (and open transactions) finish, then every
   * connection closes. Later calls fail with {@link ConnectionError}. Idempotent.
   */
  close(): Promise<void> {
    if (this.#state === "closed" && this.#closing === undefined) return Promise.resolve();
    // Every call gets the same closing: a second close() must not resolve while the first still
    // waits for running calls or for the connections to close.
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = "closing";
    if (this.#active > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      // Running calls finish; a stream whose consumer stopped reading without return() is ended.
      await this.#streams.endAbandoned(drained);
    }
    await this.#connecting?.catch(() => undefined);
    const driver = this.#driver;
    this.#driver = undefined;
    this.#state = "closed";
    await Promise.all([driver?.close(), this.#replicas?.close()]);
  }

  /** Closes the Database at the end of an `await using` scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Listens to every statement: `db.on("query", ({ sql, durationMs, rowCount, error }) => …)`.
   * Parameters are included only with `logParameters: true`.
   */
  on(event: "query", listener: QueryListener): this {
    if (event !== "query") throw new ValidationError(`Unknown event "${String(event)}"; the only event is "query"`);
    this.#events.add(listener);
    return this;
  }

  /** Removes a listener added with {@link Database.on}. */
  off(event: "query", listener: QueryListener): this {
    if (event === "query") this.#events.remove(listener);
    return this;
  }

  /**
   * The connection pool's counts right now: `total` connections open, how many are `idle`, and
   * how many calls are `waiting` for one. PostgreSQL/CockroachDB: the pool's own counts. SQLite:
   * the main connection plus the read-only side connections kept for streams; the main one is
   * busy while a transaction holds it, and `waiting` counts calls queued behind that transaction.
   * All zero before the Database connects and after it closes. Those three count the primary's
   * connections; a Database with read replicas also reports each replica's pool, in `replicas`
   * (`server`, `total`, `idle`, `waiting`; zeros until the replica's first read). Reads served and
   * replica health are in {@link Database.replicaStats}.
   *
   * ```ts
   * const { total, idle, waiting, replicas } = db.stats();
   * for (const replica of replicas ?? []) console.log(replica.server, replica.total, replica.idle);
   * ```
   */
  stats(): DatabaseStats {
    const own: PoolStats = this.#state === "open" && this.#driver?.stats !== undefined ? this.#driver.stats() : { total: 0, idle: 0, waiting: 0 };
    const replicas = this.#replicas;
    return replicas === undefined ? own : { ...own, replicas: replicas.poolStats() };
  }

  /** A safe description, without password: `Database(postgres://root@localhost:26257/mydb)`. */
  override toString(): string {
    return `Database(${describeConfig(this.#config)})`;
  }

  /** @internal util.inspect shows the same safe description. */
  [inspectSymbol](): string {
    return this.toString();
  }

  /**
   * A {@link Table} on this Database: the same as `new Table(name, { ...options, db: this })`.
   *
   * ```ts
   * const users = db.table("users", { schema: { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", email: "TEXT UNIQUE NOT NULL" } });
   * ```
   */
  table<
    R extends object = FromOptions,
    Rels extends RelationMap = RelationMap,
    const H extends string = never,
    I extends object = Partial<R>,
    const S extends SchemaShape = SchemaShape,
    Mo extends Model<any, any> = never,
    const PK extends string = never,
  >(name: string, options: Omit<TableInit<R, Rels, H, S, Mo, M, PK, I>, "db"> = {}): Table<TableRowOf<R, S, Mo, M, PK>, Rels, H, TableInsertOf<R, I, S, Mo, M>> {
    // The signature above types the result; re-inferring it from the spread options here cost
    // ~17,000 type instantiations per compile (measured with --extendedDiagnostics).
    return new Table(name, { ...(options as object), db: this as Database }) as never;
  }

  /**
   * The SQL that would bring the live table to the declared `schema` (`{ column: "TYPE ..." }`):
   * `ALTER TABLE … ADD COLUMN …;` lines for missing columns (`CREATE TABLE …;` when the table does
   * not exist), and `-- …` comment lines for what it cannot do safely (dropping, changing, columns
   * SQLite cannot add). Empty when the table has every declared column. Runs nothing that writes:
   * paste the output into a migration.
   *
   * ```ts
   * console.log(await db.schemaDiff("things", { id: "INTEGER PRIMARY KEY", color: "TEXT DEFAULT 'red'" }));
   * // ALTER TABLE "things" ADD COLUMN "color" TEXT DEFAULT 'red';
   * ```
   */
  async schemaDiff(table: string, schema: Readonly<Record<string, string>>): Promise<string> {
    return diffText(await compareSchema(this, table, schema));
  }

  /** @internal The driver, for other tablekit modules (connects first). */
  async driver(): Promise<Driver> {
    if (this.#driver === undefined) await this.connect();
    return this.#driver!;
  }

  #enter(): void {
    if (this.#state === "closing" || this.#state === "closed") throw new ConnectionError("The Database is closed");
    this.#active++;
  }

  #leave(): void {
    if (--this.#active === 0 && this.#drained !== undefined) {
      this.#drained();
      this.#drained = undefined;
    }
  }

  /** Whether anyone observes statements (query listeners or tracing subscribers); callers skip timing when not. */
  get #observed(): boolean {
    return this.#events.active || queryChannel.hasSubscribers;
  }

  #traceTarget(): TraceTarget {
    return traceTarget(this.#config, this.dialect);
  }

  #queryContext(sql: string, params: readonly unknown[], inTransaction: boolean, stream: boolean, transaction: TransactionTraceContext | undefined): QueryTraceContext {
    return {
      ...this.#traceTarget(),
      sql,
      ...(this.#config.logParameters ? { params: jsonSafeParams(params) } : {}),
      inTransaction,
      stream,
      ...(transaction === undefined ? {} : { transaction }),
    };
  }

  #timed(
    target: DriverConnection,
    sql: string,
    params: readonly unknown[],
    inTransaction: boolean,
    single?: boolean,
    transaction?: TransactionTraceContext,
  ): Promise<QueryResult> {
    if (!queryChannel.hasSubscribers) return this.#withEvents(target, sql, params, inTransaction, single);
    const context = this.#queryContext(sql, params, inTransaction, false, transaction);
    // The context's `result` is `{ rowCount }`, never the rows (user data, possibly bigints).
    let result: QueryResult | undefined;
    const traced = async (): Promise<{ rowCount: number }> => {
      result = await this.#withEvents(target, sql, params, inTransaction, single);
      return { rowCount: result.rowCount };
    };
    return queryChannel.tracePromise(traced, context).then(() => result!);
  }

  async #withEvents(target: DriverConnection, sql: string, params: readonly unknown[], inTransaction: boolean, single?: boolean): Promise<QueryResult> {
    if (!this.#events.active) return target.query(sql, params, single);
    const start = performance.now();
    try {
      const result = await target.query(sql, params, single);
      this.#emit(sql, params, start, result.rowCount, undefined, inTransaction);
      return result;
    } catch (error) {
      this.#emit(sql, params, start, 0, error, inTransaction);
      throw error;
    }
  }

  /**
   * Statements run in order on a transaction's connection: in one driver call where it has
   * `queryMany` and nobody observes single statements; else each through {@link Database.#timed}
   * (its query event and trace), issued together as before (PostgreSQL pipelines them).
   */
  #timedMany(target: ReservedConnection, statements: readonly StatementText[], transaction?: TransactionTraceContext): Promise<QueryResult[]> {
    if (target.queryMany !== undefined && !queryChannel.hasSubscribers && !this.#events.active) return target.queryMany(statements);
    return Promise.all(statements.map((s) => this.#timed(target, s.sql, s.params, true, undefined, transaction)));
  }

  #timedCopy(target: ReservedConnection, sql: string, lines: Iterable<string>, transaction?: TransactionTraceContext): Promise<number> {
    if (!queryChannel.hasSubscribers) return this.#copyWithEvents(target, sql, lines);
    const context = this.#queryContext(sql, [], true, false, transaction);
    // The context's result is `{ rowCount }`, like a statement's: the rows loaded.
    const traced = async (): Promise<{ rowCount: number }> => ({ rowCount: await this.#copyWithEvents(target, sql, lines) });
    return queryChannel.tracePromise(traced, context).then((result) => result.rowCount);
  }

  async #copyWithEvents(target: ReservedConnection, sql: string, lines: Iterable<string>): Promise<number> {
    if (target.copyIn === undefined) throw new QueryError("This backend has no COPY");
    const start = performance.now();
    try {
      const count = await target.copyIn(sql, lines);
      if (this.#events.active) this.#emit(sql, [], start, count, undefined, true);
      return count;
    } catch (error) {
      if (this.#events.active) this.#emit(sql, [], start, 0, error, true);
      throw error;
    }
  }

  async *#timedStream(
    target: DriverConnection,
    sql: string,
    params: readonly unknown[],
    batchSize: number,
    inTransaction: boolean,
    transaction?: TransactionTraceContext,
  ): AsyncGenerator<Row[]> {
    const start = performance.now();
    // A stream is one traced operation: start/end when it begins, asyncStart/asyncEnd when it
    // ends (read to the end, broken out of, or failed: error first), as for a promise.
    const context = queryChannel.hasSubscribers ? this.#queryContext(sql, params, inTransaction, true, transaction) : undefined;
    if (context !== undefined) {
      queryChannel.start.publish(context);
      queryChannel.end.publish(context);
    }
    let count = 0;
    try {
      for await (const batch of target.stream(sql, params, batchSize)) {
        count += batch.length;
        yield batch;
      }
      if (this.#events.active) this.#emit(sql, params, start, count, undefined, inTransaction);
    } catch (error) {
      if (this.#events.active) this.#emit(sql, params, start, count, error, inTransaction);
      if (context !== undefined) {
        context.error = error;
        queryChannel.error.publish(context);
      }
      throw error;
    } finally {
      if (context !== undefined) {
        if (context.error === undefined) context.result = { rowCount: count };
        queryChannel.asyncStart.publish(context);
        queryChannel.asyncEnd.publish(context);
      }
    }
  }

  #emit(sql: string, params: readonly unknown[], start: number, rowCount: number, error: unknown, inTransaction: boolean): void {
    this.#events.emit({
      sql,
      ...(this.#config.logParameters ? { params: jsonSafeParams(params) } : {}),
      durationMs: performance.now() - start,
      rowCount,
      ...(error instanceof TablekitError ? { error } : {}),
      dialect: this.dialect,
      inTransaction,
    });
  }

  /** @internal */
  protected override get int64Mode(): Int64Mode {
    return this.#config.int64;
  }

  /** @internal Whether a statement run now commits by itself: no transaction of this Database is active here. */
  protected override get autocommit(): boolean {
    return this.#openTransactions === 0 || currentScope<TxScope>(this)?.active !== true;
  }

  /** @internal */
  protected runStatement(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    // The ambient transaction is looked up only while one is open on this Database.
    if (this.#openTransactions > 0) {
      const scope = currentScope<TxScope>(this);
      if (scope !== undefined && scope.active) return execInScope(this.#host, scope, sql, params, single);
    }
    const driver = this.#driver;
    if (driver === undefined || this.#state !== "open") return this.#runAfterConnect(sql, params, single);
    // Drivers finish statements already sent before they close, so single statements need no in-flight count.
    return this.#observed ? this.#timed(driver, sql, params, false, single) : driver.query(sql, params, single);
  }

  /** Whether a read run now may go to a replica: replicas configured, outside a transaction and outside `primary()`. */
  #mayUseReplica(): boolean {
    if (this.#replicas === undefined) return false;
    if (this.#openTransactions > 0 && currentScope<TxScope>(this)?.active === true) return false;
    return !onPrimary(this);
  }

  /** @internal Reads tablekit built go to a replica when one may serve them (see `replicas`). */
  protected override runRead(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    if (!this.#mayUseReplica()) return this.runStatement(sql, params, single);
    return this.#readOnReplica(sql, params, single);
  }

  async #readOnReplica(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    if (this.closed) throw new ConnectionError("The Database is closed");
    const driver = this.#state === "open" && this.#driver !== undefined ? this.#driver : await this.driver();
    return this.#timed(this.#replicas!.reader(driver), sql, params, false, single);
  }

  /** @internal */
  protected override streamRead(sql: string, params: readonly unknown[], batchSize: number): BatchSource {
    if (!this.#mayUseReplica()) return this.streamStatement(sql, params, batchSize);
    // Tracked like a stream on the primary: close() ends it if its consumer abandons it (a replica's
    // pool, too, waits for the connection the stream holds).
    return this.#streams.track(() => this.#streamOnReplica(sql, params, batchSize));
  }

  async *#streamOnReplica(sql: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    this.#enter();
    try {
      yield* this.#timedStream(this.#replicas!.reader(await this.driver()), sql, params, batchSize, false);
    } finally {
      this.#leave();
    }
  }

  /**
   * Runs `fn` with every read it makes on this Database (and on Tables and KVStores over it) sent
   * to the primary instead of a replica: read-your-writes where the caller needs it. Without
   * replicas it just runs `fn`. Transactions always run on the primary anyway.
   *
   * ```ts
   * await users.update(id, { name: "Ann" });
   * const fresh = await db.primary(() => users.get(id));   // not a replica that may lag
   * ```
   */
  primary<T>(fn: () => T): T {
    if (typeof fn !== "function") throw new ValidationError("primary needs a callback function");
    return runOnPrimary(this, fn);
  }

  /**
   * The read replicas' state (`server`, `health`, `lagMs`, `reads` served) and the reads that
   * went to the primary because no replica was usable; undefined without replicas.
   */
  replicaStats(): ReplicaReport | undefined {
    const set = this.#replicas;
    return set === undefined ? undefined : { replicas: set.stats(), primaryReads: set.primaryReads };
  }

  /** @internal */
  override [ownDriver](): Driver | undefined {
    return this.#state === "open" ? this.#driver : undefined;
  }

  /** @internal */
  protected override runNow(sql: string, params: readonly unknown[], single?: boolean): QueryResult | undefined {
    // Not inside a transaction (its statements go to its connection), and not while query events
    // are listened to or traced (they time the statement).
    if (this.#openTransactions > 0 || this.#state !== "open" || this.#observed) return undefined;
    return this.#driver?.queryNow?.(sql, params, single);
  }

  async #runAfterConnect(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    if (this.closed) throw new ConnectionError("The Database is closed");
    const driver = await this.driver();
    return this.#timed(driver, sql, params, false, single);
  }

  /** @internal */
  protected streamStatement(sql: string, params: readonly unknown[], batchSize: number): BatchSource {
    const scope = this.#openTransactions > 0 ? currentScope<TxScope>(this) : undefined;
    if (scope !== undefined && scope.active) return this.#host.stream(scope, sql, params, batchSize);
    // Tracked, so that close() can end it if its consumer abandons it (see lifecycle/open-streams.ts).
    return this.#streams.track(() => this.#streamOutside(sql, params, batchSize));
  }

  async *#streamOutside(sql: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    this.#enter();
    try {
      yield* this.#timedStream(await this.driver(), sql, params, batchSize, false);
    } finally {
      this.#leave();
    }
  }

  /**
   * Runs `fn` in a transaction and returns its result. Serialization failures (SQLSTATE 40001,
   * CockroachDB restarts, deadlocks, SQLite BUSY) re-run the whole callback with exponential
   * backoff and jitter, up to `maxRetries` (default 5) times, then throw
   * {@link TransactionRetryError}. A commit whose outcome is unknown throws
   * {@link AmbiguousCommitError} and is never retried. With several hosts and
   * `targetSessionAttrs` `read-write` or `primary` (a failover topology), a connection lost before
   * COMMIT was sent also re-runs the callback, on whichever host is writable by then, for up to
   * `connectTimeoutMs` after the loss (see docs/scaling.md). Calls made on this Database inside the
   * callback join the transaction; called inside another transaction, this opens a savepoint.
   *
   * ```ts
   * const id = await db.transaction(async (tx) => {
   *   const user = await tx.insert("users", { name: "Ann" });
   *   await db.insert("audit", { user_id: user.id });   // joins the transaction
   *   return user.id;
   * }, { isolation: "serializable" });
   * ```
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (typeof fn !== "function") throw new ValidationError("transaction needs a callback function");
    const ambient = this.#openTransactions > 0 ? currentScope<TxScope>(this) : undefined;
    if (ambient !== undefined && ambient.active) return new Transaction(this.#host, ambient).transaction(fn, options);
    const retry = resolveRetryOptions(options);
    if (options.isolation !== undefined && !ISOLATION_LEVELS.has(options.isolation)) {
      throw new ValidationError(`Unknown isolation level "${String(options.isolation)}"; use one of: ${[...ISOLATION_LEVELS].join(", ")}`);
    }
    this.#enter();
    this.#openTransactions++;
    try {
      const driver = this.#driver ?? (await this.driver());
      if (!transactionChannel.hasSubscribers) return await withRetries(() => this.#attempt(driver, fn, options), retry, this.#failover, this.#retryTrace);
      const context: TransactionTraceContext = {
        ...this.#traceTarget(),
        ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
        attempts: 0,
      };
      const run = (): Promise<T> => withRetries(() => this.#attempt(driver, fn, options, context), retry, this.#failover, { target: () => this.#traceTarget(), transaction: context });
      return await transactionChannel.tracePromise(run, context);
    } finally {
      this.#openTransactions--;
      this.#leave();
    }
  }

  /** Trace target for retries outside a traced transaction. */
  readonly #retryTrace = { target: (): TraceTarget => this.#traceTarget() };

  async #attempt<T>(driver: Driver, fn: (tx: Transaction) => Promise<T>, options: TransactionOptions, trace?: TransactionTraceContext): Promise<T> {
    if (trace !== undefined) trace.attempts++;
    const connection = await driver.acquire();
    const scope = new TxScope(connection, undefined);
    scope.trace = trace;
    let broken = false;
    try {
      await this.#timed(connection, this.sqlDialect.beginSql(options), [], true, undefined, trace);
      let result: T;
      try {
        result = await runInScope(this, scope, () => fn(new Transaction(this.#host, scope)));
        if (scope.failure !== undefined) throw scope.failure;
      } catch (error) {
        scope.active = false;
        if (!(scope.failure instanceof ConnectionError)) {
          try {
            await this.#timed(connection, "ROLLBACK", [], true, undefined, trace);
          } catch {
            broken = true;
          }
        }
        throw error;
      }
      scope.active = false;
      // A connection lost before COMMIT was sent (e.g. the server ended an idle transaction) did
      // not commit: that is a ConnectionError, not an unknown outcome.
      if (connection.lost === true) throw new ConnectionError("The connection was lost before COMMIT was sent, so the transaction did not commit");
      try {
        await this.#timed(connection, "COMMIT", [], true, undefined, trace);
      } catch (error) {
        if (error instanceof ConnectionError) {
          throw new AmbiguousCommitError(
            "The connection failed during COMMIT, so whether the transaction committed is unknown; it was not retried",
            { cause: error, code: error.code },
          );
        }
        // A failed COMMIT must never leave the transaction open: SQLite keeps it open after a
        // deferred constraint or SQLITE_BUSY fails the COMMIT, and the next caller's writes would
        // run inside it and be lost. PostgreSQL has already ended it (its ROLLBACK only warns).
        // A connection whose ROLLBACK fails too is discarded (SQLite's driver then reopens).
        try {
          await this.#timed(connection, "ROLLBACK", [], true, undefined, trace);
        } catch {
          broken = true;
        }
        throw error;
      }
      return result;
    } catch (error) {
      if (error instanceof ConnectionError || error instanceof AmbiguousCommitError) broken = true;
      throw error;
    } finally {
      scope.active = false;
      connection.release(broken);
    }
  }
}

// The Table module reaches the Database class through this registration (see src/table/database-hook.ts).
registerDatabaseClass(Database);
