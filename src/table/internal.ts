/**
 * What the parts of `Table` share without exposing it: the table's metadata (columns, primary key,
 * hidden columns), name validation against it, and filters compiled into `sql` fragments for the
 * few statements the Table writes itself.
 *
 * @module
 */
import type { Database } from "../database.js";
import { type ColumnInfo, dialectOf as queryableDialect } from "../queryable.js";
import type { Row, SqlDialect } from "../backends/contract.js";
import { IdentifierError, TablekitError, ValidationError } from "../errors/errors.js";
import { columnList, dataColumns } from "../crud/statements.js";
import { type IdentifierContext, assertIdentifier, formatForMessage } from "../sql/identifiers.js";
import { type OrderBy, type OrderTerm, parseOrderBy } from "../sql/order-by.js";
import { SqlFragment } from "../sql/sql-tag.js";
import { type Where, type WhereContext, compileWhereFragment } from "../sql/where.js";

/** @internal The key under which a Table exposes {@link TableInternals} to the relation loader. */
export const TABLE_INTERNALS: unique symbol = Symbol("tablekit.table.internals");

/** @internal How a primary key value is checked before it reaches SQL. */
export type KeyKind = "uuid" | "int16" | "int32" | "int64" | "other";

/** @internal What a Table knows once initialized. */
export interface TableMeta {
  /** Table name. */
  readonly table: string;
  /** Every column, in table order. */
  readonly columnNames: readonly string[];
  /** Context for identifier checks: unknown columns raise IdentifierError naming the table. */
  readonly context: IdentifierContext & { readonly columns: ReadonlySet<string> };
  /** The single-column primary key, when there is one (or the `primaryKey` option). */
  readonly primaryKey: string | undefined;
  /** How a primary key value is checked. */
  readonly keyKind: KeyKind;
  /** Columns left out of returned rows unless asked for by name. */
  readonly hidden: ReadonlySet<string>;
  /** The columns selected by default: undefined means every column (`*`), when nothing is hidden. */
  readonly visible: readonly string[] | undefined;
  /** Columns that order and compare as exact numbers through a function, by column (SQLite's DECIMAL/NUMERIC, stored as text: the dialect's `decimalOrder`), as on PostgreSQL. */
  readonly numeric: ReadonlyMap<string, string>;
}

/** @internal What the relation loader needs from a Table. */
export interface TableInternals {
  /** Table name. */
  readonly name: string;
  /** The Database the Table runs on. */
  readonly db: Database;
  /** Initializes the table if needed and returns its metadata. */
  meta(): Promise<TableMeta>;
  /** The relations declared on the Table, by name. */
  readonly relations: Readonly<Record<string, unknown>>;
  /** The Table for a relation target or join table given by name (created once, on the same Database). */
  tableFor(target: unknown): TableInternals;
}

/** @internal Builds metadata from `db.columns()` output. */
export function buildMeta(
  table: string,
  infos: readonly ColumnInfo[],
  dialect: SqlDialect,
  options: { primaryKey?: string | undefined; hidden?: readonly string[] | undefined },
): TableMeta {
  const columnNames = infos.map((c) => c.name);
  const context = { table, columns: new Set(columnNames) as ReadonlySet<string> };
  let primaryKey = options.primaryKey;
  if (primaryKey !== undefined) assertIdentifier(primaryKey, "column", context);
  else {
    const keys = infos.filter((c) => c.primaryKey);
    if (keys.length === 1) primaryKey = keys[0]!.name;
  }
  const hidden = new Set<string>();
  for (const column of options.hidden ?? []) hidden.add(assertIdentifier(column, "column", context));
  if (primaryKey !== undefined && hidden.has(primaryKey)) {
    throw new IdentifierError(`The primary key ${formatForMessage(primaryKey)} of table ${formatForMessage(table)} cannot be hidden`);
  }
  const type = primaryKey === undefined ? "" : (infos.find((c) => c.name === primaryKey)?.type ?? "");
  return Object.freeze({
    table,
    columnNames,
    context,
    primaryKey,
    keyKind: keyKindOf(type, dialect),
    hidden,
    visible: hidden.size === 0 ? undefined : columnNames.filter((c) => !hidden.has(c)),
    numeric: new Map(infos.flatMap((c) => { const order = dialect.decimalOrder(c.type); return order === undefined ? [] : [[c.name, order] as const]; })),
  });
}

function keyKindOf(type: string, dialect: SqlDialect): KeyKind {
  const t = type.toLowerCase();
  if (/\buuid\b/.test(t)) return "uuid";
  const bits = dialect.integerBits(t);
  return bits === undefined ? "other" : `int${bits}`;
}

const UUID = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;
const INTEGER_TEXT = /^[+-]?\d{1,20}$/;
const LIMITS: Record<"int16" | "int32" | "int64", bigint> = { int16: 2n ** 15n, int32: 2n ** 31n, int64: 2n ** 63n };

/**
 * @internal Whether `id` can be a value of the primary key column. A wrong JavaScript type is a
 * programming error ({@link ValidationError}); a well-typed value the column cannot hold ("not-a-uuid"
 * for a UUID key, 1.5 or "abc" for an integer key, an out-of-range integer) is reported as `false`,
 * so by-id methods answer "no such row" without running SQL.
 */
export function acceptsKey(meta: TableMeta, id: unknown): boolean {
  const type = typeof id;
  if (type !== "string" && type !== "number" && type !== "bigint" && !(id instanceof Uint8Array)) {
    throw new ValidationError(
      `The ${meta.primaryKey === undefined ? "key" : `primary key ${formatForMessage(meta.primaryKey)}`} of table ${formatForMessage(meta.table)} must be a string, number or bigint, not ${id === null ? "null" : type}`,
      [{ message: "invalid key", path: [meta.primaryKey ?? "id"] }],
    );
  }
  switch (meta.keyKind) {
    case "uuid":
      return type === "string" && UUID.test(id as string);
    case "int16":
    case "int32":
    case "int64": {
      let value: bigint;
      if (type === "number") {
        if (!Number.isSafeInteger(id)) return false;
        value = BigInt(id as number);
      } else if (type === "bigint") value = id as bigint;
      else if (type === "string" && INTEGER_TEXT.test(id as string)) value = BigInt(id as string);
      else return false;
      const limit = LIMITS[meta.keyKind];
      return value >= -limit && value < limit;
    }
    default:
      return true;
  }
}

/** @internal The primary key, or a clear error for tables without a single-column one. */
export function requireKey(meta: TableMeta, operation: string): string {
  if (meta.primaryKey === undefined) {
    throw new TablekitError(
      `${operation} needs a single-column primary key, and table ${formatForMessage(meta.table)} has none; pass the primaryKey option to name the key column`,
    );
  }
  return meta.primaryKey;
}

/** @internal Parses and checks an ordering against the table's columns. */
export function checkOrderBy(meta: TableMeta, orderBy: OrderBy | undefined): OrderTerm[] {
  return parseOrderBy(orderBy, meta.context);
}

/** @internal Checks a `columns` option (a non-empty array of known columns). */
export function checkColumns(meta: TableMeta, columns: readonly string[] | undefined): void {
  if (columns !== undefined) columnList(columns, meta.context);
}

/** @internal Checks that `data` is a plain object of known columns; returns the columns set. */
export function checkData(meta: TableMeta, data: unknown, what: string): string[] {
  return dataColumns(data, what, meta.context);
}

/** @internal Which columns to fetch and which of them to remove from the rows afterwards. */
export interface Selection {
  /** Columns to select; undefined selects every column. */
  readonly fetch: string[] | undefined;
  /** Columns fetched only for tablekit's own use (relation keys, cursor values, hidden columns). */
  readonly strip: readonly string[];
}

/**
 * @internal The columns to select for a call: the ones asked for (default: the visible ones) plus
 * `needed` (relation keys, cursor columns), which are removed again before rows are returned.
 */
export function selection(meta: TableMeta, columns: readonly string[] | undefined, needed: readonly string[]): Selection {
  const base = columns ?? meta.visible;
  if (base === undefined) {
    return { fetch: undefined, strip: [] };
  }
  const fetch = [...base];
  const strip: string[] = [];
  for (const column of needed) {
    if (!fetch.includes(column)) {
      fetch.push(column);
      strip.push(column);
    }
  }
  return { fetch, strip };
}

/** @internal Removes `columns` from each row (in place). */
export function stripColumns(rows: readonly Row[], columns: readonly string[]): void {
  if (columns.length === 0) return;
  for (const row of rows) for (const column of columns) delete row[column];
}

/** @internal Removes the table's hidden columns from a row returned by a write (`RETURNING *`). */
export function hideColumns<T extends Row>(meta: TableMeta, row: T): T {
  if (meta.hidden.size > 0) for (const column of meta.hidden) delete row[column];
  return row;
}

/** @internal The SQL dialect of a connected Database. */
export function dialectOf(db: Database): SqlDialect {
  return db[queryableDialect]();
}

/**
 * @internal Compiles a filter into a `sql` fragment (see `compileWhereFragment`, the one filter
 * compiler): the compile is the filter's validation, and its fragment is what the statement runs.
 * Values are encoded once here and again by `execute`, which leaves encoded values unchanged.
 */
export function whereFragment(dialect: SqlDialect, where: unknown, context: WhereContext): SqlFragment | undefined {
  return compileWhereFragment(where as Where, dialect, context);
}

/** @internal A map key for a column value, equal for equal database values (1 and 1n alike). */
export function keyOf(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "s" + value;
    case "number":
    case "bigint":
      return "n" + String(value);
    case "boolean":
      return "b" + String(value);
    default:
      if (value instanceof Date) return "d" + value.toISOString();
      if (value instanceof Uint8Array) return "x" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
      return "j" + JSON.stringify(value);
  }
}

/** Whether `value` is a plain object (kept here for the table modules that import it). */
export { isPlainObject } from "../util/is-plain-object.js";
