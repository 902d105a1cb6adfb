/**
 * A Table's input checks: a write's data checked against the columns and validated by the model,
 * `undefined` fields left out, required filters and fields, positive integer options. Each throws
 * a {@link ValidationError} (or IdentifierError) before any SQL runs.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { ValidationError, type ValidationIssue } from "../errors/errors.js";
import { formatForMessage } from "../sql/identifiers.js";
import { type TableMeta, checkData } from "./internal.js";
import { modelError, validateRow } from "./model.js";
import type { TableContext } from "./table-context.js";

/** @internal `value` when it is a positive safe integer, else a ValidationError naming the option. */
export function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${formatForMessage(value)}`, [{ message: "must be a positive integer", path: [name] }]);
  }
  return value;
}

/** @internal Refuses a missing filter: a write to every row must say so with `{}`. */
export function requireWhere(where: unknown, operation: string): void {
  if (where === undefined || where === null) {
    throw new ValidationError(`${operation} needs a where filter; pass {} to affect every row`, [{ message: "required", path: ["where"] }]);
  }
}

/** @internal An update must set at least one field; `undefined` fields are left out, with or without a model. */
export function requireFields(columns: readonly string[]): void {
  if (columns.length === 0) {
    throw new ValidationError("update data must set at least one column (undefined values are left out)", [{ message: "no columns to update", path: [] }]);
  }
}

/**
 * @internal `data` without its undefined values: `undefined` means "leave out" in every write, so
 * a model never sees `{ email: undefined }` override a stored value (or a schema default).
 */
export function definedFields(data: Row): Row {
  const values: Row = {};
  for (const key of Object.keys(data)) if (data[key] !== undefined) values[key] = data[key];
  return values;
}

/** @internal The given (defined) fields of `data`, with the model's output values. */
export function givenFields(data: Row, output: Row): Row {
  const values: Row = {};
  for (const key of Object.keys(data)) if (data[key] !== undefined && key in output && output[key] !== undefined) values[key] = output[key];
  return values;
}

/** @internal Checks `data`'s columns, then validates it with the model; returns what to write. */
export async function checkedInput(ctx: TableContext, meta: TableMeta, data: unknown, what: string): Promise<Row> {
  checkData(meta, data, what);
  if (ctx.model === undefined) return data as Row;
  const issues: ValidationIssue[] = [];
  const output = await validateRow(ctx.model, definedFields(data as Row), [], issues);
  if (output === undefined) throw modelError(ctx.name, what, issues);
  checkData(meta, output, `${what} (as output by the model)`);
  return output;
}
