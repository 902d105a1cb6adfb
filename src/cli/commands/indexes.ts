/**
 * The indexes of a table, read from the backend's catalog through `db.execute` (the dialect's
 * `indexesSql` and `indexes`: SQLite's `pragma_index_list`, PostgreSQL's and CockroachDB's
 * `pg_indexes`).
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { IndexInfo } from "../../backends/contract.js";
import { dialectOf } from "../../queryable.js";

export type { IndexInfo } from "../../backends/contract.js";

/** The indexes of `table`, sorted by name; empty when it has none (or does not exist). */
export async function listIndexes(db: Database, table: string): Promise<IndexInfo[]> {
  await db.connect();
  const dialect = db[dialectOf]();
  return dialect.indexes(await db.execute(dialect.indexesSql(), [table]));
}
