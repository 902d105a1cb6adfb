/**
 * The SQL of a {@link KVStore} table, shared by the SQL backends: each backend's adapter
 * (backends/sqlite/sqlite-kv.ts, backends/postgres/postgres-kv.ts) supplies only what differs, as
 * a {@link KVSqlDialect}. Every statement text is built once per table (or per batch size) in the
 * backend's own placeholder form, and reused, so the driver's prepared-statement cache finds it on
 * every call and nothing is translated per call.
 *
 * The table:
 *
 * ```sql
 * CREATE TABLE "data" (
 *   "key"        TEXT PRIMARY KEY,      -- PostgreSQL: TEXT COLLATE "C" PRIMARY KEY (code point order)
 *   "value"      TEXT NOT NULL,         -- JSON text, see src/kv/codec.ts
 *   "expires_at" BIGINT                 -- epoch milliseconds, NULL for no expiry
 * );
 * CREATE INDEX "data_expires_at" ON "data" ("expires_at") WHERE "expires_at" IS NOT NULL;
 * ```
 *
 * Writes use `INSERT … ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`, which SQLite,
 * PostgreSQL and CockroachDB all run.
 *
 * @module
 */
import { assertIdentifier, quoteIdentifier } from "../../sql/identifiers.js";
import { type PlaceholderStyle, renderStatement } from "../../sql/render.js";
import { type SqlFragment, sql } from "../../sql/sql-tag.js";

/** What a SQL backend's key-value statements differ in. */
export interface KVSqlDialect extends PlaceholderStyle {
  /**
   * The type of the key column. Keys must compare in Unicode code point order, so that key ranges
   * (prefix scans) and ORDER BY agree with `prefixUpperBound` (src/kv/storage/key-range.ts).
   */
  readonly keyType: string;
  /**
   * The key as ranges and ORDER BY compare it, when the column's own collation may not be code point
   * order: PostgreSQL writes `"key" COLLATE "C"`, so that a table made by another tool (@keyv/postgres's
   * `keyv`, under a linguistic database collation) still orders and prefix-matches keys by code
   * point; on tablekit's own `COLLATE "C"` column it changes nothing (the primary key index is used).
   * Default `"key"`.
   */
  readonly keyCompared?: string | undefined;
  /** Rows per multi-row upsert in a batch (3 parameters a row). */
  readonly upsertChunk: number;
  /** Keys per `IN (…)` list of a batch delete. */
  readonly deleteChunk: number;
}

/**
 * A parameter's place in a statement built once and run many times: the fragment is rendered at the
 * edge (sql/render.ts) once, for its text, and each call binds its own values to that text.
 */
const SLOT = null;

/** A short, stable hash of a name (FNV-1a, base 36), for derived identifiers that must stay short. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** The name of the expiry index of `table`, at most 63 characters. */
export function expiryIndexName(table: string): string {
  const plain = `${table}_expires_at`;
  return plain.length <= 63 ? plain : `${table.slice(0, 40)}_${shortHash(table)}_expires_at`;
}

const UPSERT_TAIL = sql.raw(` ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`);
const ONE_ROW = sql`(${SLOT}, ${SLOT}, ${SLOT})`;

/** A `LIMIT` count, inlined (statements are cached per limit): a non-negative integer. */
function limitOf(limit: number): SqlFragment {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`A key-value page limit must be a non-negative integer, got ${limit}`);
  return sql.raw(String(limit));
}

/** The statements of one KV table on one backend. */
export class KVStatements {
  /** The table name, validated (unquoted). */
  readonly table: string;
  /** `"table"`. */
  readonly quoted: string;
  readonly #dialect: KVSqlDialect;
  readonly #upserts = new Map<number, string>();
  readonly #deletes = new Map<number, string>();
  readonly #scans = new Map<string, string>();
  readonly #pages = new Map<string, string>();

  /** Statements for `table` (validated: {@link IdentifierError} for a malformed name). */
  constructor(table: string, dialect: KVSqlDialect) {
    this.table = assertIdentifier(table, "table");
    this.quoted = quoteIdentifier(table);
    this.#dialect = dialect;
    this.#table = sql.id(table);
    this.#key = sql.raw(dialect.keyCompared ?? `"key"`);
    const t = this.#table;
    const k = this.#key;
    const live = sql`("expires_at" IS NULL OR "expires_at" > ${SLOT})`;
    const text = (statement: SqlFragment): string => this.#text(statement);
    this.get = text(sql`SELECT "value", "expires_at" FROM ${t} WHERE "key" = ${SLOT}`);
    this.upsert = text(sql`INSERT INTO ${t} ("key", "value", "expires_at") VALUES ${ONE_ROW}${UPSERT_TAIL}`);
    this.insertIfAbsent = text(
      sql`INSERT INTO ${t} ("key", "value", "expires_at") VALUES ${ONE_ROW}${UPSERT_TAIL} WHERE ${t}."expires_at" IS NOT NULL AND ${t}."expires_at" <= ${SLOT} RETURNING "key"`,
    );
    this.deleteOne = text(sql`DELETE FROM ${t} WHERE "key" = ${SLOT} RETURNING "expires_at"`);
    this.pop = text(sql`DELETE FROM ${t} WHERE "key" = ${SLOT} RETURNING "value", "expires_at"`);
    this.count = text(sql`SELECT count(*) AS "n" FROM ${t} WHERE ${live}`);
    this.all = text(sql`SELECT "key", "value", "expires_at" FROM ${t} WHERE ${live} ORDER BY ${k}`);
    this.keys = text(sql`SELECT "key" FROM ${t} WHERE ${live} ORDER BY ${k}`);
    this.clear = text(sql`DELETE FROM ${t}`);
    this.purge = text(sql`DELETE FROM ${t} WHERE "expires_at" IS NOT NULL AND "expires_at" <= ${SLOT}`);
    this.anySealed = text(sql`SELECT "key", "value" FROM ${t} WHERE "value" LIKE ${SLOT} ORDER BY ${k} LIMIT 1`);
    this.countAll = text(sql`SELECT count(*) AS "n" FROM ${t}`);
    this.compareAndSet = text(sql`UPDATE ${t} SET "value" = ${SLOT} WHERE "key" = ${SLOT} AND "value" = ${SLOT}`);
    this.getAny = text(sql`SELECT "value" FROM ${t} WHERE "key" = ${SLOT}`);
  }

  readonly #table: SqlFragment;
  readonly #key: SqlFragment;

  /** The statement's text in the backend's placeholder style (rendered once, at construction or first use). */
  #text(statement: SqlFragment): string {
    return renderStatement(statement, this.#dialect).sql;
  }

  /** `SELECT value, expires_at` of one key: (key). */
  readonly get: string;
  /** Insert or replace one key: (key, value, expires_at). */
  readonly upsert: string;
  /** Insert unless a live row exists: (key, value, expires_at, now); returns a row when it wrote. */
  readonly insertIfAbsent: string;
  /** Delete one key: (key); returns its expires_at when a row was deleted. */
  readonly deleteOne: string;
  /** Delete one key returning its value: (key). */
  readonly pop: string;
  /** Count live rows: (now). */
  readonly count: string;
  /** Every live row in key order: (now). */
  readonly all: string;
  /** Every live key in key order: (now). */
  readonly keys: string;
  /** Delete every row. */
  readonly clear: string;
  /** Delete expired rows: (now). */
  readonly purge: string;
  /** The first row whose value matches a LIKE pattern: (pattern). */
  readonly anySealed: string;
  /** Count every row, expired or not. */
  readonly countAll: string;
  /** Replace a value only if it is still the one read: (new value, key, old value). */
  readonly compareAndSet: string;
  /** The value of one key, expired or not: (key). */
  readonly getAny: string;

  /** Rows per multi-row upsert (see {@link KVSqlDialect.upsertChunk}). */
  get upsertChunk(): number {
    return this.#dialect.upsertChunk;
  }

  /** Keys per batch delete (see {@link KVSqlDialect.deleteChunk}). */
  get deleteChunk(): number {
    return this.#dialect.deleteChunk;
  }

  /** `CREATE TABLE IF NOT EXISTS` for this backend. */
  createTable(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.quoted} ("key" ${this.#dialect.keyType} PRIMARY KEY, "value" TEXT NOT NULL, "expires_at" BIGINT)`;
  }

  /** The partial index on `expires_at` used by the purge. */
  createExpiryIndex(): string {
    return `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(expiryIndexName(this.table))} ON ${this.quoted} ("expires_at") WHERE "expires_at" IS NOT NULL`;
  }

  /** Adds `expires_at` to a key/value table made without it (e.g. by NanaSQLite). */
  addExpiryColumn(): string {
    return `ALTER TABLE ${this.quoted} ADD COLUMN "expires_at" BIGINT`;
  }

  /** Delete every key of a range: (lower) or (lower, upper) when `bounded`. */
  clearRange(bounded: boolean): string {
    const k = this.#key;
    return this.#text(sql`DELETE FROM ${this.#table} WHERE ${k} >= ${SLOT}${bounded ? sql` AND ${k} < ${SLOT}` : sql.empty}`);
  }

  /** A multi-row upsert of `rows` rows: (key, value, expires_at) × rows. */
  upsertMany(rows: number): string {
    let text = this.#upserts.get(rows);
    if (text === undefined) {
      const values = sql.join(new Array<SqlFragment>(rows).fill(ONE_ROW));
      text = this.#text(sql`INSERT INTO ${this.#table} ("key", "value", "expires_at") VALUES ${values}${UPSERT_TAIL}`);
      this.#upserts.set(rows, text);
    }
    return text;
  }

  /** Delete `count` keys, returning the `expires_at` of each deleted row. */
  deleteMany(count: number): string {
    let text = this.#deletes.get(count);
    if (text === undefined) {
      const list = sql.join(new Array<null>(count).fill(SLOT));
      text = this.#text(sql`DELETE FROM ${this.#table} WHERE "key" IN (${list}) RETURNING "expires_at"`);
      this.#deletes.set(count, text);
    }
    return text;
  }

  /**
   * One keyset page of live rows, in key order: parameters are the lower bound (`>=` on the first
   * page, `>` after), the upper bound when `bounded` (exclusive), then now.
   */
  scan(first: boolean, bounded: boolean, limit: number): string {
    const id = `${first ? 1 : 0}${bounded ? 1 : 0}:${limit}`;
    let text = this.#scans.get(id);
    if (text === undefined) {
      const k = this.#key;
      const upper = bounded ? sql` AND ${k} < ${SLOT}` : sql.empty;
      text = this.#text(
        sql`SELECT "key", "value", "expires_at" FROM ${this.#table} WHERE ${k} ${sql.raw(first ? ">=" : ">")} ${SLOT}${upper} AND ("expires_at" IS NULL OR "expires_at" > ${SLOT}) ORDER BY ${k} LIMIT ${limitOf(limit)}`,
      );
      if (this.#scans.size >= 64) this.#scans.clear();
      this.#scans.set(id, text);
    }
    return text;
  }
  /** One keyset page of every row (expired too), key and value, in key order: (lower bound); `>=` on the first page, `>` after. */
  page(first: boolean, limit: number): string {
    const id = `${first ? 1 : 0}:${limit}`;
    let text = this.#pages.get(id);
    if (text === undefined) {
      const k = this.#key;
      text = this.#text(sql`SELECT "key", "value" FROM ${this.#table} WHERE ${k} ${sql.raw(first ? ">=" : ">")} ${SLOT} ORDER BY ${k} LIMIT ${limitOf(limit)}`);
      if (this.#pages.size >= 64) this.#pages.clear();
      this.#pages.set(id, text);
    }
    return text;
  }
}
