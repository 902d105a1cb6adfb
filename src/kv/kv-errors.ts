/**
 * Errors of the key-value store.
 *
 * @module
 */
import { TablekitError, type TablekitErrorOptions } from "../errors/errors.js";

/**
 * The key is not in the store (or has expired): raised by `delete(key)` and by `pop(key)` without
 * a fallback, like a missing key in a Python dict. The message does not contain the key (keys may
 * be session ids or e-mail addresses, and messages end up in logs); read it from `key`.
 *
 * ```ts
 * try {
 *   await kv.delete("missing");
 * } catch (error) {
 *   if (error instanceof KeyNotFoundError) console.log(error.key); // "missing"
 * }
 * ```
 */
export class KeyNotFoundError extends TablekitError {
  /** The key that was not found. */
  readonly key: string;
  /** The table of the store. */
  readonly table: string;

  /** An error for `key` missing from the store on `table`. */
  constructor(key: string, table: string, options: TablekitErrorOptions = {}) {
    super(`Key not found in the KVStore table "${table}"`, options);
    this.key = key;
    this.table = table;
  }
}

/**
 * A stored value of an encrypted store could not be decrypted: it failed authentication (its
 * ciphertext, nonce or tag was modified, or it was copied from another key), or it is not an
 * encrypted value at all. Never garbage: the read rejects. The message names neither the key
 * (read it from `key`) nor any key material.
 *
 * ```ts
 * try {
 *   await kv.get("session:1");
 * } catch (error) {
 *   if (error instanceof DecryptionError) console.log("tampered:", error.key);
 * }
 * ```
 */
export class DecryptionError extends TablekitError {
  /** The key whose stored value failed, as stored (with `encryption.nameKey`, the hash of the name). */
  readonly key: string;
  /** The table of the store. */
  readonly table: string;

  /** An error for the value of `key` on `table`; `reason` says what failed. */
  constructor(key: string, table: string, reason: string, options: TablekitErrorOptions = {}) {
    super(`A value in the encrypted KVStore table "${table}" could not be decrypted: ${reason}`, options);
    this.key = key;
    this.table = table;
  }
}

/**
 * A stored value was encrypted with a key the store was not opened with: most often the wrong key
 * (or a rotation's new key without `previousKeys`). Raised by the first read — `KVStore.open`
 * itself checks one encrypted row — before anything is written. Carries key ids (public
 * fingerprints), never keys.
 */
export class EncryptionKeyError extends TablekitError {
  /** The table of the store. */
  readonly table: string;
  /** The id of the key that encrypted the stored value. */
  readonly storedKeyId: string;
  /** The id of the key the store was opened with. */
  readonly currentKeyId: string;

  /** An error for a value of `table` sealed with key id `storedKeyId`. */
  constructor(table: string, storedKeyId: string, currentKeyId: string, options: TablekitErrorOptions = {}) {
    super(
      `The KVStore table "${table}" holds values encrypted with key id ${storedKeyId}, but the store was opened with key id ${currentKeyId}: ` +
        `wrong encryption key? (After a rotation, pass the old key in encryption.previousKeys until rotate() has finished.)`,
      options,
    );
    this.table = table;
    this.storedKeyId = storedKeyId;
    this.currentKeyId = currentKeyId;
  }
}
