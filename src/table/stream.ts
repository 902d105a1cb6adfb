/**
 * `Table.stream`: the matching rows in constant memory, a batch per query. With a primary key the
 * batches are keyset reads (no cursor stays open, so the loop body may run queries on the same
 * Database), with included relations loaded per batch; without one, a database cursor.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { checkOptions } from "../crud/statements.js";
import type { OrderBy } from "../sql/order-by.js";
import type { Where } from "../sql/where.js";
import { checkOrderBy, requireKey, stripColumns } from "./internal.js";
import { positiveInteger } from "./input.js";
import { readKeysetRows } from "./keyset-reads.js";
import { keysetTerms, takeKeys } from "./pagination.js";
import { compileFilter, finishRows, planRead } from "./read-plan.js";
import type { TableContext } from "./table-context.js";

/** @internal The options of `Table.stream`, as given (checked here). */
export interface StreamRowsOptions {
  readonly where?: unknown;
  readonly orderBy?: unknown;
  readonly columns?: unknown;
  readonly include?: unknown;
  readonly batchSize?: unknown;
}

/** @internal `Table.stream`: see its TSDoc. Nothing runs until the first row is asked for. */
export async function* streamRows(ctx: TableContext, options: StreamRowsOptions): AsyncGenerator<Row, void, undefined> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  checkOptions(options, ["where", "orderBy", "columns", "include", "batchSize"], "stream");
  const batchSize = positiveInteger(options.batchSize ?? 1000, "batchSize");
  const userWhere = options.where as Where | undefined;
  if (meta.primaryKey === undefined) {
    // Compiled once, as every other Table read compiles it: with SQLite's declared column types,
    // so a value its column cannot hold is refused before any SQL (as before the split) and
    // CHAR(n)/DECIMAL values match as in list and on PostgreSQL; the cursor runs it as is.
    const compiled = compileFilter(ctx, meta, userWhere);
    const filter = compiled instanceof Promise ? await compiled : compiled;
    const { plans, sel } = await planRead(ctx, meta, { ...options, where: undefined });
    if (plans.length > 0) requireKey(meta, "stream with include");
    for await (const row of ctx.db.stream<Row>(ctx.name, { where: filter as never, orderBy: options.orderBy as OrderBy | undefined, columns: sel.fetch, batchSize })) {
      stripColumns([row], sel.strip);
      yield row;
    }
    return;
  }
  const terms = keysetTerms(checkOrderBy(meta, options.orderBy as OrderBy | undefined), meta.primaryKey, meta.numeric);
  const { plans, sel, filter } = await planRead(ctx, meta, options, terms.map((t) => t.column));
  let values: unknown[] | undefined;
  for (;;) {
    const rows = await readKeysetRows(ctx, terms, sel.fetch, filter, values, batchSize);
    if (rows.length === 0) return;
    values = takeKeys(terms, rows);
    await finishRows(ctx, rows, plans, sel);
    for (const row of rows) yield row;
    if (rows.length < batchSize) return;
  }
}
