/**
 * The reads of a {@link KVStore} core: cached point reads, database reads that fill the cache only
 * when no write could have made them stale (see sequencer.ts), the cache's bulk load, keyset
 * scans, and the whole-table reads.
 *
 * @module
 */
import { type CacheEntry, entrySize, entryValue } from "./cache.js";
import { decodeValue } from "./codec.js";
import { checkKey, invalid } from "./input.js";
import type { StoreCore } from "./store-core.js";
import { DEFAULT_SCAN_BATCH, type KVScanOptions } from "./store-options.js";
import { prefixUpperBound } from "./storage/key-range.js";
import type { StoredRow } from "./storage/storage.js";
import { isLive } from "./ttl.js";
import { checkOptions } from "../crud/statements.js";

/** A fallback no stored value can equal: "absent". */
export const MISSING: unique symbol = Symbol("missing");

/** A cached entry's value as a promise; a stored text that cannot be decoded becomes a rejection. */
async function decodeEntry(entry: CacheEntry): Promise<unknown> {
  return entryValue(entry);
}

/** The value of `key`, or `fallback`: from the cache when it holds a live entry, else from the database. */
export function getValue(core: StoreCore, key: string, fallback: unknown): Promise<unknown> {
  const entry = core.cache.get(key);
  if (entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > Date.now())) {
    return entry.text === undefined ? Promise.resolve(entry.value) : decodeEntry(entry);
  }
  return fetchValue(core, key, fallback);
}

/** Whether the cache holds a live entry for `key` (without touching its recency). */
export function isCachedLive(core: StoreCore, key: string): boolean {
  const entry = core.cache.peek(key);
  return entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > Date.now());
}

/**
 * Reads `key` from the database and returns its value, or `fallback`. The value is cached unless
 * a write that finished meanwhile (or an open transaction) could make it stale.
 */
export async function fetchValue<F>(core: StoreCore, key: string, fallback: F): Promise<unknown> {
  checkKey(key);
  core.checkOpen();
  const seq = core.seq;
  const start = seq.beginRead();
  try {
    const id = core.id(key);
    let found = core.storage.get(id);
    if (found instanceof Promise) found = await found;
    if (found === undefined || !isLive(found.expiresAt, Date.now())) {
      core.cache.delete(key);
      return fallback;
    }
    const text = core.unseal(id, found.value);
    const value = decodeValue(text);
    if (seq.mayFill(key, start) && core.scope() === undefined) core.cache.set(key, text, value, true, found.expiresAt);
    return value;
  } finally {
    seq.endRead();
  }
}

/** Loads the table into the cache in key order until it is full (alone: writes wait); returns how many keys were loaded. */
export async function loadAll(core: StoreCore): Promise<number> {
  core.checkOpen();
  // Inside a transaction the rows may still roll back: nothing is cached.
  if (!core.cache.enabled || core.scope() !== undefined) return 0;
  return await core.whole(async () => {
    const cache = core.cache;
    let loaded = 0;
    let lower = "";
    let first = true;
    const limit = DEFAULT_SCAN_BATCH;
    for (;;) {
      const rows = await core.storage.scan({ lower, first }, limit, Date.now(), false);
      for (const row of rows) {
        const [key, text] = core.unsealRow(row);
        if (cache.bytes + entrySize(key, text) > cache.maxBytes) return loaded;
        cache.set(key, text, undefined, false, row.expiresAt);
        loaded++;
      }
      if (rows.length < limit) return loaded;
      lower = rows[rows.length - 1]!.key;
      first = false;
    }
  });
}

/** Every live row, read alone. */
export async function allRows(core: StoreCore): Promise<StoredRow[]> {
  core.checkOpen();
  return await core.whole(() => core.storage.all(Date.now()));
}

/** The number of live keys, counted alone. */
export async function countKeys(core: StoreCore): Promise<number> {
  core.checkOpen();
  return await core.whole(() => core.storage.count(Date.now()));
}

/** Every live key in key order, read alone (with hashed names, out of the rows' ciphertexts). */
export async function allKeys(core: StoreCore): Promise<string[]> {
  core.checkOpen();
  if (core.hashesNames) return (await allRows(core)).map((row) => core.unsealRow(row)[0]);
  return core.whole(() => core.storage.keys(Date.now()));
}

/** Every live `[key, value]` pair, decoded, in key order. */
export async function allEntries<V>(core: StoreCore): Promise<[string, V][]> {
  return (await allRows(core)).map((row) => {
    const [key, text] = core.unsealRow(row);
    return [key, decodeValue(text) as V];
  });
}

/** `[key, value]` pairs in key order, a keyset page at a time; see {@link KVStore.scan}. */
export async function* scanEntries<V>(core: StoreCore, options: KVScanOptions): AsyncGenerator<[string, V], void, undefined> {
  checkOptions(options, ["prefix", "batchSize"], "scan");
  const prefix = options.prefix ?? "";
  checkKey(prefix, ["prefix"]);
  core.checkPrefix(prefix);
  const batchSize = options.batchSize ?? DEFAULT_SCAN_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalid("batchSize must be a positive integer", ["batchSize"]);
  core.checkOpen();
  const upper = prefixUpperBound(prefix);
  let lower = prefix;
  let first = true;
  for (;;) {
    core.checkOpen();
    const rows = await core.storage.scan({ lower, first, upper }, batchSize, Date.now(), true);
    for (const row of rows) {
      const [key, text] = core.unsealRow(row);
      yield [key, decodeValue(text) as V];
    }
    if (rows.length < batchSize) return;
    lower = rows[rows.length - 1]!.key;
    first = false;
  }
}
