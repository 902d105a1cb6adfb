/**
 * The ambient transaction: calls made on a Database inside `db.transaction(...)` join the
 * transaction through AsyncLocalStorage, without passing `tx` around.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What the ambient store holds: for each Database (by identity) its innermost open transaction scope. */
export type AmbientScopes = ReadonlyMap<object, unknown>;

const storage = new AsyncLocalStorage<AmbientScopes>();

/** The innermost open transaction scope of `owner` in the current async context, if any. */
export function currentScope<T>(owner: object): T | undefined {
  const scopes = storage.getStore();
  return scopes === undefined ? undefined : (scopes.get(owner) as T | undefined);
}

/** Runs `fn` with `scope` as `owner`'s ambient transaction scope. */
export function runInScope<R>(owner: object, scope: unknown, fn: () => R): R {
  const parent = storage.getStore();
  const scopes = new Map(parent);
  scopes.set(owner, scope);
  return storage.run(scopes, fn);
}
