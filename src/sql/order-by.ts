/**
 * Parsing and rendering of sort orders: `"name, created_at DESC NULLS LAST"`, `{ name: "asc" }` or
 * `["name", ["created_at", "desc"]]`. Only plain column names and the ASC/DESC/NULLS keywords are accepted,
 * so an order can never carry SQL.
 *
 * @module
 */

import { ValidationError } from "../errors/errors.js";
import type { ValidationIssue } from "../errors/errors.js";
import {
  assertIdentifier,
  formatForMessage,
  isIdentifierPart,
  isIdentifierStart,
  quoteIdentifier,
} from "./identifiers.js";
import type { IdentifierContext } from "./identifiers.js";
import { isPlainObject } from "../util/is-plain-object.js";
import { DECIMAL_KEY_FUNCTION } from "../backends/common/decimal-key.js";
import { type SqlFragment, type SqlTag, sql } from "./sql-tag.js";

/** One sort key: a column, its direction and, optionally, where NULLs go. */
export interface OrderTerm {
  /** Column name (a plain identifier, unquoted). */
  column: string;
  /** Sort direction. */
  direction: "ASC" | "DESC";
  /** Where NULLs sort; the database default when absent (PostgreSQL: last for ASC; SQLite: first for ASC). */
  nulls?: "FIRST" | "LAST";
}

/** A sort direction as users may write it. */
export type OrderDirection = "asc" | "desc" | "ASC" | "DESC";

/**
 * A sort order: a string of comma-separated terms (`"name, created_at DESC NULLS LAST"`), an object of
 * column → direction (keys in insertion order), or an array of string terms and `[column, direction?]` tuples.
 *
 * ```ts
 * const a: OrderBy = "created_at DESC, id";
 * const b: OrderBy = { created_at: "desc", id: "asc" };
 * const c: OrderBy = [["created_at", "desc"], "id"];
 * ```
 */
export type OrderBy =
  | string
  | Readonly<Record<string, OrderDirection>>
  | readonly (string | readonly [string, OrderDirection?])[];

/** How many parsed order strings are kept; the same few strings repeat on every query. */
const CACHE_LIMIT = 500;
const cache = new Map<string, readonly OrderTerm[]>();

/**
 * Parses a sort order into terms, strictly: anything but column names and ASC/DESC/NULLS FIRST/NULLS LAST
 * throws {@link ValidationError}; a malformed column name (or, with `context.columns`, an unknown column)
 * throws {@link IdentifierError}. `undefined` and `null` give `[]`.
 *
 * ```ts
 * parseOrderBy("name, created_at desc nulls last");
 * // [{ column: "name", direction: "ASC" }, { column: "created_at", direction: "DESC", nulls: "LAST" }]
 * ```
 */
export function parseOrderBy(orderBy: OrderBy | undefined | null, context?: IdentifierContext): OrderTerm[] {
  if (orderBy === undefined || orderBy === null) return [];
  if (typeof orderBy === "string") return parseCached(orderBy, context, []).slice();
  if (Array.isArray(orderBy)) return parseArray(orderBy, context);
  if (isPlainObject(orderBy)) return parseObject(orderBy, context);
  throw orderError(`orderBy must be a string, an object or an array, not ${describeType(orderBy)}`, []);
}

/**
 * Renders terms as the text after `ORDER BY` (the keyword is not included); `""` for no terms.
 * Throws {@link ValidationError} for a malformed direction or nulls value and {@link IdentifierError}
 * for a malformed column, so hand-built terms are safe too.
 *
 * ```ts
 * renderOrderBy([{ column: "name", direction: "ASC" }, { column: "created_at", direction: "DESC", nulls: "LAST" }]);
 * // '"name" ASC NULLS LAST, "created_at" DESC NULLS LAST'
 * ```
 *
 * A term without `nulls` is rendered with PostgreSQL's default written out (`NULLS LAST` for ASC,
 * `NULLS FIRST` for DESC), so NULLs sort the same on every backend.
 */
export function renderOrderBy(terms: readonly OrderTerm[]): string {
  return orderText(terms, undefined);
}

/**
 * The ordering as a `sql` fragment (the text after `ORDER BY`, no values; {@link SqlTag.empty}
 * for no terms), checked as {@link renderOrderBy} checks it. A column `exact` says yes for
 * (SQLite's DECIMAL, stored as text) is ordered by its exact number,
 * `tablekit_decimal_key("price")` (decimal-key.ts), as PostgreSQL orders NUMERIC.
 *
 * ```ts
 * sql`SELECT * FROM ${sql.id("t")} ORDER BY ${orderByFragment(parseOrderBy("name DESC"))}`;
 * ```
 */
export function orderByFragment(terms: readonly OrderTerm[], exact?: (column: string) => boolean): SqlFragment {
  return terms.length === 0 ? sql.empty : sql.raw(orderText(terms, exact));
}

function orderText(terms: readonly OrderTerm[], exact: ((column: string) => boolean) | undefined): string {
  let text = "";
  for (let i = 0; i < terms.length; i++) {
    const term = terms[i] as OrderTerm;
    const direction = term.direction;
    if (direction !== "ASC" && direction !== "DESC") {
      throw orderError(`order term direction must be "ASC" or "DESC", not ${formatForMessage(direction)}`, [i, "direction"]);
    }
    const nulls = term.nulls;
    if (nulls !== undefined && nulls !== "FIRST" && nulls !== "LAST") {
      throw orderError(`order term nulls must be "FIRST", "LAST" or undefined, not ${formatForMessage(nulls)}`, [i, "nulls"]);
    }
    const column = quoteIdentifier(assertIdentifier(term.column, "column"));
    // NULLs are written out on every backend (PostgreSQL's default: last ascending, first
    // descending), since SQLite's default (and CockroachDB's) puts them first ascending.
    text +=
      (i === 0 ? "" : ", ") +
      (exact !== undefined && exact(term.column) ? `${DECIMAL_KEY_FUNCTION}(${column})` : column) +
      " " +
      direction +
      " NULLS " +
      (nulls ?? (direction === "ASC" ? "LAST" : "FIRST"));
  }
  return text;
}

function parseCached(text: string, context: IdentifierContext | undefined, path: (string | number)[]): readonly OrderTerm[] {
  let terms = cache.get(text);
  if (terms === undefined) {
    terms = parseOrderString(text, path);
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(text, terms);
  }
  if (context !== undefined && context.columns !== undefined) {
    for (let i = 0; i < terms.length; i++) assertIdentifier((terms[i] as OrderTerm).column, "column", context);
  }
  return terms;
}

function parseArray(
  entries: readonly (string | readonly [string, OrderDirection?])[],
  context: IdentifierContext | undefined,
): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i];
    if (typeof entry === "string") {
      const parsed = parseCached(entry, context, [i]);
      for (let t = 0; t < parsed.length; t++) terms.push(parsed[t] as OrderTerm);
    } else if (Array.isArray(entry)) {
      if (entry.length < 1 || entry.length > 2) {
        throw orderError(`orderBy[${i}] must be [column] or [column, direction], not an array of ${entry.length}`, [i]);
      }
      const column = assertIdentifier(entry[0], "column", context);
      const given: unknown = entry[1];
      const direction = given === undefined ? "ASC" : parseDirection(given, [i, 1]);
      terms.push(Object.freeze({ column, direction }));
    } else {
      throw orderError(`orderBy[${i}] must be a string or a [column, direction] pair, not ${describeType(entry)}`, [i]);
    }
  }
  return terms;
}

function parseObject(object: Record<string, unknown>, context: IdentifierContext | undefined): OrderTerm[] {
  const keys = Object.keys(object);
  const terms: OrderTerm[] = new Array<OrderTerm>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const column = assertIdentifier(key, "column", context);
    terms[i] = Object.freeze({ column, direction: parseDirection(object[key], [key]) });
  }
  return terms;
}

function parseDirection(value: unknown, path: (string | number)[]): "ASC" | "DESC" {
  if (value === "asc" || value === "ASC") return "ASC";
  if (value === "desc" || value === "DESC") return "DESC";
  if (typeof value === "string") {
    const upper = value.toUpperCase();
    if (upper === "ASC" || upper === "DESC") return upper;
  }
  throw orderError(`orderBy direction must be "asc" or "desc", not ${formatForMessage(value)}`, path);
}

const SPACE = 32;
const COMMA = 44;

function isSpace(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13); // space, \t, \n, \v, \f, \r
}

function skipSpaces(text: string, i: number): number {
  const length = text.length;
  while (i < length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** End of the word starting at `i` (letters, digits, `_`); `i` itself when none starts there. */
function wordEnd(text: string, i: number): number {
  const length = text.length;
  while (i < length && isIdentifierPart(text.charCodeAt(i))) i++;
  return i;
}

/** Parses `term (, term)*` where term is `column [ASC|DESC] [NULLS FIRST|NULLS LAST]`, keywords in any case. */
function parseOrderString(text: string, path: (string | number)[]): readonly OrderTerm[] {
  const length = text.length;
  const terms: OrderTerm[] = [];
  let i = 0;
  for (;;) {
    i = skipSpaces(text, i);
    if (i >= length || !isIdentifierStart(text.charCodeAt(i))) throw syntaxError(text, i, "a column name", path);
    let end = wordEnd(text, i + 1);
    const column = assertIdentifier(text.slice(i, end), "column");
    let direction: "ASC" | "DESC" = "ASC";
    let explicitDirection = false;
    let nulls: "FIRST" | "LAST" | undefined;
    i = skipSpaces(text, end);
    end = wordEnd(text, i);
    let word = text.slice(i, end).toUpperCase();
    if (word === "ASC" || word === "DESC") {
      direction = word;
      explicitDirection = true;
      i = skipSpaces(text, end);
      end = wordEnd(text, i);
      word = text.slice(i, end).toUpperCase();
    }
    if (word === "NULLS") {
      i = skipSpaces(text, end);
      end = wordEnd(text, i);
      word = text.slice(i, end).toUpperCase();
      if (word !== "FIRST" && word !== "LAST") throw syntaxError(text, i, "FIRST or LAST after NULLS", path);
      nulls = word;
      i = skipSpaces(text, end);
    }
    terms.push(Object.freeze(nulls === undefined ? { column, direction } : { column, direction, nulls }));
    if (i >= length) break;
    if (text.charCodeAt(i) !== COMMA) {
      const expected =
        nulls !== undefined
          ? '"," or the end'
          : explicitDirection
            ? 'NULLS FIRST, NULLS LAST, "," or the end'
            : 'ASC, DESC, NULLS FIRST, NULLS LAST, "," or the end';
      throw syntaxError(text, i, expected, path);
    }
    i++;
  }
  return terms; // not frozen: slicing a frozen array is slow in V8, and the cached array never leaves this module
}

function syntaxError(text: string, position: number, expected: string, path: (string | number)[]): ValidationError {
  const found =
    position >= text.length ? "the end" : formatForMessage(text.slice(position, position + 20), 20);
  return orderError(
    `Invalid orderBy ${formatForMessage(text)}: expected ${expected} at position ${position}, found ${found}; ` +
      'write terms like "name, created_at DESC NULLS LAST"',
    path,
  );
}

function orderError(message: string, path: readonly (string | number)[]): ValidationError {
  const issue: ValidationIssue = { message, path };
  return new ValidationError(message, [issue]);
}


function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : type === "undefined" ? "undefined" : `a ${type}`;
}
