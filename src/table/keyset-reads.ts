/**
 * One keyset read of a Table (a page, or a batch of a stream): the rows after a cursor's values
 * by the keyset ordering, with a refused filter or cursor value reported as bad input.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { QueryError, UnsafeIntegerError, ValidationError } from "../errors/errors.js";
import { executeRead } from "../queryable.js";
import type { CompiledWhere } from "../sql/where.js";
import { dialectOf } from "./internal.js";
import { type KeysetTerm, keysetQuery } from "./pagination.js";
import type { TableContext } from "./table-context.js";

/**
 * A keyset page or stream whose filter value, or cursor value (cursors come from clients: one edited
 * by hand, "abc" for a DECIMAL), PostgreSQL refused (SQLSTATE 22P02 …): bad input, a
 * {@link ValidationError} as in `select`, not the server's QueryError.
 */
function refusedKeysetRead(error: unknown, table: string): unknown {
  if (!(error instanceof QueryError) || error instanceof UnsafeIntegerError || !["22P02", "22003", "22007", "22008", "22023"].includes(String(error.code))) return error;
  const first = error.message.split("\n")[0] ?? error.message;
  return new ValidationError(`A read of table "${table}" was refused: a value in the filter or the cursor (after) does not fit its column (${first})`, [{ message: first, path: [] }], { cause: error, code: error.code });
}

/**
 * @internal Up to `limit` rows (the `columns`) matching `filter` that come after `values` (the
 * previous row's keys; undefined for the first read) in the keyset ordering `terms`.
 */
export function readKeysetRows(
  ctx: TableContext,
  terms: readonly KeysetTerm[],
  columns: readonly string[] | undefined,
  filter: CompiledWhere,
  values: readonly unknown[] | undefined,
  limit: number,
): Promise<Row[]> {
  return ctx.db[executeRead]<Row>(keysetQuery(dialectOf(ctx.db), ctx.name, terms, columns, filter.fragment, values, limit)).catch((error: unknown) => {
    throw refusedKeysetRead(error, ctx.name);
  });
}
