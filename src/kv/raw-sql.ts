/**
 * The seed's raw SQL helpers (`execute`, `query`, `sql_insert`, …): thin delegations to a
 * {@link Database}, so they run on SQLite, PostgreSQL and CockroachDB alike and join an ambient
 * transaction like any other Database call. A {@link KVStore} has them as its own methods (it
 * extends {@link KVSqlHelpers}); `tablekit/kv-sql` offers them on any Database ({@link KVSql}).
 *
 * They accept a third filter form besides tablekit's filter objects and `sql` fragments: a SQL
 * condition string with `?` placeholders, as the seed did. That form stays here, at the edge.
 *
 * @module
 */
import { Database } from "../database.js";
import type { Row } from "../dialect/dialect.js";
import type { CreateIndexOptions, CreateTableOptions } from "../crud/ddl.js";
import { ValidationError } from "../errors/errors.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { type OrderBy, parseOrderBy, renderOrderBy } from "../sql/order-by.js";
import { questionToDollar } from "../sql/placeholders.js";
import { type SqlFragment, isSqlFragment, sql } from "../sql/sql-tag.js";
import type { Where } from "../sql/where.js";
import { sqlDialectFor } from "../dialect/create-driver.js";
import type { WriteData } from "../queryable.js";

/**
 * A filter for the raw helpers: a SQL condition with `?` placeholders (values go in `parameters`),
 * a `sql` fragment, or a tablekit filter object such as `{ age: { gt: 20 } }`.
 */
export type KVRawWhere = string | SqlFragment | Where;

/** Options of {@link KVSqlHelpers.query}: the seed's `query(table_name, columns, where, parameters, order_by, limit)`. */
export interface KVQueryOptions {
  /** Table to read (a plain identifier). */
  table: string;
  /** Columns to return (plain identifiers); default all. */
  columns?: readonly string[] | undefined;
  /**
   * Filter. A string is trusted SQL text (a condition such as `"age > ? AND name LIKE ?"`): never build
   * it from user input; pass values in `parameters`, which are always bound. Also a `sql` fragment
   * or a filter object.
   */
  where?: KVRawWhere | undefined;
  /** Values for the `?` placeholders of a string `where`, in order. */
  parameters?: readonly unknown[] | undefined;
  /** Ordering: `"name ASC, age DESC"`, `{ name: "asc" }` or `[["name", "asc"]]`; column names only. */
  orderBy?: OrderBy | undefined;
  /** Maximum number of rows (a non-negative integer). */
  limit?: number | undefined;
  /** Rows to skip (a non-negative integer). */
  offset?: number | undefined;
}

function checkCount(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${name} must be a non-negative integer`, [{ message: "must be a non-negative integer", path: [name] }]);
  }
  return value;
}

function checkParameters(where: string, parameters: readonly unknown[] | undefined): unknown[] {
  if (parameters !== undefined && !Array.isArray(parameters)) {
    throw new ValidationError("parameters must be an array", [{ message: "must be an array", path: ["parameters"] }]);
  }
  const params = parameters === undefined ? [] : [...parameters];
  const expected = questionToDollar(where).count;
  if (expected !== params.length) {
    throw new ValidationError(`The where condition has ${expected} placeholder${expected === 1 ? "" : "s"} but ${params.length} parameter${params.length === 1 ? " was" : "s were"} given`, [
      { message: "placeholder count mismatch", path: ["parameters"] },
    ]);
  }
  return params;
}

function checkCondition(where: unknown, what: string): string {
  if (typeof where !== "string" || where.trim() === "") {
    throw new ValidationError(`${what} needs a where condition (pass "1 = 1" on purpose to affect every row)`, [{ message: "required", path: ["where"] }]);
  }
  return where;
}

function dataColumns(data: unknown, table: string): string[] {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ValidationError("data must be a plain object of column values", [{ message: "must be a plain object", path: [] }]);
  }
  const columns = Object.keys(data).filter((column) => (data as Row)[column] !== undefined);
  if (columns.length === 0) throw new ValidationError("data has no column values", [{ message: "empty", path: [] }]);
  for (const column of columns) assertIdentifier(column, "column", { table });
  return columns;
}

/**
 * The raw SQL helpers, over the Database a subclass provides: {@link KVStore} (the store's
 * Database) and {@link KVSql} (any Database). Every method delegates to that Database.
 */
export abstract class KVSqlHelpers {
  /** @internal The Database the helpers run on. */
  protected abstract get database(): Database;

  /** @internal Called after a helper changed `table`, so the store can drop its cache if it is its own table. */
  protected abstract tableChanged(table: string): void;

  /**
   * Runs one statement and returns its rows; see {@link Database.execute}. Raw SQL bypasses the
   * store's cache: after changing the store's own table with it, call `refresh()`.
   *
   * ```ts
   * const rows = await kv.execute("SELECT key FROM data WHERE key LIKE ?", ["user:%"]);
   * ```
   */
  execute<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R[]> {
    return this.database.execute<R>(query, params);
  }

  /** Runs one statement once per parameter list, in one transaction; returns the rows changed. */
  executeMany(query: string, paramSets: readonly (readonly unknown[])[]): Promise<number> {
    return this.database.executeMany(query, paramSets);
  }

  /** Runs a query and returns its first row, or null. */
  fetchOne<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R | null> {
    return this.database.fetchOne<R>(query, params);
  }

  /** Runs a query and returns every row (the seed's `fetch_all`; the same as {@link KVSqlHelpers.execute}). */
  fetchAll<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R[]> {
    return this.database.execute<R>(query, params);
  }

  /**
   * Creates a table from portable column definitions; see {@link Database.createTable}.
   *
   * ```ts
   * await kv.createTable("users", { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", email: "TEXT UNIQUE" });
   * ```
   */
  createTable(name: string, columns: Readonly<Record<string, string>>, options?: CreateTableOptions): Promise<void> {
    return this.database.createTable(name, columns, options);
  }

  /**
   * Creates an index (`ifNotExists` defaults to true).
   *
   * ```ts
   * await kv.createIndex("users_email", "users", ["email"], { unique: true });
   * ```
   */
  createIndex(name: string, table: string, columns: string | readonly string[], options?: CreateIndexOptions): Promise<void> {
    return this.database.createIndex(name, table, columns, options);
  }

  /**
   * Selects rows: the seed's `query`. Table, columns and ordering are validated identifiers; a
   * string `where` is trusted SQL whose `?` placeholders are bound from `parameters` (their counts
   * must match).
   *
   * ```ts
   * const adults = await kv.query({ table: "users", columns: ["id", "name"], where: "age > ?", parameters: [20], orderBy: "name ASC", limit: 10 });
   * ```
   */
  async query<R extends object = Row>(options: KVQueryOptions): Promise<R[]> {
    if (typeof options !== "object" || options === null) {
      throw new ValidationError("query needs an options object with a table", [{ message: "required", path: [] }]);
    }
    const table = assertIdentifier(options.table, "table");
    const limit = checkCount("limit", options.limit);
    const offset = checkCount("offset", options.offset);
    const where = options.where;
    if (where !== undefined && typeof where !== "string" && !isSqlFragment(where)) {
      if (options.parameters !== undefined && options.parameters.length > 0) {
        throw new ValidationError("parameters go with a string where; a filter object holds its own values", [{ message: "unexpected parameters", path: ["parameters"] }]);
      }
      return this.database.select<R>(table, { columns: options.columns as never, where: where as never, orderBy: options.orderBy, limit, offset });
    }
    if (options.columns !== undefined && (!Array.isArray(options.columns) || options.columns.length === 0)) {
      throw new ValidationError("columns must be a non-empty array of column names", [{ message: "invalid columns", path: ["columns"] }]);
    }
    const columns = options.columns === undefined ? "*" : options.columns.map((c) => quoteIdentifier(assertIdentifier(c, "column", { table }))).join(", ");
    const order = renderOrderBy(parseOrderBy(options.orderBy));
    const head = `SELECT ${columns} FROM ${quoteIdentifier(table)}`;
    const ordered = order === "" ? "" : ` ORDER BY ${order}`;
    const offsetText = offset === undefined ? "" : ` OFFSET ${offset}`;
    // OFFSET without LIMIT: SQLite needs a LIMIT before OFFSET, so the backend's "no limit" value is bound.
    const noLimit = limit === undefined && offset !== undefined;
    const unlimited = noLimit ? [sqlDialectFor(this.database.dialect).unlimited] : [];
    const tail = `${ordered}${noLimit ? " LIMIT ?" : limit === undefined ? "" : ` LIMIT ${limit}`}${offsetText}`;
    if (where === undefined) return this.database.execute<R>(head + tail, unlimited);
    if (isSqlFragment(where)) {
      if (options.parameters !== undefined && options.parameters.length > 0) {
        throw new ValidationError("parameters go with a string where; a sql fragment holds its own values", [{ message: "unexpected parameters", path: ["parameters"] }]);
      }
      const limits = noLimit ? sql` LIMIT ${unlimited[0]}${sql.raw(offsetText)}` : sql.raw(tail.slice(ordered.length));
      return this.database.execute<R>(sql`${sql.raw(head)} WHERE (${where})${sql.raw(ordered)}${limits}`);
    }
    const condition = checkCondition(where, "query");
    return this.database.execute<R>(`${head} WHERE (${condition})${tail}`, [...checkParameters(condition, options.parameters), ...unlimited]);
  }

  /** Whether a table exists. */
  tableExists(name: string): Promise<boolean> {
    return this.database.tableExists(name);
  }

  /** Names of the user tables, sorted. */
  listTables(): Promise<string[]> {
    return this.database.listTables();
  }

  /** Drops a table (`ifExists` defaults to true). Dropping the store's own table also empties its cache. */
  async dropTable(name: string, options?: { ifExists?: boolean }): Promise<void> {
    try {
      await this.database.dropTable(name, options);
    } finally {
      this.tableChanged(name);
    }
  }

  /** Drops an index (`ifExists` defaults to true). */
  dropIndex(name: string, options?: { ifExists?: boolean }): Promise<void> {
    return this.database.dropIndex(name, options);
  }

  /**
   * Inserts a row from an object and returns the stored row (with generated ids and defaults): the
   * seed's `sql_insert`, which returned the rowid.
   *
   * ```ts
   * const alice = await kv.sqlInsert("users", { name: "Alice", email: "alice@example.com", age: 25 });
   * alice.id;
   * ```
   */
  async sqlInsert<R extends object = Row>(table: string, data: Row): Promise<R> {
    try {
      return await this.database.insert<R>(table, data as WriteData<R>);
    } finally {
      this.tableChanged(table);
    }
  }

  /**
   * Updates the rows matching `where` and returns how many changed. `where` is a SQL condition with
   * `?` placeholders bound from `parameters` (after the values of `data`), a `sql` fragment, or a
   * filter object; it is required (pass `"1 = 1"` to update every row).
   *
   * ```ts
   * const changed = await kv.sqlUpdate("users", { age: 26, status: "active" }, "name = ?", ["Alice"]);
   * ```
   */
  async sqlUpdate(table: string, data: Row, where: KVRawWhere, parameters?: readonly unknown[]): Promise<number> {
    assertIdentifier(table, "table");
    try {
      if (typeof where === "object" && where !== null && !isSqlFragment(where)) return await this.database.updateMany(table, data, where);
      const columns = dataColumns(data, table);
      const set = columns.map((c) => `${quoteIdentifier(c)} = ?`).join(", ");
      const head = `UPDATE ${quoteIdentifier(table)} SET ${set} WHERE `;
      const values = columns.map((c) => data[c]);
      if (isSqlFragment(where)) {
        const assignments = sql.join(
          columns.map((c, i) => sql`${sql.id(c)} = ${values[i]}`),
          sql`, `,
        );
        return await this.database.executeCount(sql`UPDATE ${sql.id(table)} SET ${assignments} WHERE (${where})`);
      }
      const condition = checkCondition(where, "sqlUpdate");
      const params = checkParameters(condition, parameters);
      return await this.database.executeCount(`${head}(${condition})`, [...values, ...params]);
    } finally {
      this.tableChanged(table);
    }
  }

  /**
   * Deletes the rows matching `where` and returns how many were deleted. `where` is required, as in
   * {@link KVSqlHelpers.sqlUpdate}.
   *
   * ```ts
   * const removed = await kv.sqlDelete("users", "age < ?", [18]);
   * ```
   */
  async sqlDelete(table: string, where: KVRawWhere, parameters?: readonly unknown[]): Promise<number> {
    assertIdentifier(table, "table");
    try {
      if (typeof where === "object" && where !== null && !isSqlFragment(where)) return await this.database.deleteMany(table, where);
      if (isSqlFragment(where)) return await this.database.executeCount(sql`DELETE FROM ${sql.id(table)} WHERE (${where})`);
      const condition = checkCondition(where, "sqlDelete");
      return await this.database.executeCount(`DELETE FROM ${quoteIdentifier(table)} WHERE (${condition})`, checkParameters(condition, parameters));
    } finally {
      this.tableChanged(table);
    }
  }

  /** Compacts the database (VACUUM; a no-op on CockroachDB). */
  vacuum(): Promise<void> {
    return this.database.vacuum();
  }
}

/**
 * The seed's raw SQL helpers on any {@link Database}, without a key-value store: the same methods
 * a {@link KVStore} has (`execute`, `query`, `sqlInsert`, `sqlUpdate`, `sqlDelete`, …), for code
 * ported from the seed that used them on their own. Imported from `tablekit/kv-sql`. It never
 * closes the Database.
 *
 * ```ts
 * import { Database } from "tablekit";
 * import { KVSql } from "tablekit/kv-sql";
 *
 * await using db = await Database.open("sqlite::memory:");
 * const helpers = new KVSql(db);
 * await helpers.createTable("users", { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", age: "INTEGER" });
 * await helpers.sqlInsert("users", { id: 1, name: "Alice", age: 25 });
 * const adults = await helpers.query({ table: "users", where: "age >= ?", parameters: [18] });
 * ```
 */
export class KVSql extends KVSqlHelpers {
  readonly #db: Database;

  /** Helpers running on `db`. */
  constructor(db: Database) {
    super();
    if (!(db instanceof Database)) {
      throw new ValidationError("KVSql takes a tablekit Database", [{ message: "must be a Database", path: ["db"] }]);
    }
    this.#db = db;
  }

  /** The Database the helpers run on. */
  get db(): Database {
    return this.#db;
  }

  /** @internal */
  protected get database(): Database {
    return this.#db;
  }

  /** @internal No cache to drop. */
  protected tableChanged(): void {}
}
