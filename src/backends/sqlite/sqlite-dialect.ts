/**
 * The SQL that is SQLite's own: `?` placeholders, JSON-array `IN` lists, portable column
 * definitions translated on the way in, and catalog queries over `sqlite_schema`.
 *
 * @module
 */
import type { SqlDialect } from "../contract.js";
import { translateCreateTable, translateCreateTableIndexes } from "./sqlite-schema.js";
import { encodeSqliteValue } from "./sqlite-types.js";
import { valueKindOfDeclaredType } from "../common/declared-types.js";
import { DECIMAL_KEY_FUNCTION } from "../common/decimal-key.js";
import { SQLITE_INDEXES_SQL, sqliteIndexes } from "./sqlite-indexes.js";
import { sqliteKV } from "./sqlite-kv.js";

/** SQLite's {@link SqlDialect}. */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: "sqlite" as const,
  // SQLITE_MAX_VARIABLE_NUMBER is 32766 since SQLite 3.32.
  maxParameters: 32766,
  supportsCreateDatabase: false,
  unlimited: -1,
  inlineLimits: true,
  placeholder: (): string => "?",
  encodeValue: encodeSqliteValue,
  encodeList,
  inList: (column: string, placeholder: string, negate: boolean): string =>
    `${column} ${negate ? "NOT IN" : "IN"} (SELECT value FROM json_each(${placeholder}))`,
  ilike: (column: string, placeholder: string, negate: boolean): string =>
    `lower(${column}) ${negate ? "NOT LIKE" : "LIKE"} lower(${placeholder})`,
  createTable: (table: string, columns: Readonly<Record<string, string>>, ifNotExists: boolean): string =>
    translateCreateTable(table, columns, { ifNotExists }),
  createTableIndexes: (table: string, columns: Readonly<Record<string, string>>, ifNotExists: boolean, taken?: ReadonlySet<string>): readonly string[] =>
    translateCreateTableIndexes(table, columns, { ifNotExists, taken }),
  relationNamesSql: (): string => "SELECT name FROM sqlite_schema WHERE type IN ('table', 'index', 'view')",
  listTablesSql: (): string =>
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  tableExistsSql: (): string => "SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = ?",
  columnsSql: (): string =>
    "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info(?) ORDER BY cid",
  indexesSql: (): string => SQLITE_INDEXES_SQL,
  indexes: sqliteIndexes,
  vacuumSql: (): string[] => ["VACUUM", "PRAGMA optimize"],
  beginSql: (): string => "BEGIN IMMEDIATE",
  sqlFlavor: "sqlite" as const,
  rewritesQuestionMarks: false,
  keysFollowExplicitValues: true,
  checksValuesByDeclaredType: true,
  // BEGIN IMMEDIATE takes the database's write lock: there are no row locks to ask for.
  lockRowsClause: "",
  // An expression (unary plus) reads the stored value without the declared type's decoding.
  exactValue: (quoted: string): string => `+${quoted}`,
  decimalOrder: (declaredType: string): string | undefined => (valueKindOfDeclaredType(declaredType) === "decimal" ? DECIMAL_KEY_FUNCTION : undefined),
  // Every integer column holds 64-bit integers.
  integerBits: (declaredType: string): 64 | undefined => (/int/i.test(declaredType) ? 64 : undefined),
  advisoryLocks: undefined,
  addColumnWithKeys: false,
  followerReads: false,
  keyValue: sqliteKV,
});

/**
 * An IN list travels as one JSON array bound to `json_each(?)`, so the SQL text (and its prepared
 * statement) is the same whatever the list's length. bigints are written as exact JSON numbers,
 * ±Infinity as `9e999`/`-9e999`; bytes columns compare by hex text (see `columnFilters`).
 */
function encodeList(values: readonly unknown[]): string {
  let json = "[";
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) json += ",";
    // ±Infinity as 9e999/-9e999, which SQLite's JSON reads as ±Infinity (JSON.stringify writes null).
    json +=
      typeof value === "bigint"
        ? value.toString()
        : value === Infinity
          ? "9e999"
          : value === -Infinity
            ? "-9e999"
            : JSON.stringify(value ?? null);
  }
  return json + "]";
}
