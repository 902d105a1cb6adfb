/**
 * SQL for the DDL helpers. Names are validated identifiers; column definitions are the user's
 * own SQL (PostgreSQL style), checked by a tokenizer (one self-contained fragment each, and one
 * statement in all) and translated per dialect.
 *
 * @module
 */
import type { SqlDialect } from "../backends/contract.js";
import { ValidationError } from "../errors/errors.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { checkSqlFragment } from "../sql/sql-tokens.js";
import { ownDataKeys, tableName } from "./statements.js";

/** Options of `createTable`. */
export interface CreateTableOptions {
  /** Do nothing when the table exists. Default true. */
  ifNotExists?: boolean;
}

/** Options of `createIndex`. */
export interface CreateIndexOptions {
  /** A UNIQUE index. Default false. */
  unique?: boolean;
  /** Do nothing when the index exists. Default true. */
  ifNotExists?: boolean;
}

/**
 * Refuses a column definition that is not one self-contained piece of SQL: a `;`, a comment, a NUL
 * character, an unterminated literal, or parentheses that close more than they open. Definitions
 * are PostgreSQL-style SQL, so they are read by a tokenizer that knows every PostgreSQL string
 * form (`'…'`, `E'…'`, `U&'…'`, `$tag$…$tag$`, `"…"`; see `src/sql/sql-tokens.ts`): a quote that
 * a naive scanner would take as the end of a string cannot end the statement.
 *
 * ```ts
 * checkColumnDefinition("note", "TEXT DEFAULT E'it\\'s'"); // returned unchanged
 * checkColumnDefinition("note", "TEXT DEFAULT E'\\''); DROP TABLE t; --'"); // ValidationError
 * ```
 */
export function checkColumnDefinition(column: string, definition: unknown): string {
  if (typeof definition !== "string" || definition.trim() === "") {
    throw new ValidationError(`The definition of column "${column}" must be a non-empty SQL type string`, [
      { message: "must be a non-empty string", path: [column] },
    ]);
  }
  const problem = checkSqlFragment(definition, "postgres");
  if (problem !== undefined) {
    throw new ValidationError(`The definition of column "${column}" is not a single column definition: it holds ${problem}`, [
      { message: `invalid column definition: ${problem}`, path: [column] },
    ]);
  }
  return definition;
}

/** `CREATE TABLE` for portable column definitions. */
export function createTableSql(dialect: SqlDialect, table: string, columns: unknown, options: CreateTableOptions = {}): string {
  assertIdentifier(table, "table");
  const proto = typeof columns === "object" && columns !== null ? (Object.getPrototypeOf(columns) as unknown) : undefined;
  if ((proto !== Object.prototype && proto !== null) || Object.keys(columns as object).length === 0) {
    throw new ValidationError(`createTable("${table}") needs at least one column: { name: "TYPE ..." }`, [{ message: "required", path: ["columns"] }]);
  }
  const keys = ownDataKeys(columns, `The columns of createTable("${table}")`)!;
  // A null-prototype record: every column, "__proto__" included, is an own property.
  const definitions: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const column of keys) {
    const definition = (columns as Record<string, unknown>)[column];
    assertIdentifier(column, "column");
    if (column === "__proto__") {
      // JavaScript rows cannot carry it: assigning row["__proto__"] sets the prototype instead.
      throw new ValidationError(`createTable("${table}"): "__proto__" cannot be a column name (a JavaScript row object cannot hold it as data)`, [
        { message: "reserved name", path: [column] },
      ]);
    }
    definitions[column] = checkColumnDefinition(column, definition);
  }
  const statement = dialect.createTable(table, definitions, options.ifNotExists ?? true);
  // The statement as the target database will read it (SQLite's translation re-renders each
  // definition, and SQLite quotes with [..] and `..` too): still one statement, nothing after it.
  const problem = checkSqlFragment(statement, dialect.sqlFlavor);
  if (problem !== undefined) {
    throw new ValidationError(`createTable("${table}"): the column definitions do not make one CREATE TABLE statement (it would hold ${problem})`, [
      { message: `invalid column definitions: ${problem}`, path: ["columns"] },
    ]);
  }
  return statement;
}

/**
 * The statements of `createTable`: {@link createTableSql}'s, then the dialect's
 * `createTableIndexes` (SQLite: unique indexes by numeric value for constraints with an unscaled
 * DECIMAL member), each checked to be one statement. The indexes are to be created only when the
 * table did not exist; `taken` (the dialect's `relationNamesSql`, lowercased) lets their names
 * avoid the names in use, as PostgreSQL's constraint names do.
 */
export function createTableStatements(dialect: SqlDialect, table: string, columns: unknown, options: CreateTableOptions = {}, taken?: ReadonlySet<string>): string[] {
  const statement = createTableSql(dialect, table, columns, options);
  const indexes = dialect.createTableIndexes?.(table, columns as Readonly<Record<string, string>>, options.ifNotExists ?? true, taken) ?? [];
  for (const index of indexes) {
    const problem = checkSqlFragment(index, dialect.sqlFlavor);
    if (problem !== undefined) {
      throw new ValidationError(`createTable("${table}"): an index for the column definitions is not one statement (it would hold ${problem})`, [
        { message: `invalid column definitions: ${problem}`, path: ["columns"] },
      ]);
    }
  }
  return [statement, ...indexes];
}

/** `DROP TABLE`. */
export function dropTableSql(table: string, options: { ifExists?: boolean } = {}): string {
  return `DROP TABLE ${options.ifExists ?? true ? "IF EXISTS " : ""}${tableName(table)}`;
}

/** `CREATE [UNIQUE] INDEX`. */
export function createIndexSql(
  name: string,
  table: string,
  columns: string | readonly string[],
  options: CreateIndexOptions = {},
  /** What a column is indexed by when not itself (SQLite: an unscaled DECIMAL of a unique index, by value). */
  indexedBy?: (column: string, quoted: string) => string | undefined,
): string {
  const index = quoteIdentifier(assertIdentifier(name, "index"));
  const list = typeof columns === "string" ? [columns] : columns;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ValidationError("createIndex needs at least one column", [{ message: "required", path: ["columns"] }]);
  }
  const cols = list
    .map((c) => {
      const quoted = quoteIdentifier(assertIdentifier(c, "column"));
      return indexedBy?.(c, quoted) ?? quoted;
    })
    .join(", ");
  return `CREATE ${options.unique ? "UNIQUE " : ""}INDEX ${options.ifNotExists ?? true ? "IF NOT EXISTS " : ""}${index} ON ${tableName(table)} (${cols})`;
}

/** `DROP INDEX`. */
export function dropIndexSql(name: string, options: { ifExists?: boolean } = {}): string {
  return `DROP INDEX ${options.ifExists ?? true ? "IF EXISTS " : ""}${quoteIdentifier(assertIdentifier(name, "index"))}`;
}
