/**
 * `db.primary(fn)`: the reads of `fn` (and of everything it awaits) go to the primary, for
 * read-your-writes, through AsyncLocalStorage like the ambient transaction.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<ReadonlySet<object>>();

/** Whether the current async context is inside `owner.primary(…)`. */
export function onPrimary(owner: object): boolean {
  return storage.getStore()?.has(owner) === true;
}

/** Runs `fn` with `owner`'s reads sent to the primary. */
export function runOnPrimary<R>(owner: object, fn: () => R): R {
  const parent = storage.getStore();
  if (parent?.has(owner) === true) return fn();
  const owners = new Set(parent);
  owners.add(owner);
  return storage.run(owners, fn);
}
