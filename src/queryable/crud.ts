/**
 * The CRUD methods of a {@link Queryable} (insert, select, selectOne, update, updateMany,
 * deleteMany, upsert, count): each builds its statement's fragment (crud/statements.ts), or takes
 * its rendered form from the shape cache, checks the values against the columns, and runs it
 * through the Queryable (synchronously where it can). The class delegates to these functions.
 *
 * @module
 */
import type { QueryResult, Row, SqlDialect } from "../backends/contract.js";
import { compiledWhereShape, dataShape, shapeCacheFor, simpleWhereShape } from "../crud/shape-cache.js";
import {
  type SelectOptions,
  type Statement,
  type UpsertOptions,
  UNSAFE_BIGINT,
  checkOptions,
  countStatement,
  deleteStatement,
  insertStatement,
  selectStatement,
  tableName,
  updateStatement,
  upsertStatement,
  writeValueFlags,
} from "../crud/statements.js";
import { renderStatement } from "../sql/render.js";
import { CompiledWhere, type WhereContext } from "../sql/where.js";
import { refusedFilterError, refusedValueError } from "./refused-values.js";
import type { SchemaAccess } from "./schema-access.js";
import { sequenceAdvance } from "./sequences.js";
import { columnTypesOf, filterContext } from "./sqlite-column-types.js";
import { conflictTargets } from "../crud/column-values.js";
import { rowValues } from "./value-checks.js";
import { readsBeforeCommit } from "./read-before-commit.js";

/** Runs one statement already in the dialect's form; resolves with its result. */
export type RunStatement = (sql: string, params: readonly unknown[], single?: boolean) => Promise<QueryResult>;

/** What the CRUD functions need from the Queryable they run on. */
export interface CrudContext {
  /** The schema caches and value checks' view of the Queryable. */
  readonly access: SchemaAccess;
  /** The SQL dialect statements are built for. */
  readonly dialect: SqlDialect;
  /** Whether a statement run now commits by itself (false inside a transaction). */
  readonly autocommit: boolean;
  /** Whether the int64 policy is `"number"` (a 64-bit value beyond ±(2^53−1) cannot be read). */
  readonly int64Number: boolean;
  /** Refuses a bigint the int64 policy could not read back (see `refuseUnsafeBigints`). */
  checkInt64(data: unknown, what: string): void;
  /**
   * Runs a rendered statement: synchronously when the context can (the result itself), else a
   * promise (`read`: a read replicas may serve). See `Queryable.#run`.
   */
  run(statement: Statement, single?: boolean, read?: boolean): QueryResult | Promise<QueryResult>;
  /** Runs a statement synchronously when the context can, or returns undefined without running it. */
  runNow(sql: string, params: readonly unknown[], single?: boolean): QueryResult | undefined;
  /**
   * Runs `write` and then `advance` (the sequence update after explicit ids), in one transaction
   * (opened when none is active); `write` gets the statement runner of that transaction. Without
   * `advance`, `write` runs as it is, unless `atomic` asks for the transaction anyway.
   */
  withSequences<T>(advance: string | undefined, table: string, write: (run: RunStatement) => Promise<T>, atomic?: boolean): Promise<T>;
  /** The error to raise when a single write failed (see `Queryable.afterWriteError`). */
  afterWriteError(error: unknown, operation: string, table: string): unknown;
}

const NO_VALUES: readonly unknown[] = [];
const SELECT_OPTIONS = ["columns", "where", "orderBy", "limit", "offset"];
const SELECT_ONE_OPTIONS = ["columns", "where", "orderBy"];

/**
 * The filter whose column types a statement needs: none for a {@link CompiledWhere}, which its
 * caller compiled with them already (only an ordering may still need them).
 */
function filterOf(where: unknown): unknown {
  return where instanceof CompiledWhere ? undefined : where;
}

/** The rare value checks of one write's data, as flagged by {@link writeValueFlags} (the caller skips the call, and its await, for 0). */
async function checkWriteValues(crud: CrudContext, data: unknown, what: string, flags: number): Promise<void> {
  if ((flags & UNSAFE_BIGINT) !== 0) crud.checkInt64(data, what);
}

/**
 * Inserts one row and returns it as stored, with defaults and generated ids. `undefined` values
 * are left out, so column defaults apply.
 */
export async function insertRow<R>(crud: CrudContext, table: string, given: unknown): Promise<R> {
  const dialect = crud.dialect;
  const shape = dataShape(given);
  const build = (data: Row): Statement =>
    shape === undefined
      ? renderStatement(insertStatement(dialect, table, data), dialect)
      : shapeCacheFor(dialect).statement("insert", table, shape, data, undefined, () => insertStatement(dialect, table, data));
  return writeOne<R>(crud, table, given as Row, "insert", build);
}

/**
 * One row written by `build`'s statement (insert or upsert): the statement built first (so a
 * bad name fails before anything else), the values checked against the columns, the statement
 * built again when checking changed the data, then run, advancing PostgreSQL sequences that
 * the row wrote explicit values into, in the same transaction. Where keys need no sequence update
 * (SQLite), a write that gives the generated key an explicit value and whose row may be unreadable
 * runs in a transaction too, so its returned row is read before COMMIT (read-before-commit.ts):
 * the same writes as on PostgreSQL leave nothing when it cannot be read.
 */
async function writeOne<R>(crud: CrudContext, table: string, given: Row, what: "insert" | "upsert", build: (data: Row) => Statement): Promise<R> {
  let statement = build(given);
  const flags = writeValueFlags(given);
  if (flags !== 0) await checkWriteValues(crud, given, `${what} data`, flags);
  const checked = rowValues(crud.access, table, given);
  const data = checked instanceof Promise ? await checked : checked;
  if (data !== given) statement = build(data);
  let advance: string | undefined;
  let atomic = false;
  try {
    const guarded = readsBeforeCommit(crud.access, table, data, crud.autocommit, crud.int64Number);
    atomic = guarded instanceof Promise ? await guarded : guarded;
    if (!atomic) {
      // single: one row is wanted; the driver still steps a writer to completion, so a failed
      // autocommit COMMIT rejects (docs/decisions.md).
      const now = crud.runNow(statement.sql, statement.params, true);
      if (now !== undefined) return now.rows[0] as R;
    }
    advance = await sequenceAdvance(crud.access, table, [data]);
    const result = await crud.withSequences(advance, table, (run) => run(statement.sql, statement.params, true), atomic);
    return result.rows[0] as R;
  } catch (error) {
    // With a sequence update (or read before COMMIT) the write ran in a transaction: a failure
    // means nothing was stored.
    throw (advance !== undefined || atomic) && crud.autocommit ? refusedValueError(error, what, table) : crud.afterWriteError(error, what, table);
  }
}

/** Selects rows with optional `columns`, `where`, `orderBy`, `limit` and `offset`. */
export async function selectRows<R>(crud: CrudContext, table: string, options: SelectOptions<any> = {}): Promise<R[]> {
  const dialect = crud.dialect;
  const o = checkOptions(options as SelectOptions, SELECT_OPTIONS, "select");
  const filter = filterContext(crud.access, table, filterOf(o.where), o.orderBy !== undefined);
  const context = filter instanceof Promise ? await filter : filter;
  const shape = context === undefined && o.columns === undefined && o.orderBy === undefined && o.limit === undefined && o.offset === undefined ? simpleWhereShape(o.where) : undefined;
  const statement =
    shape === undefined
      ? renderStatement(selectStatement(dialect, table, o, context), dialect)
      : shapeCacheFor(dialect).statement("select", table, shape, o.where as Row, undefined, () => selectStatement(dialect, table, o));
  try {
    const ran = crud.run(statement, undefined, true);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rows as R[];
  } catch (error) {
    throw refusedFilterError(error, "select", table);
  }
}

/** Selects the first matching row, or null. */
export async function selectFirst<R>(crud: CrudContext, table: string, options: Pick<SelectOptions<any>, "where" | "columns" | "orderBy"> = {}): Promise<R | null> {
  const dialect = crud.dialect;
  const o = checkOptions(options as SelectOptions, SELECT_ONE_OPTIONS, "selectOne");
  const filter = filterContext(crud.access, table, o.where, o.orderBy !== undefined);
  const context = filter instanceof Promise ? await filter : filter;
  const shape = context === undefined && o.columns === undefined && o.orderBy === undefined ? simpleWhereShape(o.where) : undefined;
  const statement =
    shape === undefined
      ? renderStatement(selectStatement(dialect, table, o, context, 1), dialect)
      : shapeCacheFor(dialect).statement("selectOne", table, shape, o.where as Row, undefined, () => selectStatement(dialect, table, o, undefined, 1));
  try {
    const ran = crud.run(statement, true, true);
    const result = ran instanceof Promise ? await ran : ran;
    return (result.rows[0] ?? null) as R | null;
  } catch (error) {
    throw refusedFilterError(error, "selectOne", table);
  }
}

/**
 * The UPDATE of `given` for the rows matching `where`: built first (bad input fails before any
 * SQL), then, once the values are checked and converted for the columns, rebuilt if they changed.
 * Synchronous when nothing has to be read first (no promise on the hot path).
 */
function updateFor(crud: CrudContext, table: string, given: unknown, where: unknown, returning: boolean): Statement | Promise<Statement> {
  const statement = updateStatementFor(crud, table, given as Row, where, returning);
  const flags = writeValueFlags(given);
  const checked = flags !== 0 ? undefined : rowValues(crud.access, table, given as Row);
  const filter = checked instanceof Promise || checked === undefined ? undefined : filterContext(crud.access, table, filterOf(where));
  if (checked !== undefined && !(checked instanceof Promise) && !(filter instanceof Promise)) {
    return checked !== given || filter !== undefined ? updateStatementFor(crud, table, checked, where, returning, filter) : statement;
  }
  return (async () => {
    if (flags !== 0) await checkWriteValues(crud, given, "update data", flags);
    const data = await (checked ?? rowValues(crud.access, table, given as Row));
    const context = await (filter ?? filterContext(crud.access, table, filterOf(where)));
    return data !== given || context !== undefined ? updateStatementFor(crud, table, data, where, returning, context) : statement;
  })();
}

/**
 * Updates the rows matching `where` with `data` and returns the (first) updated row, or null
 * when none matched. Meant for a filter that names one row; see {@link updateRows}.
 */
export async function updateRow<R>(crud: CrudContext, table: string, given: unknown, where: unknown): Promise<R | null> {
  const prepared = updateFor(crud, table, given, where, true);
  const statement = prepared instanceof Promise ? await prepared : prepared;
  try {
    const ran = crud.run(statement, true, false);
    const result = ran instanceof Promise ? await ran : ran;
    return (result.rows[0] ?? null) as R | null;
  } catch (error) {
    throw crud.afterWriteError(error, "update", table);
  }
}

/** Updates every row matching `where` (pass `{}` for all rows) and returns how many changed. */
export async function updateRows(crud: CrudContext, table: string, given: unknown, where: unknown): Promise<number> {
  const prepared = updateFor(crud, table, given, where, false);
  const statement = prepared instanceof Promise ? await prepared : prepared;
  try {
    const ran = crud.run(statement);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rowCount;
  } catch (error) {
    throw crud.afterWriteError(error, "updateMany", table);
  }
}

/**
 * The UPDATE for `data` and `where`: from the shape cache for plain shapes without a filter
 * context, and for a filter compiled once by its caller (keyed on the compiled text).
 */
function updateStatementFor(crud: CrudContext, table: string, data: Row, where: unknown, returning: boolean, context?: WhereContext): Statement {
  const dialect = crud.dialect;
  const dataKeys = dataShape(data);
  if (where instanceof CompiledWhere && dataKeys !== undefined && dataKeys !== "") {
    const compiled = compiledWhereShape(where.fragment);
    if (compiled !== undefined) {
      return shapeCacheFor(dialect).statementWithEncoded(returning ? "update/compiled" : "updateMany/compiled", table, dataKeys + "|" + compiled, data, where.fragment?.values ?? NO_VALUES, () =>
        updateStatement(dialect, table, data, where, returning),
      );
    }
  }
  const whereKeys = context !== undefined || dataKeys === undefined || dataKeys === "" ? undefined : simpleWhereShape(where);
  if (whereKeys === undefined) return renderStatement(updateStatement(dialect, table, data, where, returning, context ?? {}), dialect);
  return shapeCacheFor(dialect).statement(returning ? "update" : "updateMany", table, dataKeys + "|" + whereKeys, data, where as Row, () =>
    updateStatement(dialect, table, data, where, returning),
  );
}

/** Deletes every row matching `where` (pass `{}` for all rows) and returns how many were deleted. */
export async function deleteRows(crud: CrudContext, table: string, where: unknown): Promise<number> {
  const dialect = crud.dialect;
  const filter = filterContext(crud.access, table, filterOf(where));
  const context = filter instanceof Promise ? await filter : filter;
  const compiled = where instanceof CompiledWhere ? compiledWhereShape(where.fragment) : undefined;
  const shape = compiled === undefined && context === undefined ? simpleWhereShape(where) : undefined;
  const statement =
    compiled !== undefined
      ? shapeCacheFor(dialect).statementWithEncoded("delete/compiled", table, compiled, undefined, (where as CompiledWhere).fragment?.values ?? NO_VALUES, () =>
          deleteStatement(dialect, table, where),
        )
      : shape === undefined
        ? renderStatement(deleteStatement(dialect, table, where, context), dialect)
        : shapeCacheFor(dialect).statement("delete", table, shape, where as Row, undefined, () => deleteStatement(dialect, table, where));
  try {
    const ran = crud.run(statement);
    const result = ran instanceof Promise ? await ran : ran;
    return result.rowCount;
  } catch (error) {
    throw refusedFilterError(error, "deleteMany", table);
  }
}

/**
 * Inserts a row, or updates the existing row with the same `conflict` columns, and returns it.
 *
 * ```ts
 * await db.upsert("users", { email: "a@x.io", name: "Ann" }, { conflict: ["email"] });
 * ```
 */
export async function upsertRow<R>(crud: CrudContext, table: string, given: unknown, options: UpsertOptions): Promise<R> {
  // SQLite: a DECIMAL conflict column unique by value is targeted by its index's expression.
  let target: ((column: string, quoted: string) => string | undefined) | undefined;
  if (crud.dialect.checksValuesByDeclaredType && validTableName(table)) {
    const types = columnTypesOf(crud.access, table);
    // Read through statements only before connecting: bad options are refused before any SQL.
    if (types instanceof Promise) upsertStatement(crud.dialect, table, given as Row, options);
    target = conflictTargets(types instanceof Promise ? await types : types);
  }
  return writeOne<R>(crud, table, given as Row, "upsert", (data) => renderStatement(upsertStatement(crud.dialect, table, data, options, undefined, target), crud.dialect));
}

/** Whether `table` is a valid table name (the statement builders report an invalid one). */
function validTableName(table: unknown): boolean {
  try {
    tableName(table);
    return true;
  } catch {
    return false;
  }
}

/** Counts the rows matching `where` (all rows without it). */
export async function countRows(crud: CrudContext, table: string, where?: unknown): Promise<number> {
  const filter = filterContext(crud.access, table, filterOf(where));
  const statement = renderStatement(countStatement(crud.dialect, table, where, filter instanceof Promise ? await filter : filter), crud.dialect);
  let result: QueryResult;
  try {
    const ran = crud.run(statement, undefined, true);
    result = ran instanceof Promise ? await ran : ran;
  } catch (error) {
    throw refusedFilterError(error, "count", table);
  }
  const value = result.rows[0]?.["count"];
  return Number(value);
}
