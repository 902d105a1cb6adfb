/**
 * The state a {@link KVStore} core shares between its reads and writes: the storage adapter, the
 * value cache, the write ordering ({@link Sequencer}), the encryption keys, and the small rules
 * that tie them together (the ambient transaction, stored key names, sealing). reads.ts and
 * writes.ts hold the operations; kv-store.ts the public API.
 *
 * @module
 */
import type { Database } from "../database.js";
import { ConnectionError } from "../errors/errors.js";
import { currentScope } from "../transaction/context.js";
import { ValueCache } from "./cache.js";
import { type KVKeyring, SEALED_PREFIX, sealedKeyId } from "./encryption.js";
import { invalid } from "./input.js";
import { type ScopeLike, Sequencer } from "./sequencer.js";
import type { ResolvedOptions } from "./store-options.js";
import type { KVStorage, StoredRow } from "./storage/storage.js";

/** One store's core: storage, cache, ordering, keys. */
export class StoreCore {
  /** The Database the store runs on (shared with sub-stores). */
  readonly db: Database;
  /** The table's storage adapter. */
  readonly storage: KVStorage;
  /** The value cache. */
  readonly cache: ValueCache;
  /** The write ordering. */
  readonly seq = new Sequencer();
  /** The options the store was opened with. */
  readonly options: ResolvedOptions;
  /** The encryption keys (undefined: values are stored plain); replaced by a rotation. */
  ring: KVKeyring | undefined;
  /** Set by close(). */
  closed = false;

  constructor(db: Database, storage: KVStorage, options: ResolvedOptions) {
    this.db = db;
    this.storage = storage;
    this.options = options;
    this.cache = new ValueCache(options.cacheBytes);
    this.ring = options.keyring;
  }

  /** The table holding the pairs. */
  get table(): string {
    return this.storage.table;
  }

  /** {@link ConnectionError} once the store is closed. */
  checkOpen(): void {
    if (this.closed) throw new ConnectionError("The KVStore is closed");
  }

  /** The ambient transaction on this store's Database, if the caller is inside one. */
  scope(): ScopeLike | undefined {
    const scope = currentScope<ScopeLike>(this.db);
    return scope !== undefined && scope.active ? scope : undefined;
  }

  /** The stored form of a key name: the name, or its keyed hash when the store hashes names. */
  id(key: string): string {
    const ring = this.ring;
    return ring === undefined || !ring.hashesNames ? key : ring.storedKey(key);
  }

  /** Whether key names are stored as keyed hashes. */
  get hashesNames(): boolean {
    return this.ring?.hashesNames === true;
  }

  /** The stored text of the codec text of `key`'s value (stored as `id`): encrypted when the store has a key. */
  seal(id: string, key: string, text: string): string {
    return this.ring === undefined ? text : this.ring.seal(id, key, text);
  }

  /** The codec text of the value stored under `id`: decrypted (and authenticated) when the store has a key. */
  unseal(id: string, stored: string): string {
    return this.ring === undefined ? stored : this.ring.open(id, stored, this.table);
  }

  /** A row's key name and codec text (with hashed names, the name comes out of the ciphertext). */
  unsealRow(row: StoredRow): [string, string] {
    return this.ring === undefined ? [row.key, row.value] : this.ring.openEntry(row.key, row.value, this.table);
  }

  /** Prefix selections need plain names: with hashed names only the empty prefix is allowed. */
  checkPrefix(prefix: string): void {
    if (prefix !== "" && this.hashesNames) throw invalid("A store with hashed key names (encryption.nameKey) cannot select keys by prefix", ["prefix"]);
  }

  /** An encrypted store's first read: one encrypted row must carry a key id the store holds (else {@link EncryptionKeyError}, before any write). */
  async checkKeyring(): Promise<void> {
    const ring = this.ring;
    if (ring === undefined) return;
    const row = await this.storage.firstMatching(`${SEALED_PREFIX}%`);
    if (row === undefined) return;
    const id = sealedKeyId(row.value);
    if (id !== undefined && !ring.knows(id)) ring.open(row.key, row.value, this.table);
  }

  /** A write inside the caller's transaction: its outcome is unknown until the transaction ends, so the keys leave the cache. */
  async inTransaction<T>(scope: ScopeLike, keys: Iterable<string> | "all", op: () => Promise<T>): Promise<T> {
    this.seq.writtenInTransaction(scope);
    try {
      return await op();
    } finally {
      if (keys === "all") this.cache.clear();
      else for (const key of keys) this.cache.delete(key);
    }
  }

  /** Runs `op`, a write to `key`: in the key's write order, or inside the ambient transaction. */
  keyed<T>(key: string, op: () => Promise<T>): Promise<T> {
    const scope = this.scope();
    if (scope !== undefined) return this.inTransaction(scope, [key], op);
    return this.seq.keyed(key, op);
  }

  /** Runs a whole-table operation alone (or directly inside a transaction, which already orders it). */
  whole<T>(op: () => Promise<T>): Promise<T> {
    const scope = this.scope();
    if (scope !== undefined) return op();
    return this.seq.exclusive(op);
  }

  /** Forgets every cached value, and lets no read running now fill the cache (a change made behind the store's back). */
  invalidate(): void {
    this.cache.clear();
    this.seq.writtenAll();
  }
}
