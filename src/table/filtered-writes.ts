/**
 * A Table's writes by filter: `updateMany` and `deleteMany`. The filter is compiled once, and the
 * compile is its check; its fragment is what the locking read and the UPDATE/DELETE run. With a
 * model, every matching row merged with the data is validated before anything is written, and the
 * rows are updated in groups of equal output.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import type { ValidationIssue } from "../errors/errors.js";
import { IN_LIST_CHUNK } from "./relations.js";
import { checkData, keyOf, requireKey } from "./internal.js";
import { definedFields, givenFields, requireFields, requireWhere } from "./input.js";
import { modelError, validateRow } from "./model.js";
import { compileFilter } from "./read-plan.js";
import { lockedRows } from "./row-locks.js";
import type { TableContext } from "./table-context.js";

/** Identifies a set of written values: rows whose model output is the same are updated together. */
function signature(values: Row): string {
  return Object.keys(values)
    .sort()
    .map((key) => key + "=" + keyOf(values[key]))
    .join("\u0000");
}

/** A row's place in a validation issue's path: its primary key value. */
function pathKey(value: unknown): string | number {
  return typeof value === "number" ? value : String(value);
}

/** @internal `Table.updateMany`: sets `data` on every row matching `where`; how many changed. */
export async function updateWhere(ctx: TableContext, where: unknown, data: unknown): Promise<number> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  requireWhere(where, "updateMany");
  // Compiled once: the compile checks the filter, and its fragment is what both the locking
  // read and the UPDATE run.
  const found = compileFilter(ctx, meta, where);
  const compiled = found instanceof Promise ? await found : found;
  requireFields(checkData(meta, data, "update data"));
  const model = ctx.model;
  if (model === undefined) return ctx.db.updateMany(ctx.name, data as Row, compiled as never);
  return ctx.db.transaction(async (tx) => {
    const rows = await lockedRows(ctx, tx, meta, compiled);
    const pk = meta.primaryKey;
    const issues: ValidationIssue[] = [];
    const groups = new Map<string, { values: Row; keys: unknown[] }>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const output = await validateRow(model, { ...row, ...definedFields(data as Row) }, [pk === undefined ? i : pathKey(row[pk])], issues);
      if (output === undefined) continue;
      const values = givenFields(data as Row, output);
      checkData(meta, values, "update data (as output by the model)");
      const id = signature(values);
      const group = groups.get(id);
      if (group === undefined) groups.set(id, { values, keys: pk === undefined ? [] : [row[pk]] });
      else if (pk !== undefined) group.keys.push(row[pk]);
    }
    if (issues.length > 0) throw modelError(ctx.name, "update data", issues);
    let changed = 0;
    for (const { values, keys } of groups.values()) {
      if (Object.keys(values).length === 0) continue;
      if (pk === undefined) {
        if (groups.size > 1) requireKey(meta, "updateMany with a model whose output differs between rows");
        changed += await tx.updateMany(ctx.name, values, compiled as never);
        continue;
      }
      for (let start = 0; start < keys.length; start += IN_LIST_CHUNK) {
        changed += await tx.updateMany(ctx.name, values, { [pk]: { in: keys.slice(start, start + IN_LIST_CHUNK) } });
      }
    }
    return changed;
  });
}

/** @internal `Table.deleteMany`: deletes every row matching `where`; how many were deleted. */
export async function deleteWhere(ctx: TableContext, where: unknown): Promise<number> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  requireWhere(where, "deleteMany");
  const found = compileFilter(ctx, meta, where);
  return ctx.db.deleteMany(ctx.name, (found instanceof Promise ? await found : found) as never);
}
