/**
 * `Table`: typed CRUD over one table — models, hidden columns, pagination, streaming, batches and
 * eager-loaded relations — built on the public API of {@link Database}, so every call joins the
 * ambient transaction and raises the same errors.
 *
 * @module
 */
import type { Database } from "../database.js";
import { isDatabase, newDefaultDatabase } from "./database-hook.js";
import { executeRead, filterContextFor } from "../queryable.js";
import type { Row } from "../backends/contract.js";
import { CommittedButUnreadableError, IdentifierError, QueryError, UnsafeIntegerError, ValidationError, type ValidationIssue } from "../errors/errors.js";
import { assertIdentifier, formatForMessage } from "../sql/identifiers.js";
import { sql } from "../sql/sql-tag.js";
import { CompiledWhere, type Where, type WhereContext } from "../sql/where.js";
import type { OrderBy } from "../sql/order-by.js";
import type { Transaction, TxScope } from "../transaction/transaction.js";
import { currentScope } from "../transaction/context.js";
import {
  TABLE_INTERNALS,
  type Selection,
  type TableInternals,
  type TableMeta,
  acceptsKey,
  buildMeta,
  checkColumns,
  checkData,
  checkOrderBy,
  dialectOf,
  hideColumns,
  isPlainObject,
  keyOf,
  requireKey,
  selection,
  stripColumns,
  whereFragment,
} from "./internal.js";
import { checkBoolean, checkColumnArray, checkFunction, checkOptions } from "../crud/statements.js";
import { type Model, checkModel, modelError, validateRow } from "./model.js";
import { decodeCursor, encodeCursor, keysetQuery, keysetTerms, takeKeys } from "./pagination.js";
import { checkSyncOption, syncColumns } from "../migrate/table-sync.js";
import { type IncludePlan, IN_LIST_CHUNK, type RelationMap, loadIncludes, parentKeys, planIncludes } from "./relations.js";
import type {
  BatchCreateOptions,
  Columns,
  FindOneOptions,
  FindOptions,
  GetOrCreateResult,
  Include,
  KeysetOptions,
  KeysetPage,
  ListOptions,
  Page,
  PageOptions,
  ResultRow,
  Simplify,
  TableBatchUpdateOptions,
  TableKey,
  TableOptions,
  TableStreamOptions,
  TableUpsertOptions,
  VisibleRow,
} from "./types.js";

/** Records validated again by a model and written per transaction step of `batchCreate`, so memory stays bounded. */
const BATCH_STEP = 10_000;

/** Default rows per page of page-number pagination. */
const DEFAULT_PER_PAGE = 20;

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${formatForMessage(value)}`, [{ message: "must be a positive integer", path: [name] }]);
  }
  return value;
}

/** The compiled form of an absent filter. */
const NO_FILTER = new CompiledWhere(undefined);
/** No relations to load. */
const NO_PLANS: IncludePlan[] = [];

/** A read's checked options: its relation plans, the columns to fetch and its compiled filter. */
interface ReadPlan {
  readonly plans: IncludePlan[];
  readonly sel: Selection;
  readonly filter: CompiledWhere;
}

function requireWhere(where: unknown, operation: string): void {
  if (where === undefined || where === null) {
    throw new ValidationError(`${operation} needs a where filter; pass {} to affect every row`, [{ message: "required", path: ["where"] }]);
  }
}

/** An update must set at least one field; `undefined` fields are left out, with or without a model. */
function requireFields(columns: readonly string[]): void {
  if (columns.length === 0) {
    throw new ValidationError("update data must set at least one column (undefined values are left out)", [{ message: "no columns to update", path: [] }]);
  }
}

/**
 * `data` without its undefined values: `undefined` means "leave out" in every write, so a model
 * never sees `{ email: undefined }` override a stored value (or a schema default).
 */
function definedFields(data: Row): Row {
  const values: Row = {};
  for (const key of Object.keys(data)) if (data[key] !== undefined) values[key] = data[key];
  return values;
}

/** The given (defined) fields of `data`, with the model's output values. */
function givenFields(data: Row, output: Row): Row {
  const values: Row = {};
  for (const key of Object.keys(data)) if (data[key] !== undefined && key in output && output[key] !== undefined) values[key] = output[key];
  return values;
}

function signature(values: Row): string {
  return Object.keys(values)
    .sort()
    .map((key) => key + "=" + keyOf(values[key]))
    .join("\u0000");
}

function pathKey(value: unknown): string | number {
  return typeof value === "number" ? value : String(value);
}

/**
 * A keyset page or stream whose filter value, or cursor value (cursors come from clients: one edited
 * by hand, "abc" for a DECIMAL), PostgreSQL refused (SQLSTATE 22P02 …): bad input, a
 * {@link ValidationError} as in `select`, not the server's QueryError.
 */
function refusedKeysetRead(error: unknown, table: string): unknown {
  if (!(error instanceof QueryError) || error instanceof UnsafeIntegerError || !["22P02", "22003", "22007", "22008", "22023"].includes(String(error.code))) return error;
  const first = error.message.split("\n")[0] ?? error.message;
  return new ValidationError(`A read of table "${table}" was refused: a value in the filter or the cursor (after) does not fit its column (${first})`, [{ message: first, path: [] }], { cause: error, code: error.code });
}

/**
 * A database table with typed CRUD, validation, pagination, streaming, batches and relations. Every
 * method initializes the table on first use (`CREATE TABLE IF NOT EXISTS` from `schema`, then the
 * columns are read), and concurrent first calls share one initialization.
 *
 * Type parameters: `R` the row type (from the model's output, or given), `Rels` the relations,
 * `H` the hidden columns, `I` the input type of `create` (the model's input, or `Partial<R>`).
 *
 * ```ts
 * const users = new Table("users", {
 *   db,
 *   schema: { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL", email: "TEXT UNIQUE NOT NULL" },
 * });
 * const user = await users.create({ name: "John Doe", email: "john@example.com" });
 * await users.update(user.id, { name: "Jane Doe" });
 * ```
 */
export class Table<R extends object = Row, Rels extends RelationMap = RelationMap, H extends string = never, I extends object = Partial<R>> {
  /** The table name. */
  readonly name: string;
  /** The Database every call runs on (and joins the ambient transaction of). */
  readonly db: Database;
  /** The relations available to `include`. */
  readonly relations: Readonly<Rels>;
  /**
   * The column definitions given as the `schema` option (column → SQL definition, as written),
   * or `undefined` for a Table over an existing table. A frozen copy taken by the constructor:
   * changing the object passed in changes neither this nor the table that is created. It is what
   * was declared, not what the database holds: see {@link Table.columnNames} for the columns read
   * from the database.
   *
   * ```ts
   * const users = new Table("users", { schema: { id: "INTEGER PRIMARY KEY", name: "TEXT" } });
   * users.schema; // { id: "INTEGER PRIMARY KEY", name: "TEXT" } (frozen)
   * ```
   */
  readonly schema: Readonly<Record<string, string>> | undefined;

  /** @internal What the relation loader needs. */
  readonly [TABLE_INTERNALS]: TableInternals;

  readonly #sync: "add" | undefined;
  readonly #model: Model<unknown, unknown> | undefined;
  readonly #hidden: readonly string[];
  readonly #primaryKey: string | undefined;
  readonly #ownsDb: boolean;
  #meta: TableMeta | undefined;
  /** Initialized inside a transaction that may still roll back: initialize again outside one. */
  #tentative = false;
  #initializing: Promise<TableMeta> | undefined;
  readonly #related = new Map<string, TableInternals>();

  /**
   * Describes a table; nothing runs until {@link Table.initialize} or the first call. Options are
   * checked here: a malformed name, model or relation throws at once.
   */
  constructor(name: string, options: TableOptions<R, Rels, H, I> = {}) {
    this.name = assertIdentifier(name, "table");
    if (!isPlainObject(options)) throw new ValidationError("Table options must be an object", [{ message: "must be an object", path: [] }]);
    if (options.db !== undefined && !isDatabase(options.db)) {
      throw new ValidationError("The db option must be a Database", [{ message: "must be a Database", path: ["db"] }]);
    }
    this.#ownsDb = options.db === undefined;
    this.db = options.db ?? newDefaultDatabase();
    if (options.schema !== undefined && !isPlainObject(options.schema)) {
      throw new ValidationError("schema must be an object of column definitions", [{ message: "must be an object", path: ["schema"] }]);
    }
    this.schema = options.schema === undefined ? undefined : Object.freeze(Object.fromEntries(Object.entries(options.schema as Record<string, string>)));
    this.#sync = checkSyncOption(options.sync);
    checkModel(options.model, name);
    this.#model = options.model as Model<unknown, unknown> | undefined;
    const relations = options.relations ?? ({} as Rels);
    if (!isPlainObject(relations)) throw new ValidationError("relations must be an object", [{ message: "must be an object", path: ["relations"] }]);
    for (const [key, value] of Object.entries(relations)) {
      assertIdentifier(key, "relation");
      const kind = (value as { kind?: unknown } | null)?.kind;
      if (kind !== "belongsTo" && kind !== "hasOne" && kind !== "hasMany" && kind !== "manyToMany") {
        throw new ValidationError(`relations.${key} must be made by belongsTo, hasOne, hasMany or manyToMany`, [{ message: "not a relation", path: ["relations", key] }]);
      }
    }
    this.relations = Object.freeze({ ...relations }) as Readonly<Rels>;
    if (options.hidden !== undefined && !Array.isArray(options.hidden)) {
      throw new ValidationError("hidden must be an array of column names", [{ message: "must be an array", path: ["hidden"] }]);
    }
    this.#hidden = (options.hidden ?? []).map((c) => assertIdentifier(c, "column"));
    this.#primaryKey = options.primaryKey === undefined ? undefined : assertIdentifier(options.primaryKey, "column");
    const self = this;
    this[TABLE_INTERNALS] = {
      name: this.name,
      db: this.db,
      relations: this.relations,
      meta: () => self.#ready(),
      tableFor: (target) => self.#tableFor(target),
    };
  }

  /**
   * Creates a Table and initializes it; with `await using`, the end of the scope disposes it
   * (closing the Database only if the Table created it).
   *
   * ```ts
   * await using users = await Table.open("users", { schema: { id: "INTEGER PRIMARY KEY", name: "TEXT" } });
   * ```
   */
  static async open<R extends object = Row, Rels extends RelationMap = RelationMap, H extends string = never, I extends object = Partial<R>>(
    name: string,
    options: TableOptions<R, Rels, H, I> = {},
  ): Promise<Table<R, Rels, H, I>> {
    const table = new Table<R, Rels, H, I>(name, options);
    try {
      await table.initialize();
    } catch (error) {
      await table.close().catch(() => undefined);
      throw error;
    }
    return table;
  }

  /** The primary key column, once initialized (undefined before, or for a table without a single-column key). */
  get primaryKey(): string | undefined {
    return this.#meta?.primaryKey;
  }

  /** The table's columns in order, once initialized (empty before). */
  get columnNames(): readonly string[] {
    return this.#meta?.columnNames ?? [];
  }

  /**
   * Creates the table from `schema` if it does not exist (`CREATE TABLE IF NOT EXISTS`), then reads
   * its columns and primary key. Idempotent; every method calls it on first use. Without a schema
   * the table must exist, or a {@link QueryError} is thrown.
   */
  async initialize(): Promise<void> {
    await this.#ready();
  }

  #current(): TableMeta | undefined {
    return this.#tentative ? undefined : this.#meta;
  }

  #inTransaction(): boolean {
    return currentScope<TxScope>(this.db)?.active === true;
  }

  #ready(): Promise<TableMeta> {
    const meta = this.#meta;
    if (meta !== undefined && (!this.#tentative || this.#inTransaction())) return Promise.resolve(meta);
    this.#initializing ??= this.#initialize().finally(() => {
      this.#initializing = undefined;
    });
    return this.#initializing;
  }

  async #initialize(): Promise<TableMeta> {
    const inTransaction = this.#inTransaction();
    if (this.schema !== undefined) await this.db.createTable(this.name, this.schema);
    let infos = await this.db.columns(this.name);
    if (infos.length === 0) {
      throw new QueryError(`Table ${formatForMessage(this.name)} does not exist; pass a schema to create it`);
    }
    if (this.schema !== undefined) infos = [...(await syncColumns(this.db, this.name, this.schema, infos, this.#sync))];
    const meta = buildMeta(this.name, infos, dialectOf(this.db), { primaryKey: this.#primaryKey, hidden: this.#hidden });
    this.#meta = meta;
    this.#tentative = inTransaction;
    return meta;
  }

  #tableFor(target: unknown): TableInternals {
    let resolved = target;
    if (typeof resolved === "string") {
      if (resolved === this.name) return this[TABLE_INTERNALS];
      let internals = this.#related.get(resolved);
      if (internals === undefined) {
        internals = new Table(resolved, { db: this.db })[TABLE_INTERNALS];
        this.#related.set(resolved, internals);
      }
      return internals;
    }
    if (typeof resolved === "function") resolved = (resolved as () => unknown)();
    if (resolved instanceof Table) return resolved[TABLE_INTERNALS];
    throw new ValidationError(`A relation target of table ${formatForMessage(this.name)} is not a Table or a table name`, [
      { message: "invalid target", path: ["relations"] },
    ]);
  }

  // ---------------------------------------------------------------- input

  /** Checks `data`'s columns, then validates it with the model; returns what to write. */
  async #input(meta: TableMeta, data: unknown, what: string): Promise<Row> {
    checkData(meta, data, what);
    if (this.#model === undefined) return data as Row;
    const issues: ValidationIssue[] = [];
    const output = await validateRow(this.#model, definedFields(data as Row), [], issues);
    if (output === undefined) throw modelError(this.name, what, issues);
    checkData(meta, output, `${what} (as output by the model)`);
    return output;
  }

  /**
   * Rows matching `where`, locked for the rest of the transaction on PostgreSQL/CockroachDB
   * (SQLite transactions hold the write lock). A {@link CompiledWhere} is used as it is; the
   * statement is a fragment, its placeholders written only when it runs.
   */
  async #lockedRows(tx: Transaction, meta: TableMeta, where: unknown): Promise<Row[]> {
    const compiled = where instanceof CompiledWhere ? where : this.#compileWhere(meta, where);
    const filter = (compiled instanceof Promise ? await compiled : compiled).fragment;
    const lock = sql.raw(dialectOf(this.db).lockRowsClause);
    return tx.execute<Row>(sql`SELECT * FROM ${sql.id(this.name)}${filter === undefined ? sql.empty : sql` WHERE ${filter}`}${lock}`);
  }

  // ---------------------------------------------------------------- reading helpers

  /**
   * Compiles a filter once, for this Table's dialect and columns: the compile is the validation
   * (a bad filter throws before any SQL), and its result is what the statement runs.
   */
  #compileWhere(meta: TableMeta, where: unknown): CompiledWhere | Promise<CompiledWhere> {
    if (where === undefined || where === null) return NO_FILTER;
    const found = this.db[filterContextFor](this.name, where);
    const compile = (values: WhereContext | undefined): CompiledWhere =>
      new CompiledWhere(whereFragment(dialectOf(this.db), where, values === undefined ? meta.context : { ...meta.context, columnValues: values.columnValues }));
    return found instanceof Promise ? found.then(compile) : compile(found);
  }

  /**
   * Checks a read's options before any SQL, compiles its filter and plans its includes and
   * columns. Synchronous when it can be (the column types known, no `include`): the statement
   * then runs in the same synchronous stretch as the compile, so on SQLite the one schema-version
   * read the compile made serves the statement too (decisions.md, "One schema-version read per
   * SQLite call").
   */
  #plan(
    meta: TableMeta,
    options: { where?: unknown; orderBy?: unknown; columns?: unknown; include?: unknown },
    needed: readonly string[] = [],
  ): ReadPlan | Promise<ReadPlan> {
    const compiled = this.#compileWhere(meta, options.where);
    if (compiled instanceof Promise || (options.include !== undefined && options.include !== null)) return this.#planLater(meta, options, needed, compiled);
    checkOrderBy(meta, options.orderBy as never);
    checkColumns(meta, options.columns as string[] | undefined);
    return { plans: NO_PLANS, sel: selection(meta, options.columns as string[] | undefined, needed), filter: compiled };
  }

  async #planLater(
    meta: TableMeta,
    options: { where?: unknown; orderBy?: unknown; columns?: unknown; include?: unknown },
    needed: readonly string[],
    compiled: CompiledWhere | Promise<CompiledWhere>,
  ): Promise<ReadPlan> {
    const filter = compiled instanceof Promise ? await compiled : compiled;
    checkOrderBy(meta, options.orderBy as never);
    checkColumns(meta, options.columns as string[] | undefined);
    const plans = await planIncludes(this[TABLE_INTERNALS], meta, options.include);
    const sel = selection(meta, options.columns as string[] | undefined, [...parentKeys(plans), ...needed]);
    return { plans, sel, filter };
  }

  async #finish(rows: Row[], plans: readonly IncludePlan[], sel: Selection): Promise<Row[]> {
    await loadIncludes(this.db, plans, rows);
    stripColumns(rows, sel.strip);
    return rows;
  }

  async #select(meta: TableMeta, options: { where?: unknown; orderBy?: unknown; limit?: number | undefined; offset?: number | undefined; columns?: unknown; include?: unknown }): Promise<Row[]> {
    const planned = this.#plan(meta, options);
    const { plans, sel, filter } = planned instanceof Promise ? await planned : planned;
    const rows = await this.db.select<Row>(this.name, {
      where: filter as never,
      orderBy: options.orderBy as never,
      limit: options.limit,
      offset: options.offset,
      columns: sel.fetch,
    });
    return this.#finish(rows, plans, sel);
  }

  // ---------------------------------------------------------------- CRUD

  /**
   * Inserts a row and returns it as stored: generated id and defaults included, hidden columns
   * left out. With a model, `data` is validated first and the model's output is written.
   *
   * ```ts
   * const user = await users.create({ name: "John Doe", email: "john@example.com", age: 30 });
   * user.id;   // the generated UUID
   * ```
   */
  async create(data: I): Promise<Simplify<VisibleRow<R, H>>> {
    const meta = this.#current() ?? (await this.#ready());
    const values = await this.#input(meta, data, "create data");
    return hideColumns(meta, await this.db.insert<Row>(this.name, values)) as never;
  }

  /**
   * The row with this primary key, or null. An id the key column cannot hold ("not-a-uuid" for a
   * UUID key, 1.5 for an integer key) returns null without running SQL.
   *
   * ```ts
   * const user = await users.read(id, { include: { team: true } });
   * ```
   */
  async read<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}>(
    id: TableKey,
    options?: FindOptions<C, Inc>,
  ): Promise<ResultRow<R, H, Rels, C, Inc> | null> {
    const meta = this.#current() ?? (await this.#ready());
    checkOptions(options, ["columns", "include"], "read");
    const key = requireKey(meta, "read");
    if (!acceptsKey(meta, id)) return null;
    if (options === undefined || (options.columns === undefined && options.include === undefined)) {
      const where = { [key]: id };
      return (await this.db.selectOne<Row>(this.name, meta.visible === undefined ? { where } : { where, columns: meta.visible })) as never;
    }
    const rows = await this.#select(meta, { where: { [key]: id }, limit: 1, columns: options.columns, include: options.include });
    return (rows[0] ?? null) as never;
  }

  /**
   * Changes only the given fields of the row with this primary key; returns the updated row, or
   * null when there is none. With a model, the stored row merged with `data` is validated (so
   * cross-field rules hold) and only the given fields are written.
   */
  async update(id: TableKey, data: Partial<I>): Promise<Simplify<VisibleRow<R, H>> | null> {
    const meta = this.#current() ?? (await this.#ready());
    const key = requireKey(meta, "update");
    requireFields(checkData(meta, data, "update data"));
    if (!acceptsKey(meta, id)) return null;
    const model = this.#model;
    if (model === undefined) {
      const row = await this.db.update<Row>(this.name, data as Row, { [key]: id });
      return (row === null ? null : hideColumns(meta, row)) as never;
    }
    return this.db.transaction(async (tx) => {
      const current = (await this.#lockedRows(tx, meta, { [key]: id }))[0];
      if (current === undefined) return null;
      const issues: ValidationIssue[] = [];
      const output = await validateRow(model, { ...current, ...definedFields(data as Row) }, [], issues);
      if (output === undefined) throw modelError(this.name, "update data", issues);
      const values = givenFields(data as Row, output);
      checkData(meta, values, "update data (as output by the model)");
      if (Object.keys(values).length === 0) return hideColumns(meta, current) as never;
      const row = await tx.update<Row>(this.name, values, { [key]: id });
      return (row === null ? null : hideColumns(meta, row)) as never;
    });
  }

  /** Deletes the row with this primary key; returns whether a row was deleted. */
  async delete(id: TableKey): Promise<boolean> {
    const meta = this.#current() ?? (await this.#ready());
    const key = requireKey(meta, "delete");
    if (!acceptsKey(meta, id)) return false;
    return this.db.delete(this.name, { [key]: id });
  }

  // ---------------------------------------------------------------- queries

  /**
   * Rows matching `where`, ordered, limited, with chosen columns and included relations (one
   * batched query per relation).
   *
   * ```ts
   * await users.list({ where: { active: true }, orderBy: "created_at DESC", limit: 5, include: { team: true } });
   * ```
   */
  async list<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options: ListOptions<R, C, Inc, O> = {},
  ): Promise<ResultRow<R, H, Rels, C, Inc>[]> {
    const meta = this.#current() ?? (await this.#ready());
    checkOptions(options, ["where", "orderBy", "limit", "offset", "columns", "include"], "list");
    return (await this.#select(meta, options)) as never;
  }

  /** The first row matching `where` (by `orderBy` when given), or null. */
  async findOne<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    where: Where<R>,
    options: FindOneOptions<C, Inc, keyof R & string, O> = {},
  ): Promise<ResultRow<R, H, Rels, C, Inc> | null> {
    const meta = this.#current() ?? (await this.#ready());
    requireWhere(where, "findOne");
    checkOptions(options, ["orderBy", "columns", "include"], "findOne");
    const rows = await this.#select(meta, { ...options, where, limit: 1 });
    return (rows[0] ?? null) as never;
  }

  /** Counts the rows matching `where` (all rows without it). */
  async count(where?: Where<R>): Promise<number> {
    const meta = this.#current() ?? (await this.#ready());
    const compiled = this.#compileWhere(meta, where);
    return this.db.count(this.name, (compiled instanceof Promise ? await compiled : compiled) as never);
  }

  // ---------------------------------------------------------------- bulk

  /**
   * Inserts many records in one transaction (a savepoint inside another) and returns the created
   * rows, or their count with `returning: false`. Every record is checked (and validated by the
   * model) before any SQL runs; then records are written a few thousand at a time, so with
   * `returning: false` memory stays bounded whatever the number of records.
   *
   * ```ts
   * const n = await events.batchCreate(records, { returning: false, onProgress: (done, total) => console.log(done, total) });
   * ```
   */
  async batchCreate(records: readonly I[], options: BatchCreateOptions & { returning: false }): Promise<number>;
  async batchCreate(records: readonly I[], options?: BatchCreateOptions): Promise<Simplify<VisibleRow<R, H>>[]>;
  async batchCreate(records: readonly I[], options: BatchCreateOptions = {}): Promise<Simplify<VisibleRow<R, H>>[] | number> {
    const meta = this.#current() ?? (await this.#ready());
    checkOptions(options, ["returning", "onProgress", "chunkSize"], "batchCreate");
    checkBoolean(options.returning, "returning", "batchCreate");
    checkFunction(options.onProgress, "onProgress", "batchCreate");
    if (!Array.isArray(records)) throw new ValidationError("batchCreate needs an array of records", [{ message: "must be an array", path: [] }]);
    const returning = options.returning !== false;
    const total = records.length;
    const model = this.#model;
    // 1. Check every record (and validate with the model) before any SQL. Outputs are kept only
    //    when the rows are returned anyway; otherwise each step validates its records again.
    const issues: ValidationIssue[] = [];
    let outputs: Row[] | undefined = model !== undefined && returning ? [] : undefined;
    for (let i = 0; i < total; i++) {
      const record = records[i];
      try {
        checkData(meta, record, `record ${i}`);
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(error.message, error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
        throw error;
      }
      if (model !== undefined) {
        const output = await validateRow(model, definedFields(record as Row), [i], issues);
        if (output !== undefined) {
          checkData(meta, output, `record ${i} (as output by the model)`);
          outputs?.push(output);
        }
      }
    }
    if (issues.length > 0) {
      outputs = undefined;
      throw modelError(this.name, "batchCreate records", issues);
    }
    if (total === 0) return returning ? [] : 0;
    // 2. Write in one transaction: a failure anywhere leaves nothing behind. Only records that a
    //    model validates again are written in steps (to bound memory); the others go in one
    //    batchInsert, which on PostgreSQL is one COPY instead of one per step.
    const stepSize = outputs === undefined && model !== undefined ? BATCH_STEP : total;
    return this.db.transaction(async (tx) => {
      const rows: Row[] = [];
      let done = 0;
      for (let start = 0; start < total; start += stepSize) {
        const end = Math.min(start + stepSize, total);
        let step: Row[];
        if (outputs !== undefined) step = outputs.slice(start, end);
        else if (model !== undefined) {
          step = [];
          const again: ValidationIssue[] = [];
          for (let i = start; i < end; i++) {
            const output = await validateRow(model, definedFields(records[i] as Row), [i], again);
            if (output !== undefined) step.push(output);
          }
          if (again.length > 0) throw modelError(this.name, "batchCreate records", again);
        } else step = records.slice(start, end) as Row[];
        const base = done;
        const onProgress = options.onProgress === undefined ? undefined : (n: number) => options.onProgress!(base + n, total);
        const insertOptions = {
          ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
          ...(onProgress === undefined ? {} : { onProgress }),
        };
        if (returning) {
          for (const row of await tx.batchInsert<Row>(this.name, step, insertOptions)) rows.push(hideColumns(meta, row));
        } else {
          await tx.batchInsert(this.name, step, { ...insertOptions, returning: false });
        }
        done = end;
      }
      return returning ? (rows as never) : done;
    });
  }

  /**
   * Updates many rows in one transaction, each record naming its row by `keyColumn` (default: the
   * primary key). Returns the updated rows (records whose key matches no row are skipped), or their
   * count with `returning: false`. With a model, each stored row merged with its record is
   * validated before anything is written.
   */
  async batchUpdate(records: readonly Partial<I>[], options: TableBatchUpdateOptions & { returning: false }): Promise<number>;
  async batchUpdate(records: readonly Partial<I>[], keyColumn?: (keyof R & string) | TableBatchUpdateOptions): Promise<Simplify<VisibleRow<R, H>>[]>;
  async batchUpdate(records: readonly Partial<I>[], keyColumn: string | TableBatchUpdateOptions = {}): Promise<Simplify<VisibleRow<R, H>>[] | number> {
    const meta = this.#current() ?? (await this.#ready());
    const options: TableBatchUpdateOptions = typeof keyColumn === "string" ? { keyColumn } : checkOptions(keyColumn, ["keyColumn", "returning", "onProgress"], "batchUpdate");
    checkBoolean(options.returning, "returning", "batchUpdate");
    checkFunction(options.onProgress, "onProgress", "batchUpdate");
    const key = assertIdentifier(options.keyColumn ?? requireKey(meta, "batchUpdate without a keyColumn"), "column", meta.context);
    if (!Array.isArray(records)) throw new ValidationError("batchUpdate needs an array of records", [{ message: "must be an array", path: [] }]);
    records.forEach((record, i) => {
      checkData(meta, record, `record ${i}`);
      const value = (record as Row)[key];
      if (value === undefined || value === null) {
        throw new ValidationError(`record ${i} has no value for the key column "${key}"`, [{ message: "missing key", path: [i, key] }]);
      }
    });
    const returning = options.returning !== false;
    const model = this.#model;
    const finish = (result: Row[] | number) => (typeof result === "number" ? result : (result.map((row) => hideColumns(meta, row)) as never));
    const updateOptions = { keyColumn: key, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) };
    if (model === undefined) {
      if (!returning) return this.db.batchUpdate(this.name, records as Row[], { ...updateOptions, returning: false });
      return finish(await this.db.batchUpdate<Row>(this.name, records as Row[], updateOptions));
    }
    return this.db.transaction(async (tx) => {
      const current = new Map<string, Row>();
      for (let start = 0; start < records.length; start += IN_LIST_CHUNK) {
        const keys = records.slice(start, start + IN_LIST_CHUNK).map((r) => (r as Row)[key]);
        for (const row of await this.#lockedRows(tx, meta, { [key]: { in: keys } })) current.set(keyOf(row[key]), row);
      }
      const issues: ValidationIssue[] = [];
      const writes: Row[] = [];
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Row;
        const stored = current.get(keyOf(record[key]));
        if (stored === undefined) continue;
        const output = await validateRow(model, { ...stored, ...definedFields(record) }, [i], issues);
        if (output === undefined) continue;
        const values = givenFields(record, output);
        delete values[key];
        checkData(meta, values, `record ${i} (as output by the model)`);
        if (Object.keys(values).length > 0) writes.push({ ...values, [key]: record[key] });
      }
      if (issues.length > 0) throw modelError(this.name, "batchUpdate records", issues);
      if (writes.length === 0) return returning ? [] : 0;
      if (!returning) return tx.batchUpdate(this.name, writes, { ...updateOptions, returning: false });
      return finish(await tx.batchUpdate<Row>(this.name, writes, updateOptions));
    });
  }

  /**
   * Sets `data` on every row matching `where` (pass `{}` for all rows) and returns how many
   * changed. With a model, each matching row merged with `data` is validated first, and nothing is
   * written if any fails.
   */
  async updateMany(where: Where<R>, data: Partial<I>): Promise<number> {
    const meta = this.#current() ?? (await this.#ready());
    requireWhere(where, "updateMany");
    // Compiled once: the compile checks the filter, and its fragment is what both the locking
    // read and the UPDATE run.
    const found = this.#compileWhere(meta, where);
    const compiled = found instanceof Promise ? await found : found;
    requireFields(checkData(meta, data, "update data"));
    const model = this.#model;
    if (model === undefined) return this.db.updateMany(this.name, data as Row, compiled as never);
    return this.db.transaction(async (tx) => {
      const rows = await this.#lockedRows(tx, meta, compiled);
      const pk = meta.primaryKey;
      const issues: ValidationIssue[] = [];
      const groups = new Map<string, { values: Row; keys: unknown[] }>();
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const output = await validateRow(model, { ...row, ...definedFields(data as Row) }, [pk === undefined ? i : pathKey(row[pk])], issues);
        if (output === undefined) continue;
        const values = givenFields(data as Row, output);
        checkData(meta, values, "update data (as output by the model)");
        const id = signature(values);
        const group = groups.get(id);
        if (group === undefined) groups.set(id, { values, keys: pk === undefined ? [] : [row[pk]] });
        else if (pk !== undefined) group.keys.push(row[pk]);
      }
      if (issues.length > 0) throw modelError(this.name, "update data", issues);
      let changed = 0;
      for (const { values, keys } of groups.values()) {
        if (Object.keys(values).length === 0) continue;
        if (pk === undefined) {
          if (groups.size > 1) requireKey(meta, "updateMany with a model whose output differs between rows");
          changed += await tx.updateMany(this.name, values, compiled as never);
          continue;
        }
        for (let start = 0; start < keys.length; start += IN_LIST_CHUNK) {
          changed += await tx.updateMany(this.name, values, { [pk]: { in: keys.slice(start, start + IN_LIST_CHUNK) } });
        }
      }
      return changed;
    });
  }

  /** Deletes every row matching `where` (pass `{}` for all rows) and returns how many were deleted. */
  async deleteMany(where: Where<R>): Promise<number> {
    const meta = this.#current() ?? (await this.#ready());
    requireWhere(where, "deleteMany");
    const found = this.#compileWhere(meta, where);
    return this.db.deleteMany(this.name, (found instanceof Promise ? await found : found) as never);
  }

  /**
   * Inserts a row, or updates the row with the same `conflict` columns (default: the primary key),
   * and returns it. With a model, `data` is validated as for `create`.
   *
   * ```ts
   * await users.upsert({ email: "ann@example.com", name: "Ann" }, { conflict: ["email"] });
   * ```
   */
  async upsert(data: I, options: TableUpsertOptions<R> = {}): Promise<Simplify<VisibleRow<R, H>>> {
    const meta = this.#current() ?? (await this.#ready());
    checkOptions(options, ["conflict", "update"], "upsert");
    const conflict = checkColumnArray(options.conflict, "conflict", "upsert") ?? [requireKey(meta, "upsert without conflict columns")];
    for (const column of conflict) assertIdentifier(column, "column", meta.context);
    for (const column of checkColumnArray(options.update, "update", "upsert") ?? []) assertIdentifier(column, "column", meta.context);
    const values = await this.#input(meta, data, "upsert data");
    const row = await this.db.upsert<Row>(this.name, values, {
      conflict,
      ...(options.update === undefined ? {} : { update: options.update as readonly string[] }),
    });
    return hideColumns(meta, row) as never;
  }

  /**
   * The row matching `where` (column values only), or a new row made of `defaults` and `where`.
   * Correct under concurrency when `where` covers a UNIQUE constraint (or the primary key): the
   * insert is `ON CONFLICT DO NOTHING`, and a call that loses the race reads the winner's row, so
   * concurrent calls create one row and exactly one of them reports `created: true`.
   *
   * ```ts
   * const { row, created } = await users.getOrCreate({ email: "ann@example.com" }, { name: "Ann" });
   * ```
   */
  async getOrCreate(where: Partial<R>, defaults: Partial<I> = {}): Promise<GetOrCreateResult<Simplify<VisibleRow<R, H>>>> {
    const meta = this.#current() ?? (await this.#ready());
    if (!isPlainObject(where) || Object.keys(where).length === 0) {
      throw new ValidationError("getOrCreate needs where: an object of column values, e.g. { email }", [{ message: "required", path: ["where"] }]);
    }
    const problems: ValidationIssue[] = [];
    for (const [column, value] of Object.entries(where)) {
      if (value === undefined || Array.isArray(value) || isPlainObject(value)) {
        problems.push({ message: "must be a column value (operators are not allowed: the values are also written)", path: ["where", column] });
      }
    }
    if (problems.length > 0) throw new ValidationError(`Invalid getOrCreate filter for table ${formatForMessage(this.name)}: ${problems.map((p) => p.path[1]).join(", ")} must be column values`, problems);
    checkData(meta, where, "getOrCreate where");
    checkData(meta, defaults, "getOrCreate defaults");
    // On the primary: a replica that lags would miss the row the insert below then conflicts with.
    const find = () => this.db.primary(() => this.db.selectOne<Row>(this.name, meta.visible === undefined ? { where: where as Where } : { where: where as Where, columns: meta.visible }));
    const existing = await find();
    if (existing !== null) return { row: existing as never, created: false };
    const data = await this.#input(meta, { ...(defaults as Row), ...(where as Row) }, "getOrCreate data");
    const columns = Object.keys(data).filter((c) => data[c] !== undefined);
    const insert =
      columns.length === 0
        ? sql`INSERT INTO ${sql.id(this.name)} DEFAULT VALUES ON CONFLICT DO NOTHING RETURNING *`
        : sql`INSERT INTO ${sql.id(this.name)} (${sql.join(columns.map((c) => sql.id(c)))}) VALUES (${sql.join(columns.map((c) => data[c]))}) ON CONFLICT DO NOTHING RETURNING *`;
    let inserted: Row | undefined;
    try {
      inserted = (await this.db.execute<Row>(insert))[0];
    } catch (error) {
      if (error instanceof UnsafeIntegerError && !this.#inTransaction()) {
        throw new CommittedButUnreadableError(
          `The getOrCreate insert on table ${formatForMessage(this.name)} was committed, but the returned row could not be read: ${error.message}. Do not retry it.`,
          { cause: error },
        );
      }
      throw error;
    }
    if (inserted !== undefined) return { row: hideColumns(meta, inserted) as never, created: true };
    const winner = await find();
    if (winner !== null) return { row: winner as never, created: false };
    // The conflict was on another unique column than `where`: a plain insert raises its UniqueViolationError.
    return { row: hideColumns(meta, await this.db.insert<Row>(this.name, data)) as never, created: true };
  }

  // ---------------------------------------------------------------- pagination and streams

  /**
   * Page-number pagination, `{ page, perPage }` → `{ items, total, page, perPage, pages }`, or keyset
   * pagination, `{ orderBy, after, limit }` → `{ items, nextCursor }`. Keyset pages stay correct
   * while rows are inserted or deleted (no row is skipped or repeated), work with mixed ASC/DESC,
   * and cost the same on page 1,000 as on page 1.
   *
   * ```ts
   * const { items, total, pages } = await users.paginate({ orderBy: "name", page: 2, perPage: 20 });
   * let page = await users.paginate({ orderBy: "created_at DESC", limit: 20 });
   * page = await users.paginate({ orderBy: "created_at DESC", limit: 20, after: page.nextCursor });
   * ```
   */
  async paginate<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options: KeysetOptions<R, C, Inc, O>,
  ): Promise<KeysetPage<ResultRow<R, H, Rels, C, Inc>>>;
  async paginate<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options?: PageOptions<R, C, Inc, O>,
  ): Promise<Page<ResultRow<R, H, Rels, C, Inc>>>;
  async paginate(given: PageOptions<R, any, any, any> | KeysetOptions<R, any, any, any> = {}): Promise<KeysetPage<unknown> | Page<unknown>> {
    const meta = this.#current() ?? (await this.#ready());
    const options = given as Record<string, unknown>;
    if (!isPlainObject(options)) throw new ValidationError("paginate needs an options object", [{ message: "must be an object", path: [] }]);
    checkOptions(options, ["where", "orderBy", "columns", "include", "page", "perPage", "after", "limit"], "paginate");
    const keyset = options["after"] !== undefined || options["limit"] !== undefined;
    if (keyset) {
      if (options["page"] !== undefined || options["perPage"] !== undefined) {
        throw new ValidationError("paginate takes either { page, perPage } or { after, limit }, not both", [{ message: "mixed pagination styles", path: [] }]);
      }
      return this.#keysetPage(meta, options);
    }
    const page = positiveInteger(options["page"] ?? 1, "page");
    const perPage = positiveInteger(options["perPage"] ?? DEFAULT_PER_PAGE, "perPage");
    const { plans, sel, filter } = await this.#plan(meta, options);
    const where = filter as never;
    // Without an ordering, pages follow the primary key, so they neither overlap nor skip rows.
    const orderBy = (options["orderBy"] ?? meta.primaryKey) as never;
    const [total, rows] = await Promise.all([
      this.db.count(this.name, where),
      this.db.select<Row>(this.name, { where, orderBy, limit: perPage, offset: (page - 1) * perPage, columns: sel.fetch }),
    ]);
    return { items: await this.#finish(rows, plans, sel), total, page, perPage, pages: Math.ceil(total / perPage) };
  }

  async #keysetPage(meta: TableMeta, options: Record<string, unknown>): Promise<KeysetPage<unknown>> {
    const limit = positiveInteger(options["limit"], "limit");
    const terms = keysetTerms(checkOrderBy(meta, options["orderBy"] as never), requireKey(meta, "keyset pagination"), meta.numeric);
    const after = options["after"];
    const values = after === undefined || after === null ? undefined : decodeCursor(after, terms);
    const { plans, sel, filter } = await this.#plan(meta, options, terms.map((t) => t.column));
    const rows = await this.db[executeRead]<Row>(keysetQuery(dialectOf(this.db), this.name, terms, sel.fetch, filter.fragment, values, limit + 1)).catch((error: unknown) => {
      throw refusedKeysetRead(error, this.name);
    });
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const last = takeKeys(terms, rows);
    const nextCursor = more && last !== undefined ? encodeCursor(terms, last) : null;
    return { items: await this.#finish(rows, plans, sel), nextCursor };
  }

  /**
   * Iterates over the matching rows in constant memory, `batchSize` rows per query, with included
   * relations loaded per batch. Reads use keyset pagination over `orderBy` plus the primary key, so
   * no cursor stays open: the loop body may run queries on the same Database, inside a
   * transaction too. Tables without a primary key stream through a database cursor instead.
   *
   * ```ts
   * for await (const user of users.stream({ where: { active: true }, batchSize: 500 })) { … }
   * ```
   */
  async *stream<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options: TableStreamOptions<R, C, Inc, O> = {},
  ): AsyncGenerator<ResultRow<R, H, Rels, C, Inc>, void, undefined> {
    const meta = this.#current() ?? (await this.#ready());
    checkOptions(options, ["where", "orderBy", "columns", "include", "batchSize"], "stream");
    const batchSize = positiveInteger(options.batchSize ?? 1000, "batchSize");
    const userWhere = options.where as Where | undefined;
    if (meta.primaryKey === undefined) {
      // Compiled once, as db.stream compiles a table's filter: without SQLite's declared column
      // types (which values match stays as it always was for this path); the cursor runs it as is.
      const filter = userWhere === undefined || userWhere === null ? NO_FILTER : new CompiledWhere(whereFragment(dialectOf(this.db), userWhere, meta.context));
      const { plans, sel } = await this.#plan(meta, { ...options, where: undefined });
      if (plans.length > 0) requireKey(meta, "stream with include");
      for await (const row of this.db.stream<Row>(this.name, { where: filter as never, orderBy: options.orderBy as OrderBy | undefined, columns: sel.fetch, batchSize })) {
        stripColumns([row], sel.strip);
        yield row as never;
      }
      return;
    }
    const terms = keysetTerms(checkOrderBy(meta, options.orderBy as OrderBy | undefined), meta.primaryKey, meta.numeric);
    const { plans, sel, filter } = await this.#plan(meta, options, terms.map((t) => t.column));
    let values: unknown[] | undefined;
    for (;;) {
      const rows = await this.db[executeRead]<Row>(keysetQuery(dialectOf(this.db), this.name, terms, sel.fetch, filter.fragment, values, batchSize)).catch((error: unknown) => {
        throw refusedKeysetRead(error, this.name);
      });
      if (rows.length === 0) return;
      values = takeKeys(terms, rows);
      await this.#finish(rows, plans, sel);
      for (const row of rows) yield row as never;
      if (rows.length < batchSize) return;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Closes the Database if this Table created it (no `db` option); otherwise does nothing. */
  async close(): Promise<void> {
    if (this.#ownsDb) await this.db.close();
  }

  /** Disposes the Table at the end of an `await using` scope: see {@link Table.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `Table(users)`. */
  toString(): string {
    return `Table(${this.name})`;
  }

  // ---------------------------------------------------------------- following schema changes

  /**
   * Reads the table's columns again (after ALTER TABLE, here or elsewhere); returns whether they
   * differ from the ones known before.
   */
  async #refreshColumns(): Promise<boolean> {
    const before = this.#meta;
    const infos = await this.db.columns(this.name);
    if (infos.length === 0) return false;
    const meta = buildMeta(this.name, infos, dialectOf(this.db), { primaryKey: this.#primaryKey, hidden: this.#hidden });
    this.#meta = meta;
    this.#tentative = this.#inTransaction();
    return before === undefined || before.columnNames.join("\u0000") !== meta.columnNames.join("\u0000") || before.keyKind !== meta.keyKind;
  }

  static {
    // Every CRUD method checks column names against the columns read at initialization, and some
    // name columns in their SQL (hidden columns, selections). When a call fails because a column
    // is unknown to this Table (IdentifierError) or to the database (a column was dropped or
    // renamed), the columns are read again; when they changed, the call runs once more. Only
    // outside a transaction: inside one, earlier statements ran and (on PostgreSQL) the failure
    // aborted it, so the error is rethrown, and the next call uses the fresh columns.
    const methods = [
      "create", "read", "update", "delete", "list", "findOne", "count", "batchCreate", "batchUpdate",
      "updateMany", "deleteMany", "upsert", "getOrCreate", "paginate",
    ] as const;
    // `this`, not `Table`: tsc compiles a class with a static block that names the class into
    // `_a = Table` after the class body, so `Table` is still undefined while this block runs.
    const proto = this.prototype;
    for (const name of methods) {
      const original = proto[name] as (this: Table, ...args: unknown[]) => Promise<unknown>;
      const recover = async (table: Table, error: unknown, args: unknown[]): Promise<unknown> => {
        if (!isStaleColumnError(error) || table.#meta === undefined) throw error;
        const inTransaction = table.#inTransaction();
        let changed: boolean;
        try {
          changed = await table.#refreshColumns();
        } catch {
          throw error;
        }
        if (!changed || inTransaction) throw error;
        return original.apply(table, args);
      };
      // No extra async frame on the success path: one `then` on the call's own promise.
      const followed = function (this: Table, ...args: unknown[]): Promise<unknown> {
        return original.apply(this, args).then(undefined, (error: unknown) => recover(this, error, args));
      };
      Object.defineProperty(proto, name, { value: followed, writable: true, configurable: true, enumerable: false });
    }
  }
}

/** An error that means a column this Table named is unknown: to the Table's column list, or to the database. */
function isStaleColumnError(error: unknown): boolean {
  if (error instanceof IdentifierError) return /^Unknown column/.test(error.message);
  if (!(error instanceof QueryError)) return false;
  // PostgreSQL: undefined_column. SQLite: "no such column: x", "table t has no column named x".
  return error.code === "42703" || /no such column|has no column named/i.test(error.message);
}
