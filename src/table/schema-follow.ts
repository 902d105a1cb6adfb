/**
 * How a Table follows schema changes made after it read its columns: a call that fails because a
 * column is unknown to the Table (IdentifierError) or to the database (a column was dropped or
 * renamed) reads the columns again and, when they changed, runs once more. Only outside a
 * transaction: inside one, earlier statements ran and (on PostgreSQL) the failure aborted it, so
 * the error is rethrown, and the next call uses the fresh columns.
 *
 * @module
 */
import { IdentifierError, QueryError } from "../errors/errors.js";

/** @internal What the retry needs to know of a Table's metadata. */
export interface FollowedMetadata {
  /** Whether the columns were read at least once. */
  loaded(): boolean;
  /** Whether a transaction is open on the Table's Database in the current async context. */
  inTransaction(): boolean;
  /** Reads the columns again; whether they changed. */
  refresh(): Promise<boolean>;
}

/** @internal An error that means a column the Table named is unknown: to the Table's column list, or to the database. */
export function isStaleColumnError(error: unknown): boolean {
  if (error instanceof IdentifierError) return /^Unknown column/.test(error.message);
  if (!(error instanceof QueryError)) return false;
  // PostgreSQL: undefined_column. SQLite: "no such column: x", "table t has no column named x".
  return error.code === "42703" || /no such column|has no column named/i.test(error.message);
}

/**
 * @internal Replaces each of `methods` on `proto` (each returns a promise) by one that, on a stale
 * column error outside a transaction, refreshes the columns (`metadataOf` the instance) and, when
 * they changed, calls the method once more. The success path adds one `then` on the call's own
 * promise and no async frame.
 */
export function followSchemaChanges<T extends object>(proto: T, methods: readonly (keyof T & string)[], metadataOf: (instance: T) => FollowedMetadata): void {
  for (const name of methods) {
    const original = proto[name] as (this: T, ...args: unknown[]) => Promise<unknown>;
    const recover = async (instance: T, error: unknown, args: unknown[]): Promise<unknown> => {
      const metadata = metadataOf(instance);
      if (!isStaleColumnError(error) || !metadata.loaded()) throw error;
      const inTransaction = metadata.inTransaction();
      let changed: boolean;
      try {
        changed = await metadata.refresh();
      } catch {
        throw error;
      }
      if (!changed || inTransaction) throw error;
      return original.apply(instance, args);
    };
    const followed = function (this: T, ...args: unknown[]): Promise<unknown> {
      return original.apply(this, args).then(undefined, (error: unknown) => recover(this, error, args));
    };
    Object.defineProperty(proto, name, { value: followed, writable: true, configurable: true, enumerable: false });
  }
}
