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
