/**
 * The constraint name of a SQLite UNIQUE/PRIMARY KEY failure. SQLite's message names only the
 * table and columns ("UNIQUE constraint failed: users.email"); the unique index with exactly those
 * columns is looked up (`pragma_index_list`, `pragma_index_info`), and named:
 *
 * - an index made with `CREATE UNIQUE INDEX name …`: `name`, as PostgreSQL reports it;
 * - an inline `UNIQUE` (an `sqlite_autoindex_<table>_<n>`, whose name says nothing and cannot be
 *   used in DDL): PostgreSQL's default name, `<table>_<col>_<col>_key`;
 * - a `PRIMARY KEY` (an autoindex, or the rowid for `INTEGER PRIMARY KEY`): `<table>_pkey`.
 *
 * So a schema made with tablekit fails with the same `constraint` on both backends. (A
 * `CONSTRAINT name UNIQUE (…)` clause keeps no name in SQLite: the PostgreSQL default is given.)
 *
 * @module
 */
import type { Database as SqliteDatabase } from "better-sqlite3";

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((column, i) => column === b[i]);
}

/**
 * The name of the unique constraint on `table` over exactly `columns` (see the module
 * documentation), or undefined when no such index exists.
 *
 * @param db - An open connection to the database.
 * @param table - The table SQLite's message names.
 * @param columns - The columns SQLite's message lists, in its order (the index's).
 * @param primaryKey - Whether SQLite reported SQLITE_CONSTRAINT_PRIMARYKEY.
 * @returns The constraint name, or undefined.
 */
export function sqliteUniqueConstraint(db: SqliteDatabase, table: string, columns: readonly string[], primaryKey: boolean): string | undefined {
  const indexes = db.prepare(`SELECT name, origin FROM pragma_index_list(?) WHERE "unique" = 1 ORDER BY seq`).all(table) as { name: string; origin: string }[];
  for (const index of indexes) {
    const indexColumns = (db.prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno").all(index.name) as { name: string | null }[]).map((c) => c.name ?? "");
    if (!sameColumns(indexColumns, columns)) continue;
    if (index.origin === "pk") return `${table}_pkey`;
    if (index.origin === "u") return `${table}_${columns.join("_")}_key`;
    return index.name;
  }
  // INTEGER PRIMARY KEY is the rowid: no index to find.
  return primaryKey ? `${table}_pkey` : undefined;
}
