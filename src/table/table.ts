/**
 * `Table`: typed CRUD over one table — models, hidden columns, pagination, streaming, batches and
 * eager-loaded relations — built on the public API of {@link Database}, so every call joins the
 * ambient transaction and raises the same errors. The class keeps the public API and its typed
 * overloads; each job lives in its own module, handed a `TableContext` (table-context.ts):
 * metadata loading and refresh (metadata.ts), option and input checks (table-options.ts,
 * input.ts), filter compile and read planning (read-plan.ts), reads (reads.ts), writes
 * (writes.ts, filtered-writes.ts, get-or-create.ts, row-locks.ts), pages (paginate.ts,
 * keyset-reads.ts), streams (stream.ts) and following schema changes (schema-follow.ts).
 * `batchCreate` and `batchUpdate` are written here.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { Row } from "../backends/contract.js";
import { type QueryError, ValidationError, type ValidationIssue } from "../errors/errors.js";
import { assertIdentifier, formatForMessage } from "../sql/identifiers.js";
import type { Where } from "../sql/where.js";
import type { Transaction } from "../transaction/transaction.js";
import { TABLE_INTERNALS, type TableInternals, type TableMeta, checkData, hideColumns, keyOf, requireKey } from "./internal.js";
import { checkBoolean, checkFunction, checkOptions } from "../crud/statements.js";
import { type Model, modelError, validateRow } from "./model.js";
import { IN_LIST_CHUNK, type RelationMap } from "./relations.js";
import { checkTableOptions } from "./table-options.js";
import { TableMetadata } from "./metadata.js";
import type { TableContext } from "./table-context.js";
import { definedFields, givenFields } from "./input.js";
import { lockedRows } from "./row-locks.js";
import { countRows, findFirst, listRows, readRow } from "./reads.js";
import { createRow, deleteRow, updateRow, upsertRow } from "./writes.js";
import { deleteWhere, updateWhere } from "./filtered-writes.js";
import { getOrCreateRow } from "./get-or-create.js";
import { paginateRows } from "./paginate.js";
import { streamRows } from "./stream.js";
import { followSchemaChanges } from "./schema-follow.js";
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

  readonly #model: Model<unknown, unknown> | undefined;
  readonly #ownsDb: boolean;
  readonly #metadata: TableMetadata;
  /** What this Table's parts (reads, writes, pages, streams) need of it. */
  readonly #ctx: TableContext;
  readonly #related = new Map<string, TableInternals>();

  /**
   * Describes a table; nothing runs until {@link Table.initialize} or the first call. Options are
   * checked here: a malformed name, model or relation throws at once.
   */
  constructor(name: string, options: TableOptions<R, Rels, H, I> = {}) {
    this.name = assertIdentifier(name, "table");
    const checked = checkTableOptions(name, options);
    this.#ownsDb = checked.ownsDb;
    this.db = checked.db;
    this.schema = checked.schema;
    this.#model = checked.model;
    this.relations = checked.relations;
    const metadata = new TableMetadata({ name: this.name, db: this.db, schema: this.schema, sync: checked.sync, primaryKey: checked.primaryKey, hidden: checked.hidden });
    this.#metadata = metadata;
    this[TABLE_INTERNALS] = {
      name: this.name,
      db: this.db,
      relations: this.relations,
      meta: () => metadata.ready(),
      tableFor: (target) => this.#tableFor(target),
    };
    this.#ctx = { name: this.name, db: this.db, model: this.#model, internals: this[TABLE_INTERNALS], metadata };
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
    return this.#metadata.known?.primaryKey;
  }

  /** The table's columns in order, once initialized (empty before). */
  get columnNames(): readonly string[] {
    return this.#metadata.known?.columnNames ?? [];
  }

  /**
   * Creates the table from `schema` if it does not exist (`CREATE TABLE IF NOT EXISTS`), then reads
   * its columns and primary key. Idempotent; every method calls it on first use. Without a schema
   * the table must exist, or a {@link QueryError} is thrown.
   */
  async initialize(): Promise<void> {
    await this.#metadata.ready();
  }

  #current(): TableMeta | undefined {
    return this.#metadata.current();
  }

  #ready(): Promise<TableMeta> {
    return this.#metadata.ready();
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

  /** Rows matching `where`, locked for the rest of the transaction (row-locks.ts). */
  #lockedRows(tx: Transaction, meta: TableMeta, where: unknown): Promise<Row[]> {
    return lockedRows(this.#ctx, tx, meta, where);
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
  create(data: I): Promise<Simplify<VisibleRow<R, H>>> {
    return createRow(this.#ctx, data) as never;
  }

  /**
   * The row with this primary key, or null. An id the key column cannot hold ("not-a-uuid" for a
   * UUID key, 1.5 for an integer key) returns null without running SQL.
   *
   * ```ts
   * const user = await users.read(id, { include: { team: true } });
   * ```
   */
  read<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}>(
    id: TableKey,
    options?: FindOptions<C, Inc>,
  ): Promise<ResultRow<R, H, Rels, C, Inc> | null> {
    return readRow(this.#ctx, id, options) as never;
  }

  /**
   * Changes only the given fields of the row with this primary key; returns the updated row, or
   * null when there is none. With a model, the stored row merged with `data` is validated (so
   * cross-field rules hold) and only the given fields are written.
   */
  update(id: TableKey, data: Partial<I>): Promise<Simplify<VisibleRow<R, H>> | null> {
    return updateRow(this.#ctx, id, data) as never;
  }

  /** Deletes the row with this primary key; returns whether a row was deleted. */
  delete(id: TableKey): Promise<boolean> {
    return deleteRow(this.#ctx, id);
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
  list<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options: ListOptions<R, C, Inc, O> = {},
  ): Promise<ResultRow<R, H, Rels, C, Inc>[]> {
    return listRows(this.#ctx, options) as never;
  }

  /** The first row matching `where` (by `orderBy` when given), or null. */
  findOne<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    where: Where<R>,
    options: FindOneOptions<C, Inc, keyof R & string, O> = {},
  ): Promise<ResultRow<R, H, Rels, C, Inc> | null> {
    return findFirst(this.#ctx, where, options) as never;
  }

  /** Counts the rows matching `where` (all rows without it). */
  count(where?: Where<R>): Promise<number> {
    return countRows(this.#ctx, where as Where | undefined);
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
        let stored = current.get(keyOf(record[key]));
        // The database found the row by its own equality ("ab" finds CHAR(4) "ab  ", "1" finds
        // DECIMAL "1.0"), which the read value need not share with the given one: ask it again.
        if (stored === undefined) stored = (await this.#lockedRows(tx, meta, { [key]: record[key] }))[0];
        if (stored === undefined) continue;
        current.set(keyOf(record[key]), stored);
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
  updateMany(where: Where<R>, data: Partial<I>): Promise<number> {
    return updateWhere(this.#ctx, where, data);
  }

  /** Deletes every row matching `where` (pass `{}` for all rows) and returns how many were deleted. */
  deleteMany(where: Where<R>): Promise<number> {
    return deleteWhere(this.#ctx, where);
  }

  /**
   * Inserts a row, or updates the row with the same `conflict` columns (default: the primary key),
   * and returns it. With a model, `data` is validated as for `create`.
   *
   * ```ts
   * await users.upsert({ email: "ann@example.com", name: "Ann" }, { conflict: ["email"] });
   * ```
   */
  upsert(data: I, options: TableUpsertOptions<R> = {}): Promise<Simplify<VisibleRow<R, H>>> {
    return upsertRow(this.#ctx, data, options) as never;
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
  getOrCreate(where: Partial<R>, defaults: Partial<I> = {}): Promise<GetOrCreateResult<Simplify<VisibleRow<R, H>>>> {
    return getOrCreateRow(this.#ctx, where, defaults) as never;
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
  paginate(given: PageOptions<R, any, any, any> | KeysetOptions<R, any, any, any> = {}): Promise<KeysetPage<unknown> | Page<unknown>> {
    return paginateRows(this.#ctx, given);
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
  stream<const C extends Columns<R> = undefined, const Inc extends Include<Rels> = {}, const O extends string = never>(
    options: TableStreamOptions<R, C, Inc, O> = {},
  ): AsyncGenerator<ResultRow<R, H, Rels, C, Inc>, void, undefined> {
    return streamRows(this.#ctx, options) as never;
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

  static {
    // Every CRUD method checks column names against the columns read at initialization, and some
    // name columns in their SQL (hidden columns, selections). When a call fails because a column
    // is unknown to this Table or to the database, the columns are read again and, when they
    // changed, the call runs once more, outside a transaction only (schema-follow.ts).
    // `this`, not `Table`: tsc compiles a class with a static block that names the class into
    // `_a = Table` after the class body, so `Table` is still undefined while this block runs.
    followSchemaChanges(
      this.prototype,
      ["create", "read", "update", "delete", "list", "findOne", "count", "batchCreate", "batchUpdate", "updateMany", "deleteMany", "upsert", "getOrCreate", "paginate"],
      (table) => table.#metadata,
    );
  }
}
