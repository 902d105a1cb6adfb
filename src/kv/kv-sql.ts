/**
 * The SQL of a {@link KVStore} table. Every statement text is built once per store (or per batch
 * size) and reused, so the driver's prepared-statement cache finds it on every call. Statements are
 * written with `?` placeholders and kept in the backend's own form (`$n` on PostgreSQL and
 * CockroachDB), so the store runs them without per-call translation.
 *
 * The table:
 *
 * ```sql
 * CREATE TABLE "data" (
 *   "key"        TEXT PRIMARY KEY,      -- PostgreSQL: TEXT COLLATE "C" PRIMARY KEY (code point order)
 *   "value"      TEXT NOT NULL,         -- JSON text, see codec.ts
 *   "expires_at" BIGINT                 -- epoch milliseconds, NULL for no expiry
 * );
 * CREATE INDEX "data_expires_at" ON "data" ("expires_at") WHERE "expires_at" IS NOT NULL;
 * ```
 *
 * @module
 */
import type { DialectName } from "../config/connection-config.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { questionToDollar } from "../sql/placeholders.js";

/** Rows per multi-row upsert in `batchUpdate` (3 parameters a row). */
export const UPSERT_CHUNK: Readonly<Record<DialectName, number>> = { sqlite: 500, postgres: 1000, cockroachdb: 1000 };
/** Keys per `IN (…)` list in `batchDelete`. */
export const DELETE_CHUNK = 500;

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

/** The statements of one KV table on one backend. */
export class KvSql {
  /** The table name, validated (unquoted). */
  readonly table: string;
  /** `"table"`. */
  readonly quoted: string;
  readonly #dialect: DialectName;
  /**
   * The key as ranges and ORDER BY compare it: on PostgreSQL `"key" COLLATE "C"`, so that a table
   * made by another tool (@keyv/postgres's `keyv`, under a linguistic database collation) still
   * orders and prefix-matches keys by code point; on tablekit's own tables (`COLLATE "C"`) it
   * changes nothing and the primary key index is used as before.
   */
  readonly #key: string;
  readonly #upserts = new Map<number, string>();
  readonly #deletes = new Map<number, string>();
  readonly #scans = new Map<string, string>();

  /** Statements for `table` (validated: {@link IdentifierError} for a malformed name). */
  constructor(table: string, dialect: DialectName) {
    this.table = assertIdentifier(table, "table");
    this.quoted = quoteIdentifier(table);
    this.#dialect = dialect;
    const k = (this.#key = dialect === "postgres" ? `"key" COLLATE "C"` : `"key"`);
    const t = this.quoted;
    const native = (text: string): string => this.#native(text);
    const live = `("expires_at" IS NULL OR "expires_at" > ?)`;
    this.get = native(`SELECT "value", "expires_at" FROM ${t} WHERE "key" = ?`);
    this.upsert = native(`INSERT INTO ${t} ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`);
    this.insertIfAbsent = native(
      `INSERT INTO ${t} ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at" ` +
        `WHERE ${t}."expires_at" IS NOT NULL AND ${t}."expires_at" <= ? RETURNING "key"`,
    );
    this.deleteOne = native(`DELETE FROM ${t} WHERE "key" = ? RETURNING "expires_at"`);
    this.pop = native(`DELETE FROM ${t} WHERE "key" = ? RETURNING "value", "expires_at"`);
    this.count = native(`SELECT count(*) AS "n" FROM ${t} WHERE ${live}`);
    this.all = native(`SELECT "key", "value", "expires_at" FROM ${t} WHERE ${live} ORDER BY ${k}`);
    this.keys = native(`SELECT "key" FROM ${t} WHERE ${live} ORDER BY ${k}`);
    this.clear = `DELETE FROM ${t}`;
    this.purge = native(`DELETE FROM ${t} WHERE "expires_at" IS NOT NULL AND "expires_at" <= ?`);
    this.anySealed = native(`SELECT "key", "value" FROM ${t} WHERE "value" LIKE ? ORDER BY ${k} LIMIT 1`);
    this.countAll = `SELECT count(*) AS "n" FROM ${t}`;
    this.compareAndSet = native(`UPDATE ${t} SET "value" = ? WHERE "key" = ? AND "value" = ?`);
    this.getAny = native(`SELECT "value" FROM ${t} WHERE "key" = ?`);
  }

  /** The first row whose value matches a LIKE pattern: (pattern). */
  readonly anySealed: string;
  /** Count every row, expired or not. */
  readonly countAll: string;
  /** Replace a value only if it is still the one read: (new value, key, old value). */
  readonly compareAndSet: string;
  /** The value of one key, expired or not: (key). */
  readonly getAny: string;

  /** One keyset page of every row (expired too), key and value, in key order: (lower bound); `>=` on the first page, `>` after. */
  page(first: boolean, limit: number): string {
    return this.#native(`SELECT "key", "value" FROM ${this.quoted} WHERE ${this.#key} ${first ? ">=" : ">"} ? ORDER BY ${this.#key} LIMIT ${limit}`);
  }

  /** `SELECT value, expires_at` of one key. */
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

  /** `text` with the backend's placeholders: `?` on SQLite, `$n` on PostgreSQL and CockroachDB. */
  #native(text: string): string {
    return this.#dialect === "sqlite" ? text : questionToDollar(text).sql;
  }

  /** `CREATE TABLE IF NOT EXISTS` for this backend. */
  createTable(): string {
    // PostgreSQL compares text by the database's collation, which may be linguistic; "C" gives code
    // point order like SQLite and CockroachDB, so key ranges (prefix scans) and ORDER BY agree.
    const key = this.#dialect === "postgres" ? `TEXT COLLATE "C" PRIMARY KEY` : "TEXT PRIMARY KEY";
    return `CREATE TABLE IF NOT EXISTS ${this.quoted} ("key" ${key}, "value" TEXT NOT NULL, "expires_at" BIGINT)`;
  }

  /** The partial index on `expires_at` used by the purge. */
  createExpiryIndex(): string {
    return `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(expiryIndexName(this.table))} ON ${this.quoted} ("expires_at") WHERE "expires_at" IS NOT NULL`;
  }

  /** Adds `expires_at` to a key/value table made without it (e.g. by NanaSQLite). */
  addExpiryColumn(): string {
    return `ALTER TABLE ${this.quoted} ADD COLUMN "expires_at" BIGINT`;
  }

  /** Delete every key starting with a prefix: (lower) or (lower, upper) when `bounded` (see {@link prefixUpperBound}). */
  clearRange(bounded: boolean): string {
    return this.#native(`DELETE FROM ${this.quoted} WHERE ${this.#key} >= ?${bounded ? ` AND ${this.#key} < ?` : ""}`);
  }

  /** A multi-row upsert of `rows` rows: (key, value, expires_at) × rows. */
  upsertMany(rows: number): string {
    let text = this.#upserts.get(rows);
    if (text === undefined) {
      const values = new Array<string>(rows).fill("(?, ?, ?)").join(", ");
      text = this.#native(
        `INSERT INTO ${this.quoted} ("key", "value", "expires_at") VALUES ${values} ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`,
      );
      this.#upserts.set(rows, text);
    }
    return text;
  }

  /** Delete `count` keys, returning the `expires_at` of each deleted row. */
  deleteMany(count: number): string {
    let text = this.#deletes.get(count);
    if (text === undefined) {
      const list = new Array<string>(count).fill("?").join(", ");
      text = this.#native(`DELETE FROM ${this.quoted} WHERE "key" IN (${list}) RETURNING "expires_at"`);
      this.#deletes.set(count, text);
    }
    return text;
  }

  /**
   * One keyset page of a scan, in key order: parameters are the lower bound (`>=` on the first
   * page, `>` after), the upper bound when `bounded` (exclusive), then now.
   */
  scan(first: boolean, bounded: boolean, limit: number, keysOnly: boolean): string {
    const id = `${first ? 1 : 0}${bounded ? 1 : 0}${keysOnly ? 1 : 0}:${limit}`;
    let text = this.#scans.get(id);
    if (text === undefined) {
      const columns = keysOnly ? `"key", "expires_at"` : `"key", "value", "expires_at"`;
      text = this.#native(
        `SELECT ${columns} FROM ${this.quoted} WHERE ${this.#key} ${first ? ">=" : ">"} ?` +
          (bounded ? ` AND ${this.#key} < ?` : "") +
          ` AND ("expires_at" IS NULL OR "expires_at" > ?) ORDER BY ${this.#key} LIMIT ${limit}`,
      );
      if (this.#scans.size >= 64) this.#scans.clear();
      this.#scans.set(id, text);
    }
    return text;
  }
}

/**
 * The smallest string greater than every string that starts with `prefix`, in Unicode code point
 * order (SQLite's BINARY collation, PostgreSQL's "C", CockroachDB's default), or undefined when no
 * such bound exists (`""`, or a prefix of U+10FFFF characters only). Strings starting with `prefix`
 * are exactly those `s` with `prefix <= s < upper`.
 *
 * ```ts
 * prefixUpperBound("user:");   // "user;"
 * prefixUpperBound("a\u{10FFFF}");   // "b"
 * ```
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      // Surrogate code points are not characters: nothing sorts between U+D7FF and U+E000.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      points.push(next);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}
