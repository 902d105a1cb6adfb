/**
 * `KVStore`: an async, dict-like key-value store with a write-through, byte-bounded LRU cache, on
 * any tablekit {@link Database} — embedded SQLite by default, PostgreSQL and CockroachDB alike.
 *
 * @module
 */
import { checkOptions } from "../crud/statements.js";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { Database } from "../database.js";
import type { QueryResult, Row } from "../dialect/dialect.js";
import { CommittedButUnreadableError, ConnectionError, UniqueViolationError, ValidationError } from "../errors/errors.js";
import { type Queryable, runOwnStatement } from "../queryable.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { currentScope } from "../transaction/context.js";
import { type CacheEntry, ValueCache, entrySize, entryValue } from "./cache.js";
import { decodeValue, encodeValue, isImmutable } from "./codec.js";
import { type KVEncryptionOptions, KVKeyring, SEALED_PREFIX, sealedKeyId } from "./encryption.js";
import { KeyNotFoundError } from "./kv-errors.js";
import { type KVRotateOptions, type KVRotateProgress, checkRotateOptions, rotateValues } from "./rotation.js";
import { KVSqlHelpers } from "./kv-sql-helpers.js";
import { DELETE_CHUNK, KvSql, UPSERT_CHUNK, prefixUpperBound } from "./kv-sql.js";
import { validateModel } from "./models.js";
import { type ScopeLike, Sequencer } from "./sequencer.js";

/** The state of a store's cache, from {@link KVStore.cacheStats}. */
export interface KVCacheStats {
  /** Keys held in the cache. */
  keys: number;
  /** Estimated bytes the cached entries take. */
  bytes: number;
  /** The cache's bound in bytes (`cacheSizeMb`). */
  maxBytes: number;
}

/**
 * Options of {@link KVStore.open}. Give at most one of `path`, `url` and `db`; with none, the store
 * opens tablekit's embedded default (`DATABASE_URL` if set, else the SQLite file ./tablekit.db).
 */
export interface KVStoreOptions {
  /** A SQLite file the store opens, and closes with itself (`":memory:"` for an in-memory database). */
  path?: string | undefined;
  /** A database URL (`sqlite:…`, `postgres://…`, `cockroachdb://…`) the store opens, and closes with itself. */
  url?: string | undefined;
  /** An existing Database, on any backend. The store never closes it. */
  db?: Database | undefined;
  /** The table holding the pairs, created when missing. Default `"data"`. */
  table?: string | undefined;
  /** Load the whole table into the cache when the store opens (up to `cacheSizeMb`). Default false. */
  bulkLoad?: boolean | undefined;
  /**
   * SQLite tuning when the store opened the Database itself: 256 MiB memory-mapped I/O, a 16 MiB
   * page cache, in-memory temp storage, and `PRAGMA optimize` at close (the Database already runs
   * WAL with synchronous=NORMAL). No effect on PostgreSQL/CockroachDB or on a Database passed as `db`. Default true.
   */
  optimize?: boolean | undefined;
  /** Size of the value cache in MiB, counted in bytes (approximately; see docs/kv.md); 0 disables it. Default 64. */
  cacheSizeMb?: number | undefined;
  /** How often expired rows are deleted in the background, in ms; 0 turns the timer off. The timer never keeps the process alive. Default 60,000. */
  purgeIntervalMs?: number | undefined;
  /**
   * Encrypt stored values at rest (AES-256-GCM) with a 32-byte `key`; see docs/kv.md. Key names stay
   * plaintext. The cache holds decrypted values, in memory only. Default: no encryption.
   */
  encryption?: KVEncryptionOptions | undefined;
}

/** Options of {@link KVStore.set} and the other writes. */
export interface KVSetOptions {
  /** Time to live in milliseconds: the key reads as absent once it has passed. Default: no expiry. */
  ttl?: number | undefined;
}

/** Options of {@link KVStore.clear}. */
export interface KVClearOptions {
  /** Only keys starting with this text. Default: every key. */
  prefix?: string | undefined;
}

/** Options of {@link KVStore.scan}. */
export interface KVScanOptions {
  /** Only keys starting with this text. Default: every key. */
  prefix?: string | undefined;
  /** Rows fetched per query. Default 500. */
  batchSize?: number | undefined;
}

/** A value of a Standard Schema's output type. */
type Output<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

const MISSING: unique symbol = Symbol("missing");

/** A cached entry's value as a promise; a stored text that cannot be decoded becomes a rejection. */
async function decodeEntry(entry: CacheEntry): Promise<unknown> {
  return entryValue(entry);
}

const DEFAULT_TABLE = "data";
const DEFAULT_CACHE_MB = 64;
const DEFAULT_PURGE_MS = 60_000;
const DEFAULT_SCAN_BATCH = 500;
const SQLITE_TUNING = ["PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -16384", "PRAGMA temp_store = MEMORY"];

interface Resolved {
  table: string;
  bulkLoad: boolean;
  optimize: boolean;
  cacheBytes: number;
  cacheSizeMb: number;
  purgeIntervalMs: number;
  keyring: KVKeyring | undefined;
}

function invalid(message: string, path: (string | number)[]): ValidationError {
  return new ValidationError(message, [{ message, path }]);
}

function checkKey(key: unknown, path: (string | number)[] = ["key"]): asserts key is string {
  if (typeof key !== "string") throw invalid(`A key must be a string, not ${key === null ? "null" : typeof key}`, path);
  if (key.indexOf("\u0000") !== -1) throw invalid("A key cannot contain the character U+0000 (PostgreSQL cannot store it)", path);
  if (!(key as string & { isWellFormed(): boolean }).isWellFormed()) throw invalid("A key cannot contain a lone UTF-16 surrogate", path);
}

function expiryOf(options: KVSetOptions | undefined): number {
  if (options === undefined || options === null) return 0;
  if (typeof options !== "object") throw invalid("options must be an object such as { ttl: 60_000 }", ["options"]);
  checkOptions(options, ["ttl"], "KVStore writes"); // a misspelled { tll } must not store without expiry
  const ttl = options.ttl;
  if (ttl === undefined) return 0;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) throw invalid("ttl must be a positive, finite number of milliseconds", ["options", "ttl"]);
  const expires = Date.now() + Math.ceil(ttl);
  // Beyond 2^53 ms the expiry is no exact integer (PostgreSQL's BIGINT refused its exponent text).
  if (!Number.isSafeInteger(expires)) throw invalid("ttl is too large: the expiry time must stay below 2^53 ms since 1970 (about 285,000 years)", ["options", "ttl"]);
  return expires;
}

function expiresAtOf(row: Row): number {
  const raw = row["expires_at"];
  return raw === null || raw === undefined ? 0 : Number(raw);
}

function isLive(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now;
}

function resolveOptions(options: KVStoreOptions): Resolved {
  const table = assertIdentifier(options.table ?? DEFAULT_TABLE, "table");
  const cacheSizeMb = options.cacheSizeMb ?? DEFAULT_CACHE_MB;
  if (typeof cacheSizeMb !== "number" || !Number.isFinite(cacheSizeMb) || cacheSizeMb < 0) {
    throw invalid("cacheSizeMb must be a non-negative number of MiB (0 disables the cache)", ["cacheSizeMb"]);
  }
  const purgeIntervalMs = options.purgeIntervalMs ?? DEFAULT_PURGE_MS;
  if (typeof purgeIntervalMs !== "number" || !Number.isFinite(purgeIntervalMs) || purgeIntervalMs < 0) {
    throw invalid("purgeIntervalMs must be a non-negative number of milliseconds (0 turns the purge timer off)", ["purgeIntervalMs"]);
  }
  return {
    table,
    bulkLoad: options.bulkLoad ?? false,
    optimize: options.optimize ?? true,
    cacheSizeMb,
    cacheBytes: Math.floor(cacheSizeMb * 1024 * 1024),
    purgeIntervalMs,
    keyring: options.encryption === undefined ? undefined : KVKeyring.from(options.encryption),
  };
}

/** The pairs of `update`/`batchUpdate`, validated and encoded before any SQL runs (last value of a repeated key wins). */
function encodeEntries<V>(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>): Map<string, { text: string; value: V }> {
  const out = new Map<string, { text: string; value: V }>();
  const add = (key: unknown, value: V, path: (string | number)[]): void => {
    checkKey(key, path);
    try {
      out.set(key, { text: encodeValue(value), value });
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(error.message, error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
      throw error;
    }
  };
  if (typeof entries !== "object" || entries === null) throw invalid("Pass an object of key/value pairs, a Map, or an iterable of [key, value] pairs", []);
  if (Symbol.iterator in entries) {
    let i = 0;
    for (const pair of entries as Iterable<readonly [string, V]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw invalid("Each entry must be a [key, value] pair", [i]);
      add(pair[0], pair[1], [i++]);
    }
  } else {
    for (const key of Object.keys(entries)) add(key, (entries as Record<string, V>)[key] as V, [key]);
  }
  return out;
}

/**
 * A persistent key-value store with a dict-like async API (the seed's AsyncNanaSQLite), on a
 * table of any tablekit {@link Database}. String keys; values are JSON values, `Date`, `bigint`,
 * `Uint8Array`, `Map` and `Set`, nested freely (see docs/kv.md for the stored format).
 *
 * - Write-through: a write resolves once it is in the database, and only then changes the cache.
 * - The cache is an LRU bounded by `cacheSizeMb` in bytes. Cached values are shared with callers:
 *   treat values returned by reads as read-only, and `set` them again after a change.
 * - Writes to one key apply in call order; `update`, `batchUpdate`, `batchDelete`, `clear` and the
 *   whole-table reads run alone. Concurrent calls end in the state of some serial order.
 * - `getFresh`/`refresh` read the database, to see writes made by other processes.
 *
 * ```ts
 * await using kv = await KVStore.open("mydata.db", { table: "data", cacheSizeMb: 64 });
 * await kv.set("user:1", { name: "Nana", age: 20 });
 * await kv.get("user:1");                                  // { name: "Nana", age: 20 }
 * await kv.set("session:abc", { uid: 1 }, { ttl: 60_000 }); // expires in a minute
 * for await (const [key, user] of kv.scan({ prefix: "user:" })) console.log(key, user);
 * ```
 */
export class KVStore<V = unknown> extends KVSqlHelpers implements AsyncDisposable {
  readonly #db: Database;
  readonly #owns: boolean;
  readonly #options: Resolved;
  readonly #sql: KvSql;
  readonly #cache: ValueCache;
  readonly #seq = new Sequencer();
  readonly #children = new Map<string, KVStore<unknown>>();
  readonly #opening = new Map<string, Promise<KVStore<unknown>>>();
  readonly #parent: KVStore<unknown> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The encryption keys (undefined: values are stored plain). */
  #ring: KVKeyring | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(db: Database, owns: boolean, options: Resolved, parent: KVStore<unknown> | undefined) {
    super();
    this.#db = db;
    this.#owns = owns;
    this.#options = options;
    this.#sql = new KvSql(options.table, db.dialect);
    this.#cache = new ValueCache(options.cacheBytes);
    this.#parent = parent;
    this.#ring = options.keyring;
  }

  /**
   * Opens a store: on a SQLite file (a path, or `{ path }`), a URL, or an existing Database
   * (`{ db }`, any backend). Creates the table (and its expiry index) when missing; a table of the
   * same name that is not a key-value table is a {@link ValidationError}. The store closes the
   * Database only if it opened it.
   *
   * ```ts
   * await using kv = await KVStore.open("mydata.db", { table: "data", bulkLoad: false, optimize: true, cacheSizeMb: 64 });
   * const sessions = await KVStore.open({ db, table: "sessions" });   // PostgreSQL, CockroachDB or SQLite
   * ```
   */
  static async open<V = unknown>(target?: string | KVStoreOptions, options: Omit<KVStoreOptions, "path" | "url" | "db"> = {}): Promise<KVStore<V>> {
    const given: KVStoreOptions = typeof target === "string" ? { ...options, path: target } : { ...(target ?? {}), ...options };
    if (target !== undefined && typeof target !== "string" && (typeof target !== "object" || target === null)) {
      throw invalid("KVStore.open takes a SQLite path or an options object", []);
    }
    const sources = [given.path, given.url, given.db].filter((s) => s !== undefined).length;
    if (sources > 1) throw invalid("Give only one of path, url and db", []);
    if (given.db !== undefined && !(given.db instanceof Database)) throw invalid("db must be a tablekit Database", ["db"]);
    if (given.path !== undefined && (typeof given.path !== "string" || given.path === "")) throw invalid("path must be a non-empty string", ["path"]);
    const resolved = resolveOptions(given);
    const owns = given.db === undefined;
    const db =
      given.db ?? (given.url !== undefined ? new Database({ url: given.url }) : given.path !== undefined ? new Database({ filename: given.path }) : new Database());
    try {
      await db.connect();
      if (owns && resolved.optimize && db.dialect === "sqlite") for (const pragma of SQLITE_TUNING) await db.execute(pragma);
      return await KVStore.#attach<V>(db, owns, resolved, undefined);
    } catch (error) {
      if (owns) await db.close().catch(() => undefined);
      throw error;
    }
  }

  static async #attach<V>(db: Database, owns: boolean, options: Resolved, parent: KVStore<unknown> | undefined): Promise<KVStore<V>> {
    const store = new KVStore<V>(db, owns, options, parent);
    await store.#prepareTable();
    if (options.bulkLoad) await store.loadAll();
    store.#startTimer();
    return store;
  }

  async #prepareTable(): Promise<void> {
    const db = this.#db;
    const table = this.#sql.table;
    try {
      await db.execute(this.#sql.createTable());
    } catch (error) {
      // Two PostgreSQL sessions racing on CREATE TABLE IF NOT EXISTS: one of them gets a unique violation in the catalog.
      if (!(error instanceof UniqueViolationError) || !(await db.tableExists(table))) throw error;
    }
    const columns = new Map((await db.columns(table)).map((c) => [c.name, c]));
    if (columns.get("key")?.primaryKey !== true || !columns.has("value")) {
      throw new ValidationError(`The table "${table}" exists but is not a key-value table: it needs the columns key (primary key) and value`, [
        { message: "not a key-value table", path: ["table"] },
      ]);
    }
    if (!columns.has("expires_at")) await db.execute(this.#sql.addExpiryColumn());
    try {
      await db.execute(this.#sql.createExpiryIndex());
    } catch (error) {
      if (!(error instanceof UniqueViolationError)) throw error;
    }
    await this.#checkKey();
  }

  /** An encrypted store's first read: one encrypted row must carry a key id the store holds (else {@link EncryptionKeyError}, before any write). */
  async #checkKey(): Promise<void> {
    const ring = this.#ring;
    if (ring === undefined) return;
    const { rows } = await this.#run(this.#sql.anySealed, [`${SEALED_PREFIX}%`]);
    const stored = rows[0]?.["value"];
    if (typeof stored !== "string") return;
    const id = sealedKeyId(stored);
    if (id !== undefined && !ring.knows(id)) ring.open(rows[0]!["key"] as string, stored, this.#sql.table);
  }

  /** The stored form of a key name: the name, or its keyed hash when the store hashes names. */
  #id(key: string): string {
    const ring = this.#ring;
    return ring === undefined || !ring.hashesNames ? key : ring.storedKey(key);
  }

  /** The stored text of the codec text of `key`'s value (stored as `id`): encrypted when the store has a key. */
  #seal(id: string, key: string, text: string): string {
    return this.#ring === undefined ? text : this.#ring.seal(id, key, text);
  }

  /** The codec text of the value stored under `id`: decrypted (and authenticated) when the store has a key. */
  #unseal(id: string, stored: string): string {
    return this.#ring === undefined ? stored : this.#ring.open(id, stored, this.#sql.table);
  }

  /** A row's key name and codec text (with hashed names, the name comes out of the ciphertext). */
  #unsealRow(row: Row): [string, string] {
    const id = row["key"] as string;
    const stored = row["value"] as string;
    return this.#ring === undefined ? [id, stored] : this.#ring.openEntry(id, stored, this.#sql.table);
  }

  /** Prefix scans need plain names: with hashed names only the empty prefix is allowed. */
  #checkPrefix(prefix: string): void {
    if (prefix !== "" && this.#ring?.hashesNames === true) throw invalid("A store with hashed key names (encryption.nameKey) cannot select keys by prefix", ["prefix"]);
  }

  #startTimer(): void {
    const interval = this.#options.purgeIntervalMs;
    if (interval === 0) return;
    this.#timer = setInterval(() => {
      if (this.#closed || this.#db.closed) return;
      this.purgeExpired().catch(() => undefined);
    }, interval);
    this.#timer.unref();
  }

  // ------------------------------------------------------------------ state

  /** The Database the store runs on (shared with `table()` stores). */
  get db(): Database {
    return this.#db;
  }

  /** The table holding the pairs. */
  get tableName(): string {
    return this.#sql.table;
  }

  /** Whether {@link KVStore.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The cache's state: cached keys, bytes counted and the byte limit. */
  get cacheStats(): KVCacheStats {
    return { keys: this.#cache.count, bytes: this.#cache.bytes, maxBytes: this.#cache.maxBytes };
  }

  /** @internal */
  protected get database(): Database {
    this.#checkOpen();
    return this.#db;
  }

  /** @internal */
  protected tableChanged(table: string): void {
    if (table === this.#sql.table) {
      this.#cache.clear();
      this.#seq.writtenAll();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ConnectionError("The KVStore is closed");
  }

  /**
   * Runs one of the store's own statements (from {@link KvSql}: native placeholders, parameters
   * that are keys, JSON text, numbers and null) on the store's Database, or on `on` (a transaction
   * of a batch), without `execute`'s per-call checks. `params` must be a fresh array.
   *
   * `read`: a read replicas may serve (scan, keys, count, all). Point reads and loadAll stay on
   * the primary: they fill the cache, which must never hold a value older than this process's
   * own writes.
   */
  #run(sql: string, params: unknown[], on: Queryable = this.#db, single = false, read = false): Promise<QueryResult> {
    try {
      const result = on[runOwnStatement](sql, params, single, read);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      // A statement that ran synchronously fails synchronously; callers (and the sequencer's
      // callbacks) expect a rejected promise.
      return Promise.reject(error);
    }
  }

  /**
   * Like {@link KVStore.#run} on the store's Database, but returns the result itself when the
   * statement ran synchronously (embedded SQLite outside a transaction): the hot paths await only a
   * promise, which saves a microtask per call.
   */
  #runNow(sql: string, params: unknown[], single = false): QueryResult | Promise<QueryResult> {
    return this.#db[runOwnStatement](sql, params, single);
  }

  /** The ambient transaction on this store's Database, if the caller is inside one. */
  #scope(): ScopeLike | undefined {
    const scope = currentScope<ScopeLike>(this.#db);
    return scope !== undefined && scope.active ? scope : undefined;
  }

  // ------------------------------------------------------------------ reads

  /**
   * The value of `key`, or `fallback` (default undefined) when the key is absent or expired. Served
   * from the cache when possible; otherwise read from the database and cached.
   *
   * ```ts
   * const user = await kv.get("user:1");
   * const theme = await kv.get("theme", "light");
   * ```
   */
  get(key: string): Promise<V | undefined>;
  get<F>(key: string, fallback: F): Promise<V | F>;
  get(key: string, fallback?: unknown): Promise<unknown> {
    const entry = this.#cache.get(key);
    if (entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > Date.now())) {
      return entry.text === undefined ? Promise.resolve(entry.value) : decodeEntry(entry);
    }
    return this.#fetch(key, fallback);
  }

  /**
   * Reads `key` from the database and returns its value, or `fallback`. The value is cached unless
   * a write that finished meanwhile (or an open transaction) could make it stale.
   */
  async #fetch<F>(key: string, fallback: F): Promise<V | F> {
    checkKey(key);
    this.#checkOpen();
    const seq = this.#seq;
    const start = seq.beginRead();
    try {
      const id = this.#id(key);
      let result = this.#runNow(this.#sql.get, [id], true);
      if (result instanceof Promise) result = await result;
      const row = result.rows[0];
      if (row === undefined) {
        this.#cache.delete(key);
        return fallback;
      }
      const expiresAt = expiresAtOf(row);
      if (expiresAt !== 0 && expiresAt <= Date.now()) {
        this.#cache.delete(key);
        return fallback;
      }
      const text = this.#unseal(id, row["value"] as string);
      const value = decodeValue(text) as V;
      if (seq.mayFill(key, start) && this.#scope() === undefined) this.#cache.set(key, text, value, true, expiresAt);
      return value;
    } finally {
      seq.endRead();
    }
  }

  /** Whether `key` is present (and not expired). */
  async has(key: string): Promise<boolean> {
    const entry = this.#cache.peek(key);
    if (entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > Date.now())) return true;
    return (await this.#fetch(key, MISSING)) !== MISSING;
  }

  /** Reads `key` from the database (never the cache), updates the cache, and returns the value or `fallback`. Sees other processes' writes. */
  getFresh(key: string): Promise<V | undefined>;
  getFresh<F>(key: string, fallback: F): Promise<V | F>;
  getFresh(key: string, fallback?: unknown): Promise<unknown> {
    return this.#fetch(key, fallback);
  }

  /**
   * Re-reads the cache from the database: one key (cached again, or dropped when it is gone), or,
   * without a key, the whole cache is emptied (and refilled when the store was opened with `bulkLoad`).
   */
  async refresh(key?: string): Promise<void> {
    this.#checkOpen();
    if (key !== undefined) {
      await this.#fetch(key, undefined);
      return;
    }
    this.#cache.clear();
    this.#seq.writtenAll();
    if (this.#options.bulkLoad) await this.loadAll();
  }

  /** Whether `key` is in the cache now (and not expired). Does not touch the database. */
  async isCached(key: string): Promise<boolean> {
    const entry = this.#cache.peek(key);
    return entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > Date.now());
  }

  /**
   * Loads the table into the cache in key order, until the cache is full; returns how many keys
   * were loaded. Runs alone: writes called meanwhile wait for it.
   */
  async loadAll(): Promise<number> {
    this.#checkOpen();
    // Inside a transaction the rows may still roll back: nothing is cached.
    if (!this.#cache.enabled || this.#scope() !== undefined) return 0;
    return this.#whole(() => this.#loadAll());
  }

  async #loadAll(): Promise<number> {
    let loaded = 0;
    let lower = "";
    let first = true;
    const limit = DEFAULT_SCAN_BATCH;
    for (;;) {
      const { rows } = await this.#run(this.#sql.scan(first, false, limit, false), [lower, Date.now()]);
      for (const row of rows) {
        const [key, text] = this.#unsealRow(row);
        if (this.#cache.bytes + entrySize(key, text) > this.#cache.maxBytes) return loaded;
        this.#cache.set(key, text, undefined, false, expiresAtOf(row));
        loaded++;
      }
      if (rows.length < limit) return loaded;
      lower = rows[rows.length - 1]!["key"] as string;
      first = false;
    }
  }

  /** Runs a whole-table operation alone (or directly inside a transaction, which already orders it). */
  #whole<T>(op: () => Promise<T>): Promise<T> {
    const scope = this.#scope();
    if (scope !== undefined) return op();
    return this.#seq.exclusive(op);
  }

  async #allRows(): Promise<Row[]> {
    this.#checkOpen();
    return (await this.#whole(() => this.#run(this.#sql.all, [Date.now()], this.#db, false, true))).rows;
  }

  /** Number of keys (expired ones excluded). */
  async size(): Promise<number> {
    this.#checkOpen();
    const { rows } = await this.#whole(() => this.#run(this.#sql.count, [Date.now()], this.#db, false, true));
    return Number(rows[0]?.["n"] ?? 0);
  }

  /** Every key, in key order (Unicode code point order). */
  async keys(): Promise<string[]> {
    this.#checkOpen();
    if (this.#ring?.hashesNames === true) return (await this.#allRows()).map((row) => this.#unsealRow(row)[0]);
    const { rows } = await this.#whole(() => this.#run(this.#sql.keys, [Date.now()], this.#db, false, true));
    return rows.map((row) => row["key"] as string);
  }

  /** Every value, in key order. */
  async values(): Promise<V[]> {
    return (await this.#allRows()).map((row) => decodeValue(this.#unsealRow(row)[1]) as V);
  }

  /** Every `[key, value]` pair, in key order. */
  async entries(): Promise<[string, V][]> {
    return (await this.#allRows()).map((row) => {
      const [key, text] = this.#unsealRow(row);
      return [key, decodeValue(text) as V];
    });
  }

  /** The whole store as a plain object (keys in key order; a key such as `"__proto__"` is an own property). */
  async toObject(): Promise<Record<string, V>> {
    return Object.fromEntries(await this.entries()) as Record<string, V>;
  }

  /**
   * A copy of the whole store as a `Map` (the counterpart of Python's `dict.copy()`): independent
   * of the store and its cache, with values freshly decoded from the database.
   */
  async copy(): Promise<Map<string, V>> {
    return new Map(await this.entries());
  }

  /**
   * Iterates over `[key, value]` pairs in key order, in constant memory: pages of `batchSize` rows
   * are read by key range (never OFFSET), so writes made while iterating are allowed. With
   * `prefix`, only keys starting with it (a range on the primary key, not LIKE). Each page reflects
   * the database when it is read.
   *
   * ```ts
   * for await (const [key, user] of kv.scan({ prefix: "user:" })) console.log(key, user);
   * ```
   */
  async *scan(options: KVScanOptions = {}): AsyncGenerator<[string, V], void, undefined> {
    checkOptions(options, ["prefix", "batchSize"], "scan");
    const prefix = options.prefix ?? "";
    checkKey(prefix, ["prefix"]);
    this.#checkPrefix(prefix);
    const batchSize = options.batchSize ?? DEFAULT_SCAN_BATCH;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalid("batchSize must be a positive integer", ["batchSize"]);
    this.#checkOpen();
    const upper = prefixUpperBound(prefix);
    let lower = prefix;
    let first = true;
    for (;;) {
      this.#checkOpen();
      const text = this.#sql.scan(first, upper !== undefined, batchSize, false);
      const { rows } = await this.#run(text, upper === undefined ? [lower, Date.now()] : [lower, upper, Date.now()], this.#db, false, true);
      for (const row of rows) {
        const [key, text] = this.#unsealRow(row);
        yield [key, decodeValue(text) as V];
      }
      if (rows.length < batchSize) return;
      lower = rows[rows.length - 1]!["key"] as string;
      first = false;
    }
  }

  /** Iterates over every `[key, value]` pair: `for await (const [k, v] of kv)`; see {@link KVStore.scan}. */
  [Symbol.asyncIterator](): AsyncGenerator<[string, V], void, undefined> {
    return this.scan();
  }

  // ------------------------------------------------------------------ writes

  /**
   * Stores `value` under `key`, replacing any value and TTL. Resolves once the database has it;
   * the cache changes only then. Bad input (a non-string key, an unstorable value, a bad ttl) is a
   * {@link ValidationError} and writes nothing.
   *
   * ```ts
   * await kv.set("user:1", { name: "Nana", joined: new Date() });
   * await kv.set("otp:42", "123456", { ttl: 30_000 });
   * ```
   */
  async set(key: string, value: V, options?: KVSetOptions): Promise<void> {
    checkKey(key);
    const expiresAt = expiryOf(options);
    const text = encodeValue(value);
    this.#checkOpen();
    const scope = this.#scope();
    if (scope !== undefined) {
      const id = this.#id(key);
      await this.#inTransaction(scope, [key], () => this.#run(this.#sql.upsert, [id, this.#seal(id, key, text), expiresAt === 0 ? null : expiresAt]));
      return;
    }
    const seq = this.#seq;
    const slot = seq.enter(key);
    try {
      if (slot.ready !== undefined) await slot.ready;
      try {
        const id = this.#id(key);
        const done = this.#runNow(this.#sql.upsert, [id, this.#seal(id, key, text), expiresAt === 0 ? null : expiresAt]);
        if (done instanceof Promise) await done;
      } catch (error) {
        this.#cache.delete(key);
        throw error;
      }
      const immutable = isImmutable(value);
      this.#cache.set(key, text, immutable ? value : undefined, immutable, expiresAt);
    } finally {
      seq.written(key);
      seq.leave(key, slot);
    }
  }

  /** A write inside the caller's transaction: its outcome is unknown until the transaction ends, so the keys leave the cache. */
  async #inTransaction<T>(scope: ScopeLike, keys: Iterable<string> | "all", op: () => Promise<T>): Promise<T> {
    this.#seq.writtenInTransaction(scope);
    try {
      return await op();
    } finally {
      if (keys === "all") this.#cache.clear();
      else for (const key of keys) this.#cache.delete(key);
    }
  }

  /** Deletes `key`; throws {@link KeyNotFoundError} when it is absent (or expired). */
  async delete(key: string): Promise<void> {
    checkKey(key);
    this.#checkOpen();
    const now = Date.now();
    const run = async (): Promise<void> => {
      let rows: Row[];
      try {
        rows = (await this.#run(this.#sql.deleteOne, [this.#id(key)])).rows;
      } finally {
        this.#cache.delete(key);
        this.#seq.written(key);
      }
      if (rows.length === 0 || !isLive(expiresAtOf(rows[0]!), now)) throw new KeyNotFoundError(key, this.#sql.table);
    };
    const scope = this.#scope();
    if (scope !== undefined) return this.#inTransaction(scope, [key], run);
    return this.#seq.keyed(key, run);
  }

  /**
   * Deletes `key` and returns its value, atomically (`DELETE … RETURNING`). When the key is absent,
   * returns `fallback` if one was given, else throws {@link KeyNotFoundError}. A stored value that
   * cannot be decoded (written by other SQL) is deleted all the same: outside a transaction that is
   * a {@link CommittedButUnreadableError} (do not retry: the key is gone).
   */
  pop(key: string): Promise<V>;
  pop<F>(key: string, fallback: F): Promise<V | F>;
  async pop(key: string, ...fallback: unknown[]): Promise<unknown> {
    checkKey(key);
    this.#checkOpen();
    const now = Date.now();
    const scope = this.#scope();
    const run = async (): Promise<unknown> => {
      let rows: Row[];
      try {
        rows = (await this.#run(this.#sql.pop, [this.#id(key)])).rows;
      } finally {
        this.#cache.delete(key);
        this.#seq.written(key);
      }
      const row = rows[0];
      if (row !== undefined && isLive(expiresAtOf(row), now)) {
        try {
          return decodeValue(this.#unseal(this.#id(key), row["value"] as string));
        } catch (error) {
          // Outside a transaction the DELETE has committed: the error must not read as "nothing popped".
          if (scope !== undefined) throw error;
          throw new CommittedButUnreadableError(
            // The key stays out of the message, as in KeyNotFoundError (keys can be session ids).
            `pop deleted the key from table "${this.#sql.table}", but its stored value could not be decoded: ${(error as Error).message}. Do not retry: the key is gone.`,
            { cause: error },
          );
        }
      }
      if (fallback.length > 0) return fallback[0];
      throw new KeyNotFoundError(key, this.#sql.table);
    };
    if (scope !== undefined) return this.#inTransaction(scope, [key], run);
    return this.#seq.keyed(key, run);
  }

  /**
   * Returns the value of `key`; when the key is absent, stores `value` first and returns it. The
   * insert is atomic (`INSERT … ON CONFLICT`), so of two racing callers, even in two processes,
   * both get the value that was stored.
   */
  async setDefault(key: string, value: V, options?: KVSetOptions): Promise<V> {
    checkKey(key);
    const expiresAt = expiryOf(options);
    const text = encodeValue(value);
    this.#checkOpen();
    const run = async (): Promise<V> => {
      const cached = this.#cache.get(key);
      if (cached !== undefined && isLive(cached.expiresAt, Date.now())) return entryValue(cached) as V;
      for (let attempt = 0; attempt < 5; attempt++) {
        const id = this.#id(key);
        const { rows } = await this.#run(this.#sql.insertIfAbsent, [id, this.#seal(id, key, text), expiresAt === 0 ? null : expiresAt, Date.now()]);
        if (rows.length > 0) {
          if (this.#scope() === undefined) {
            const immutable = isImmutable(value);
            this.#cache.set(key, text, immutable ? value : undefined, immutable, expiresAt);
          }
          this.#seq.written(key);
          return value;
        }
        const found = await this.#fetch(key, MISSING);
        if (found !== MISSING) return found;
      }
      throw new ConnectionError("setDefault could not settle: the key kept appearing and disappearing under concurrent writers");
    };
    const scope = this.#scope();
    if (scope !== undefined) return this.#inTransaction(scope, [key], run);
    return this.#seq.keyed(key, run);
  }

  /**
   * Stores many pairs in one transaction, with multi-row upserts (100,000 keys take well under a
   * second on SQLite). Takes an object, a `Map` or an iterable of `[key, value]` pairs; every key
   * and value is checked before any SQL runs. Returns the number of keys written.
   *
   * ```ts
   * await kv.batchUpdate({ "user:1": { name: "Ann" }, "user:2": { name: "Bob" } });
   * await kv.batchUpdate(new Map([["a", 1], ["b", 2]]), { ttl: 60_000 });
   * ```
   */
  async batchUpdate(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>, options?: KVSetOptions): Promise<number> {
    const encoded = encodeEntries(entries);
    const expiresAt = expiryOf(options);
    this.#checkOpen();
    if (encoded.size === 0) return 0;
    const expiry = expiresAt === 0 ? null : expiresAt;
    const chunk = UPSERT_CHUNK[this.#db.dialect];
    const run = async (): Promise<number> => {
      try {
        await this.#db.transaction(async (tx) => {
          let params: unknown[] = [];
          let rows = 0;
          for (const [key, { text }] of encoded) {
            const id = this.#id(key);
            params.push(id, this.#seal(id, key, text), expiry);
            if (++rows === chunk) {
              await this.#run(this.#sql.upsertMany(rows), params, tx);
              params = [];
              rows = 0;
            }
          }
          if (rows > 0) await this.#run(this.#sql.upsertMany(rows), params, tx);
        });
      } catch (error) {
        for (const key of encoded.keys()) this.#cache.delete(key);
        this.#seq.writtenAll();
        throw error;
      }
      if (this.#scope() === undefined) {
        for (const [key, { text, value }] of encoded) {
          const immutable = isImmutable(value);
          this.#cache.set(key, text, immutable ? value : undefined, immutable, expiresAt);
        }
      }
      this.#seq.writtenAll();
      return encoded.size;
    };
    const scope = this.#scope();
    if (scope !== undefined) return this.#inTransaction(scope, encoded.keys(), run);
    return this.#seq.exclusive(run);
  }

  /** Stores many pairs at once, in one transaction: the same as {@link KVStore.batchUpdate} (Python's `dict.update`). */
  update(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>, options?: KVSetOptions): Promise<number> {
    return this.batchUpdate(entries, options);
  }

  /** Deletes many keys in one transaction; absent keys are skipped. Returns how many keys were deleted. */
  async batchDelete(keys: Iterable<string>): Promise<number> {
    if (typeof keys !== "object" || keys === null || !(Symbol.iterator in keys) || typeof keys === "string") {
      throw invalid("batchDelete takes an array (or iterable) of keys", []);
    }
    const unique = new Set<string>();
    let i = 0;
    for (const key of keys) {
      checkKey(key, [i++]);
      unique.add(key);
    }
    this.#checkOpen();
    if (unique.size === 0) return 0;
    const list = [...unique];
    const run = async (): Promise<number> => {
      const now = Date.now();
      try {
        return await this.#db.transaction(async (tx) => {
          let deleted = 0;
          for (let start = 0; start < list.length; start += DELETE_CHUNK) {
            const part = list.slice(start, start + DELETE_CHUNK);
            const ids = this.#ring?.hashesNames === true ? part.map((key) => this.#id(key)) : part;
            const { rows } = await this.#run(this.#sql.deleteMany(part.length), ids, tx);
            for (const row of rows) if (isLive(expiresAtOf(row), now)) deleted++;
          }
          return deleted;
        });
      } finally {
        for (const key of list) this.#cache.delete(key);
        this.#seq.writtenAll();
      }
    };
    const scope = this.#scope();
    if (scope !== undefined) return this.#inTransaction(scope, list, run);
    return this.#seq.exclusive(run);
  }

  /**
   * Deletes every key, or with `prefix` every key starting with it (a range on the primary key, as
   * in {@link KVStore.scan}; the whole cache is emptied either way).
   *
   * ```ts
   * await kv.clear({ prefix: "session:" });
   * ```
   */
  async clear(options: KVClearOptions = {}): Promise<void> {
    checkOptions(options, ["prefix"], "clear");
    const prefix = options.prefix ?? "";
    checkKey(prefix, ["prefix"]);
    this.#checkPrefix(prefix);
    this.#checkOpen();
    const upper = prefixUpperBound(prefix);
    const [text, params] = prefix === "" ? [this.#sql.clear, []] : [this.#sql.clearRange(upper !== undefined), upper === undefined ? [prefix] : [prefix, upper]];
    const run = async (): Promise<void> => {
      try {
        await this.#run(text, params);
      } finally {
        this.#cache.clear();
        this.#seq.writtenAll();
      }
    };
    const scope = this.#scope();
    if (scope !== undefined) return this.#inTransaction(scope, "all", run);
    return this.#seq.exclusive(run);
  }

  /**
   * Deletes expired rows now (the background timer does it every `purgeIntervalMs`) and drops
   * expired cache entries; returns how many rows were deleted. Expired keys read as absent whether
   * or not they were purged.
   */
  async purgeExpired(): Promise<number> {
    this.#checkOpen();
    const now = Date.now();
    this.#cache.dropExpired(now);
    return (await this.#run(this.#sql.purge, [now])).rowCount;
  }

  // ------------------------------------------------------------------ encryption

  /**
   * Rotates the encryption key of a store opened with `{ encryption }`: from now on values are
   * sealed with `newKey`, and every stored value sealed with an older key (or stored plain, before
   * encryption was turned on) is re-encrypted, `batchSize` rows per transaction, with
   * `onProgress` after each page. Writes may go on meanwhile. Resumable: after an interruption,
   * open the store with `{ key: newKey, previousKeys: [oldKey] }` and call `rotate(newKey)` again
   * (rows already on `newKey` are skipped; `after` starts past the last key reported). Resolves to
   * the final progress. Only this store's table: sub-tables rotate on their own store.
   *
   * ```ts
   * await kv.rotate(newKey, { batchSize: 1000, onProgress: (p) => console.log(`${p.examined}/${p.total}`) });
   * ```
   */
  async rotate(newKey: Uint8Array, options: KVRotateOptions = {}): Promise<KVRotateProgress> {
    const checked = checkRotateOptions(options);
    this.#checkOpen();
    const ring = this.#ring;
    if (ring === undefined) throw invalid("rotate() needs a store opened with { encryption: { key } }", ["newKey"]);
    const next = ring.rotatedTo(newKey);
    if (this.#scope() !== undefined) throw invalid("rotate() cannot run inside a transaction: it commits a transaction per page", []);
    // Writes already called finish with the old key; every later write seals with the new one.
    await this.#seq.exclusive(async () => {
      this.#ring = next;
    });
    return rotateValues({ db: this.#db, sql: this.#sql, ring: next, run: (text, params, on) => this.#run(text, params, on) }, checked);
  }

  /** Whether key names are stored as keyed hashes (`encryption.nameKey`): prefix selections are then refused. */
  get hashesKeyNames(): boolean {
    return this.#ring?.hashesNames === true;
  }

  /** The id (a public fingerprint, never the key) of the key that encrypts new values, or undefined for a plain store. */
  get encryptionKeyId(): string | undefined {
    return this.#ring?.currentId;
  }

  // ------------------------------------------------------------------ models

  /**
   * Validates `value` with a Standard Schema (zod, valibot, ArkType, …) and stores the schema's
   * output; a failed validation is a {@link ValidationError} and writes nothing. Returns what was stored.
   *
   * ```ts
   * const User = z.object({ name: z.string(), age: z.number().int() });
   * await kv.setModel("user", { name: "Nana", age: 20 }, User);
   * ```
   */
  async setModel<S extends StandardSchemaV1>(key: string, value: StandardSchemaV1.InferInput<S>, schema: S, options?: KVSetOptions): Promise<Output<S>> {
    checkKey(key);
    const output = await validateModel(schema, value, "write");
    await this.set(key, output as V, options);
    return output;
  }

  /**
   * Reads `key` and validates it with a Standard Schema, returning the schema's output, or
   * undefined when the key is absent. A stored value that does not match is a {@link ValidationError}.
   *
   * ```ts
   * const user = await kv.getModel("user", User);   // { name: string; age: number } | undefined
   * ```
   */
  async getModel<S extends StandardSchemaV1>(key: string, schema: S): Promise<Output<S> | undefined> {
    const found = await this.get(key, MISSING);
    if (found === MISSING) return undefined;
    return validateModel(schema, found, "read");
  }

  // ------------------------------------------------------------------ tables and lifecycle

  /**
   * Another store on a table of the same Database, with its own cache (same `cacheSizeMb`) and
   * purge timer; created when missing. Asking twice for the same table gives the same store; it is
   * closed with this one.
   *
   * ```ts
   * const users = await kv.table("users");
   * await users.set("alice", { name: "Alice", age: 30 });
   * ```
   */
  async table<W = unknown>(name: string): Promise<KVStore<W>> {
    this.#checkOpen();
    assertIdentifier(name, "table");
    if (name === this.#sql.table) return this as unknown as KVStore<W>;
    const existing = this.#children.get(name);
    if (existing !== undefined && !existing.closed) return existing as KVStore<W>;
    // Concurrent calls for the same table share one opening.
    let opening = this.#opening.get(name);
    if (opening === undefined) {
      // The same keys as this store has now (after a rotate, the new key seals the sub-table's writes too).
      const options: Resolved = { ...this.#options, table: name, bulkLoad: false, keyring: this.#ring };
      opening = KVStore.#attach<unknown>(this.#db, false, options, this as KVStore<unknown>);
      this.#opening.set(name, opening);
      try {
        const child = await opening;
        this.#children.set(name, child);
      } finally {
        this.#opening.delete(name);
      }
    }
    return (await opening) as KVStore<W>;
  }

  /**
   * Closes the store: stops the purge timer, waits for writes already called, empties the cache,
   * closes the stores made by {@link KVStore.table}, and closes the Database if the store opened it.
   * Later calls fail with {@link ConnectionError}. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#cache.clear();
    if (this.#parent !== undefined && this.#parent.#children.get(this.#sql.table) === this) this.#parent.#children.delete(this.#sql.table);
    await Promise.all([...this.#children.values()].map((child) => child.close()));
    await this.#seq.exclusive(async () => undefined);
    if (!this.#owns || this.#db.closed) return;
    if (this.#options.optimize && this.#db.dialect === "sqlite") await this.#db.execute("PRAGMA optimize").catch(() => undefined);
    await this.#db.close();
  }

  /** Closes the store at the end of an `await using` scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `KVStore(table "data" on Database(sqlite:mydata.db))`. */
  override toString(): string {
    return `KVStore(table "${this.#sql.table}" on ${String(this.#db)})`;
  }
}
