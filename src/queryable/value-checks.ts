/**
 * The values a write stores, checked against the columns' types so that every backend stores the
 * same value or refuses it with a {@link ValidationError} (docs/database.md, "Values and types").
 * SQLite: every value is checked and converted by its column's declared type. PostgreSQL: JS
 * arrays bound for native array columns become array literals (elsewhere they are JSON).
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { sqliteRowValues } from "../crud/column-values.js";
import { dataShape } from "../crud/shape-cache.js";
import { tableName } from "../crud/statements.js";
import { ValidationError } from "../errors/errors.js";
import { quoteIdentifier } from "../sql/identifiers.js";
import type { SchemaAccess } from "./schema-access.js";
import { columnTypesOf } from "./sqlite-column-types.js";

/** Native array columns of PostgreSQL tables, per Database (read when a write holds a JS array). */
const ARRAY_COLUMNS = new WeakMap<object, Map<string, ReadonlySet<string>>>();

/** A converter of one record's data to the values stored (its argument itself when nothing changes). */
export type RowConverter = (data: Row) => Row;

/**
 * The function that gives the data a write stores (see the module documentation); the array
 * columns are read only when `rows` hold a JS array. The function returns its argument itself when
 * nothing changed, and leaves anything but a plain object alone (the statement builders refuse it).
 * Undefined when records are written as given.
 */
export function valueChecker(access: SchemaAccess, table: string, rows: readonly unknown[]): RowConverter | undefined | Promise<RowConverter | undefined> {
  return converterOf(access, table, rows, true);
}

/**
 * {@link valueChecker}, for records a batch has already checked to be plain objects of column
 * values (`dataColumns`): `guarded` false leaves out the per-record shape check.
 */
function converterOf(access: SchemaAccess, table: string, rows: readonly unknown[], guarded: boolean): RowConverter | undefined | Promise<RowConverter | undefined> {
  const dialect = access.dialect;
  if (dialect.checksValuesByDeclaredType) {
    const types = columnTypesOf(access, table);
    const check = guarded
      ? (t: Parameters<typeof sqliteRowValues>[1]) => (data: Row): Row => (dataShape(data) === undefined ? data : sqliteRowValues(data, t, table))
      : (t: Parameters<typeof sqliteRowValues>[1]) => (data: Row): Row => sqliteRowValues(data, t, table);
    return types instanceof Promise ? types.then(check) : check(types);
  }
  const arrayLiteral = dialect.arrayLiteral;
  if (arrayLiteral === undefined) return undefined;
  const hasArray = rows.some((row) => typeof row === "object" && row !== null && Object.values(row).some(Array.isArray));
  if (!hasArray) return undefined;
  return postgresArrayColumns(access, table).then((arrays) => (data: Row): Row => {
    if (guarded && dataShape(data) === undefined) return data;
    let out: Row | undefined;
    for (const column of arrays) {
      const value = data[column];
      if (Array.isArray(value)) (out ??= { ...data })[column] = arrayLiteral(value, column);
    }
    return out ?? data;
  });
}

/**
 * {@link valueChecker} for the records of a batch, already checked as plain objects of column
 * values (`dataColumns`): the converter leaves out the per-record shape check.
 */
export function batchChecker(access: SchemaAccess, table: string, rows: readonly unknown[]): RowConverter | undefined | Promise<RowConverter | undefined> {
  return converterOf(access, table, rows, false);
}

/** {@link valueChecker} for one row: the data to store. */
export function rowValues(access: SchemaAccess, table: string, data: Row): Row | Promise<Row> {
  if (dataShape(data) === undefined) return data;
  const checker = valueChecker(access, table, [data]);
  if (checker === undefined) return data;
  return checker instanceof Promise ? checker.then((c) => (c === undefined ? data : c(data))) : checker(data);
}

/** A refusal of record `i` of a batch: the record's index before the message and in each issue's path. */
function recordError(error: unknown, i: number): unknown {
  if (error instanceof ValidationError) {
    return new ValidationError(`record ${i}: ${error.message}`, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
  }
  return error;
}

/**
 * Checks every record of a batch with {@link valueChecker} (a refusal names the record's index)
 * and returns the converter to apply to each record when its statement is built, or undefined
 * when records are written as given. The records must already be checked as plain objects of
 * column values (`dataColumns`); the converter does not check that again.
 */
export async function recordChecker(access: SchemaAccess, table: string, records: readonly Row[]): Promise<RowConverter | undefined> {
  const found = batchChecker(access, table, records);
  const check = found instanceof Promise ? await found : found;
  if (check === undefined) return undefined;
  for (let i = 0; i < records.length; i++) {
    try {
      check(records[i]!);
    } catch (error) {
      throw recordError(error, i);
    }
  }
  return check;
}

async function postgresArrayColumns(access: SchemaAccess, table: string): Promise<ReadonlySet<string>> {
  tableName(table);
  let byTable = ARRAY_COLUMNS.get(access.owner);
  if (byTable === undefined) ARRAY_COLUMNS.set(access.owner, (byTable = new Map()));
  let arrays = byTable.get(table);
  if (arrays === undefined) {
    const rows = await access.execute(
      "SELECT a.attname AS name FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped AND t.typcategory = 'A'",
      [quoteIdentifier(table)],
    );
    arrays = new Set(rows.map((r) => String(r["name"])));
    if (byTable.size >= 1000) byTable.clear();
    byTable.set(table, arrays);
  }
  return arrays;
}

/** Forgets what is cached of a PostgreSQL table's array columns (after the server refused a value: the columns may have changed). */
export function forgetArrays(owner: object, table: string): void {
  ARRAY_COLUMNS.get(owner)?.delete(table);
}
