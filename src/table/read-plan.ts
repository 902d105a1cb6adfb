/**
 * How a Table read is planned and finished: the filter compiled once for the Table's dialect and
 * columns (the compile is the validation), `orderBy`, `columns` and `include` checked against the
 * columns, the columns to fetch chosen; after the statement, included relations loaded and the
 * columns fetched only for them left out.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { filterContextFor } from "../queryable.js";
import { CompiledWhere, type WhereContext } from "../sql/where.js";
import { type Selection, type TableMeta, checkColumns, checkOrderBy, dialectOf, selection, stripColumns, whereFragment } from "./internal.js";
import { type IncludePlan, loadIncludes, parentKeys, planIncludes } from "./relations.js";
import type { TableContext } from "./table-context.js";

/** @internal The compiled form of an absent filter. */
export const NO_FILTER = new CompiledWhere(undefined);
/** No relations to load. */
const NO_PLANS: IncludePlan[] = [];

/** @internal A read's checked options: its relation plans, the columns to fetch and its compiled filter. */
export interface ReadPlan {
  readonly plans: IncludePlan[];
  readonly sel: Selection;
  readonly filter: CompiledWhere;
}

/** @internal The options a read is planned from. */
export interface ReadOptions {
  readonly where?: unknown;
  readonly orderBy?: unknown;
  readonly columns?: unknown;
  readonly include?: unknown;
}

/**
 * @internal Compiles a filter once, for the Table's dialect and columns: the compile is the
 * validation (a bad filter throws before any SQL), and its result is what the statement runs.
 */
export function compileFilter(ctx: TableContext, meta: TableMeta, where: unknown): CompiledWhere | Promise<CompiledWhere> {
  if (where === undefined || where === null) return NO_FILTER;
  const found = ctx.db[filterContextFor](ctx.name, where);
  const compile = (values: WhereContext | undefined): CompiledWhere =>
    new CompiledWhere(whereFragment(dialectOf(ctx.db), where, values === undefined ? meta.context : { ...meta.context, columnValues: values.columnValues }));
  return found instanceof Promise ? found.then(compile) : compile(found);
}

/**
 * @internal Checks a read's options before any SQL, compiles its filter and plans its includes
 * and columns (`needed`: columns fetched whether asked for or not). Synchronous when it can be
 * (the column types known, no `include`): the statement then runs in the same synchronous stretch
 * as the compile, so on SQLite the one schema-version read the compile made serves the statement
 * too (decisions.md, "One schema-version read per SQLite call").
 */
export function planRead(ctx: TableContext, meta: TableMeta, options: ReadOptions, needed: readonly string[] = []): ReadPlan | Promise<ReadPlan> {
  const compiled = compileFilter(ctx, meta, options.where);
  if (compiled instanceof Promise || (options.include !== undefined && options.include !== null)) return planLater(ctx, meta, options, needed, compiled);
  checkOrderBy(meta, options.orderBy as never);
  checkColumns(meta, options.columns as string[] | undefined);
  return { plans: NO_PLANS, sel: selection(meta, options.columns as string[] | undefined, needed), filter: compiled };
}

async function planLater(ctx: TableContext, meta: TableMeta, options: ReadOptions, needed: readonly string[], compiled: CompiledWhere | Promise<CompiledWhere>): Promise<ReadPlan> {
  const filter = compiled instanceof Promise ? await compiled : compiled;
  checkOrderBy(meta, options.orderBy as never);
  checkColumns(meta, options.columns as string[] | undefined);
  const plans = await planIncludes(ctx.internals, meta, options.include);
  const sel = selection(meta, options.columns as string[] | undefined, [...parentKeys(plans), ...needed]);
  return { plans, sel, filter };
}

/** @internal Loads a read's included relations into `rows`, then strips the columns fetched only for them. */
export async function finishRows(ctx: TableContext, rows: Row[], plans: readonly IncludePlan[], sel: Selection): Promise<Row[]> {
  await loadIncludes(ctx.db, plans, rows);
  stripColumns(rows, sel.strip);
  return rows;
}
