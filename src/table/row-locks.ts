/**
 * The rows a Table's model-validated writes (update, updateMany, batchUpdate) read before writing:
 * locked for the rest of the transaction on PostgreSQL/CockroachDB, by the dialect's
 * `lockRowsClause` (SQLite transactions hold the write lock).
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { sql } from "../sql/sql-tag.js";
import { CompiledWhere } from "../sql/where.js";
import type { Transaction } from "../transaction/transaction.js";
import { type TableMeta, dialectOf } from "./internal.js";
import { compileFilter } from "./read-plan.js";
import type { TableContext } from "./table-context.js";

/**
 * @internal Rows matching `where`, locked for the rest of the transaction `tx`. A
 * {@link CompiledWhere} is used as it is; the statement is a fragment, its placeholders written
 * only when it runs.
 */
export async function lockedRows(ctx: TableContext, tx: Transaction, meta: TableMeta, where: unknown): Promise<Row[]> {
  const compiled = where instanceof CompiledWhere ? where : compileFilter(ctx, meta, where);
  const filter = (compiled instanceof Promise ? await compiled : compiled).fragment;
  const lock = sql.raw(dialectOf(ctx.db).lockRowsClause);
  return tx.execute<Row>(sql`SELECT * FROM ${sql.id(ctx.name)}${filter === undefined ? sql.empty : sql` WHERE ${filter}`}${lock}`);
}
