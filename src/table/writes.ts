/**
 * A Table's single-row writes: `create`, `update` and `delete` by primary key, and `upsert`. Input
 * is checked against the columns and validated by the model (input.ts) before any SQL; returned
 * rows leave hidden columns out.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import type { ValidationIssue } from "../errors/errors.js";
import { checkColumnArray, checkOptions } from "../crud/statements.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { acceptsKey, checkData, hideColumns, requireKey } from "./internal.js";
import { checkedInput, definedFields, givenFields, requireFields } from "./input.js";
import { modelError, validateRow } from "./model.js";
import { lockedRows } from "./row-locks.js";
import type { TableContext } from "./table-context.js";

/** @internal `Table.create`: inserts a row and returns it as stored, hidden columns left out. */
export async function createRow(ctx: TableContext, data: unknown): Promise<Row> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  const values = await checkedInput(ctx, meta, data, "create data");
  return hideColumns(meta, await ctx.db.insert<Row>(ctx.name, values));
}

/**
 * @internal `Table.update`: changes the given fields of the row with this primary key; with a
 * model, the locked stored row merged with `data` is validated and only the given fields written.
 */
export async function updateRow(ctx: TableContext, id: unknown, data: unknown): Promise<Row | null> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  const key = requireKey(meta, "update");
  requireFields(checkData(meta, data, "update data"));
  if (!acceptsKey(meta, id)) return null;
  const model = ctx.model;
  if (model === undefined) {
    const row = await ctx.db.update<Row>(ctx.name, data as Row, { [key]: id });
    return row === null ? null : hideColumns(meta, row);
  }
  return ctx.db.transaction(async (tx) => {
    const current = (await lockedRows(ctx, tx, meta, { [key]: id }))[0];
    if (current === undefined) return null;
    const issues: ValidationIssue[] = [];
    const output = await validateRow(model, { ...current, ...definedFields(data as Row) }, [], issues);
    if (output === undefined) throw modelError(ctx.name, "update data", issues);
    const values = givenFields(data as Row, output);
    checkData(meta, values, "update data (as output by the model)");
    if (Object.keys(values).length === 0) return hideColumns(meta, current);
    const row = await tx.update<Row>(ctx.name, values, { [key]: id });
    return row === null ? null : hideColumns(meta, row);
  });
}

/** @internal `Table.delete`: deletes the row with this primary key; whether a row was deleted. */
export async function deleteRow(ctx: TableContext, id: unknown): Promise<boolean> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  const key = requireKey(meta, "delete");
  if (!acceptsKey(meta, id)) return false;
  return ctx.db.delete(ctx.name, { [key]: id });
}

/** @internal `Table.upsert`: inserts a row, or updates the one with the same `conflict` columns. */
export async function upsertRow(ctx: TableContext, data: unknown, options: { conflict?: unknown; update?: unknown }): Promise<Row> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  checkOptions(options, ["conflict", "update"], "upsert");
  const conflict = checkColumnArray(options.conflict, "conflict", "upsert") ?? [requireKey(meta, "upsert without conflict columns")];
  for (const column of conflict) assertIdentifier(column, "column", meta.context);
  for (const column of checkColumnArray(options.update, "update", "upsert") ?? []) assertIdentifier(column, "column", meta.context);
  const values = await checkedInput(ctx, meta, data, "upsert data");
  const row = await ctx.db.upsert<Row>(ctx.name, values, {
    conflict,
    ...(options.update === undefined ? {} : { update: options.update as readonly string[] }),
  });
  return hideColumns(meta, row);
}
