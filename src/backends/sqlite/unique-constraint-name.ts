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

/** PostgreSQL's longest identifier, in bytes (NAMEDATALEN − 1). */
const MAX_IDENTIFIER_BYTES = 63;

/** The first `bytes` bytes of `text` in UTF-8, cut back to a whole character. */
function clipBytes(text: string, bytes: number): string {
  let out = "";
  let used = 0;
  for (const c of text) {
    const size = Buffer.byteLength(c);
    if (used + size > bytes) break;
    out += c;
    used += size;
  }
  return out;
}

/**
 * The name PostgreSQL gives a constraint it names itself (its `makeObjectName`): `name1_name2_label`,
 * or `name1_label` without `name2`, the longer of the two names shortened first so the whole fits
 * in 63 bytes. For a UNIQUE constraint `name2` is its columns joined by `_`, the label `key`; for a
 * primary key there is no `name2` and the label is `pkey`. (PostgreSQL appends a number when the
 * name is taken; tablekit does not.)
 *
 * @example
 * postgresConstraintName("users", "email", "key") // "users_email_key"
 * postgresConstraintName("users", undefined, "pkey") // "users_pkey"
 */
export function postgresConstraintName(name1: string, name2: string | undefined, label: string): string {
  const overhead = label.length + 1 + (name2 === undefined ? 0 : 1);
  const available = MAX_IDENTIFIER_BYTES - overhead;
  let chars1 = Buffer.byteLength(name1);
  let chars2 = name2 === undefined ? 0 : Buffer.byteLength(name2);
  while (chars1 + chars2 > available) {
    if (chars1 > chars2) chars1--;
    else chars2--;
  }
  const first = clipBytes(name1, chars1);
  return name2 === undefined ? `${first}_${label}` : `${first}_${clipBytes(name2, chars2)}_${label}`;
}

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
    if (index.origin === "pk") return postgresConstraintName(table, undefined, "pkey");
    if (index.origin === "u") return postgresConstraintName(table, columns.join("_"), "key");
    return index.name;
  }
  // INTEGER PRIMARY KEY is the rowid: no index to find.
  return primaryKey ? postgresConstraintName(table, undefined, "pkey") : undefined;
}
