/**
 * The PostgreSQL/CockroachDB driver over node-postgres (`pg`): a pool whose statements are named
 * prepared statements (prepared once per SQL text and connection), checked-out clients for
 * transactions (with an optional acquire timeout), server-side cursors (`pg-cursor`) for
 * streaming, and type parsers that give the same JavaScript values as the SQLite driver (int8 per
 * the int64 policy, DATE as "YYYY-MM-DD", TIMESTAMP as UTC).
 *
 * Why pg and not postgres.js: see docs/decisions.md ("PostgreSQL driver").
 *
 * @module
 */
import pg from "pg";
import Cursor from "pg-cursor";
import { from as copyFrom } from "pg-copy-streams";
import type { HostPort, ServerConfig } from "../../config/connection-config.js";
import { connectionAttempts } from "../../config/connection-config.js";
import { defaultPassfile, passwordFromFile } from "../../config/pgpass.js";
import { AmbiguousCommitError, ConnectionError, QueryTimeoutError, SchemaChangedError, TablekitError } from "../../errors/errors.js";
import { mapPostgresError } from "../../errors/map-error.js";
import type { Driver, QueryResult, ReservedConnection, Row } from "../dialect.js";
import type { PoolStats } from "../../diagnostics/pool-stats.js";
import { int64FromText } from "../int64.js";
import { tooManyParameters } from "../../sql/placeholders.js";
import { coalesceWrites } from "./coalesce-writes.js";
import { connectingClientClass } from "./connecting-client.js";
import { hostsOf } from "./host-selection.js";
import { type Deadline, Deadlines } from "./deadlines.js";
import { PipelinedLane, setPipelineMode } from "./pipelined-lane.js";

/** The flavour of a server, from what its `version()` says. */
export function dialectFromVersion(version: string): "postgres" | "cockroachdb" {
  return /cockroachdb/i.test(version) ? "cockroachdb" : "postgres";
}

/** `TIMESTAMP` (without time zone) values are read as UTC, as on SQLite. */
function parseTimestamp(text: string): Date | string {
  const date = new Date(text.replace(" ", "T") + "Z");
  return Number.isNaN(date.getTime()) ? text : date;
}

const OID = { int8: 20, date: 1082, timestamp: 1114, int8Array: 1016, timestampArray: 1115, dateArray: 1182, numericArray: 1231, textArray: 1009 } as const;

/** Applies `leaf` to every non-null element of a (nested) array parsed from text, in place. */
function mapLeaves(value: unknown[], leaf: (text: string) => unknown): unknown[] {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (Array.isArray(v)) mapLeaves(v, leaf);
    else if (typeof v === "string") value[i] = leaf(v);
  }
  return value;
}

/**
 * An array type's parser that reads the elements as text (pg's text[] parser: quoting, escapes,
 * nesting) and converts each with the scalar rule of its element type, so an array's elements are
 * the values a column of the element type gives: `BIGINT[]` by the `int64` option (pg's own gives
 * strings), `TIMESTAMP[]` as UTC (pg's own: local time), `DATE[]` as `"YYYY-MM-DD"` text and
 * `NUMERIC[]` as exact text (pg's own: Dates at local midnight and rounded numbers).
 */
function arrayOf(leaf: ((text: string) => unknown) | undefined): (text: string) => unknown {
  const parseTextArray = (pg.types.getTypeParser as (oid: number, format: "text") => (text: string) => unknown[])(OID.textArray, "text");
  return leaf === undefined ? parseTextArray : (text) => mapLeaves(parseTextArray(text), leaf);
}

/**
 * Types whose pg parser gives the documented value (booleans, numbers, JSON, timestamps, bytes,
 * and arrays of those). Every other type passes through as the server's text, as on SQLite,
 * instead of pg's ad-hoc objects (points, intervals, ranges).
 */
const PARSED_BY_PG = new Set([
  16, 17, 21, 23, 26, 114, 700, 701, 1184, 3802, // bool bytea int2 int4 oid json float4 float8 timestamptz jsonb
  199, 1000, 1001, 1005, 1007, 1009, 1014, 1015, 1021, 1022, 1028, 1185, 2951, 3807, // their arrays (int8[], timestamp[], date[], numeric[]: arrayOf)
]);

const identity = (text: string): string => text;

/** The type parsers of one pool: the same JavaScript values as on SQLite. */
function typeParsers(config: ServerConfig): pg.CustomTypesConfig {
  const int8 = int64FromText(config.int64);
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format === "binary") return pg.types.getTypeParser(oid, "binary");
      if (oid === OID.int8) return int8;
      if (oid === OID.date) return identity;
      if (oid === OID.timestamp) return parseTimestamp;
      if (oid === OID.int8Array) return arrayOf(int8);
      if (oid === OID.timestampArray) return arrayOf(parseTimestamp);
      if (oid === OID.dateArray || oid === OID.numericArray) return arrayOf(undefined);
      return PARSED_BY_PG.has(oid) ? pg.types.getTypeParser(oid, "text") : identity;
    }) as pg.CustomTypesConfig["getTypeParser"],
  };
}

/** pg's Query with the fields its constructor copies from a config object but its declarations omit. */
type ExtendedQuery = pg.Query & { name?: string; queryMode?: "extended" };

/** Named statements: one name per SQL text, so each connection parses a statement once. */
class StatementNames {
  readonly #names = new Map<string, string>();
  #next = 0;
  static readonly LIMIT = 5_000;

  /**
   * The name for `text`, or undefined once the limit is reached: then statements run unnamed
   * (parsed on every call), still through the extended protocol (see #run).
   */
  nameOf(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < StatementNames.LIMIT) {
      name = `tk${(this.#next++).toString(36)}`;
      this.#names.set(text, name);
    }
    return name;
  }

  /**
   * Gives `text` a new name when its current one is `stale` (its prepared statements describe
   * columns that changed): every connection then prepares it afresh on next use. Statements
   * pipelined behind the first failure find the name already renewed and use the new one.
   */
  renew(text: string, stale: string): void {
    if (this.#names.get(text) === stale) this.#names.set(text, `tk${(this.#next++).toString(36)}`);
  }

  /**
   * Texts whose named statement failed with an error that stale parameter types can cause (see
   * {@link STALE_PARAMETER_CODES}): they run unnamed (parsed afresh, parameter types inferred from
   * the current columns) until one such run succeeds, which proves the name stale and renews it.
   */
  readonly suspects = new Set<string>();

  /** Marks `text` suspect (bounded: past the limit the oldest marks are forgotten). */
  suspect(text: string): void {
    if (this.suspects.size >= StatementNames.LIMIT) this.suspects.delete(this.suspects.values().next().value as string);
    this.suspects.add(text);
  }
}

/**
 * SQLSTATEs a named statement may raise because the server inferred its parameters' types when it
 * was first prepared, from columns that have since changed type (ALTER COLUMN … TYPE, DROP and
 * CREATE): a prepared statement keeps its parameter types for ever, so `integer` → `bigint` left
 * every later insert of a large value failing with 22003 until the process restarted.
 */
const STALE_PARAMETER_CODES = new Set(["22P02", "22003", "22007", "22008", "22001", "42804", "42883", "42725"]);

/** PostgreSQL's "cached plan must not change result type": a named statement outlived its table's columns. */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "0A000" && /cached plan must not change result type/i.test(String((error as Error).message));
}

/** PostgreSQL's limit on bound parameters in one statement (the Bind message counts them in 16 bits). */
const MAX_PARAMETERS = 65_535;

/** Errors that mean the pool itself is gone or a client unusable (pg reports some without a code). */
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed|does not support SSL/i;

/**
 * Whether a statement outside a transaction may have changed something, judged by its first word
 * (a statement that only reads cannot have an unknown outcome). Conservative: `WITH …` counts as
 * a write, since a data-modifying CTE may hide in it.
 */
function mayWrite(sql: string): boolean {
  return !/^\s*\(?\s*(?:select|show|values|table|explain)\b/i.test(sql);
}

/** Whether a (mapped) error was reported by the server itself: a SQLSTATE, not a socket failure. */
function fromServer(error: TablekitError): boolean {
  return error.code !== undefined && /^[0-9A-Z]{5}$/.test(error.code) && !error.code.startsWith("E");
}

/** Node/pg messages meaning the statement never left the client (the connection was already gone). */
const NOT_SENT = /not queryable|Client was closed|Cannot use a pool after calling end|The database is closed/i;

/**
 * The fate of one pooled client's connection, watched once per client: `failed` turns true, and
 * every listener hears the error, when the connection fails or ends (pg reports a dead socket as
 * "error" and "end" on the client). Waits subscribe a listener and remove it when they settle: a
 * long-lived promise raced against each wait would keep every settled wait (and the rows it
 * carried) reachable until the connection ends (a stream of a million rows held them all).
 */
interface ClientWatch {
  failed: boolean;
  error: Error | undefined;
  readonly listeners: Set<(error: Error) => void>;
}

const watches = new WeakMap<pg.ClientBase, ClientWatch>();

function watch(client: pg.ClientBase): ClientWatch {
  let entry = watches.get(client);
  if (entry !== undefined) return entry;
  const created: ClientWatch = { failed: false, error: undefined, listeners: new Set() };
  const onLost = (error?: unknown) => {
    if (created.failed) return;
    created.failed = true;
    created.error = error instanceof Error ? error : new Error("Connection terminated unexpectedly");
    for (const listener of created.listeners) listener(created.error);
    created.listeners.clear();
  };
  client.on("error", onLost);
  client.on("end", () => onLost(new Error("Connection terminated")));
  watches.set(client, created);
  entry = created;
  return entry;
}

/** A promise that rejects when `client`'s connection is lost, and the function that stops watching. */
function whenLost(client: pg.ClientBase): { lost: Promise<never>; dispose: () => void } {
  const watched = watch(client);
  let dispose = (): void => undefined;
  const lost = new Promise<never>((_, reject) => {
    if (watched.failed) {
      reject(watched.error);
      return;
    }
    watched.listeners.add(reject);
    dispose = () => watched.listeners.delete(reject);
  });
  lost.catch(() => undefined);
  return { lost, dispose };
}

/**
 * pg-cursor marks itself done at CommandComplete and then ignores an ErrorResponse; pg hands the
 * following ReadyForQuery to nobody (it drops the active query on an error). An error there is the
 * autocommit COMMIT of a write (`INSERT … RETURNING` streamed outside a transaction) failing, and
 * the read waiting for that ReadyForQuery would never settle. This delivers such an error to the
 * pending read, and records it (`error`) for the close that a caller breaking early triggers
 * (`closing`, set by the caller before it closes the cursor).
 */
function reportLateErrors(cursor: Cursor<Row>): { error: unknown; closing: boolean } {
  const late: { error: unknown; closing: boolean } = { error: undefined, closing: false };
  const c = cursor as unknown as { state: string; _error: unknown; _cb: ((error: unknown) => void) | null; handleError(msg: unknown): void };
  const handleError = c.handleError;
  c.handleError = function (this: unknown, msg: unknown): void {
    // Once close() was asked for, its Sync is already sent: pg-cursor's own handler would send
    // another one, and the extra ReadyForQuery could end the next query on this connection early.
    if (c.state !== "done" && !late.closing) {
      handleError.call(this, msg);
      return;
    }
    late.error = msg;
    c.state = "error";
    c._error = msg;
    const pending = c._cb;
    c._cb = null;
    pending?.(msg);
  };
  return late;
}

/**
 * PgBouncer refuses startup parameters it does not know (`statement_timeout`,
 * `idle_in_transaction_session_timeout`, `options`) with "unsupported startup parameter": say
 * what to do instead.
 */
function startupParameterHint(error: unknown): unknown {
  if (!(error instanceof TablekitError) || !/unsupported startup parameter/i.test(error.message)) return error;
  return new ConnectionError(
    `${error.message}. A connection pooler (PgBouncer) refused a session setting sent at connect: set it for the role on the server ` +
      "instead (ALTER ROLE <user> SET statement_timeout = …), or leave statementTimeoutMs, idleInTransactionTimeoutMs and the URL's options unset (see docs/scaling.md#connection-poolers)",
    { cause: error, ...(error.code === undefined ? {} : { code: error.code }) },
  );
}

/** Closes the client's socket at once (no goodbye: the server may be frozen). pg then fails its queries and emits "error" and "end". */
function destroyConnection(client: pg.ClientBase): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  stream?.destroy?.();
}

/** The PostgreSQL/CockroachDB driver. See the module documentation. */
export class PostgresDriver implements Driver {
  readonly #config: ServerConfig;
  readonly #names = new StatementNames();
  #dialect: "postgres" | "cockroachdb";
  #pool: pg.Pool | undefined;
  #lane: PipelinedLane | undefined;
  #closed = false;
  #cursors = 0;
  /** Connections checked out of the pool (by transactions, streams and the lane). */
  #checkedOut = 0;
  /** The statements waiting for an answer, when queryTimeoutMs is set. */
  #deadlines: Deadlines | undefined;
  /** Behind a transaction-mode pooler (configured or detected): statements run unnamed. */
  #transactionPooler: boolean;

  constructor(config: ServerConfig) {
    this.#config = config;
    this.#dialect = config.dialect;
    this.#transactionPooler = config.pooler === "transaction";
  }

  get dialect(): "postgres" | "cockroachdb" {
    return this.#dialect;
  }

  /**
   * Whether statements may reach a different server session each (a transaction-mode pooler:
   * `pooler: "transaction"`, or `"auto"` and a pooler detected at connect, or a named statement
   * found already prepared by someone else). Statements then run unnamed, and session state
   * (SET, session advisory locks) must not be relied on beyond one transaction.
   */
  get transactionPooler(): boolean {
    return this.#transactionPooler;
  }

  /**
   * Switches to unnamed statements for good: the server session answering does not hold the
   * statements this client prepared (a pooler moved it to another session).
   */
  #poolerDetected(): void {
    this.#transactionPooler = true;
  }

  /** Maps a driver error; `sql` (the statement as sent) lets the message point at the server's position. */
  #map(error: unknown, sql?: string) {
    const message = (error as { message?: unknown } | null)?.message;
    if (!(error as { code?: unknown } | null)?.code && typeof message === "string" && CONNECTION_MESSAGES.test(message)) {
      return new ConnectionError(mapPostgresError(error, [this.#config.password, this.#config.sslpassword]).message, { cause: error });
    }
    return mapPostgresError(error, [this.#config.password, this.#config.sslpassword], { sql, showValues: this.#config.logParameters });
  }

  #getPool(): pg.Pool {
    if (this.#closed) throw new ConnectionError("The database is closed");
    if (this.#pool === undefined) {
      const c = this.#config;
      // libpq's sslmode attempts and password file, per connection (see connecting-client.ts).
      // Reads the certificate files now: a missing or unusable one is a ConfigError.
      const attempts = new Map(hostsOf(c).map((h) => [h.host, connectionAttempts(c, undefined, h.host)] as const));
      const Client = connectingClientClass({ config: c, attempts: (host) => attempts.get(host) ?? [false], password: (target) => this.#password(target) });
      const pool = new pg.Pool({
        Client: Client as unknown as pg.PoolConfig["Client"],
        host: c.host,
        port: c.port,
        database: c.database,
        user: c.user,
        max: c.maxConnections,
        min: Math.min(c.minConnections, c.maxConnections),
        idleTimeoutMillis: c.idleTimeoutMs,
        // Idle connections do not keep the process alive: a script that forgets close() exits
        // (docs/decisions.md, "Idle connections let the process exit").
        allowExitOnIdle: true,
        // pg's pool would bound both opening a connection and waiting for one from a full pool
        // with this; the wait is acquireTimeoutMs's (default: wait, see #checkout), so the pool
        // gets none and each new client bounds its own opening by connectTimeoutMs
        // (connecting-client.ts).
        connectionTimeoutMillis: 0,
        application_name: c.applicationName,
        ...(c.options === undefined ? {} : { options: c.options }),
        types: typeParsers(c),
        keepAlive: c.keepAlive,
        keepAliveInitialDelayMillis: c.keepAliveInitialDelayMs,
        // Sent in the startup message; 0 leaves the server's setting.
        ...(c.statementTimeoutMs > 0 ? { statement_timeout: c.statementTimeoutMs } : {}),
        ...(c.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: c.idleInTransactionTimeoutMs } : {}),
      });
      // An idle client whose connection dies emits "error" on the pool; the pool drops the
      // client by itself, and without a listener the process would crash.
      pool.on("error", () => undefined);
      pool.on("acquire", () => this.#checkedOut++);
      pool.on("release", () => this.#checkedOut--);
      this.#pool = pool;
      this.#deadlines = c.queryTimeoutMs > 0 ? new Deadlines(c.queryTimeoutMs) : undefined;
      this.#lane = new PipelinedLane(
        pool,
        c.maxConnections,
        (error) => error instanceof ConnectionError,
        (error) => this.#map(error),
        () => !this.#transactionPooler,
      );
    }
    return this.#pool;
  }

  /**
   * The password of a new connection: the configured one, else (postgres dialect) the first
   * matching line of the password file (`passfile`, else ~/.pgpass), read now, as libpq does.
   */
  #password(target: HostPort): string | undefined {
    const c = this.#config;
    if (c.password !== undefined) return c.password;
    if (c.dialect !== "postgres") return undefined;
    return passwordFromFile(c.passfile ?? defaultPassfile(), { host: target.host, port: target.port, database: c.database, user: c.user });
  }

  async connect(): Promise<void> {
    const pool = this.#getPool();
    // A reserved connection: its "error" listener keeps a connection lost mid-query from
    // crashing the process, and failures are mapped like every other statement's.
    // Unnamed: behind a transaction-mode pooler, a name may already be taken in the server session
    // this statement lands in (prepared there by another client).
    let reserved: ReservedConnection & { client: pg.PoolClient };
    try {
      reserved = await this.#reserve(false);
    } catch (error) {
      throw startupParameterHint(error);
    }
    try {
      const { rows } = await this.#run(reserved.client, "SELECT version() AS version", [], false);
      if (dialectFromVersion(String(rows[0]?.["version"] ?? "")) === "cockroachdb") this.#dialect = "cockroachdb";
      if (this.#config.pooler === "auto" && this.#dialect === "postgres" && (await this.#behindPooler(reserved.client))) this.#poolerDetected();
    } finally {
      reserved.release();
    }
    // Open the minimum number of connections now, so the first requests do not pay for them.
    const warm = Math.min(this.#config.minConnections, this.#config.maxConnections);
    if (warm > 1) {
      const clients = await Promise.all(Array.from({ length: warm }, () => pool.connect()));
      for (const client of clients) client.release();
    }
  }

  /**
   * Whether a pooler stands between this client and the server: the process id the connection's
   * key data announced (BackendKeyData, which a pooler makes up, since it hands the client's
   * statements to server sessions of its choice) is not the server session's `pg_backend_pid()`.
   * A plain TCP proxy passes the key data through and is not detected (nor needs to be).
   */
  async #behindPooler(client: pg.PoolClient): Promise<boolean> {
    const announced = (client as unknown as { processID?: unknown }).processID;
    if (typeof announced !== "number") return false;
    const { rows } = await this.#run(client, "SELECT pg_backend_pid() AS pid", [], false);
    return Number(rows[0]?.["pid"]) !== announced;
  }

  async #run(client: pg.PoolClient, text: string, params: readonly unknown[], namedWanted = true): Promise<QueryResult> {
    if (params.length > MAX_PARAMETERS) throw tooManyParameters(params.length, MAX_PARAMETERS, "PostgreSQL");
    // Behind a transaction-mode pooler every statement is unnamed: a Parse and a Bind in the same
    // message batch, which the pooler hands to one server session together.
    const named = namedWanted && !this.#transactionPooler;
    // A suspect text (its named statement may hold stale parameter types) runs unnamed; its
    // success proves the name stale, and the name is renewed (see StatementNames.suspects).
    const suspect = named && this.#names.suspects.size !== 0 && this.#names.suspects.has(text);
    const name = named && !suspect ? this.#names.nameOf(text) : undefined;
    const deadlines = this.#deadlines;
    let result: pg.QueryResult;
    try {
      result = await new Promise<pg.QueryResult>((resolve, reject) => {
        // With queryTimeoutMs, a statement without an answer in time destroys its connection (a
        // frozen server never answers; pg alone would wait for the OS, hours later).
        const entry =
          deadlines === undefined
            ? undefined
            : deadlines.add(() => {
                reject(this.#timeoutError(this.#config.queryTimeoutMs, "a statement's result"));
                destroyConnection(client);
              });
        // A Query built from the text, not from a config object: pg copies a config object through
        // property descriptors and wraps the promise once more, which together were ~10% of the
        // CPU time of point reads at concurrency 32.
        const query = new pg.Query(text, params as unknown[], (error: Error | undefined, res: pg.QueryResult) => {
          if (entry !== undefined) deadlines!.done(entry);
          if (error) reject(error);
          else resolve(res);
        }) as ExtendedQuery;
        // pg's declarations omit `name` and `queryMode`, which the constructor copies from a config object.
        if (name !== undefined) query.name = name;
        // Always the extended protocol, named or not, with values or without: one call runs one
        // statement, as on SQLite ("…; DROP TABLE x" is refused by the server). pg would send an
        // unnamed statement without values through the simple protocol, which runs stacked statements.
        query.queryMode = "extended";
        client.query(query);
      });
    } catch (error) {
      if (name !== undefined && isStalePlan(error)) {
        // ALTER TABLE changed the columns this prepared statement returns. Nothing ran; the name is
        // renewed so the statement is prepared again (see query() and docs/decisions.md).
        this.#names.renew(text, name);
        throw new SchemaChangedError(`The table's columns changed since this statement was prepared (${(error as Error).message})`, {
          cause: error,
          code: "0A000",
        });
      }
      const mapped = this.#map(error, text);
      // "prepared statement tkN already exists": this client never prepared it in the session that
      // answered, so a pooler moved the client to another server session. From now on every
      // statement runs unnamed (see query(), which runs this one again).
      if (name !== undefined && mapped.code === "42P05") this.#poolerDetected();
      if (name !== undefined && mapped.code !== undefined && STALE_PARAMETER_CODES.has(mapped.code)) this.#names.suspect(text);
      throw mapped;
    }
    if (suspect) {
      this.#names.suspects.delete(text);
      const stale = this.#names.nameOf(text);
      if (stale !== undefined) this.#names.renew(text, stale);
    }
    return { rows: result.rows as Row[], rowCount: result.rows.length > 0 || result.command === "SELECT" ? result.rows.length : (result.rowCount ?? 0) };
  }

  #timeoutError(timeoutMs: number, what: string): QueryTimeoutError {
    return new QueryTimeoutError(
      `The server sent no answer (${what}) within queryTimeoutMs (${timeoutMs} ms); the connection was closed`,
      timeoutMs,
    );
  }

  /**
   * Waits for `work` on `client`, but no longer than the connection lives and than
   * queryTimeoutMs (past which the connection is destroyed). For the waits pg does not end by
   * itself when a connection dies (cursor reads and closes, COPY flow control).
   */
  async #bounded<T>(client: pg.ClientBase, work: Promise<T>, what: string): Promise<T> {
    const deadlines = this.#deadlines;
    const { lost, dispose } = whenLost(client);
    let entry: Deadline | undefined;
    const races: Promise<T>[] = [work, lost];
    if (deadlines !== undefined) {
      races.push(
        new Promise<never>((_, reject) => {
          entry = deadlines.add(() => {
            reject(this.#timeoutError(this.#config.queryTimeoutMs, what));
            destroyConnection(client);
          });
        }),
      );
    }
    try {
      return await Promise.race(races);
    } catch (error) {
      throw this.#map(error);
    } finally {
      dispose();
      if (entry !== undefined) deadlines!.done(entry);
    }
  }

  async *#cursor(client: pg.PoolClient, text: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    const cursor = client.query(new Cursor<Row>(text, params as unknown[]));
    const state = watch(client);
    const late = reportLateErrors(cursor);
    try {
      let next = cursor.read(batchSize);
      for (;;) {
        // A read that the connection's end does not settle (a failure while no read was pending,
        // or a frozen server) is bounded here.
        const batch = await this.#bounded(client, next, "a stream batch");
        if (batch.length === 0) break;
        const last = batch.length < batchSize;
        if (!last) {
          // Ask for the next batch before handing this one over: the server produces it and the
          // network carries it while the caller works, instead of both waiting for each other.
          // At most two batches are held. A failure is handled when the loop gets to it (or by
          // nobody, when the caller stopped early and the cursor is closed).
          next = cursor.read(batchSize);
          next.catch(() => undefined);
        }
        yield batch;
        if (last) break;
      }
    } finally {
      // Closing the portal waits for the server's ReadyForQuery, which a dead connection never
      // sends: skip it when the connection or the cursor failed (the connection is then destroyed).
      const failed = (cursor as unknown as { state?: string }).state === "error";
      if (!state.failed && !failed) {
        late.closing = true;
        await this.#bounded(client, cursor.close(), "closing a stream").catch(() => undefined);
        // A write (INSERT … RETURNING) commits when its portal closes: if that failed (a deferred
        // constraint), the rows handed over were never stored, so the caller who stopped early
        // hears of it. A read's late error is of no consequence to rows already read.
        if (late.error !== undefined && mayWrite(text)) throw this.#map(late.error);
      }
    }
  }

  /**
   * Streams inside a transaction through an SQL cursor (DECLARE/FETCH): unlike a protocol-level
   * cursor, it lets the loop body run other statements on the same connection meanwhile.
   */
  async *#declaredCursor(run: (sql: string, params: readonly unknown[]) => Promise<QueryResult>, text: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    const name = `tablekit_cursor_${++this.#cursors}`;
    await run(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, params);
    try {
      for (;;) {
        const { rows } = await run(`FETCH FORWARD ${batchSize} FROM ${name}`, []);
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < batchSize) break;
      }
    } finally {
      await run(`CLOSE ${name}`, []).catch(() => undefined);
    }
  }

  /** Runs a statement outside any transaction, pipelined with its neighbours (see PipelinedLane). */
  query(sql: string, params: readonly unknown[], _single?: boolean): Promise<QueryResult> {
    try {
      this.#getPool();
    } catch (error) {
      return Promise.reject(error);
    }
    // Set once the statement is handed to a connection: a failure to get one (the server is down)
    // means it was never sent.
    let sent = false;
    const attempt = async (client: pg.PoolClient, retried: boolean): Promise<QueryResult> => {
      sent = true;
      try {
        return await this.#run(client, sql, params);
      } catch (error) {
        // The table's columns changed under the prepared statement: prepared again under a new
        // name and run once more. Safe outside a transaction: the failed execution ran nothing.
        if (error instanceof SchemaChangedError && !retried) return attempt(client, true);
        // The named statement failed with an error its stale parameter types can cause (a column
        // changed type): run once more, parsed afresh. Safe outside a transaction: the failed
        // execution ran nothing. A real error (bad input) fails again and is reported.
        if (!retried && this.#names.suspects.has(sql)) return attempt(client, true);
        // Pipelined statements of the same text are written without a Parse of their own; when
        // the first one's Parse fails, they fail with "prepared statement does not exist". Run
        // such a statement again, unnamed (parsed afresh, whatever other retries are doing with
        // the name), which reports the real error.
        // A name found already prepared by somebody else (42P05, a pooler switched sessions; see
        // #run) is handled the same way: nothing ran, and from now on statements are unnamed.
        const code = (error as { code?: unknown }).code;
        if (code !== "26000" && code !== "42P05") throw error;
        return this.#run(client, sql, params, false);
      }
    };
    return this.#lane!.run((client) => attempt(client, false)).catch((error: unknown) => {
      throw sent ? this.#unknownOutcome(error, sql) : error;
    });
  }

  /**
   * A write outside a transaction commits by itself: when its connection failed (or timed out)
   * after it was sent and before the server answered, it may have been applied, so it fails with
   * AmbiguousCommitError rather than a ConnectionError that would read as "not written". A
   * failure the server reported (e.g. 57P01, the statement was terminated) or one before sending
   * is a ConnectionError.
   */
  #unknownOutcome(error: unknown, sql: string): unknown {
    if (!(error instanceof ConnectionError) || fromServer(error) || NOT_SENT.test(error.message) || !mayWrite(sql)) return error;
    const what = error instanceof QueryTimeoutError ? "no answer came within queryTimeoutMs" : "the connection failed";
    return new AmbiguousCommitError(
      `The statement was sent but ${what} before its answer, so whether it was applied is unknown; it was not retried: ${error.message}`,
      { cause: error, code: error.code },
    );
  }

  async *stream(sql: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    // A protocol-level cursor (pg-cursor) needs the connection out of pipeline mode.
    const reserved = await this.#reserve(false);
    let broken = false;
    try {
      yield* this.#cursor(reserved.client, sql, params, batchSize);
    } catch (error) {
      broken = error instanceof ConnectionError;
      throw error;
    } finally {
      reserved.release(broken || watch(reserved.client).failed);
    }
  }

  async #checkout(): Promise<pg.PoolClient> {
    const pool = this.#getPool();
    const timeout = this.#config.acquireTimeoutMs;
    if (timeout <= 0) return pool.connect();
    const pending = pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Hand a connection that arrives too late straight back to the pool.
        pending.then((late) => late.release(), () => undefined);
        // Counted, not assumed from the pool's size: connections still opening are not "busy".
        const busy = this.#checkedOut;
        const opening = Math.max(0, pool.totalCount - pool.idleCount - busy);
        reject(
          new ConnectionError(
            `No database connection became free within acquireTimeoutMs (${timeout} ms): ${busy} of ${this.#config.maxConnections} connections busy` +
              (opening > 0 ? `, ${opening} still opening` : ""),
          ),
        );
      }, timeout);
    });
    try {
      return await Promise.race([pending, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A connection of its own, for a transaction: statements pipelined (see below). */
  acquire(): Promise<ReservedConnection & { client: pg.PoolClient }> {
    return this.#reserve(true);
  }

  async #reserve(pipelined: boolean): Promise<ReservedConnection & { client: pg.PoolClient }> {
    let client: pg.PoolClient;
    try {
      client = await this.#checkout();
    } catch (error) {
      throw this.#map(error);
    }
    // A checked-out client whose connection dies emits "error"; without a listener the process
    // would crash. The failure also reaches the next query on the client, which maps it.
    let failed = false;
    const onError = () => {
      failed = true;
    };
    client.on("error", onError);
    let released = false;
    const live = (): pg.PoolClient => {
      if (released) throw new ConnectionError("This transaction's connection was already released");
      return client;
    };
    // Statements are pipelined: the client is in pg's pipeline mode, so statements issued together
    // (Promise.all inside a transaction, batchUpdate's chunks) go out without waiting for each
    // other's answers, in order. COPY cannot share the connection: it waits for the statements
    // before it, turns pipeline mode off, and statements issued meanwhile wait for it.
    setPipelineMode(client, pipelined);
    let inFlight = 0;
    let idleWaiters: (() => void)[] = [];
    let gate: Promise<void> | undefined;
    const send = (sql: string, params: readonly unknown[], named = true): Promise<QueryResult> => {
      let target: pg.PoolClient;
      try {
        target = live();
      } catch (error) {
        return Promise.reject(error);
      }
      inFlight++;
      if (pipelined) coalesceWrites(target);
      return this.#run(target, sql, params, named).finally(() => {
        if (--inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    };
    // Statements issued while a COPY runs (or waits to) go out after it.
    const gated = (sql: string, params: readonly unknown[], named = true): Promise<QueryResult> =>
      gate === undefined ? send(sql, params, named) : gate.then(() => send(sql, params, named));
    const idle = (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));
    const exclusive = async <T>(work: () => Promise<T>): Promise<T> => {
      await idle();
      setPipelineMode(client, false);
      try {
        return await work();
      } finally {
        setPipelineMode(client, pipelined);
      }
    };
    const copyIn = (sql: string, lines: Iterable<string>): Promise<number> => {
      const turn = (gate ?? Promise.resolve()).then(() => exclusive(() => this.#copyIn(live(), sql, lines)));
      const done = turn.then(
        () => undefined,
        () => undefined,
      );
      gate = done;
      void done.then(() => {
        if (gate === done) gate = undefined;
      });
      return turn;
    };
    return {
      client,
      get lost() {
        return failed || watch(client).failed;
      },
      query: (sql, params) => gated(sql, params),
      // Cursor statements are not prepared: each DECLARE text is used once.
      stream: (sql, params, batchSize) => this.#declaredCursor((text, values) => gated(text, values, false), sql, params, batchSize),
      copyIn,
      release: (broken = false) => {
        if (released) return;
        released = true;
        client.off("error", onError);
        setPipelineMode(client, false);
        // A broken client is destroyed instead of going back to the pool.
        client.release(broken || failed ? true : undefined);
      },
    };
  }

  /**
   * Streams COPY text lines to the server in chunks of about 64 KiB, honouring backpressure. Every
   * wait (flow control, the final count) ends when the connection fails or after queryTimeoutMs,
   * and the stream's failure is always handled (pg-copy-streams reports a lost connection as an
   * "error" event that nobody else listens to).
   */
  async #copyIn(client: pg.PoolClient, sql: string, lines: Iterable<string>): Promise<number> {
    const stream = client.query(copyFrom(sql));
    const finished = new Promise<void>((resolve, reject) => {
      stream.on("finish", resolve);
      stream.on("error", reject);
    });
    finished.catch(() => undefined);
    // A promise that only ever rejects, with the stream's failure, to end a wait for "drain".
    const failure = finished.then(() => new Promise<never>(() => undefined));
    failure.catch(() => undefined);
    try {
      let chunk = "";
      for (const line of lines) {
        chunk += line;
        if (chunk.length >= 65_536) {
          if (!stream.write(chunk)) {
            await this.#bounded(client, Promise.race([new Promise<void>((resolve) => stream.once("drain", resolve)), failure]), "COPY flow control");
          }
          chunk = "";
        }
      }
      stream.end(chunk);
      await this.#bounded(client, finished, "COPY's row count");
    } catch (error) {
      // Abort the COPY (CopyFail) only while the connection works and the server has not ended it:
      // pg-copy-streams drops its connection on an error and would throw on a dead one.
      const live = (stream as unknown as { connection?: unknown }).connection;
      if (!watch(client).failed && live !== null && live !== undefined) {
        try {
          stream.destroy();
          await this.#bounded(client, finished, "COPY's abort").catch(() => undefined);
        } catch {
          destroyConnection(client);
        }
      }
      throw this.#map(error);
    }
    return stream.rowCount;
  }

  /** See {@link Driver.stats}: node-postgres's pool counts. */
  stats(): PoolStats {
    const pool = this.#pool;
    return pool === undefined ? { total: 0, idle: 0, waiting: 0 } : { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    this.#lane = undefined;
    await pool?.end();
    this.#deadlines?.stop();
  }
}
