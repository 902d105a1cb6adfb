/**
 * The storage contract of a {@link KVStore}: what the store core (cache, write ordering, codec,
 * TTL, encryption) needs from the table that holds its pairs, as Keyv's storage adapters provide
 * `get`/`set`/`delete`/`clear`/`iterator` to Keyv's core. One {@link KVBackend} per database
 * backend (offered by the backend's SQL dialect) turns a Database and a table name into a
 * {@link KVStorage}; the core never asks which backend it runs on.
 *
 * The storage deals in stored forms only: `id` is the key as stored (the name, or its keyed hash),
 * `value` the stored text (codec JSON, possibly sealed), `expiresAt` epoch milliseconds with 0 for
 * "never". Deciding what a row means (expired? cacheable? decodable?) is the core's job.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { Queryable } from "../../queryable.js";

/** A stored value and its expiry (epoch milliseconds, 0 for none). */
export interface StoredEntry {
  /** The stored text. */
  readonly value: string;
  /** Expiry in epoch milliseconds, 0 for none. */
  readonly expiresAt: number;
}

/** One row of a key range, in key order. */
export interface StoredRow extends StoredEntry {
  /** The stored key (the name, or its keyed hash). */
  readonly key: string;
}

/**
 * A page of a key range: keys from `lower` (inclusive on the `first` page, exclusive after) up to
 * `upper` (exclusive; none when undefined).
 */
export interface KeyRange {
  /** The lower bound. */
  readonly lower: string;
  /** Whether `lower` itself is included (the first page of a range). */
  readonly first: boolean;
  /** The exclusive upper bound, if any (see {@link prefixUpperBound}). */
  readonly upper?: string | undefined;
}

/**
 * What runs a batch's statements: the store's Database (joining an ambient transaction) or the
 * transaction of {@link KVStorage.transaction}. Opaque to the core.
 */
export type StorageConnection = Queryable;

/**
 * The operations of one key-value table. Point operations (`get`, `set`) return their result
 * directly when the backend ran the statement synchronously (embedded SQLite outside a
 * transaction), saving the store's hot paths a microtask; every other method returns a promise.
 * Every call runs on the store's Database (so it joins an ambient transaction) unless it takes a
 * {@link StorageConnection}. Storage errors are thrown (typed, from src/errors/), never swallowed.
 */
export interface KVStorage {
  /** The table (validated, unquoted). */
  readonly table: string;

  /**
   * Creates the table and its expiry index when missing, adds the expiry column to a key/value
   * table made without one, and refuses a table of that name that is not a key-value table
   * ({@link ValidationError}).
   */
  prepare(): Promise<void>;

  /**
   * The stored value of `id`, expired or not, or undefined. Synchronous when it can be (and then
   * it may also throw synchronously: call it from an async function).
   */
  get(id: string): StoredEntry | undefined | Promise<StoredEntry | undefined>;
  /** Inserts or replaces `id`: undefined when done synchronously, else a promise to await. Like `get`, may throw synchronously. */
  set(id: string, value: string, expiresAt: number): undefined | Promise<unknown>;
  /** Inserts or replaces many rows (`ids[i]` gets `values[i]`), in one transaction, in multi-row statements. */
  setMany(ids: readonly string[], values: readonly string[], expiresAt: number): Promise<void>;
  /** Inserts `id` unless a row that is live at `now` holds it; true when it wrote. */
  add(id: string, value: string, expiresAt: number, now: number): Promise<boolean>;
  /** Deletes `id`; the deleted row's expiry, or undefined when there was no row. */
  delete(id: string): Promise<number | undefined>;
  /** Deletes `id` and returns the row it deleted, if any (atomically: `DELETE … RETURNING`). */
  take(id: string): Promise<StoredEntry | undefined>;
  /** Deletes many keys in one transaction; returns how many deleted rows were live at `now`. */
  deleteMany(ids: readonly string[], now: number): Promise<number>;
  /** Deletes every row, or the rows of a key range (`first` is ignored: the lower bound is included). */
  clear(range?: KeyRange): Promise<void>;
  /** Deletes the rows expired at `now`; returns how many. */
  purge(now: number): Promise<number>;

  /** Counts the rows live at `now`. A replica may serve it. */
  count(now: number): Promise<number>;
  /** Every key live at `now`, in key order. A replica may serve it. */
  keys(now: number): Promise<string[]>;
  /** Every row live at `now`, in key order. A replica may serve it. */
  all(now: number): Promise<StoredRow[]>;
  /**
   * One page of at most `limit` rows live at `now`, in key order. `replica`: a read replica may
   * serve it (scans); the cache's bulk load reads the primary.
   */
  scan(range: KeyRange, limit: number, now: number, replica: boolean): Promise<StoredRow[]>;

  /** The first row, in key order, whose stored value matches a LIKE `pattern` (an encrypted store's key check); `expiresAt` is not read (0). */
  firstMatching(pattern: string): Promise<StoredRow | undefined>;
  /** Counts every row, expired or not (a rotation's total). */
  countAll(): Promise<number>;
  /** One page of every row, expired or not, in key order (a rotation's pages); `expiresAt` is not read (0). */
  page(range: KeyRange, limit: number): Promise<StoredRow[]>;
  /** Replaces the value of `id` only if it still is `previous`; true when it did. */
  compareAndSet(id: string, next: string, previous: string, on: StorageConnection): Promise<boolean>;
  /** The stored value of `id`, expired or not, read on `on`. */
  valueOf(id: string, on: StorageConnection): Promise<string | undefined>;
  /** Runs `fn` in one transaction of the store's Database (a savepoint inside an ambient one). */
  transaction<T>(fn: (on: StorageConnection) => Promise<T>): Promise<T>;
}

/**
 * A database backend's key-value storage: each backend's dialect offers one as its `keyValue`
 * capability (src/backends/sqlite/sqlite-kv.ts, src/backends/postgres/postgres-kv.ts), and
 * {@link kvBackendFor} asks a Database's dialect for it. The backends import this contract for
 * its types only.
 */
export interface KVBackend {
  /**
   * What Keyv is told the backend is (`opts.dialect` of the Keyv adapter): the name Keyv's own
   * adapter for it uses (@keyv/sqlite's `"sqlite"`, @keyv/postgres's `"postgres"`, which
   * CockroachDB speaks too). Keyv offers `keyv.iterator()` only for the names it knows.
   */
  readonly keyvDialect: "sqlite" | "postgres";
  /** The storage of `table` on `db` (a connected Database of this backend). */
  storage(db: Database, table: string): KVStorage;
  /** Tuning applied to a Database the store opened itself (the `optimize` option), after it connects. */
  tune(db: Database): Promise<void>;
  /** Work done before the store closes a Database it opened itself (the `optimize` option); must not throw. */
  beforeClose(db: Database): Promise<void>;
}
