/**
 * How a Table reaches the Database class without importing src/database.ts, which imports the
 * Table for `db.table()`: database.ts registers its class here when it loads (package.json lists
 * dist/database.js under "sideEffects" for that). The Table uses it for its default Database
 * (`new Table("users")`) and to check a `db` option.
 *
 * @module
 */
import type { Database } from "../database.js";

let databaseClass: (new () => Database) | undefined;

/** @internal Called once by src/database.ts with the Database class. */
export function registerDatabaseClass(c: new () => Database): void {
  databaseClass = c;
}

/** @internal A new Database with the default configuration (DATABASE_URL, else ./tablekit.db). */
export function newDefaultDatabase(): Database {
  if (databaseClass === undefined) throw new Error("tablekit's Database module is not loaded");
  return new databaseClass();
}

/** @internal Whether `value` is a Database. */
export function isDatabase(value: unknown): value is Database {
  return databaseClass !== undefined && value instanceof databaseClass;
}
