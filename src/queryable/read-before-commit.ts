/**
 * Which single writes read their returned row before they commit, so that a row that cannot be
 * read (a 64-bit integer beyond ±(2^53−1) under `int64: "number"`) leaves nothing written.
 *
 * On PostgreSQL an `insert`/`upsert` outside a transaction that gives the table's generated key
 * (identity, SERIAL) an explicit value ≥ 1 runs in a transaction with the sequence update
 * (sequences.ts): when its `RETURNING` row cannot be read, the transaction rolls back, nothing is
 * written and the caller gets the `UnsafeIntegerError`. On a dialect whose generated keys follow
 * explicit values by themselves (SQLite's rowid: no sequence, so no transaction), the same write
 * would commit first and then fail to read (`CommittedButUnreadableError`). Such a write is
 * therefore run in a transaction too, when PostgreSQL's would be and its row may be unreadable (a
 * key beyond ±(2^53−1), or a 64-bit integer column in the table): the same call leaves the same
 * rows on both, and other explicit-id writes keep their one statement. Every other single write
 * (generated keys, `update`, tables without a generated key) commits by itself on both backends,
 * as before; see docs/database.md and docs/decisions.md ("Unreadable returned rows").
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { type GeneratedKey, lastGeneratedKeyOf } from "./sqlite-column-types.js";
import type { SchemaAccess } from "./schema-access.js";
import { isExplicitId } from "./sequences.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether an integer key value (number, bigint or decimal text) is beyond ±(2^53−1): its row cannot be read back. */
function unsafeKey(value: unknown): boolean {
  if (typeof value === "number") return !Number.isSafeInteger(value);
  if (typeof value === "bigint") return value > MAX_SAFE || value < -MAX_SAFE;
  if (typeof value === "string") {
    try {
      const n = BigInt(value.trim());
      return n > MAX_SAFE || n < -MAX_SAFE;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Whether a single `insert`/`upsert` of `data` into `table` must read its returned row before it
 * commits (see the module documentation): on a dialect whose keys follow explicit values, outside
 * a transaction (`autocommit`), under `int64: "number"`, when `data` gives the table's generated
 * key (its rowid key without a DEFAULT: sqlite-column-types.ts `generatedKeyOf`) a value ≥ 1 and
 * the returned row may not be readable: the key's value is beyond ±(2^53−1), or another column
 * holds 64-bit integers (a DEFAULT or trigger may put such a value there). Only then can
 * PostgreSQL's transaction make a difference, so every other write keeps its one statement.
 * Called after the write's value checks, whose read of the column types it reuses. A promise only
 * when the column types must be read first.
 */
export function readsBeforeCommit(access: SchemaAccess, table: string, data: Row, autocommit: boolean, int64Number: boolean): boolean | Promise<boolean> {
  const dialect = access.dialect;
  if (!autocommit || !int64Number || !dialect.keysFollowExplicitValues || !dialect.checksValuesByDeclaredType) return false;
  // Cheap first: without a value ≥ 1 in the data, no column of it can be an explicit id.
  let any = false;
  for (const column in data) {
    if (isExplicitId(data[column])) {
      any = true;
      break;
    }
  }
  if (!any) return false;
  const decide = (key: GeneratedKey | undefined): boolean => {
    if (key === undefined) return false;
    const value = data[key.column];
    return isExplicitId(value) && (key.wideColumns || unsafeKey(value));
  };
  // The value checks of this write read the table's types a moment ago: no second schema read.
  const key = lastGeneratedKeyOf(access, table);
  return key instanceof Promise ? key.then(decide) : decide(key);
}
