/**
 * The indexes of a table, read from each backend's catalog through `db.execute`: SQLite's
 * `pragma_index_list`/`pragma_index_info`, PostgreSQL's and CockroachDB's `pg_indexes`.
 *
 * @module
 */
import type { Database } from "../../database.js";

/** One index of a table. */
export interface IndexInfo {
  /** Index name (SQLite names the indexes of UNIQUE and PRIMARY KEY constraints `sqlite_autoindex_…`). */
  name: string;
  /** Indexed columns (or expressions) in order; on PostgreSQL as the index definition writes them. */
  columns: string[];
  /** Whether the index enforces uniqueness. */
  unique: boolean;
  /** Whether the index is the table's primary key. */
  primary: boolean;
  /** Whether the index covers only the rows matching a WHERE clause. */
  partial: boolean;
}

const SQLITE_INDEXES = `
SELECT il.name AS name, il."unique" AS is_unique, il.origin AS origin, il.partial AS partial, ii.name AS column_name
FROM pragma_index_list(?) AS il JOIN pragma_index_info(il.name) AS ii
ORDER BY il.name, ii.seqno`;

const POSTGRES_INDEXES = `
SELECT i.indexname AS name, i.indexdef AS definition,
  EXISTS (
    SELECT 1 FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE k.conname = i.indexname AND n.nspname = i.schemaname AND k.contype = 'p'
  ) AS is_primary
FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ?
ORDER BY i.indexname`;

/** Splits `a, lower(b), c` at the commas outside parentheses and quotes. */
export function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const ch of list) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

/**
 * Reads a PostgreSQL/CockroachDB index definition (`CREATE UNIQUE INDEX n ON s.t USING btree (a, b) WHERE …`):
 * whether it is unique or partial, and its column list.
 */
export function parseIndexDefinition(definition: string): { unique: boolean; partial: boolean; columns: string[] } {
  const unique = /^\s*CREATE\s+UNIQUE\s+INDEX\b/i.test(definition);
  const on = definition.search(/\sON\s/i);
  const open = definition.indexOf("(", on < 0 ? 0 : on);
  if (open < 0) return { unique, partial: false, columns: [] };
  let depth = 0;
  let close = -1;
  for (let i = open; i < definition.length; i++) {
    if (definition[i] === "(") depth++;
    else if (definition[i] === ")" && --depth === 0) {
      close = i;
      break;
    }
  }
  const inside = definition.slice(open + 1, close < 0 ? undefined : close);
  const rest = close < 0 ? "" : definition.slice(close + 1);
  return { unique, partial: /\bWHERE\b/i.test(rest), columns: splitTopLevel(inside) };
}

/** The indexes of `table`, sorted by name; empty when it has none (or does not exist). */
export async function listIndexes(db: Database, table: string): Promise<IndexInfo[]> {
  if (db.dialect === "sqlite") {
    const rows = await db.execute(SQLITE_INDEXES, [table]);
    const byName = new Map<string, IndexInfo>();
    for (const row of rows) {
      const name = String(row["name"]);
      let index = byName.get(name);
      if (index === undefined) {
        index = { name, columns: [], unique: Number(row["is_unique"]) === 1, primary: row["origin"] === "pk", partial: Number(row["partial"]) === 1 };
        byName.set(name, index);
      }
      index.columns.push(row["column_name"] === null ? "<expression>" : String(row["column_name"]));
    }
    return [...byName.values()];
  }
  const rows = await db.execute(POSTGRES_INDEXES, [table]);
  return rows.map((row) => {
    const parsed = parseIndexDefinition(String(row["definition"]));
    return { name: String(row["name"]), ...parsed, primary: row["is_primary"] === true };
  });
}
