/**
 * Everything that runs SQL — DDL, CRUD, batches, streams — written once over three primitives,
 * and shared by {@link Database} (pooled, or joining the ambient transaction) and
 * {@link Transaction} (one held connection).
 *
 * @module
 */
import type { Driver, Row, SqlDialect, QueryResult, StatementText } from "./backends/contract.js";
import type { DialectName, Int64Mode } from "./config/connection-config.js";
import { CommittedButUnreadableError, QueryError, UnsafeIntegerError, ValidationError } from "./errors/errors.js";
import { type CreateIndexOptions, type CreateTableOptions, createIndexSql, createTableStatements, dropIndexSql, dropTableSql } from "./crud/ddl.js";
import { uniqueByValue } from "./crud/column-values.js";
import { type SelectOptions, type UpsertOptions, checkOptions, refuseUnsafeBigints, selectStatement } from "./crud/statements.js";
import type { Where, WhereContext } from "./sql/where.js";
import { assertIdentifier, quoteIdentifier } from "./sql/identifiers.js";
import { type SqlFragment, isSqlFragment } from "./sql/sql-tag.js";
import { renderStatement } from "./sql/render.js";
import type { Transaction } from "./transaction/transaction.js";
import type { BatchSource } from "./lifecycle/open-streams.js";
import type { BatchInsertOptions, BatchUpdateOptions, ColumnInfo, StreamOptions, TransactionOptions, WriteData } from "./queryable/options.js";
import { dialectOf, executeRead, filterContextFor, ownDriver, runOwnStatement } from "./queryable/internal-keys.js";
import { refusedValueError } from "./queryable/refused-values.js";
import type { SchemaAccess } from "./queryable/schema-access.js";
import { columnTypesOf, filterContext } from "./queryable/sqlite-column-types.js";
import { forgetSequences } from "./queryable/sequences.js";
import { forgetArrays } from "./queryable/value-checks.js";
import { type BatchContext, batchInsert, batchUpdate } from "./queryable/batches.js";
import { prepareStatement } from "./queryable/raw-statements.js";
import { type CrudContext, countRows, deleteRows, insertRow, selectFirst, selectRows, updateRow, updateRows, upsertRow } from "./queryable/crud.js";

export type { BatchInsertOptions, BatchUpdateOptions, ColumnInfo, StreamOptions, TransactionOptions, WriteData } from "./queryable/options.js";
/** @internal The symbol keys of tablekit's own modules (queryable/internal-keys.ts). */
export { dialectOf, executeRead, filterContextFor, ownDriver, runOwnStatement } from "./queryable/internal-keys.js";


/**
 * The query API shared by {@link Database} and {@link Transaction}. Functions that should work
 * both inside and outside a transaction can take a `Queryable`.
 */
export abstract class Queryable {
  /** @internal Runs one statement in this object's context. */
  protected abstract runStatement(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult>;
  /**
   * @internal Runs one statement synchronously when this context can (see `Driver.queryNow`), or
   * returns undefined without running anything. Statements go through `Queryable.#run`, which
   * tries this first.
   */
  protected runNow(_sql: string, _params: readonly unknown[], _single?: boolean): QueryResult | undefined {
    return undefined;
  }
  /** @internal Streams a query's rows in batches in this object's context. */
  protected abstract streamStatement(sql: string, params: readonly unknown[], batchSize: number): BatchSource;
  /**
   * @internal Runs a read that tablekit built (select, selectOne, count, table pages, KV scans):
   * a Database with replicas may send it to one outside a transaction; elsewhere it is
   * {@link Queryable.runStatement}.
   */
  /**
   * @internal Runs tablekit's own statements (a batch's) in order; the first failure rejects. A
   * transaction runs them in one driver call where it can (see `ReservedConnection.queryMany`).
   */
  protected runStatements(statements: readonly StatementText[]): Promise<QueryResult[]> {
    return Promise.all(statements.map((s) => this.runStatement(s.sql, s.params)));
  }

  protected runRead(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    return this.runStatement(sql, params, single);
  }
  /** @internal Streams a read that tablekit built, like {@link Queryable.runRead}. */
  protected streamRead(sql: string, params: readonly unknown[], batchSize: number): BatchSource {
    return this.streamStatement(sql, params, batchSize);
  }
  /** @internal The SQL dialect used to build statements. */
  protected abstract get sqlDialect(): SqlDialect;

  /** @internal The SQL dialect used to build statements, for other tablekit modules. */
  [dialectOf](): SqlDialect {
    return this.sqlDialect;
  }

  /** @internal The Database's int64 policy (see {@link refuseUnsafeBigints}). */
  protected get int64Mode(): Int64Mode {
    return "number";
  }

  /** @internal Whether a statement run now commits by itself (false inside a transaction). */
  protected get autocommit(): boolean {
    return false;
  }

  /**
   * @internal The error to raise when a single write failed: a read failure of the returned row
   * after an autocommitted write says that the write happened ({@link CommittedButUnreadableError}),
   * so that no caller retries it as if nothing had been written.
   */
  protected afterWriteError(error: unknown, operation: string, table: string): unknown {
    if (error instanceof UnsafeIntegerError && this.autocommit) {
      return new CommittedButUnreadableError(
        `The ${operation} on table "${table}" was committed, but the returned row could not be read: ${error.message}. Do not retry it.`,
        { cause: error },
      );
    }
    if ((error as { code?: unknown } | null)?.code === "22P02") forgetArrays(this.schemaOwner, table);
    return refusedValueError(error, operation, table);
  }

  #checkInt64(data: unknown, what: string): void {
    if (this.int64Mode === "number") refuseUnsafeBigints(data, what);
  }

  /**
   * @internal The driver whose schema this context follows (the Database's), for the SQLite
   * column-type cache (queryable/sqlite-column-types.ts); undefined before it connected.
   */
  [ownDriver](): Driver | undefined {
    const owner = this.schemaOwner;
    return owner !== this && owner instanceof Queryable ? owner[ownDriver]() : undefined;
  }

  #access: SchemaAccess | undefined;

  /** What the schema caches and value checks (queryable/) need of this context: made once, on first use. */
  #schema(): SchemaAccess {
    if (this.#access !== undefined) return this.#access;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.#access = {
      get owner() {
        return self.schemaOwner;
      },
      get dialect() {
        return self.sqlDialect;
      },
      driver: () => self[ownDriver](),
      execute: (sql, params) => self.execute<Row>(sql, params),
      columns: (table) => self.columns(table),
      run: (sql, params) => self.runStatement(sql, params),
    };
    return this.#access;
  }

  /** @internal Forgets the sequence-generated columns read for `table` (queryable/sequences.ts). */
  protected forgetSequences(table: string): void {
    forgetSequences(this.schemaOwner, table);
  }

  /**
   * Runs a write of `records` and, when they carry explicit values for sequence-generated columns,
   * advances those sequences in the same transaction (one opened here when none is active).
   * `atomic`: a transaction is opened (when none is active) even without a sequence update.
   */
  async #withSequences<T>(advance: string | undefined, table: string, write: (q: Queryable) => Promise<T>, atomic = false): Promise<T> {
    if (advance === undefined && !atomic) return write(this);
    const run = async (q: Queryable): Promise<T> => {
      const result = await write(q);
      if (advance === undefined) return result;
      try {
        await q.runStatement(advance, []);
      } catch (error) {
        this.forgetSequences(table);
        throw error;
      }
      return result;
    };
    return this.autocommit ? this.transaction((tx) => run(tx)) : run(this);
  }

  /** @internal The object whose schema caches this context shares: the Database. */
  protected get schemaOwner(): object {
    return this;
  }

  /** The backend: "sqlite", "postgres" or "cockroachdb". */
  abstract get dialect(): DialectName;

  /**
   * @internal Runs a statement tablekit built itself: `sql` already uses the dialect's
   * placeholders, so {@link Queryable.execute}'s checks and placeholder translation are skipped.
   * The values are encoded for the dialect in place: `params` must be an array the caller owns.
   * Returns the result itself when the statement ran synchronously (see {@link Queryable.runNow}),
   * so a caller that checks for a promise saves an await.
   */
  [runOwnStatement](sql: string, params: unknown[], single?: boolean, read = false): QueryResult | Promise<QueryResult> {
    const encode = this.sqlDialect.encodeValue;
    for (let i = 0; i < params.length; i++) params[i] = encode(params[i]);
    return this.#runSql(sql, params, single, read);
  }

  /**
   * Runs a prepared statement: synchronously when this context can ({@link Queryable.runNow}),
   * else through {@link Queryable.runRead} (`read`: a read replicas may serve) or
   * {@link Queryable.runStatement}. The one place that chooses between them.
   */
  #runSql(sql: string, params: readonly unknown[], single: boolean | undefined, read: boolean): QueryResult | Promise<QueryResult> {
    return this.runNow(sql, params, single) ?? (read ? this.runRead(sql, params, single) : this.runStatement(sql, params, single));
  }

  /**
   * {@link Queryable.#runSql} for a `{ sql, params }` statement. Callers await only a promise
   * (`ran instanceof Promise ? await ran : ran`): a statement run synchronously costs no await.
   */
  #run(statement: { readonly sql: string; readonly params: readonly unknown[] }, single?: boolean, read = false): QueryResult | Promise<QueryResult> {
    return this.#runSql(statement.sql, statement.params, single, read);
  }

  /**
   * @internal The filter context of `table` for a filter a Table compiles itself (keyset pages,
   * streams, locked rows): on SQLite, values compared as the columns store them, as in `select`.
   * A promise only when the column types must be read first.
   */
  [filterContextFor](table: string, where: unknown): WhereContext | undefined | Promise<WhereContext | undefined> {
    return filterContext(this.#schema(), table, where);
  }

  /**
   * @internal Runs a read that tablekit composed with the `sql` tag (a Table's keyset pages and
   * streams, eager loads): like {@link Queryable.execute}, but a read replicas may serve.
   */
  async [executeRead]<R extends object = Row>(query: SqlFragment): Promise<R[]> {
    const prepared = prepareStatement(this.sqlDialect, query, undefined);
    const ran = this.#run(prepared, undefined, true);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rows as R[];
  }

  /** @internal Bulk-loads COPY text lines; only transactions on backends with COPY support it. */
  protected copyRows(_sql: string, _lines: Iterable<string>): Promise<number> {
    return Promise.reject(new QueryError("COPY runs only inside a transaction on PostgreSQL/CockroachDB"));
  }

  /**
   * Runs a transaction; see {@link Database.transaction}. Called on a transaction, it opens a
   * nested transaction (a SAVEPOINT) whose failure rolls back only itself.
   */
  abstract transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;

  /** The seed's name for {@link Queryable.transaction}: runs `operation` in a retrying transaction. */
  runInTransaction<T>(operation: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.transaction(operation, options);
  }

  /**
   * Runs one statement and returns its rows as plain objects. `?` placeholders work on every
   * backend (`$1` also on PostgreSQL); the `sql` tag composes values and identifiers safely.
   *
   * ```ts
   * await db.execute("SELECT * FROM users WHERE age > ?", [25]);
   * await db.execute(sql`SELECT * FROM ${sql.id("users")} WHERE age > ${25}`);
   * ```
   */
  async execute<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R[]> {
    const prepared = prepareStatement(this.sqlDialect, query, params);
    const ran = this.#run(prepared);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rows as R[];
  }

  /** Like {@link Queryable.execute}, but returns the number of rows changed (or returned). */
  async executeCount(query: string | SqlFragment, params?: readonly unknown[]): Promise<number> {
    const prepared = prepareStatement(this.sqlDialect, query, params);
    const ran = this.#run(prepared);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rowCount;
  }

  /** Runs one statement once per parameter list, in one transaction; returns the total rows changed. */
  async executeMany(query: string, paramSets: readonly (readonly unknown[])[]): Promise<number> {
    if (!Array.isArray(paramSets)) throw new ValidationError("executeMany needs an array of parameter arrays", [{ message: "must be an array", path: [] }]);
    const prepared = paramSets.map((p) => prepareStatement(this.sqlDialect, query, p));
    return this.transaction(async (tx) => {
      let total = 0;
      for (const statement of prepared) total += (await (tx as Queryable).runStatement(statement.sql, statement.params)).rowCount;
      return total;
    });
  }

  /** Runs a query and returns its first row, or null. */
  async fetchOne<R extends object = Row>(query: string | SqlFragment, params?: readonly unknown[]): Promise<R | null> {
    const prepared = prepareStatement(this.sqlDialect, query, params);
    const ran = this.#run(prepared, true, false);
    const result = ran instanceof Promise ? await ran : ran;
    return (result.rows[0] ?? null) as R | null;
  }

  // ---------------------------------------------------------------- DDL

  /**
   * Creates a database (PostgreSQL/CockroachDB). On SQLite every database is its own file, so this
   * raises a {@link QueryError}.
   */
  async createDatabase(name: string): Promise<void> {
    const quoted = quoteIdentifier(assertIdentifier(name, "database"));
    if (!this.sqlDialect.supportsCreateDatabase) {
      throw new QueryError("createDatabase is not available on SQLite: each SQLite database is a file; open a new Database with its path instead");
    }
    await this.runStatement(`CREATE DATABASE ${quoted}`, []);
  }

  /**
   * Creates a table from portable (PostgreSQL-style) column definitions, translated for SQLite.
   *
   * ```ts
   * await db.createTable("users", { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL" });
   * ```
   */
  async createTable(name: string, columns: Readonly<Record<string, string>>, options: CreateTableOptions = {}): Promise<void> {
    const checked = checkOptions(options, ["ifNotExists"], "createTable");
    const [create, ...indexes] = createTableStatements(this.sqlDialect, name, columns, checked);
    if (indexes.length === 0) await this.runStatement(create!, []);
    else {
      // SQLite's unique indexes by DECIMAL value (crud/ddl.ts): with the table, or not at all,
      // named (as PostgreSQL names constraints) around the names in use when the table is created.
      const run = async (q: Queryable): Promise<void> => {
        if (options.ifNotExists !== false && (await q.tableExists(name))) return;
        const namesSql = this.sqlDialect.relationNamesSql?.();
        let statements = [create!, ...indexes];
        if (namesSql !== undefined) {
          const taken = new Set((await q.runStatement(namesSql, [])).rows.map((r) => String(r["name"]).toLowerCase()));
          statements = createTableStatements(this.sqlDialect, name, columns, checked, taken);
        }
        for (const statement of statements) await q.runStatement(statement, []);
      };
      await (this.autocommit ? this.transaction((tx) => run(tx)) : run(this));
    }
    this.forgetSequences(name);
  }

  /** Drops a table (`ifExists` defaults to true). */
  async dropTable(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    await this.runStatement(dropTableSql(name, checkOptions(options, ["ifExists"], "dropTable")), []);
    this.forgetSequences(name);
  }

  /** Creates an index on one or more columns (`ifNotExists` defaults to true). */
  async createIndex(name: string, table: string, columns: string | readonly string[], options: CreateIndexOptions = {}): Promise<void> {
    const checked = checkOptions(options, ["unique", "ifNotExists"], "createIndex");
    let statement = createIndexSql(name, table, columns, checked);
    if (checked.unique === true && this.sqlDialect.checksValuesByDeclaredType) {
      // SQLite: a unique index compares an unscaled DECIMAL by value, as PostgreSQL's NUMERIC does.
      const types = columnTypesOf(this.#schema(), table);
      statement = createIndexSql(name, table, columns, checked, uniqueByValue(types instanceof Promise ? await types : types));
    }
    await this.runStatement(statement, []);
  }

  /** Drops an index (`ifExists` defaults to true). */
  async dropIndex(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    await this.runStatement(dropIndexSql(name, checkOptions(options, ["ifExists"], "dropIndex")), []);
  }

  /** Whether a table of that name exists (in the current schema on PostgreSQL). */
  async tableExists(name: string): Promise<boolean> {
    assertIdentifier(name, "table");
    return (await this.runStatement(this.sqlDialect.tableExistsSql(), [name])).rows.length > 0;
  }

  /** Names of the user tables, sorted. */
  async listTables(): Promise<string[]> {
    return (await this.runStatement(this.sqlDialect.listTablesSql(), [])).rows.map((r) => String(r["name"]));
  }

  /** The columns of a table, in order; empty when the table does not exist. */
  async columns(table: string): Promise<ColumnInfo[]> {
    assertIdentifier(table, "table");
    const { rows } = await this.runStatement(this.sqlDialect.columnsSql(), [table]);
    return rows.map((r) => {
      const primaryKey = r["pk"] === true || Number(r["pk"]) > 0;
      // A primary key is NOT NULL on every backend, even where SQLite's catalog does not say so.
      return { name: String(r["name"]), type: String(r["type"] ?? ""), notNull: primaryKey || r["not_null"] === true || Number(r["not_null"]) === 1, primaryKey };
    });
  }

  /** Compacts the database (VACUUM; a no-op on CockroachDB, which compacts by itself). */
  async vacuum(): Promise<void> {
    for (const statement of this.sqlDialect.vacuumSql()) await this.runStatement(statement, []);
  }

  // ---------------------------------------------------------------- CRUD

  #crudContext: CrudContext | undefined;

  /** What the CRUD functions (queryable/crud.ts) need of this context: made once, on first use. */
  #crud(): CrudContext {
    if (this.#crudContext !== undefined) return this.#crudContext;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.#crudContext = {
      access: this.#schema(),
      get dialect() {
        return self.sqlDialect;
      },
      get autocommit() {
        return self.autocommit;
      },
      get int64Number() {
        return self.int64Mode === "number";
      },
      checkInt64: (data, what) => self.#checkInt64(data, what),
      run: (statement, single, read = false) => self.#runSql(statement.sql, statement.params, single, read),
      runNow: (sql, params, single) => self.runNow(sql, params, single),
      withSequences: (advance, table, write, atomic) =>
        self.#withSequences(advance, table, (q) => write((sql, params, single) => q.runStatement(sql, params, single)), atomic),
      afterWriteError: (error, operation, table) => self.afterWriteError(error, operation, table),
    };
    return this.#crudContext;
  }

  /**
   * Inserts one row and returns it as stored, with defaults and generated ids. `undefined` values
   * are left out, so column defaults apply.
   */
  insert<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>): Promise<R> {
    return insertRow<R>(this.#crud(), table, given);
  }

  /** Selects rows with optional `columns`, `where`, `orderBy`, `limit` and `offset`. */
  select<R extends object = Row>(table: string, options: NoInfer<SelectOptions<R>> = {}): Promise<R[]> {
    return selectRows<R>(this.#crud(), table, options);
  }

  /** Selects the first matching row, or null. */
  selectOne<R extends object = Row>(table: string, options: NoInfer<Pick<SelectOptions<R>, "where" | "columns" | "orderBy">> = {}): Promise<R | null> {
    return selectFirst<R>(this.#crud(), table, options);
  }

  /**
   * Updates the rows matching `where` with `data` and returns the (first) updated row, or null
   * when none matched. Meant for a filter that names one row; see {@link Queryable.updateMany}.
   */
  update<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, where: NoInfer<Where<R>>): Promise<R | null> {
    return updateRow<R>(this.#crud(), table, given, where);
  }

  /** Updates every row matching `where` (pass `{}` for all rows) and returns how many changed. */
  updateMany<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, where: NoInfer<Where<R>>): Promise<number> {
    return updateRows(this.#crud(), table, given, where);
  }

  /** Deletes the rows matching `where`; returns whether any row was deleted. */
  async delete<R extends object = Row>(table: string, where: NoInfer<Where<R>>): Promise<boolean> {
    return (await this.deleteMany(table, where)) > 0;
  }

  /** Deletes every row matching `where` (pass `{}` for all rows) and returns how many were deleted. */
  deleteMany<R extends object = Row>(table: string, where: NoInfer<Where<R>>): Promise<number> {
    return deleteRows(this.#crud(), table, where);
  }

  /**
   * Inserts a row, or updates the existing row with the same `conflict` columns, and returns it.
   *
   * ```ts
   * await db.upsert("users", { email: "a@x.io", name: "Ann" }, { conflict: ["email"] });
   * ```
   */
  upsert<R extends object = Row>(table: string, given: NoInfer<WriteData<R>>, options: UpsertOptions): Promise<R> {
    return upsertRow<R>(this.#crud(), table, given, options);
  }

  /** Counts the rows matching `where` (all rows without it). */
  count<R extends object = Row>(table: string, where?: NoInfer<Where<R>>): Promise<number> {
    return countRows(this.#crud(), table, where);
  }

  // ---------------------------------------------------------------- batches

  #batchContext: BatchContext | undefined;

  /** What the batch writes (queryable/batches.ts) need of this context: made once, on first use. */
  #batches(): BatchContext {
    if (this.#batchContext !== undefined) return this.#batchContext;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.#batchContext = {
      access: this.#schema(),
      get dialect() {
        return self.sqlDialect;
      },
      checkInt64: (data, what) => self.#checkInt64(data, what),
      forgetSequences: (table) => self.forgetSequences(table),
      inTransaction: (fn) =>
        self.transaction((tx) =>
          fn({
            copy: (sql, lines) => (tx as Queryable).copyRows(sql, lines),
            run: (sql, params) => (tx as Queryable).runStatement(sql, params),
            runMany: (statements) => (tx as Queryable).runStatements(statements),
          }),
        ),
    };
    return this.#batchContext;
  }

  /**
   * Inserts many rows in one transaction, in multi-row statements sized under the backend's
   * bound-parameter limit. Returns the inserted rows, or their count with `returning: false`.
   * All rows are validated before any SQL runs; records may leave different columns out.
   */
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options: BatchInsertOptions & { returning: false }): Promise<number>;
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options?: BatchInsertOptions): Promise<R[]>;
  async batchInsert<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], given?: BatchInsertOptions): Promise<R[] | number> {
    return batchInsert<R>(this.#batches(), table, records, given);
  }

  /**
   * Updates many rows in one transaction, each record identified by its `keyColumn` (default
   * "id"). Returns the updated rows (records whose key matches nothing are skipped), or their count
   * with `returning: false`.
   */
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], options: BatchUpdateOptions & { returning: false }): Promise<number>;
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], keyColumn?: string | BatchUpdateOptions): Promise<R[]>;
  async batchUpdate<R extends object = Row>(table: string, records: readonly (NoInfer<WriteData<R>>)[], keyColumn: string | BatchUpdateOptions = {}): Promise<R[] | number> {
    return batchUpdate<R>(this.#batches(), table, records, keyColumn);
  }

  // ---------------------------------------------------------------- streams

  /**
   * Streams rows in constant memory: from a table (with `where`, `orderBy`, `columns`) or from a
   * `sql` query. Breaking out of the loop releases the cursor.
   *
   * ```ts
   * for await (const user of db.stream("users", { where: { active: true } })) { ... }
   * for await (const row of db.stream(sql`SELECT id FROM users`)) { ... }
   * ```
   */
  async *stream<R extends object = Row>(source: string | SqlFragment, given?: NoInfer<StreamOptions<R>>): AsyncGenerator<R> {
    const options = checkOptions(given as StreamOptions, isSqlFragment(source) ? ["batchSize"] : ["where", "orderBy", "columns", "batchSize"], "stream");
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ValidationError("batchSize must be a positive integer", [{ message: "must be a positive integer", path: ["batchSize"] }]);
    }
    const statement = isSqlFragment(source)
      ? prepareStatement(this.sqlDialect, source, undefined)
      : renderStatement(selectStatement(this.sqlDialect, source, { where: options.where, orderBy: options.orderBy, columns: options.columns } as SelectOptions), this.sqlDialect);
    // A table's rows are a read tablekit built (replicas may serve it); SQL text goes to the primary.
    const batches: BatchSource = isSqlFragment(source) ? this.streamStatement(statement.sql, statement.params, batchSize) : this.streamRead(statement.sql, statement.params, batchSize);
    for await (const batch of batches) {
      for (const row of batch) {
        yield row as R;
        // Throws when db.close() ended this stream while its consumer had stopped reading.
        batches.checkpoint?.();
      }
    }
  }
}
