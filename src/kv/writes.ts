/**
 * The writes of a {@link KVStore} core. Each one is checked and encoded before any SQL runs, runs
 * in its key's write order (store-wide ones alone; inside an ambient transaction, in it), and
 * changes the cache only once the storage has it: write-through.
 *
 * @module
 */
import { CommittedButUnreadableError, ConnectionError } from "../errors/errors.js";
import { checkOptions } from "../crud/statements.js";
import { entryValue } from "./cache.js";
import { decodeValue, encodeValue, isImmutable } from "./codec.js";
import { checkKey, checkKeyList, encodeEntries } from "./input.js";
import { KeyNotFoundError } from "./kv-errors.js";
import { MISSING, fetchValue } from "./reads.js";
import type { StoreCore } from "./store-core.js";
import type { KVClearOptions, KVSetOptions } from "./store-options.js";
import { prefixUpperBound } from "./storage/key-range.js";
import type { StoredEntry } from "./storage/storage.js";
import { expiryOf, isLive } from "./ttl.js";

/** Caches a value this process just stored: decoded when immutable, else kept as text (the cache never shares the caller's object). */
function cacheWritten(core: StoreCore, key: string, text: string, value: unknown, expiresAt: number): void {
  const immutable = isImmutable(value);
  core.cache.set(key, text, immutable ? value : undefined, immutable, expiresAt);
}

/** Stores `value` under `key`, replacing any value and TTL. */
export async function setValue(core: StoreCore, key: string, value: unknown, options: KVSetOptions | undefined): Promise<void> {
  checkKey(key);
  const expiresAt = expiryOf(options);
  const text = encodeValue(value);
  core.checkOpen();
  const scope = core.scope();
  if (scope !== undefined) {
    const id = core.id(key);
    await core.inTransaction(scope, [key], async () => {
      await core.storage.set(id, core.seal(id, key, text), expiresAt);
    });
    return;
  }
  const seq = core.seq;
  const slot = seq.enter(key);
  try {
    if (slot.ready !== undefined) await slot.ready;
    try {
      const id = core.id(key);
      const done = core.storage.set(id, core.seal(id, key, text), expiresAt);
      if (done !== undefined) await done;
    } catch (error) {
      core.cache.delete(key);
      throw error;
    }
    cacheWritten(core, key, text, value, expiresAt);
  } finally {
    seq.written(key);
    seq.leave(key, slot);
  }
}

/** Deletes `key`; {@link KeyNotFoundError} when it is absent (or expired). */
export async function deleteKey(core: StoreCore, key: string): Promise<void> {
  checkKey(key);
  core.checkOpen();
  const now = Date.now();
  return core.keyed(key, async () => {
    let expiresAt: number | undefined;
    try {
      expiresAt = await core.storage.delete(core.id(key));
    } finally {
      core.cache.delete(key);
      core.seq.written(key);
    }
    if (expiresAt === undefined || !isLive(expiresAt, now)) throw new KeyNotFoundError(key, core.table);
  });
}

/** Deletes `key` and returns its value, or `fallback[0]` when absent (else {@link KeyNotFoundError}). */
export async function popKey(core: StoreCore, key: string, fallback: unknown[]): Promise<unknown> {
  checkKey(key);
  core.checkOpen();
  const now = Date.now();
  const scope = core.scope();
  return core.keyed(key, async () => {
    let row: StoredEntry | undefined;
    try {
      row = await core.storage.take(core.id(key));
    } finally {
      core.cache.delete(key);
      core.seq.written(key);
    }
    if (row !== undefined && isLive(row.expiresAt, now)) {
      try {
        return decodeValue(core.unseal(core.id(key), row.value));
      } catch (error) {
        // Outside a transaction the DELETE has committed: the error must not read as "nothing popped".
        if (scope !== undefined) throw error;
        throw new CommittedButUnreadableError(
          // The key stays out of the message, as in KeyNotFoundError (keys can be session ids).
          `pop deleted the key from table "${core.table}", but its stored value could not be decoded: ${(error as Error).message}. Do not retry: the key is gone.`,
          { cause: error },
        );
      }
    }
    if (fallback.length > 0) return fallback[0];
    throw new KeyNotFoundError(key, core.table);
  });
}

/** Returns the value of `key`; when it is absent, stores `value` first (atomically) and returns it. */
export async function setDefault<V>(core: StoreCore, key: string, value: V, options: KVSetOptions | undefined): Promise<V> {
  checkKey(key);
  const expiresAt = expiryOf(options);
  const text = encodeValue(value);
  core.checkOpen();
  return core.keyed(key, async (): Promise<V> => {
    const cached = core.cache.get(key);
    if (cached !== undefined && isLive(cached.expiresAt, Date.now())) return entryValue(cached) as V;
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = core.id(key);
      if (await core.storage.add(id, core.seal(id, key, text), expiresAt, Date.now())) {
        if (core.scope() === undefined) cacheWritten(core, key, text, value, expiresAt);
        core.seq.written(key);
        return value;
      }
      const found = await fetchValue(core, key, MISSING);
      if (found !== MISSING) return found as V;
    }
    throw new ConnectionError("setDefault could not settle: the key kept appearing and disappearing under concurrent writers");
  });
}

/** Stores many pairs in one transaction; returns the number of keys written. */
export async function batchUpdate<V>(
  core: StoreCore,
  entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>,
  options: KVSetOptions | undefined,
): Promise<number> {
  const encoded = encodeEntries(entries);
  const expiresAt = expiryOf(options);
  core.checkOpen();
  if (encoded.size === 0) return 0;
  const run = async (): Promise<number> => {
    try {
      // Sealed here, in the store's order: a rotation that ran before this batch seals it with the new key.
      const ids = new Array<string>(encoded.size);
      const values = new Array<string>(encoded.size);
      let i = 0;
      for (const [key, { text }] of encoded) {
        const id = core.id(key);
        ids[i] = id;
        values[i++] = core.seal(id, key, text);
      }
      await core.storage.setMany(ids, values, expiresAt);
    } catch (error) {
      for (const key of encoded.keys()) core.cache.delete(key);
      core.seq.writtenAll();
      throw error;
    }
    if (core.scope() === undefined) for (const [key, { text, value }] of encoded) cacheWritten(core, key, text, value, expiresAt);
    core.seq.writtenAll();
    return encoded.size;
  };
  const scope = core.scope();
  if (scope !== undefined) return core.inTransaction(scope, encoded.keys(), run);
  return core.seq.exclusive(run);
}

/** Deletes many keys in one transaction; returns how many were there (and live). */
export async function batchDelete(core: StoreCore, keys: Iterable<string>): Promise<number> {
  const list = checkKeyList(keys);
  core.checkOpen();
  if (list.length === 0) return 0;
  const run = async (): Promise<number> => {
    try {
      return await core.storage.deleteMany(core.hashesNames ? list.map((key) => core.id(key)) : list, Date.now());
    } finally {
      for (const key of list) core.cache.delete(key);
      core.seq.writtenAll();
    }
  };
  const scope = core.scope();
  if (scope !== undefined) return core.inTransaction(scope, list, run);
  return core.seq.exclusive(run);
}

/** Deletes every key, or every key starting with `prefix` (a key range); the whole cache is emptied either way. */
export async function clearKeys(core: StoreCore, options: KVClearOptions): Promise<void> {
  checkOptions(options, ["prefix"], "clear");
  const prefix = options.prefix ?? "";
  checkKey(prefix, ["prefix"]);
  core.checkPrefix(prefix);
  core.checkOpen();
  const range = prefix === "" ? undefined : { lower: prefix, first: true, upper: prefixUpperBound(prefix) };
  const run = async (): Promise<void> => {
    try {
      await core.storage.clear(range);
    } finally {
      core.invalidate();
    }
  };
  const scope = core.scope();
  if (scope !== undefined) return core.inTransaction(scope, "all", run);
  return core.seq.exclusive(run);
}

/** Deletes expired rows now and drops expired cache entries; returns how many rows were deleted. */
export async function purgeExpired(core: StoreCore): Promise<number> {
  core.checkOpen();
  const now = Date.now();
  core.cache.dropExpired(now);
  return core.storage.purge(now);
}
