/**
 * Keyset pagination: an ordering made total by the primary key, NULL placement made explicit so
 * both backends sort alike, an opaque cursor holding the last row's ordering values, and the
 * filter that selects the rows after it.
 *
 * @module
 */
import type { Row, SqlDialect } from "../backends/contract.js";
import { quoteIdentifier } from "../sql/identifiers.js";
import { ValidationError } from "../errors/errors.js";
import type { OrderTerm } from "../sql/order-by.js";
import { SqlFragment, sql } from "../sql/sql-tag.js";

/** @internal One key of a keyset ordering, with its NULL placement explicit. */
export interface KeysetTerm {
  readonly column: string;
  readonly direction: "ASC" | "DESC";
  readonly nulls: "FIRST" | "LAST";
  /** The function it is ordered and compared through, as an exact number (SQLite DECIMAL columns, stored as text: the dialect's `decimalOrder`). */
  readonly numeric?: string | undefined;
}

/**
 * @internal The ordering used for keyset reads: the caller's terms, each with explicit NULL
 * placement (default as PostgreSQL: NULLs last ascending, first descending, on every backend), then
 * the primary key ascending as the tiebreaker unless it is ordered already.
 */
export function keysetTerms(terms: readonly OrderTerm[], primaryKey: string, numeric: ReadonlyMap<string, string> = new Map()): KeysetTerm[] {
  const out: KeysetTerm[] = [];
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term.column)) continue; // a repeated column adds nothing to the ordering
    seen.add(term.column);
    out.push({ column: term.column, direction: term.direction, nulls: term.nulls ?? (term.direction === "ASC" ? "LAST" : "FIRST"), numeric: numeric.get(term.column) });
  }
  if (!seen.has(primaryKey)) out.push({ column: primaryKey, direction: "ASC", nulls: "LAST", numeric: numeric.get(primaryKey) });
  return out;
}

/** @internal The `orderBy` string for keyset terms. */
export function keysetOrderBy(terms: readonly KeysetTerm[]): string {
  return terms.map((t) => `${t.column} ${t.direction} NULLS ${t.nulls}`).join(", ");
}

/**
 * The ordering a cursor was made for. The `2|` prefix marks cursors that hold the database's own
 * values (see {@link keyColumns}); a cursor of the earlier format (JavaScript values, inexact for
 * microsecond timestamps) is refused rather than followed inexactly.
 */
function signature(terms: readonly KeysetTerm[]): string {
  return "2|" + terms.map((t) => `${t.column}:${t.direction[0]}${t.nulls[0]}`).join(",");
}

/** @internal The alias under which a keyset query returns the exact value of term `i`. */
export function keyAlias(i: number): string {
  return `__tablekit_k${i}`;
}

/**
 * @internal The select-list items that return each term's value exactly as the database holds it,
 * so that the next page compares against that value and not against its JavaScript rendering (a
 * millisecond Date for a microsecond timestamp, a re-serialized JSON value, a Date for SQLite text
 * in another format): PostgreSQL and CockroachDB return `column::text` (every type's text form
 * reads back to the same value, and the bound text is typed by the server from the column);
 * SQLite returns the stored value itself (`+column`: an expression, so no declared-type decoding).
 */
export function keyColumns(dialect: SqlDialect, terms: readonly KeysetTerm[]): SqlFragment {
  return sql.join(
    terms.map((t, i) =>
      sql`${sql.raw(dialect.exactValue(quoteIdentifier(t.column)))} AS ${sql.id(keyAlias(i))}`,
    ),
  );
}

/** @internal Removes the key aliases from `rows` (in place) and returns the last row's key values. */
export function takeKeys(terms: readonly KeysetTerm[], rows: readonly Row[]): unknown[] | undefined {
  let last: unknown[] | undefined;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (r === rows.length - 1) last = terms.map((_, i) => row[keyAlias(i)] ?? null);
    for (let i = 0; i < terms.length; i++) delete row[keyAlias(i)];
  }
  return last;
}

/**
 * @internal The keyset query: the page (`SELECT <columns> FROM table [WHERE filter AND after]
 * ORDER BY terms LIMIT limit`) in a subquery, and the exact key values computed outside it, for
 * the page's rows only. (Computed in the same SELECT, PostgreSQL formats `column::text` for every
 * row it sorts, not only for the rows it returns: streaming 13,200 rows in batches of 100 by an
 * unindexed timestamp took 2.2 s instead of 0.3–0.5 s.) `columns` must include the terms' columns.
 */
export function keysetQuery(
  dialect: SqlDialect,
  table: string,
  terms: readonly KeysetTerm[],
  columns: readonly string[] | undefined,
  filter: SqlFragment | undefined,
  values: readonly unknown[] | undefined,
  limit: number,
): SqlFragment {
  const list = columns === undefined ? sql.raw("*") : sql.join(columns.map((c) => sql.id(c)));
  const conditions: SqlFragment[] = [];
  if (filter !== undefined) conditions.push(sql`(${filter})`);
  if (values !== undefined) conditions.push(afterCondition(terms, values));
  const where = conditions.length === 0 ? sql.empty : sql` WHERE ${sql.join(conditions, sql.raw(" AND "))}`;
  const order = sql.join(terms.map((t) => sql`${sortKey(t)} ${sql.raw(t.direction)} NULLS ${sql.raw(t.nulls)}`));
  const page = sql`SELECT ${list} FROM ${sql.id(table)}${where} ORDER BY ${order} LIMIT ${sql.raw(String(limit))}`;
  return sql`SELECT ${sql.id(PAGE_ALIAS)}.*, ${keyColumns(dialect, terms)} FROM (${page}) AS ${sql.id(PAGE_ALIAS)} ORDER BY ${order}`;
}

const PAGE_ALIAS = "__tablekit_page";

/** The expression a term sorts and compares by: the column, or its number for a numeric term. */
function sortKey(term: KeysetTerm): SqlFragment {
  return term.numeric !== undefined ? sql`${sql.raw(term.numeric)}(${sql.id(term.column)})` : sql.id(term.column);
}

/** A value as stored in a cursor: JSON, with tags for the types JSON cannot carry. */
function encodeValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : { $f: String(value) };
    case "bigint":
      return { $n: value.toString() };
    default:
      if (value instanceof Date) return { $d: value.toISOString() };
      if (value instanceof Uint8Array) return { $b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
      return { $j: value };
  }
}

function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) throw new Error("array");
  const entries = Object.entries(value);
  if (entries.length !== 1) throw new Error("tag");
  const [tag, inner] = entries[0]!;
  switch (tag) {
    case "$f":
      return Number(inner);
    case "$n":
      if (typeof inner !== "string" || !/^-?\d+$/.test(inner)) throw new Error("bigint");
      return BigInt(inner);
    case "$d": {
      const date = new Date(String(inner));
      if (typeof inner !== "string" || Number.isNaN(date.getTime())) throw new Error("date");
      return date;
    }
    case "$b":
      if (typeof inner !== "string") throw new Error("bytes");
      return Buffer.from(inner, "base64");
    case "$j":
      return inner;
    default:
      throw new Error("tag");
  }
}

/**
 * @internal The opaque cursor after a row: base64url JSON of the ordering's signature and the row's
 * exact key values for each term, as {@link takeKeys} returns them (bigints and bytes tagged so
 * they come back with their types).
 */
export function encodeCursor(terms: readonly KeysetTerm[], values: readonly unknown[]): string {
  const payload = { k: signature(terms), v: values.map(encodeValue) };
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** @internal The values stored in a cursor; a malformed cursor, or one made for another ordering, is a ValidationError. */
export function decodeCursor(cursor: unknown, terms: readonly KeysetTerm[]): unknown[] {
  const invalid = (why: string) =>
    new ValidationError(`Invalid pagination cursor: ${why}; pass the nextCursor of a previous page with the same orderBy`, [
      { message: why, path: ["after"] },
    ]);
  if (typeof cursor !== "string" || cursor === "" || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid("not a cursor string");
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("not a cursor string");
  }
  const p = payload as { k?: unknown; v?: unknown };
  if (typeof p !== "object" || p === null || typeof p.k !== "string" || !Array.isArray(p.v)) throw invalid("not a cursor string");
  if (p.k !== signature(terms)) throw invalid("it was made for a different orderBy");
  if (p.v.length !== terms.length) throw invalid("it does not match the ordering");
  try {
    return p.v.map(decodeValue);
  } catch {
    throw invalid("it holds a malformed value");
  }
}

/**
 * @internal The condition for rows strictly after `values` in the keyset ordering: for some term i,
 * the terms before it are equal and term i comes later, NULL placement included. Values are the
 * database's own (see {@link keyColumns}), bound as they are: the comparison is exact.
 */
export function afterCondition(terms: readonly KeysetTerm[], values: readonly unknown[]): SqlFragment {
  const alternatives: SqlFragment[] = [];
  const equal: SqlFragment[] = [];
  for (let i = 0; i < terms.length; i++) {
    const { direction, nulls, numeric } = terms[i]!;
    const id = sortKey(terms[i]!);
    const value = numeric !== undefined && values[i] !== null && values[i] !== undefined ? sql`${sql.raw(numeric)}(${values[i]})` : values[i];
    const isNull = value === null || value === undefined;
    let later: SqlFragment | undefined;
    if (isNull) {
      // After NULL: nothing when NULLs come last; every non-NULL value when they come first.
      if (nulls === "FIRST") later = sql`${id} IS NOT NULL`;
    } else {
      const compare = direction === "ASC" ? sql`${id} > ${value}` : sql`${id} < ${value}`;
      later = nulls === "LAST" ? sql`(${compare} OR ${id} IS NULL)` : compare;
    }
    if (later !== undefined) alternatives.push(equal.length === 0 ? later : sql`(${sql.join([...equal, later], sql.raw(" AND "))})`);
    equal.push(isNull ? sql`${id} IS NULL` : sql`${id} = ${value}`);
  }
  return alternatives.length === 0 ? sql`(1 = 0)` : sql`(${sql.join(alternatives, sql.raw(" OR "))})`;
}
