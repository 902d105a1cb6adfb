/**
 * A Table's reads: `read` by primary key, `list`, `findOne` and `count`. Each waits for the
 * metadata only when it is not loaded yet, checks its options, and plans the read
 * (read-plan.ts) before the statement runs on the Database.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { checkOptions } from "../crud/statements.js";
import type { Where } from "../sql/where.js";
import { type TableMeta, acceptsKey, requireKey } from "./internal.js";
import { requireWhere } from "./input.js";
import { compileFilter, finishRows, planRead } from "./read-plan.js";
import type { TableContext } from "./table-context.js";

/** @internal The options of a planned select. */
interface SelectOptions {
  readonly where?: unknown;
  readonly orderBy?: unknown;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  readonly columns?: unknown;
  readonly include?: unknown;
}

/** @internal Plans a read, runs it as `db.select` with the compiled filter, and finishes its rows. */
export async function plannedSelect(ctx: TableContext, meta: TableMeta, options: SelectOptions): Promise<Row[]> {
  const planned = planRead(ctx, meta, options);
  const { plans, sel, filter } = planned instanceof Promise ? await planned : planned;
  const rows = await ctx.db.select<Row>(ctx.name, {
    where: filter as never,
    orderBy: options.orderBy as never,
    limit: options.limit,
    offset: options.offset,
    columns: sel.fetch,
  });
  return finishRows(ctx, rows, plans, sel);
}

/** @internal `Table.read`: the row with this primary key, or null (without SQL for an id the key cannot hold). */
export async function readRow(ctx: TableContext, id: unknown, options: { columns?: unknown; include?: unknown } | undefined): Promise<Row | null> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  checkOptions(options, ["columns", "include"], "read");
  const key = requireKey(meta, "read");
  if (!acceptsKey(meta, id)) return null;
  if (options === undefined || (options.columns === undefined && options.include === undefined)) {
    const where = { [key]: id };
    return await ctx.db.selectOne<Row>(ctx.name, meta.visible === undefined ? { where } : { where, columns: meta.visible });
  }
  const rows = await plannedSelect(ctx, meta, { where: { [key]: id }, limit: 1, columns: options.columns, include: options.include });
  return rows[0] ?? null;
}

/** @internal `Table.list`: the rows matching the options. */
export async function listRows(ctx: TableContext, options: object): Promise<Row[]> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  checkOptions(options, ["where", "orderBy", "limit", "offset", "columns", "include"], "list");
  return await plannedSelect(ctx, meta, options as SelectOptions);
}

/** @internal `Table.findOne`: the first row matching `where`, or null. */
export async function findFirst(ctx: TableContext, where: unknown, options: object): Promise<Row | null> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  requireWhere(where, "findOne");
  checkOptions(options, ["orderBy", "columns", "include"], "findOne");
  const rows = await plannedSelect(ctx, meta, { ...options, where, limit: 1 });
  return rows[0] ?? null;
}

/** @internal `Table.count`: the number of rows matching `where` (all rows without it). */
export async function countRows(ctx: TableContext, where: Where | undefined): Promise<number> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  const compiled = compileFilter(ctx, meta, where);
  return ctx.db.count(ctx.name, (compiled instanceof Promise ? await compiled : compiled) as never);
}
