/**
 * A table's indexes from PostgreSQL's and CockroachDB's catalog (`pg_indexes`), with the column
 * list read from each index definition.
 *
 * @module
 */
import type { IndexInfo, Row } from "../contract.js";

/** The query listing a table's indexes (table bound as the first parameter), one row per index. */
export const POSTGRES_INDEXES_SQL = `
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

/** The indexes of the rows {@link POSTGRES_INDEXES_SQL} returned. */
export function postgresIndexes(rows: readonly Row[]): IndexInfo[] {
  return rows.map((row) => {
    const parsed = parseIndexDefinition(String(row["definition"]));
    return { name: String(row["name"]), ...parsed, primary: row["is_primary"] === true };
  });
}
