/**
 * SQLite tables' column types, cached per Database and table while `PRAGMA schema_version` is
 * unchanged, and the filter context built from them (values compared as the columns store them).
 *
 * @module
 */
import { type ColumnType, columnFilters, columnType, filterNeedsTypes, integerFilterNeedsTypes } from "../crud/column-values.js";
import { tableName } from "../crud/statements.js";
import type { WhereContext } from "../sql/where.js";
import type { SchemaAccess } from "./schema-access.js";
import type { TableColumn } from "../backends/contract.js";
import { UNIQUE_INDEX_TEXTS_SQL, columnsKeyedByValue } from "../backends/common/decimal-key.js";

/** What is cached of one SQLite table: its column types and generated key, at a schema version. */
interface TableTypes {
  readonly version: number;
  readonly columns: ReadonlyMap<string, ColumnType>;
  /** The column whose values the table generates (see {@link generatedKeyOf}), or undefined. */
  readonly generatedKey: string | undefined;
  /** Whether a column other than the generated key holds 64-bit integers (see {@link GeneratedKey}). */
  readonly wideColumns: boolean;
}

/** A table's generated key, and whether its other columns hold 64-bit integers (BIGINT, BIGINT[]). */
export interface GeneratedKey {
  /** The generated key column (see {@link generatedKeyOf}). */
  readonly column: string;
  /**
   * Whether a column other than the key is a 64-bit integer (or an array of them) as PostgreSQL
   * declares it: a value there may not fit a JavaScript number.
   */
  readonly wideColumns: boolean;
}

/** Column types of SQLite tables, per Database, with the schema version they were read at. */
const COLUMN_TYPES = new WeakMap<object, Map<string, TableTypes>>();


/**
 * The column types of a SQLite table, cached per Database and table and kept only while
 * `PRAGMA schema_version` (which every schema change, from any connection, increments) is
 * unchanged. The driver reads the version synchronously without a query event (one header read
 * per checked write); before the Database connected, or when that read fails, they are read
 * through ordinary statements.
 */
export function columnTypesOf(access: SchemaAccess, table: string): ReadonlyMap<string, ColumnType> | Promise<ReadonlyMap<string, ColumnType>> {
  const types = tableTypesOf(access, table);
  return types instanceof Promise ? types.then((t) => t.columns) : types.columns;
}

/**
 * The column whose values a SQLite table generates: its rowid key (the one primary key column,
 * declared `INTEGER`) when it has no DEFAULT, the column PostgreSQL makes an identity (a bare
 * integer `PRIMARY KEY`, `SERIAL`) in a table tablekit created; undefined when there is none.
 * Cached with the column types (see {@link columnTypesOf}).
 */
export function generatedKeyOf(access: SchemaAccess, table: string): GeneratedKey | undefined | Promise<GeneratedKey | undefined> {
  const types = tableTypesOf(access, table);
  return types instanceof Promise ? types.then(keyOf) : keyOf(types);
}

function keyOf(types: TableTypes): GeneratedKey | undefined {
  return types.generatedKey === undefined ? undefined : { column: types.generatedKey, wideColumns: types.wideColumns };
}

/**
 * {@link generatedKeyOf} without reading the schema version again: from the types last cached for
 * the table, which a write's value checks have just read (and followed to the current schema
 * version) in the same call; read as {@link generatedKeyOf} does when none are cached.
 */
export function lastGeneratedKeyOf(access: SchemaAccess, table: string): GeneratedKey | undefined | Promise<GeneratedKey | undefined> {
  const cached = COLUMN_TYPES.get(access.owner)?.get(table);
  return cached !== undefined ? keyOf(cached) : generatedKeyOf(access, table);
}

function tableTypesOf(access: SchemaAccess, table: string): TableTypes | Promise<TableTypes> {
  const driver = access.driver();
  const version = driver?.schemaVersion?.();
  if (driver !== undefined && version !== undefined) {
    const cached = cachedTypes(access.owner, table, version);
    if (cached !== undefined) return cached;
    const info = driver.tableColumns?.(table);
    if (info !== undefined) return rememberTypes(access.owner, table, version, info);
  }
  return loadColumnTypes(access, table);
}

function cachedTypes(owner: object, table: string, version: number): TableTypes | undefined {
  const cached = COLUMN_TYPES.get(owner)?.get(table);
  return cached !== undefined && cached.version === version ? cached : undefined;
}

/** The rowid key without a DEFAULT (see {@link generatedKeyOf}). */
function generatedKey(info: readonly TableColumn[]): string | undefined {
  const keys = info.filter((c) => c.pk);
  const key = keys.length === 1 ? keys[0]! : undefined;
  return key !== undefined && !key.hasDefault && key.type.trim().toUpperCase() === "INTEGER" ? key.name : undefined;
}

/**
 * Whether a column can hold integers beyond 32 bits, or arrays of them: a 64-bit type, or any
 * integer primary key column (SQLite stores them as 64-bit; `columnType` gives both 64 bits).
 */
function isWide(type: ColumnType): boolean {
  const t = type.element ?? type;
  return t.kind === "integer" && t.bits === 64;
}

function rememberTypes(owner: object, table: string, version: number, info: readonly TableColumn[]): TableTypes {
  let byTable = COLUMN_TYPES.get(owner);
  if (byTable === undefined) COLUMN_TYPES.set(owner, (byTable = new Map()));
  const columns = new Map<string, ColumnType>();
  for (const c of info) {
    const type = columnType(c.type, c.pk);
    // An unscaled DECIMAL a unique index compares by value (createIndex's): upserts target it so.
    columns.set(c.name, c.keyedByValue === true && type.kind === "decimal" && !type.valueKeyed ? { ...type, valueKeyed: true } : type);
  }
  if (byTable.size >= 1000) byTable.clear();
  const key = generatedKey(info);
  let wideColumns = false;
  for (const [name, type] of columns) if (name !== key && isWide(type)) wideColumns = true;
  const types: TableTypes = { version, columns, generatedKey: key, wideColumns };
  byTable.set(table, types);
  return types;
}

async function loadColumnTypes(access: SchemaAccess, table: string): Promise<TableTypes> {
  const version = Number((await access.execute("PRAGMA schema_version"))[0]?.["schema_version"]);
  const cached = cachedTypes(access.owner, table, version);
  if (cached !== undefined) return cached;
  const columns = await access.columns(table);
  const withDefault = new Set((await access.execute("SELECT name FROM pragma_table_info(?) WHERE dflt_value IS NOT NULL", [table])).map((r) => String(r["name"])));
  const indexSql = (await access.execute(UNIQUE_INDEX_TEXTS_SQL, [table])).map((row) => String(row["sql"]));
  const keyed = columnsKeyedByValue(indexSql, columns.map((c) => c.name));
  const info = columns.map((c) => ({ name: c.name, type: c.type, pk: c.primaryKey, hasDefault: withDefault.has(c.name), keyedByValue: keyed.has(c.name) }));
  return rememberTypes(access.owner, table, version, info);
}

/**
 * On SQLite, the filter context that compares values as the columns store them (an uppercase
 * UUID matches, DECIMAL compares as a number; see `columnFilters`), or undefined where the filter
 * compares the same without it: always on other backends (the server types parameters from the
 * columns), and for filters of integer equalities only on columns the cache knows are not DECIMAL.
 * `ordered`: an ordering needs the types too (DECIMAL orders by its exact number).
 */
export function filterContext(access: SchemaAccess, table: string, where: unknown, ordered = false): WhereContext | undefined | Promise<WhereContext | undefined> {
  if (!access.dialect.checksValuesByDeclaredType || ((where === undefined || where === null) && !ordered)) return undefined;
  if (!ordered && !filterNeedsTypes(where)) {
    const known = COLUMN_TYPES.get(access.owner)?.get(table)?.columns;
    if (known !== undefined && !integerFilterNeedsTypes((where ?? {}) as Record<string, unknown>, known)) return undefined;
  }
  try {
    tableName(table);
  } catch {
    return undefined; // the statement builder reports it
  }
  const types = columnTypesOf(access, table);
  return types instanceof Promise ? types.then((t) => ({ table, columnValues: columnFilters(t) })) : { table, columnValues: columnFilters(types) };
}
