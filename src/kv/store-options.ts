/**
 * The options of a {@link KVStore} and of its calls, their defaults, and their checks.
 *
 * @module
 */
import { Database } from "../database.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { type KVEncryptionOptions, KVKeyring } from "./encryption.js";
import { invalid } from "./input.js";

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
   * WAL, with its `synchronous` level: FULL by default, `?synchronous=normal` in a `sqlite:` URL). No effect on PostgreSQL/CockroachDB or on a Database passed as `db`. Default true.
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

const DEFAULT_TABLE = "data";
const DEFAULT_CACHE_MB = 64;
const DEFAULT_PURGE_MS = 60_000;
/** Rows per page of a scan (and of the cache's bulk load) unless `batchSize` says otherwise. */
export const DEFAULT_SCAN_BATCH = 500;

/** A store's options, checked, with defaults applied. */
export interface ResolvedOptions {
  table: string;
  bulkLoad: boolean;
  optimize: boolean;
  cacheBytes: number;
  cacheSizeMb: number;
  purgeIntervalMs: number;
  keyring: KVKeyring | undefined;
}

/** Checks the store options (not the choice of database) and applies their defaults. */
export function resolveOptions(options: KVStoreOptions): ResolvedOptions {
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

/**
 * The Database a store opens on, from {@link KVStore.open}'s arguments (a SQLite path, or options
 * with at most one of `path`, `url` and `db`), with the store's options checked; `owns`: the store
 * opened the Database and closes it. Nothing connects yet.
 */
export function openTarget(target: string | KVStoreOptions | undefined, options: Omit<KVStoreOptions, "path" | "url" | "db">): { db: Database; owns: boolean; resolved: ResolvedOptions } {
  const given: KVStoreOptions = typeof target === "string" ? { ...options, path: target } : { ...(target ?? {}), ...options };
  if (target !== undefined && typeof target !== "string" && (typeof target !== "object" || target === null)) {
    throw invalid("KVStore.open takes a SQLite path or an options object", []);
  }
  const sources = [given.path, given.url, given.db].filter((s) => s !== undefined).length;
  if (sources > 1) throw invalid("Give only one of path, url and db", []);
  if (given.db !== undefined && !(given.db instanceof Database)) throw invalid("db must be a tablekit Database", ["db"]);
  if (given.path !== undefined && (typeof given.path !== "string" || given.path === "")) throw invalid("path must be a non-empty string", ["path"]);
  const resolved = resolveOptions(given);
  if (given.db !== undefined) return { db: given.db, owns: false, resolved };
  const db = given.url !== undefined ? new Database({ url: given.url }) : given.path !== undefined ? new Database({ filename: given.path }) : new Database();
  return { db, owns: true, resolved };
}
