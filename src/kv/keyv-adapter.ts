/**
 * A Keyv store adapter over {@link KVStore}: `new Keyv({ store: new KeyvTablekit({ url }) })`
 * gives Keyv users (and every library that takes a Keyv store) tablekit's cached key-value store
 * on SQLite, PostgreSQL or CockroachDB. It passes Keyv's own compliance suite (@keyv/test-suite).
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { Database } from "../database.js";
import { dialectForUrl } from "../backends/registry.js";
import { redactUrl } from "../util/redact.js";
import { ValidationError } from "../errors/errors.js";
import { KeyNotFoundError } from "./kv-errors.js";
import { KVStore, type KVStoreOptions } from "./kv-store.js";
import { kvBackendFor } from "./storage/backends.js";
import type { KVBackend } from "./storage/storage.js";

/** Options of {@link KeyvTablekit}: where the pairs live. Give at most one of `url`, `path`, `db` and `store`. */
export interface KeyvTablekitOptions {
  /** A database URL (`sqlite:…`, `postgres://…`, `cockroachdb://…`); the adapter opens it and closes it on `disconnect()`. */
  url?: string | undefined;
  /** A SQLite file; the adapter opens it and closes it on `disconnect()`. */
  path?: string | undefined;
  /** An existing Database (any backend). The adapter never closes it. */
  db?: Database | undefined;
  /** An existing KVStore: the adapter uses its table and cache, and never closes it. */
  store?: KVStore<unknown> | undefined;
  /** The table holding the pairs, when the adapter opens the store. Default `"keyv"` (as @keyv/sqlite and @keyv/postgres). */
  table?: string | undefined;
  /** Size of the KVStore's value cache in MiB, when the adapter opens the store; 0 disables it. Default 64. */
  cacheSizeMb?: number | undefined;
  /** Encryption of stored values, when the adapter opens the store; see {@link KVStoreOptions.encryption}. */
  encryption?: KVStoreOptions["encryption"];
}

/** The options Keyv reads from a store (`opts.dialect` turns on Keyv's `iterator()`). */
export interface KeyvTablekitOpts {
  /**
   * What Keyv is told the backend is: the name Keyv's own adapter for it uses, `"sqlite"` or
   * `"postgres"` (CockroachDB reports `"postgres"`, so that Keyv offers iteration). Read from the
   * Database's dialect (`keyValue.keyvDialect`); for a URL or path the adapter opens, first from
   * what the URL names (src/backends/registry.ts `dialectForUrl`), then from the connected Database.
   */
  dialect: KVBackend["keyvDialect"];
  /** The URL (its password hidden as `***`) or path the adapter was given, if any. */
  url: string;
  /** The table of the pairs. */
  table: string;
  /** Set by Keyv's tests; not used by the adapter. */
  [option: string]: unknown;
}

/** One entry of {@link KeyvTablekit.setMany}, as Keyv passes it. */
export interface KeyvTablekitEntry {
  /** The key, with Keyv's namespace prefix. */
  key: string;
  /** The value (Keyv's serialized text, or the raw `{ value, expires }` when Keyv's serializer is off). */
  value: unknown;
  /** Time to live in milliseconds, if any. */
  ttl?: number | undefined;
}

const ADAPTER_OPTIONS = ["url", "path", "db", "store", "table", "cacheSizeMb", "encryption"];

function invalid(message: string, path: string[]): ValidationError {
  return new ValidationError(message, [{ message, path }]);
}

/**
 * A positive ttl as KVStore takes it; anything else (also one whose expiry lies beyond 2^53 ms, which
 * KVStore refuses) stores without a database expiry (Keyv's own `expires` still applies).
 */
function ttlOptions(ttl: unknown): { ttl: number } | undefined {
  return typeof ttl === "number" && ttl > 0 && Number.isSafeInteger(Date.now() + Math.ceil(ttl)) ? { ttl } : undefined;
}

/**
 * What Keyv is told before the store has opened: the dialect the URL or path names, or, for a
 * scheme no backend serves (opening then fails), the file path's. Keyv reads it once, when it
 * takes the adapter, to decide whether it offers `keyv.iterator()`.
 */
function provisionalKeyvDialect(url: string | undefined): KVBackend["keyvDialect"] {
  return (dialectForUrl(url ?? "") ?? dialectForUrl("")!).keyValue.keyvDialect;
}

/**
 * A [Keyv](https://keyv.org) storage adapter on tablekit's {@link KVStore}. Keyv keeps doing what
 * it does (namespacing keys as `namespace:key`, serializing `{ value, expires }`, checking expiry);
 * the adapter stores what Keyv hands it, with the TTL also set on the row so expired rows are
 * purged. With Keyv's serializer turned off (`serialize: undefined, deserialize: undefined`),
 * tablekit's codec stores the values instead (Date, bigint, Map, Set, Uint8Array round-trip).
 *
 * ```ts
 * import Keyv from "keyv";
 * import { KeyvTablekit } from "tablekit/keyv";
 *
 * const keyv = new Keyv({ store: new KeyvTablekit({ url: "postgres://localhost/app" }), namespace: "cache" });
 * await keyv.set("user:1", { name: "Nana" }, 60_000);
 * await keyv.disconnect();
 * ```
 */
export class KeyvTablekit extends EventEmitter {
  /** What Keyv reads from the store: the dialect (which enables `keyv.iterator()`), url and table. */
  readonly opts: KeyvTablekitOpts;
  /** The namespace Keyv sets; `clear()` and `iterator()` keep to keys prefixed `namespace:`. */
  namespace: string | undefined;
  readonly #ready: Promise<KVStore<unknown>>;
  readonly #owns: boolean;
  #store: KVStore<unknown> | undefined;

  /**
   * An adapter on a URL, a SQLite path, a Database, or an existing KVStore (which may also be
   * passed directly). With neither, tablekit's default database (`DATABASE_URL`, else ./tablekit.db).
   * The store opens in the background; the first call waits for it, and an opening failure
   * rejects that call (and is emitted as `"error"` when someone listens).
   */
  constructor(target: KeyvTablekitOptions | KVStore<unknown> | string = {}) {
    super();
    const options: KeyvTablekitOptions = target instanceof KVStore ? { store: target } : typeof target === "string" ? { url: target } : target;
    if (typeof options !== "object" || options === null) throw invalid("KeyvTablekit takes an options object, a URL or a KVStore", []);
    for (const name of Object.keys(options)) {
      if (!ADAPTER_OPTIONS.includes(name)) throw invalid(`KeyvTablekit has no option ${JSON.stringify(name)}; its options are ${ADAPTER_OPTIONS.join(", ")}`, [name]);
    }
    const given = [options.url, options.path, options.db, options.store].filter((s) => s !== undefined).length;
    if (given > 1) throw invalid("Give only one of url, path, db and store", []);
    if (options.store !== undefined && !(options.store instanceof KVStore)) throw invalid("store must be a tablekit KVStore", ["store"]);
    if (options.db !== undefined && !(options.db instanceof Database)) throw invalid("db must be a tablekit Database", ["db"]);
    const existing = options.store;
    this.#owns = existing === undefined;
    const db = existing?.db ?? options.db;
    this.opts = {
      dialect: db !== undefined ? kvBackendFor(db).keyvDialect : provisionalKeyvDialect(options.url ?? options.path),
      url: redactUrl(options.url ?? options.path ?? ""), // Keyv keeps the store in its own opts: util.inspect(keyv) shows it
      table: existing?.tableName ?? options.table ?? "keyv",
    };
    if (existing !== undefined) {
      this.#store = existing;
      this.#ready = Promise.resolve(existing);
    } else {
      const { url, path, table, cacheSizeMb, encryption } = options;
      this.#ready = KVStore.open<unknown>({ url, path, db: options.db, table: table ?? "keyv", cacheSizeMb, encryption });
      this.#ready.then(
        (store) => {
          this.#store = store;
          // Known once connected: a postgres:// URL may turn out to be CockroachDB.
          this.opts.dialect = kvBackendFor(store.db).keyvDialect;
        },
        (error: unknown) => {
          // The calls reject with the error themselves; a listener that throws must not become an unhandled rejection.
          if (this.listenerCount("error") > 0) {
            try {
              this.emit("error", error);
            } catch {
              /* the listener's own failure */
            }
          }
        },
      );
    }
  }

  /** The KVStore underneath (waits for it to open). */
  kvStore(): Promise<KVStore<unknown>> {
    return this.#ready;
  }

  /** The value stored under `key`, or undefined. */
  async get(key: string): Promise<unknown> {
    const store = this.#store ?? (await this.#ready);
    return store.get(key);
  }

  /** The values of `keys`, in order (undefined for absent keys). */
  async getMany(keys: string[]): Promise<unknown[]> {
    const store = this.#store ?? (await this.#ready);
    return Promise.all(keys.map((key) => store.get(key)));
  }

  /** Stores `value` under `key`, with a time to live in milliseconds when `ttl` is a positive number. Resolves to true once stored. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const store = this.#store ?? (await this.#ready);
    await store.set(key, value, ttlOptions(ttl));
    return true;
  }

  /** Stores many entries; entries sharing a ttl go in one transaction. Resolves to one `true` per entry. */
  async setMany(entries: KeyvTablekitEntry[]): Promise<boolean[]> {
    const store = this.#store ?? (await this.#ready);
    const groups = new Map<number | undefined, Map<string, unknown>>();
    // A key given twice keeps its last entry (as set() in turn would), whichever ttl group comes first.
    const last = new Map<string, KeyvTablekitEntry>();
    for (const entry of entries) last.set(entry.key, entry);
    for (const entry of entries) {
      if (last.get(entry.key) !== entry) continue;
      const { key, value, ttl } = entry;
      const group = ttlOptions(ttl)?.ttl;
      let pairs = groups.get(group);
      if (pairs === undefined) groups.set(group, (pairs = new Map()));
      pairs.set(key, value);
    }
    for (const [ttl, pairs] of groups) await store.batchUpdate(pairs, ttl === undefined ? undefined : { ttl });
    return entries.map(() => true);
  }

  /** Deletes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    const store = this.#store ?? (await this.#ready);
    try {
      await store.delete(key);
      return true;
    } catch (error) {
      if (error instanceof KeyNotFoundError) return false;
      throw error;
    }
  }

  /** Deletes `keys` in one transaction; true when at least one was there. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const store = this.#store ?? (await this.#ready);
    return (await store.batchDelete(keys)) > 0;
  }

  /** Whether `key` is present (and not expired). */
  async has(key: string): Promise<boolean> {
    const store = this.#store ?? (await this.#ready);
    return store.has(key);
  }

  /** Whether each of `keys` is present. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const store = this.#store ?? (await this.#ready);
    return Promise.all(keys.map((key) => store.has(key)));
  }

  /**
   * Deletes the keys of the current namespace (every key when there is none): one range delete, or,
   * on a store with hashed key names, a scan of the table and a batch delete of the namespace's keys.
   */
  async clear(): Promise<void> {
    const store = this.#store ?? (await this.#ready);
    const namespace = this.namespace;
    if (namespace === undefined || namespace === "") return store.clear();
    if (!store.hashesKeyNames) return store.clear({ prefix: `${namespace}:` });
    const doomed: string[] = [];
    for await (const [key] of store.scan()) if (key.startsWith(`${namespace}:`)) doomed.push(key);
    await store.batchDelete(doomed);
  }

  /**
   * Yields `[key, value]` for the keys of `namespace` (every key without one), in key order, in
   * pages read by key range (with hashed key names: the whole table, filtered, in no particular
   * order); Keyv's `keyv.iterator()` builds on it.
   */
  async *iterator(namespace?: string): AsyncGenerator<[string, unknown], void, undefined> {
    const store = this.#store ?? (await this.#ready);
    if (namespace === undefined || namespace === "") yield* store.scan();
    else if (!store.hashesKeyNames) yield* store.scan({ prefix: `${namespace}:` });
    else for await (const pair of store.scan()) if (pair[0].startsWith(`${namespace}:`)) yield pair;
  }

  /** Closes the store if the adapter opened it (a KVStore or Database passed in stays open). */
  async disconnect(): Promise<void> {
    if (!this.#owns) return;
    const store = await this.#ready.catch(() => undefined);
    await store?.close();
  }
}
