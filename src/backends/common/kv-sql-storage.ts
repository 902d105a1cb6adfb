/**
 * {@link KVStorage} over a SQL table: runs the statements of {@link KVStatements} on the store's
 * {@link Database} through its internal fast path (native placeholders, parameters that are keys,
 * texts, numbers and null, no per-call checks). Shared by the SQL backends' key-value adapters
 * (backends/sqlite/sqlite-kv.ts, backends/postgres/postgres-kv.ts), which differ only in their
 * {@link KVSqlDialect}, as Keyv's SQL adapters once shared one base.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { Queryable } from "../../queryable.js";
import { type QueryResult, type Row, runOwnStatement } from "../contract.js";
import { UniqueViolationError, ValidationError } from "../../errors/errors.js";
import type { KeyRange, KVStorage, StorageConnection, StoredEntry, StoredRow } from "../../kv/storage/storage.js";
import { KVStatements, type KVSqlDialect } from "./kv-sql-statements.js";

function expiresAtOf(row: Row): number {
  const raw = row["expires_at"];
  return raw === null || raw === undefined ? 0 : Number(raw);
}

function storedRow(row: Row): StoredRow {
  return { key: row["key"] as string, value: row["value"] as string, expiresAt: expiresAtOf(row) };
}

function firstEntry(result: QueryResult): StoredEntry | undefined {
  const row = result.rows[0];
  return row === undefined ? undefined : { value: row["value"] as string, expiresAt: expiresAtOf(row) };
}

function countOf(result: QueryResult): number {
  return Number(result.rows[0]?.["n"] ?? 0);
}

/** The key-value storage of one table on a SQL backend. */
export class SqlKVStorage implements KVStorage {
  readonly #db: Database;
  readonly #sql: KVStatements;

  /** The storage of `table` (validated) on `db`, with `dialect`'s statements. */
  constructor(db: Database, table: string, dialect: KVSqlDialect) {
    this.#db = db;
    this.#sql = new KVStatements(table, dialect);
  }

  /** The table (validated, unquoted). */
  get table(): string {
    return this.#sql.table;
  }

  /**
   * Runs one of the table's statements on the store's Database, or on `on` (a batch's
   * transaction). `read`: a read replicas may serve. `params` must be a fresh array (values are
   * encoded in place).
   */
  #run(text: string, params: unknown[], on: Queryable = this.#db, single = false, read = false): Promise<QueryResult> {
    try {
      const result = on[runOwnStatement](text, params, single, read);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      // A statement that ran synchronously fails synchronously; callers expect a rejected promise.
      return Promise.reject(error);
    }
  }

  async prepare(): Promise<void> {
    const db = this.#db;
    const sql = this.#sql;
    const table = sql.table;
    try {
      await db.execute(sql.createTable());
    } catch (error) {
      // Two PostgreSQL sessions racing on CREATE TABLE IF NOT EXISTS: one of them gets a unique violation in the catalog.
      if (!(error instanceof UniqueViolationError) || !(await db.tableExists(table))) throw error;
    }
    const columns = new Map((await db.columns(table)).map((c) => [c.name, c]));
    if (columns.get("key")?.primaryKey !== true || !columns.has("value")) {
      throw new ValidationError(`The table "${table}" exists but is not a key-value table: it needs the columns key (primary key) and value`, [
        { message: "not a key-value table", path: ["table"] },
      ]);
    }
    if (!columns.has("expires_at")) await db.execute(sql.addExpiryColumn());
    try {
      await db.execute(sql.createExpiryIndex());
    } catch (error) {
      if (!(error instanceof UniqueViolationError)) throw error;
    }
  }

  get(id: string): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const result = this.#db[runOwnStatement](this.#sql.get, [id], true);
    return result instanceof Promise ? result.then(firstEntry) : firstEntry(result);
  }

  set(id: string, value: string, expiresAt: number): undefined | Promise<unknown> {
    const done = this.#db[runOwnStatement](this.#sql.upsert, [id, value, expiresAt === 0 ? null : expiresAt]);
    return done instanceof Promise ? done : undefined;
  }

  async setMany(ids: readonly string[], values: readonly string[], expiresAt: number): Promise<void> {
    const expiry = expiresAtAsParam(expiresAt);
    const chunk = this.#sql.upsertChunk;
    await this.#db.transaction(async (tx) => {
      for (let start = 0; start < ids.length; start += chunk) {
        const rows = Math.min(chunk, ids.length - start);
        const params = new Array<unknown>(3 * rows);
        for (let r = 0; r < rows; r++) {
          params[3 * r] = ids[start + r];
          params[3 * r + 1] = values[start + r];
          params[3 * r + 2] = expiry;
        }
        await this.#run(this.#sql.upsertMany(rows), params, tx);
      }
    });
  }

  async add(id: string, value: string, expiresAt: number, now: number): Promise<boolean> {
    const { rows } = await this.#run(this.#sql.insertIfAbsent, [id, value, expiresAtAsParam(expiresAt), now]);
    return rows.length > 0;
  }

  async delete(id: string): Promise<number | undefined> {
    const row = (await this.#run(this.#sql.deleteOne, [id])).rows[0];
    return row === undefined ? undefined : expiresAtOf(row);
  }

  async take(id: string): Promise<StoredEntry | undefined> {
    return firstEntry(await this.#run(this.#sql.pop, [id]));
  }

  deleteMany(ids: readonly string[], now: number): Promise<number> {
    const chunk = this.#sql.deleteChunk;
    return this.#db.transaction(async (tx) => {
      let deleted = 0;
      for (let start = 0; start < ids.length; start += chunk) {
        const part = ids.slice(start, start + chunk);
        const { rows } = await this.#run(this.#sql.deleteMany(part.length), part, tx);
        for (const row of rows) {
          const expiresAt = expiresAtOf(row);
          if (expiresAt === 0 || expiresAt > now) deleted++;
        }
      }
      return deleted;
    });
  }

  async clear(range?: KeyRange): Promise<void> {
    if (range === undefined) await this.#run(this.#sql.clear, []);
    else if (range.upper === undefined) await this.#run(this.#sql.clearRange(false), [range.lower]);
    else await this.#run(this.#sql.clearRange(true), [range.lower, range.upper]);
  }

  async purge(now: number): Promise<number> {
    return (await this.#run(this.#sql.purge, [now])).rowCount;
  }

  async count(now: number): Promise<number> {
    return countOf(await this.#run(this.#sql.count, [now], this.#db, false, true));
  }

  async keys(now: number): Promise<string[]> {
    const { rows } = await this.#run(this.#sql.keys, [now], this.#db, false, true);
    return rows.map((row) => row["key"] as string);
  }

  async all(now: number): Promise<StoredRow[]> {
    return (await this.#run(this.#sql.all, [now], this.#db, false, true)).rows.map(storedRow);
  }

  async scan(range: KeyRange, limit: number, now: number, replica: boolean): Promise<StoredRow[]> {
    const bounded = range.upper !== undefined;
    const text = this.#sql.scan(range.first, bounded, limit);
    const params = bounded ? [range.lower, range.upper, now] : [range.lower, now];
    return (await this.#run(text, params, this.#db, false, replica)).rows.map(storedRow);
  }

  async firstMatching(pattern: string): Promise<StoredRow | undefined> {
    const row = (await this.#run(this.#sql.anySealed, [pattern])).rows[0];
    return row === undefined ? undefined : storedRow(row);
  }

  async countAll(): Promise<number> {
    return countOf(await this.#run(this.#sql.countAll, []));
  }

  async page(range: KeyRange, limit: number): Promise<StoredRow[]> {
    return (await this.#run(this.#sql.page(range.first, limit), [range.lower])).rows.map(storedRow);
  }

  async compareAndSet(id: string, next: string, previous: string, on: StorageConnection): Promise<boolean> {
    return (await this.#run(this.#sql.compareAndSet, [next, id, previous], on)).rowCount > 0;
  }

  async valueOf(id: string, on: StorageConnection): Promise<string | undefined> {
    const value = (await this.#run(this.#sql.getAny, [id], on)).rows[0]?.["value"];
    return typeof value === "string" ? value : undefined;
  }

  transaction<T>(fn: (on: StorageConnection) => Promise<T>): Promise<T> {
    return this.#db.transaction(fn);
  }
}

/** The `expires_at` parameter: NULL for no expiry. */
function expiresAtAsParam(expiresAt: number): number | null {
  return expiresAt === 0 ? null : expiresAt;
}
