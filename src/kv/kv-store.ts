/**
 * `KVStore`: an async, dict-like key-value store with a write-through, byte-bounded LRU cache, on
 * any tablekit {@link Database} — embedded SQLite by default, PostgreSQL and CockroachDB alike.
 *
 * The store is split the way Keyv splits its core from its storage adapters: this class is the
 * public API; store-core.ts, reads.ts and writes.ts are the core (cache, write ordering, codec,
 * TTL, encryption); storage/ holds the small interface of a storage adapter (storage/storage.ts),
 * whose implementations live in the backend folders and are found by asking the Database's
 * dialect (storage/backends.ts); raw-sql.ts the seed's raw SQL helpers the store inherits.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { Database } from "../database.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { checkKey } from "./input.js";
import { type KVRotateOptions, type KVRotateProgress, rotateStore } from "./rotation.js";
import { KVSqlHelpers } from "./raw-sql.js";
import { validateModel } from "./models.js";
import { MISSING, allEntries, allKeys, countKeys, fetchValue, getValue, isCachedLive, loadAll, scanEntries } from "./reads.js";
import { StoreCore } from "./store-core.js";
import type { KVCacheStats, KVClearOptions, KVScanOptions, KVSetOptions, KVStoreOptions, ResolvedOptions } from "./store-options.js";
import { openTarget } from "./store-options.js";
import { kvBackendFor } from "./storage/backends.js";
import type { KVBackend } from "./storage/storage.js";
import { SubStores } from "./sub-stores.js";
import { startPurgeTimer } from "./ttl.js";
import { batchDelete, batchUpdate, clearKeys, deleteKey, popKey, purgeExpired, setDefault, setValue } from "./writes.js";

export type { KVCacheStats, KVClearOptions, KVScanOptions, KVSetOptions, KVStoreOptions } from "./store-options.js";

/** A value of a Standard Schema's output type. */
type Output<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

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
  readonly #core: StoreCore;
  readonly #backend: KVBackend;
  readonly #owns: boolean;
  readonly #children = new SubStores<KVStore<unknown>>();
  readonly #parent: KVStore<unknown> | undefined;
  #stopPurge: () => void = () => undefined;
  #closing: Promise<void> | undefined;

  private constructor(core: StoreCore, backend: KVBackend, owns: boolean, parent: KVStore<unknown> | undefined) {
    super();
    this.#core = core;
    this.#backend = backend;
    this.#owns = owns;
    this.#parent = parent;
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
    const { db, owns, resolved } = openTarget(target, options);
    try {
      await db.connect();
      // Known once connected: a postgres:// URL may turn out to be CockroachDB.
      const backend = kvBackendFor(db);
      if (owns && resolved.optimize) await backend.tune(db);
      return await KVStore.#attach<V>(db, backend, owns, resolved, undefined);
    } catch (error) {
      if (owns) await db.close().catch(() => undefined);
      throw error;
    }
  }

  static async #attach<V>(db: Database, backend: KVBackend, owns: boolean, options: ResolvedOptions, parent: KVStore<unknown> | undefined): Promise<KVStore<V>> {
    const core = new StoreCore(db, backend.storage(db, options.table), options);
    const store = new KVStore<V>(core, backend, owns, parent);
    await core.storage.prepare();
    await core.checkKeyring();
    if (options.bulkLoad) await store.loadAll();
    store.#stopPurge = startPurgeTimer(options.purgeIntervalMs, () => (core.closed || db.closed ? undefined : purgeExpired(core)));
    return store;
  }

  // ------------------------------------------------------------------ state

  /** The Database the store runs on (shared with `table()` stores). */
  get db(): Database {
    return this.#core.db;
  }

  /** The table holding the pairs. */
  get tableName(): string {
    return this.#core.table;
  }

  /** Whether {@link KVStore.close} has been called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /** The cache's state: cached keys, bytes counted and the byte limit. */
  get cacheStats(): KVCacheStats {
    const cache = this.#core.cache;
    return { keys: cache.count, bytes: cache.bytes, maxBytes: cache.maxBytes };
  }

  /** @internal */
  protected get database(): Database {
    this.#core.checkOpen();
    return this.#core.db;
  }

  /** @internal */
  protected tableChanged(table: string): void {
    if (table === this.#core.table) this.#core.invalidate();
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
    return getValue(this.#core, key, fallback);
  }

  /** Whether `key` is present (and not expired). */
  async has(key: string): Promise<boolean> {
    return isCachedLive(this.#core, key) || (await fetchValue(this.#core, key, MISSING)) !== MISSING;
  }

  /** Reads `key` from the database (never the cache), updates the cache, and returns the value or `fallback`. Sees other processes' writes. */
  getFresh(key: string): Promise<V | undefined>;
  getFresh<F>(key: string, fallback: F): Promise<V | F>;
  getFresh(key: string, fallback?: unknown): Promise<unknown> {
    return fetchValue(this.#core, key, fallback);
  }

  /**
   * Re-reads the cache from the database: one key (cached again, or dropped when it is gone), or,
   * without a key, the whole cache is emptied (and refilled when the store was opened with `bulkLoad`).
   */
  async refresh(key?: string): Promise<void> {
    this.#core.checkOpen();
    if (key !== undefined) {
      await fetchValue(this.#core, key, undefined);
      return;
    }
    this.#core.invalidate();
    if (this.#core.options.bulkLoad) await this.loadAll();
  }

  /** Whether `key` is in the cache now (and not expired). Does not touch the database. */
  async isCached(key: string): Promise<boolean> {
    return isCachedLive(this.#core, key);
  }

  /**
   * Loads the table into the cache in key order, until the cache is full; returns how many keys
   * were loaded. Runs alone: writes called meanwhile wait for it.
   */
  loadAll(): Promise<number> {
    return loadAll(this.#core);
  }

  /** Number of keys (expired ones excluded). */
  size(): Promise<number> {
    return countKeys(this.#core);
  }

  /** Every key, in key order (Unicode code point order). */
  keys(): Promise<string[]> {
    return allKeys(this.#core);
  }

  /** Every value, in key order. */
  async values(): Promise<V[]> {
    return (await allEntries<V>(this.#core)).map((entry) => entry[1]);
  }

  /** Every `[key, value]` pair, in key order. */
  entries(): Promise<[string, V][]> {
    return allEntries<V>(this.#core);
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
  scan(options: KVScanOptions = {}): AsyncGenerator<[string, V], void, undefined> {
    return scanEntries<V>(this.#core, options);
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
  set(key: string, value: V, options?: KVSetOptions): Promise<void> {
    return setValue(this.#core, key, value, options);
  }

  /** Deletes `key`; throws {@link KeyNotFoundError} when it is absent (or expired). */
  delete(key: string): Promise<void> {
    return deleteKey(this.#core, key);
  }

  /**
   * Deletes `key` and returns its value, atomically (`DELETE … RETURNING`). When the key is absent,
   * returns `fallback` if one was given, else throws {@link KeyNotFoundError}. A stored value that
   * cannot be decoded (written by other SQL) is deleted all the same: outside a transaction that is
   * a {@link CommittedButUnreadableError} (do not retry: the key is gone).
   */
  pop(key: string): Promise<V>;
  pop<F>(key: string, fallback: F): Promise<V | F>;
  pop(key: string, ...fallback: unknown[]): Promise<unknown> {
    return popKey(this.#core, key, fallback);
  }

  /**
   * Returns the value of `key`; when the key is absent, stores `value` first and returns it. The
   * insert is atomic (`INSERT … ON CONFLICT`), so of two racing callers, even in two processes,
   * both get the value that was stored.
   */
  setDefault(key: string, value: V, options?: KVSetOptions): Promise<V> {
    return setDefault(this.#core, key, value, options);
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
  batchUpdate(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>, options?: KVSetOptions): Promise<number> {
    return batchUpdate(this.#core, entries, options);
  }

  /** Stores many pairs at once, in one transaction: the same as {@link KVStore.batchUpdate} (Python's `dict.update`). */
  update(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>, options?: KVSetOptions): Promise<number> {
    return this.batchUpdate(entries, options);
  }

  /** Deletes many keys in one transaction; absent keys are skipped. Returns how many keys were deleted. */
  batchDelete(keys: Iterable<string>): Promise<number> {
    return batchDelete(this.#core, keys);
  }

  /**
   * Deletes every key, or with `prefix` every key starting with it (a range on the primary key, as
   * in {@link KVStore.scan}; the whole cache is emptied either way).
   *
   * ```ts
   * await kv.clear({ prefix: "session:" });
   * ```
   */
  clear(options: KVClearOptions = {}): Promise<void> {
    return clearKeys(this.#core, options);
  }

  /**
   * Deletes expired rows now (the background timer does it every `purgeIntervalMs`) and drops
   * expired cache entries; returns how many rows were deleted. Expired keys read as absent whether
   * or not they were purged.
   */
  purgeExpired(): Promise<number> {
    return purgeExpired(this.#core);
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
  rotate(newKey: Uint8Array, options: KVRotateOptions = {}): Promise<KVRotateProgress> {
    return rotateStore(this.#core, newKey, options);
  }

  /** Whether key names are stored as keyed hashes (`encryption.nameKey`): prefix selections are then refused. */
  get hashesKeyNames(): boolean {
    return this.#core.hashesNames;
  }

  /** The id (a public fingerprint, never the key) of the key that encrypts new values, or undefined for a plain store. */
  get encryptionKeyId(): string | undefined {
    return this.#core.ring?.currentId;
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
    const core = this.#core;
    core.checkOpen();
    assertIdentifier(name, "table");
    if (name === core.table) return this as unknown as KVStore<W>;
    // The same keys as this store has now (after a rotate, the new key seals the sub-table's writes too).
    const options: ResolvedOptions = { ...core.options, table: name, bulkLoad: false, keyring: core.ring };
    const child = await this.#children.get(name, () => KVStore.#attach<unknown>(core.db, this.#backend, false, options, this as KVStore<unknown>));
    return child as KVStore<W>;
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
    const core = this.#core;
    core.closed = true;
    this.#stopPurge();
    core.cache.clear();
    if (this.#parent !== undefined) this.#parent.#children.forget(core.table, this as KVStore<unknown>);
    await this.#children.closeAll();
    await core.seq.exclusive(async () => undefined);
    if (!this.#owns || core.db.closed) return;
    if (core.options.optimize) await this.#backend.beforeClose(core.db);
    await core.db.close();
  }

  /** Closes the store at the end of an `await using` scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `KVStore(table "data" on Database(sqlite:mydata.db))`. */
  override toString(): string {
    return `KVStore(table "${this.#core.table}" on ${String(this.#core.db)})`;
  }
}
