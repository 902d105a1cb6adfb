/**
 * A table's indexes from SQLite's catalog (`pragma_index_list`, `pragma_index_info`).
 *
 * @module
 */
import type { IndexInfo, Row } from "../contract.js";

/** The query listing a table's indexes (table bound as the first parameter), one row per indexed column. */
export const SQLITE_INDEXES_SQL = `
SELECT il.name AS name, il."unique" AS is_unique, il.origin AS origin, il.partial AS partial, ii.name AS column_name
FROM pragma_index_list(?) AS il JOIN pragma_index_info(il.name) AS ii
ORDER BY il.name, ii.seqno`;


/** The indexes of the rows {@link SQLITE_INDEXES_SQL} returned. */
export function sqliteIndexes(rows: readonly Row[]): IndexInfo[] {
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
