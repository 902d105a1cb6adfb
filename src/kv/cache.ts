/**
 * The in-memory value cache of a {@link KVStore}: a least-recently-used map bounded in bytes
 * (lru-cache's `maxSize`), holding each key's value, its stored text until first read, and its
 * expiry time.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { decodeValue } from "./codec.js";

/** Bytes counted for an entry besides its key and text: the entry object, the LRU's slots. */
export const ENTRY_OVERHEAD_BYTES = 96;

/** One cached key. */
export interface CacheEntry {
  /** The decoded value; meaningful once `text` is undefined. */
  value: unknown;
  /** The stored JSON text, kept until the first read decodes it (then undefined). */
  text: string | undefined;
  /** Expiry time in epoch milliseconds, or 0 for none. */
  expiresAt: number;
}

/**
 * The approximate memory an entry takes: JavaScript strings use two bytes a character, and the
 * decoded value is estimated from its stored JSON text.
 */
export function entrySize(key: string, text: string): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + text.length);
}

/** The decoded value of an entry, decoding (once) the text it was cached with. */
export function entryValue(entry: CacheEntry): unknown {
  const text = entry.text;
  if (text === undefined) return entry.value;
  const value = decodeValue(text);
  entry.value = value;
  entry.text = undefined;
  return value;
}

/** A byte-bounded LRU of {@link CacheEntry}. A limit of 0 disables caching (every call misses). */
export class ValueCache {
  readonly #lru: LRUCache<string, CacheEntry> | undefined;
  /** Entries cached with an expiry since the last {@link ValueCache.dropExpired} (an upper bound). */
  #expiring = 0;
  /** The byte limit (0: no cache). */
  readonly maxBytes: number;

  /** Creates a cache holding at most `maxBytes` (0: no cache). */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.#lru = maxBytes > 0 ? new LRUCache<string, CacheEntry>({ maxSize: maxBytes }) : undefined;
  }

  /** Whether the cache keeps anything at all. */
  get enabled(): boolean {
    return this.#lru !== undefined;
  }

  /** The entry of `key` (marking it recently used), or undefined. Expiry is the caller's check. */
  get(key: string): CacheEntry | undefined {
    return this.#lru?.get(key);
  }

  /** The entry of `key` without touching its recency. */
  peek(key: string): CacheEntry | undefined {
    return this.#lru?.peek(key);
  }

  /**
   * Caches `key`. `value` is the decoded value when the caller already has its own copy (or the
   * value is a primitive); otherwise pass `undefined` with `decoded: false` and the text is decoded
   * on first read, so the cache never shares an object with the caller of `set`.
   */
  set(key: string, text: string, value: unknown, decoded: boolean, expiresAt: number): void {
    const lru = this.#lru;
    if (lru === undefined) return;
    const size = entrySize(key, text);
    if (size > this.maxBytes) {
      lru.delete(key);
      return;
    }
    lru.set(key, { value, text: decoded ? undefined : text, expiresAt }, { size });
    if (expiresAt !== 0) this.#expiring++;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#lru?.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#lru?.clear();
  }

  /** Number of cached keys. */
  get count(): number {
    return this.#lru?.size ?? 0;
  }

  /** Bytes currently counted. */
  get bytes(): number {
    return this.#lru?.calculatedSize ?? 0;
  }

  /** Drops the entries whose expiry time is at or before `now`; returns how many were dropped. */
  dropExpired(now: number): number {
    const lru = this.#lru;
    if (lru === undefined || this.#expiring === 0) return 0;
    const expired: string[] = [];
    let remaining = 0;
    for (const [key, entry] of lru.entries()) {
      if (entry.expiresAt === 0) continue;
      if (entry.expiresAt <= now) expired.push(key);
      else remaining++;
    }
    for (const key of expired) lru.delete(key);
    this.#expiring = remaining;
    return expired.length;
  }
}
