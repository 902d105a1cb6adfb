/**
 * Key rotation of an encrypted {@link KVStore}: every stored value not sealed with the current key
 * is decrypted and sealed again, a page of rows at a time, each page in one transaction. A row is
 * replaced only if it still holds the text that was read (compare-and-set), so writes made during
 * the rotation are never overwritten; they are sealed with the new key already. Rows already on the
 * current key are skipped, which makes a rotation resumable: after an interruption, open the store
 * with the new key (and the old one in `previousKeys`) and call `rotate(newKey)` again.
 *
 * @module
 */
import { SerializationError } from "../errors/errors.js";
import { invalid } from "./input.js";
import { type KVKeyring, sealedKeyId } from "./encryption.js";
import type { KVStorage } from "./storage/storage.js";
import type { StoreCore } from "./store-core.js";

/** Progress of a {@link KVStore.rotate}, reported after each page. */
export interface KVRotateProgress {
  /** Rows looked at so far. */
  examined: number;
  /** Rows sealed again with the new key so far (including plaintext rows now encrypted). */
  reencrypted: number;
  /** Rows in the table when the rotation started (expired ones included): `examined / total` is the fraction done. */
  total: number;
  /** The last key looked at: pass it as `after` to resume from there. */
  lastKey: string | undefined;
}

/** Options of {@link KVStore.rotate}. */
export interface KVRotateOptions {
  /** Rows per page (and per transaction). Default 500. */
  batchSize?: number | undefined;
  /** Start after this key (the `lastKey` of an interrupted rotation's last progress report). Default: from the first key. */
  after?: string | undefined;
  /** Called after each page; an exception thrown here stops the rotation (resume it later). */
  onProgress?: ((progress: KVRotateProgress) => void) | undefined;
}

/** What a rotation needs from its store: the table's storage and the keys to rotate to. */
export interface RotationContext {
  storage: KVStorage;
  ring: KVKeyring;
}

const DEFAULT_BATCH = 500;
const ATTEMPTS = 5;

/** Checks rotate's options before anything runs. */
export function checkRotateOptions(options: KVRotateOptions): Required<Pick<KVRotateOptions, "batchSize">> & KVRotateOptions {
  if (typeof options !== "object" || options === null) throw invalid("rotate's options must be an object", []);
  for (const name of Object.keys(options)) {
    if (!["batchSize", "after", "onProgress"].includes(name)) throw invalid(`rotate has no option ${JSON.stringify(name)}; its options are batchSize, after, onProgress`, [name]);
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalid("batchSize must be a positive integer", ["batchSize"]);
  if (options.after !== undefined && typeof options.after !== "string") throw invalid("after must be a key (a string)", ["after"]);
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw invalid("onProgress must be a function", ["onProgress"]);
  return { ...options, batchSize };
}

/** Re-seals every row of the table not on `ring`'s current key; see the module comment. */
export async function rotateValues(ctx: RotationContext, options: ReturnType<typeof checkRotateOptions>): Promise<KVRotateProgress> {
  const { storage, ring } = ctx;
  const table = storage.table;
  const total = await storage.countAll();
  const progress: KVRotateProgress = { examined: 0, reencrypted: 0, total, lastKey: options.after };
  let lower = options.after ?? "";
  let first = options.after === undefined;
  for (;;) {
    const rows = await storage.page({ lower, first }, options.batchSize);
    if (rows.length === 0) break;
    await storage.transaction(async (tx) => {
      for (const row of rows) {
        const key = row.key;
        let stored = row.value;
        for (let attempt = 0; sealedKeyId(stored) !== ring.currentId; attempt++) {
          // A plaintext row (written before encryption was turned on) is encrypted as it is; with
          // hashed names it would also need a new key, which a rotation does not do.
          let name = key;
          let text = stored;
          if (sealedKeyId(stored) !== undefined) [name, text] = ring.openEntry(key, stored, table);
          else if (ring.hashesNames) throw invalid("rotate() cannot encrypt values stored in plain under plain names in a store with hashed key names: copy them with set()", []);
          if (await storage.compareAndSet(key, ring.seal(key, name, text), stored, tx)) {
            progress.reencrypted++;
            break;
          }
          // Changed since it was read: by a write (already on the new key) or a delete.
          const now = await storage.valueOf(key, tx);
          if (now === undefined) break;
          if (attempt === ATTEMPTS) throw new SerializationError(`rotate could not settle a key of table "${table}" under concurrent writes; call rotate() again`);
          stored = now;
        }
      }
    });
    progress.examined += rows.length;
    lower = rows[rows.length - 1]!.key;
    progress.lastKey = lower;
    first = false;
    options.onProgress?.({ ...progress });
    if (rows.length < options.batchSize) break;
  }
  return progress;
}

/**
 * A store's `rotate(newKey)`: checks, then switches the store to the new key once the writes
 * already called have finished (every later write seals with the new key), then re-seals the rows.
 */
export async function rotateStore(core: StoreCore, newKey: Uint8Array, options: KVRotateOptions): Promise<KVRotateProgress> {
  const checked = checkRotateOptions(options);
  core.checkOpen();
  const ring = core.ring;
  if (ring === undefined) throw invalid("rotate() needs a store opened with { encryption: { key } }", ["newKey"]);
  const next = ring.rotatedTo(newKey);
  if (core.scope() !== undefined) throw invalid("rotate() cannot run inside a transaction: it commits a transaction per page", []);
  await core.seq.exclusive(async () => {
    core.ring = next;
  });
  return rotateValues({ storage: core.storage, ring: next }, checked);
}
