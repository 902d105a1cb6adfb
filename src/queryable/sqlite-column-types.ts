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

/** Column types of SQLite tables, per Database, with the schema version they were read at. */
const COLUMN_TYPES = new WeakMap<object, Map<string, { version: number; columns: ReadonlyMap<string, ColumnType> }>>();

/**
 * The column types of a SQLite table, cached per Database and table and kept only while
 * `PRAGMA schema_version` (which every schema change, from any connection, increments) is
 * unchanged. The driver reads the version synchronously without a query event (one header read
 * per checked write); before the Database connected, or when that read fails, they are read
 * through ordinary statements.
 */
export function columnTypesOf(access: SchemaAccess, table: string): ReadonlyMap<string, ColumnType> | Promise<ReadonlyMap<string, ColumnType>> {
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

function cachedTypes(owner: object, table: string, version: number): ReadonlyMap<string, ColumnType> | undefined {
  const cached = COLUMN_TYPES.get(owner)?.get(table);
  return cached !== undefined && cached.version === version ? cached.columns : undefined;
}

function rememberTypes(owner: object, table: string, version: number, info: readonly TableColumn[]): ReadonlyMap<string, ColumnType> {
  let byTable = COLUMN_TYPES.get(owner);
  if (byTable === undefined) COLUMN_TYPES.set(owner, (byTable = new Map()));
  const columns = new Map<string, ColumnType>();
  for (const c of info) {
    const type = columnType(c.type, c.pk);
    // An unscaled DECIMAL a unique index compares by value (createIndex's): upserts target it so.
    columns.set(c.name, c.keyedByValue === true && type.kind === "decimal" && !type.valueKeyed ? { ...type, valueKeyed: true } : type);
  }
  if (byTable.size >= 1000) byTable.clear();
  byTable.set(table, { version, columns });
  return columns;
}

async function loadColumnTypes(access: SchemaAccess, table: string): Promise<ReadonlyMap<string, ColumnType>> {
  const version = Number((await access.execute("PRAGMA schema_version"))[0]?.["schema_version"]);
  const cached = cachedTypes(access.owner, table, version);
  if (cached !== undefined) return cached;
  const columns = await access.columns(table);
  const indexSql = (await access.execute(UNIQUE_INDEX_TEXTS_SQL, [table])).map((row) => String(row["sql"]));
  const keyed = columnsKeyedByValue(indexSql, columns.map((c) => c.name));
  const info = columns.map((c) => ({ name: c.name, type: c.type, pk: c.primaryKey, keyedByValue: keyed.has(c.name) }));
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
