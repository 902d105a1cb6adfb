/**
 * Keyset pagination: an ordering made total by the primary key, NULL placement made explicit so
 * both backends sort alike, an opaque cursor holding the last row's ordering values, and the
 * filter that selects the rows after it.
 *
 * @module
 */
import type { Row } from "../dialect/dialect.js";
import { ValidationError } from "../errors/errors.js";
import type { OrderTerm } from "../sql/order-by.js";
import type { Where } from "../sql/where.js";

/** @internal One key of a keyset ordering, with its NULL placement explicit. */
export interface KeysetTerm {
  readonly column: string;
  readonly direction: "ASC" | "DESC";
  readonly nulls: "FIRST" | "LAST";
}

/**
 * @internal The ordering used for keyset reads: the caller's terms, each with explicit NULL
 * placement (default as PostgreSQL: NULLs last ascending, first descending, on every backend), then
 * the primary key ascending as the tiebreaker unless it is ordered already.
 */
export function keysetTerms(terms: readonly OrderTerm[], primaryKey: string): KeysetTerm[] {
  const out: KeysetTerm[] = [];
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term.column)) continue; // a repeated column adds nothing to the ordering
    seen.add(term.column);
    out.push({ column: term.column, direction: term.direction, nulls: term.nulls ?? (term.direction === "ASC" ? "LAST" : "FIRST") });
  }
  if (!seen.has(primaryKey)) out.push({ column: primaryKey, direction: "ASC", nulls: "LAST" });
  return out;
}

/** @internal The `orderBy` string for keyset terms. */
export function keysetOrderBy(terms: readonly KeysetTerm[]): string {
  return terms.map((t) => `${t.column} ${t.direction} NULLS ${t.nulls}`).join(", ");
}

function signature(terms: readonly KeysetTerm[]): string {
  return terms.map((t) => `${t.column}:${t.direction[0]}${t.nulls[0]}`).join(",");
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
 * @internal The opaque cursor after `row`: base64url JSON of the ordering's signature and the row's
 * values for each term (Dates, bigints and bytes tagged so they come back with their types).
 */
export function encodeCursor(terms: readonly KeysetTerm[], row: Row): string {
  const payload = { k: signature(terms), v: terms.map((t) => encodeValue(row[t.column])) };
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
 * @internal The filter for rows strictly after `values` in the keyset ordering: for some term i, the
 * terms before it are equal and term i comes later, NULL placement included.
 */
export function afterWhere(terms: readonly KeysetTerm[], values: readonly unknown[]): Where {
  const alternatives: Where[] = [];
  const equal: Where[] = [];
  for (let i = 0; i < terms.length; i++) {
    const { column, direction, nulls } = terms[i]!;
    const value = values[i];
    let later: Where | undefined;
    if (value === null || value === undefined) {
      // After NULL: nothing when NULLs come last; every non-NULL value when they come first.
      if (nulls === "FIRST") later = { [column]: { isNull: false } };
    } else {
      const compare: Where = { [column]: direction === "ASC" ? { gt: value } : { lt: value } };
      later = nulls === "LAST" ? { OR: [compare, { [column]: null }] } : compare;
    }
    if (later !== undefined) alternatives.push({ AND: [...equal, later] });
    equal.push(value === null || value === undefined ? { [column]: null } : { [column]: { eq: value } });
  }
  return { OR: alternatives };
}
