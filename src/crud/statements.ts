/**
 * SQL for the CRUD helpers, built from validated identifiers and bound values only. Each builder
 * returns the statement as one flat `sql` fragment (values encoded for the dialect); its
 * placeholders are written at the edge, by sql/render.ts, just before the driver. The same call
 * shape always renders the same text, so the driver's prepared-statement cache serves repeated calls.
 *
 * @module
 */
import type { Row, SqlDialect } from "../backends/contract.js";
import { ValidationError } from "../errors/errors.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { type OrderBy, orderByFragment, parseOrderBy } from "../sql/order-by.js";
import { CompiledWhere, type Where, type WhereContext, compileWhereFragment } from "../sql/where.js";
import { FragmentBuilder } from "../sql/fragment-builder.js";
import type { SqlFragment } from "../sql/sql-tag.js";
import { isPlainObject } from "../util/is-plain-object.js";

/** A statement ready for the driver: a fragment rendered by sql/render.ts. */
export interface Statement {
  /** SQL text in the dialect's placeholder style. */
  sql: string;
  /** Bound parameters, already encoded for the driver. */
  params: unknown[];
}

/** Options of `select`. */
export interface SelectOptions<R extends object = Row> {
  /** Columns to return; default all. */
  columns?: readonly (keyof R & string)[] | undefined;
  /** Filter; see {@link Where}. */
  where?: Where<R> | undefined;
  /** Ordering; see {@link OrderBy}. */
  orderBy?: OrderBy | undefined;
  /** Maximum number of rows. */
  limit?: number | undefined;
  /** Rows to skip. */
  offset?: number | undefined;
}

/** Table name checked and quoted. */
export function tableName(table: unknown): string {
  return quoteIdentifier(assertIdentifier(table, "table"));
}


/**
 * Whether `object` has own keys besides its `enumerableCount` own enumerable string keys: a symbol
 * key or a non-enumerable property. (Two counts, ~70 ns; `Reflect.ownKeys` measured ~10x slower.)
 */
export function hasOtherKeys(object: object, enumerableCount: number): boolean {
  return Object.getOwnPropertyNames(object).length !== enumerableCount || Object.getOwnPropertySymbols(object).length !== 0;
}

/**
 * The data keys of a plain object: its own enumerable string keys. Symbol keys and non-enumerable
 * own properties are refused ({@link ValidationError}) rather than ignored, and inherited
 * properties (a polluted `Object.prototype`) are never data. Returns undefined when `value` is not
 * a plain object.
 */
export function ownDataKeys(value: unknown, what: string): string[] | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (hasOtherKeys(value, keys.length)) {
    const issues = [];
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === "symbol") issues.push({ message: `${String(key)} is a symbol key; only string keys name columns`, path: [String(key)] });
      else if (!Object.prototype.propertyIsEnumerable.call(value, key)) issues.push({ message: "is not enumerable; only own enumerable keys name columns", path: [key] });
    }
    throw new ValidationError(`${what} has keys that are not column names: ${issues.map((i) => i.path[0]).join(", ")}`, issues);
  }
  return keys;
}

/** Checks that `data` is a plain object of column values; returns the keys whose value is not undefined. */
export function dataColumns(data: unknown, what: string, context: WhereContext = {}): string[] {
  const keys = ownDataKeys(data, what);
  if (keys === undefined) {
    throw new ValidationError(`${what} must be a plain object of column values`, [{ message: "must be a plain object", path: [] }]);
  }
  const columns: string[] = [];
  for (const key of keys) {
    if ((data as Row)[key] === undefined) continue;
    assertIdentifier(key, "column", context);
    columns.push(key);
  }
  return columns;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** {@link writeValueFlags}: a bigint beyond ±(2^53−1). */
export const UNSAFE_BIGINT = 1;
/** {@link writeValueFlags}: a number that is not a safe integer (1.5, 1e300, ±Infinity). */
export const NOT_SAFE_INTEGER = 2;

/**
 * One cheap pass over the values of write data (own keys): which of the rarer checks it needs
 * ({@link refuseUnsafeBigints}, {@link nonIntegerColumns}). 0 for the common case.
 */
export function writeValueFlags(data: unknown): number {
  if (typeof data !== "object" || data === null) return 0;
  let flags = 0;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const value = (data as Row)[keys[i]!];
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) flags |= NOT_SAFE_INTEGER;
    } else if (typeof value === "bigint" && (value > MAX_SAFE || value < -MAX_SAFE)) flags |= UNSAFE_BIGINT;
  }
  return flags;
}

/**
 * Adds to `out` the columns of `data` (own keys) whose value is a number that is not a safe
 * integer (1.5, 1e300, ±Infinity): an integer column cannot hold it on PostgreSQL, and SQLite
 * would store it as a REAL, so such columns are checked against the table's types before writing.
 */
export function nonIntegerColumns(data: unknown, out: Set<string> | undefined): Set<string> | undefined {
  if (typeof data !== "object" || data === null) return out;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const value = (data as Row)[keys[i]!];
    if (typeof value === "number" && !Number.isSafeInteger(value)) (out ??= new Set()).add(keys[i]!);
  }
  return out;
}

/**
 * Under the `int64: "number"` policy, refuses a bigint beyond ±(2^53−1) in write data before any
 * SQL: written to an integer column it could not be read back (the write's own `RETURNING` would
 * fail after the commit). Other policies accept it. Only own keys of a plain object are looked at.
 */
export function refuseUnsafeBigints(data: unknown, what: string, path: readonly (string | number)[] = []): void {
  if (typeof data !== "object" || data === null) return;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const value = (data as Row)[keys[i]!];
    if (typeof value === "bigint" && (value > MAX_SAFE || value < -MAX_SAFE)) {
      throw new ValidationError(
        `${what}: ${keys[i]} is ${value}, beyond ±(2^53−1): under int64: "number" it could not be read back as a number; ` +
          `open the Database with int64: "bigint" or "string" to write and read it, or pass a string for a TEXT/DECIMAL column`,
        [{ message: "integer beyond ±(2^53−1) under int64: \"number\"", path: [...path, keys[i]!] }],
      );
    }
  }
}

/**
 * Checks an options argument: undefined (no options) or a plain object whose own enumerable keys
 * are all in `allowed`. A misspelled or unknown option, or options that are not an object, throw
 * {@link ValidationError} before any SQL, instead of being ignored.
 *
 * @returns the options object (an empty one for undefined).
 */
export function checkOptions<T extends object>(options: T | undefined, allowed: readonly string[], what: string): T {
  if (options === undefined) return {} as T;
  if (!isPlainObject(options)) {
    const type = options === null ? "null" : Array.isArray(options) ? "an array" : typeof options;
    throw new ValidationError(`The options of ${what} must be an object, not ${type}`, [{ message: "must be an object", path: [] }]);
  }
  // Own enumerable string keys, as for data. A symbol key cannot name an option and is not looked
  // at; a non-enumerable option is still read (options are read by name), so neither hides a typo.
  const keys = Object.keys(options);
  for (let i = 0; i < keys.length; i++) {
    const name = keys[i]!;
    if (allowed.includes(name)) continue;
    throw new ValidationError(`${what} has no option ${JSON.stringify(name)}; its options are ${allowed.join(", ")}`, [
      { message: "unknown option", path: [name] },
    ]);
  }
  return options;
}

/** Checks an optional option that must be an array of column names. */
export function checkColumnArray(value: unknown, name: string, what: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((c) => typeof c !== "string")) {
    throw new ValidationError(`${what}: ${name} must be an array of column names`, [{ message: "must be an array of column names", path: [name] }]);
  }
  return value as readonly string[];
}

/** Checks an optional boolean option. */
export function checkBoolean(value: unknown, name: string, what: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new ValidationError(`${what}: ${name} must be true or false`, [{ message: "must be a boolean", path: [name] }]);
  }
  return value;
}

/** Checks an optional callback option. */
export function checkFunction(value: unknown, name: string, what: string): void {
  if (value !== undefined && typeof value !== "function") {
    throw new ValidationError(`${what}: ${name} must be a function`, [{ message: "must be a function", path: [name] }]);
  }
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${name} must be a non-negative integer, got ${typeof value === "number" ? value : typeof value}`, [
      { message: "must be a non-negative integer", path: [name] },
    ]);
  }
  return value;
}

/** Renders the selected columns: `*` or a quoted list. */
export function columnList(columns: readonly string[] | undefined, context: WhereContext = {}): string {
  if (columns === undefined) return "*";
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new ValidationError("columns must be a non-empty array of column names", [{ message: "must be a non-empty array", path: ["columns"] }]);
  }
  let list = "";
  for (let i = 0; i < columns.length; i++) {
    list += (i === 0 ? "" : ", ") + quoteIdentifier(assertIdentifier(columns[i], "column", context));
  }
  return list;
}

/** Appends ` WHERE …` for a filter: a {@link CompiledWhere} as it is, anything else compiled here (the one compiler). */
function whereClause(out: FragmentBuilder, dialect: SqlDialect, where: unknown, context: WhereContext): void {
  // A CompiledWhere was compiled (and so validated) once by its caller: its values are encoded.
  const fragment = where instanceof CompiledWhere ? where.fragment : compileWhereFragment(where as Where, dialect, context);
  if (fragment !== undefined) out.text(" WHERE ").fragment(fragment);
}

/** Appends `INSERT INTO t (…) VALUES (…)` (or `DEFAULT VALUES`) for one row of `columns`. */
function insertHead(out: FragmentBuilder, dialect: SqlDialect, name: string, columns: readonly string[], data: Row): void {
  if (columns.length === 0) {
    out.text(`INSERT INTO ${name} DEFAULT VALUES`);
    return;
  }
  let names = "";
  for (let i = 0; i < columns.length; i++) names += (i === 0 ? "" : ", ") + quoteIdentifier(columns[i]!);
  out.text(`INSERT INTO ${name} (${names}) VALUES (`);
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) out.text(", ");
    out.value(dialect.encodeValue(data[columns[i]!]));
  }
  out.text(")");
}

/** `INSERT … RETURNING *` for one row; an empty object inserts defaults only. */
export function insertStatement(dialect: SqlDialect, table: string, data: Row, context: WhereContext = {}): SqlFragment {
  const name = tableName(table);
  const columns = dataColumns(data, "insert data", { ...context, table });
  const out = new FragmentBuilder();
  insertHead(out, dialect, name, columns, data);
  return out.text(" RETURNING *").build();
}

/** Multi-row `INSERT` of rows that share `columns`. */
export function insertManyStatement(
  dialect: SqlDialect,
  table: string,
  columns: readonly string[],
  rows: readonly Row[],
  returning: boolean,
): SqlFragment {
  const out = new FragmentBuilder();
  if (columns.length === 0) {
    out.text(`INSERT INTO ${tableName(table)} DEFAULT VALUES`);
  } else {
    out.text(`INSERT INTO ${tableName(table)} (${columns.map(quoteIdentifier).join(", ")}) VALUES `);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      out.text(r === 0 ? "(" : ", (");
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) out.text(", ");
        out.value(dialect.encodeValue(row[columns[c]!]));
      }
      out.text(")");
    }
  }
  if (returning) out.text(" RETURNING *");
  return out.build();
}

const SELECT_OPTIONS = ["columns", "where", "orderBy", "limit", "offset"];

/** `SELECT` with optional filter, ordering, limit and offset (limit and offset are bound, or inlined where the dialect says). */
export function selectStatement(
  dialect: SqlDialect,
  table: string,
  options: SelectOptions<any> = {},
  context?: WhereContext,
  limitOverride?: number,
): SqlFragment {
  const ctx: WhereContext = context === undefined ? { table } : { ...context, table };
  checkOptions(options, SELECT_OPTIONS, "select");
  const out = new FragmentBuilder();
  out.text(`SELECT ${columnList(options.columns, ctx)} FROM ${tableName(table)}`);
  whereClause(out, dialect, options.where, ctx);
  const terms = parseOrderBy(options.orderBy, ctx);
  if (terms.length > 0) {
    const numeric = ctx.columnValues;
    out.text(" ORDER BY ").fragment(orderByFragment(terms, numeric === undefined ? undefined : (column) => numeric.get(column)?.numeric === true));
  }
  if (limitOverride !== undefined) {
    // A fixed limit (selectOne's 1) is part of the statement's shape, so it is written inline.
    out.text(` LIMIT ${checkCount("limit", limitOverride)}`);
  } else if (options.limit !== undefined || options.offset !== undefined) {
    const limit = options.limit === undefined ? dialect.unlimited : checkCount("limit", options.limit);
    bindOrInline(out.text(" LIMIT "), dialect, limit);
    if (options.offset !== undefined) bindOrInline(out.text(" OFFSET "), dialect, checkCount("offset", options.offset));
  }
  return out.build();
}

/** A LIMIT/OFFSET value: validated integer text on dialects that inline them, else a bound value. */
function bindOrInline(out: FragmentBuilder, dialect: SqlDialect, value: unknown): void {
  if (dialect.inlineLimits) out.text(String(value));
  else out.value(value);
}

/** `UPDATE … SET … WHERE …`, returning the changed rows when `returning` is set. */
export function updateStatement(
  dialect: SqlDialect,
  table: string,
  data: Row,
  where: unknown,
  returning: boolean,
  context: WhereContext = {},
): SqlFragment {
  const ctx = { ...context, table };
  const columns = dataColumns(data, "update data", ctx);
  if (columns.length === 0) {
    throw new ValidationError("update data must set at least one column", [{ message: "no columns to update", path: [] }]);
  }
  requireWhere(where, "update");
  const out = new FragmentBuilder();
  out.text(`UPDATE ${tableName(table)} SET `);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    out.text(`${i === 0 ? "" : ", "}${quoteIdentifier(column)} = `).value(dialect.encodeValue(data[column]));
  }
  whereClause(out, dialect, where, ctx);
  if (returning) out.text(" RETURNING *");
  return out.build();
}

/** `DELETE … WHERE …`. */
export function deleteStatement(dialect: SqlDialect, table: string, where: unknown, context: WhereContext = {}): SqlFragment {
  requireWhere(where, "delete");
  const out = new FragmentBuilder();
  out.text(`DELETE FROM ${tableName(table)}`);
  whereClause(out, dialect, where, { ...context, table });
  return out.build();
}

/** `SELECT count(*)`. */
export function countStatement(dialect: SqlDialect, table: string, where: unknown, context: WhereContext = {}): SqlFragment {
  const out = new FragmentBuilder();
  out.text(`SELECT count(*) AS count FROM ${tableName(table)}`);
  whereClause(out, dialect, where, { ...context, table });
  return out.build();
}

/** Options of `upsert`. */
export interface UpsertOptions {
  /** The unique columns that identify an existing row. */
  conflict: readonly string[];
  /** Columns to overwrite when the row exists; default every given column outside `conflict`. */
  update?: readonly string[] | undefined;
}

const UPSERT_OPTIONS = ["conflict", "update"];

/** `INSERT … ON CONFLICT (…) DO UPDATE SET … RETURNING *` (PostgreSQL, CockroachDB and SQLite share it). */
export function upsertStatement(
  dialect: SqlDialect,
  table: string,
  data: Row,
  options: UpsertOptions,
  context: WhereContext = {},
  /** The conflict target of a column other than itself (SQLite: a DECIMAL unique by value, see `conflictTargets` in column-values.ts). */
  target?: (column: string, quoted: string) => string | undefined,
): SqlFragment {
  const ctx = { ...context, table };
  if (options === undefined || options === null) {
    throw new ValidationError("upsert needs options: { conflict: [unique columns] }", [{ message: "required", path: ["conflict"] }]);
  }
  checkOptions(options, UPSERT_OPTIONS, "upsert");
  const conflict = checkColumnArray(options.conflict, "conflict", "upsert");
  if (conflict === undefined || conflict.length === 0) {
    throw new ValidationError("upsert needs conflict: a non-empty array of the unique columns", [{ message: "required", path: ["conflict"] }]);
  }
  const name = tableName(table);
  const columns = dataColumns(data, "insert data", ctx);
  for (const column of conflict) {
    assertIdentifier(column, "column", ctx);
    if (!columns.includes(column)) {
      throw new ValidationError(`upsert data must include the conflict column "${column}"`, [{ message: "missing", path: [column] }]);
    }
  }
  const update = checkColumnArray(options.update, "update", "upsert") ?? columns.filter((c) => !conflict.includes(c));
  for (const column of update) assertIdentifier(column, "column", ctx);
  // With nothing else to change, a no-op assignment still makes RETURNING yield the existing row.
  const assignments = (update.length > 0 ? update : conflict.slice(0, 1))
    .map((c) => `${quoteIdentifier(c)} = excluded.${quoteIdentifier(c)}`)
    .join(", ");
  const targets = conflict.map((c) => target?.(c, quoteIdentifier(c)) ?? quoteIdentifier(c)).join(", ");
  const out = new FragmentBuilder();
  insertHead(out, dialect, name, columns, data);
  return out.text(` ON CONFLICT (${targets}) DO UPDATE SET ${assignments} RETURNING *`).build();
}

/** Refuses a missing filter for writes: `{}` must be passed on purpose to touch every row. */
function requireWhere(where: unknown, operation: string): void {
  if (where === undefined || where === null) {
    throw new ValidationError(`${operation} needs a where filter; pass {} to affect every row`, [{ message: "required", path: ["where"] }]);
  }
}
