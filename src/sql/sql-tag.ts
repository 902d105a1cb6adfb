/**
 * The `sql` tagged template: SQL text with values that are always bound as parameters, never spliced in.
 *
 * @module
 */

import { IdentifierError, ValidationError } from "../errors/errors.js";
import { assertIdentifier, quoteIdentifier } from "./identifiers.js";

/** A rendered statement: SQL text with placeholders, and the values they stand for, in order. */
export interface RenderedSql {
  /** SQL text with one placeholder per parameter. */
  sql: string;
  /** Parameter values, in placeholder order (the placeholder of `params[i]` got index `i + 1`). */
  params: unknown[];
}

/**
 * An immutable piece of SQL: literal text (`strings`) around `values`. A value that is itself a
 * `SqlFragment` is inlined when rendered; every other value becomes a bound parameter. Build fragments
 * with {@link sql}, not with the constructor.
 *
 * ```ts
 * const where = sql`age > ${25}`;
 * sql`SELECT * FROM ${sql.id("users")} WHERE ${where}`.render((i) => "$" + i);
 * // { sql: 'SELECT * FROM "users" WHERE age > $1', params: [25] }
 * ```
 */
export class SqlFragment {
  /** Literal SQL text around the values; always one element longer than `values`. */
  readonly strings: readonly string[];
  /** The interpolated values: nested fragments or parameter values. */
  readonly values: readonly unknown[];

  /**
   * Low-level constructor: `strings` is trusted SQL text, so never pass user input in it. Prefer {@link sql},
   * {@link SqlTag.id}, {@link SqlTag.join} and (for trusted text only) {@link SqlTag.raw}.
   */
  constructor(strings: readonly string[], values: readonly unknown[]) {
    if (strings.length !== values.length + 1) {
      const message = `A SqlFragment needs one more string than values (got ${strings.length} strings and ${values.length} values)`;
      throw new ValidationError(message, [{ message, path: [] }]);
    }
    this.strings = strings;
    this.values = values;
    Object.freeze(this);
  }

  /**
   * Renders the fragment: nested fragments inline, every other value pushed onto `params` with
   * `placeholder(params.length)` (1-based) written in its place. Pass an existing `params` array to continue
   * numbering after parameters that come earlier in the statement.
   *
   * ```ts
   * sql`a = ${1} AND b = ${2}`.render(() => "?"); // { sql: "a = ? AND b = ?", params: [1, 2] }
   * ```
   */
  render(placeholder: (index: number) => string, params: unknown[] = []): RenderedSql {
    return { sql: renderInto(this, placeholder, params), params };
  }
}

function renderInto(fragment: SqlFragment, placeholder: (index: number) => string, params: unknown[]): string {
  const strings = fragment.strings;
  const values = fragment.values;
  let text = strings[0] as string;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof SqlFragment) {
      text += renderInto(value, placeholder, params);
    } else {
      params.push(value);
      text += placeholder(params.length);
    }
    text += strings[i + 1] as string;
  }
  return text;
}

/**
 * Whether `x` is a {@link SqlFragment} (built by {@link sql} or one of its helpers).
 *
 * ```ts
 * isSqlFragment(sql`SELECT 1`); // true
 * isSqlFragment("SELECT 1"); // false
 * ```
 */
export function isSqlFragment(x: unknown): x is SqlFragment {
  return x instanceof SqlFragment;
}

/** The type of {@link sql}: a template tag with helpers for identifiers, trusted text and lists. */
export interface SqlTag {
  /**
   * Builds a {@link SqlFragment}; interpolated fragments are inlined and every other value becomes a bound
   * parameter. `undefined` values are rejected with {@link ValidationError} (use `null` for NULL).
   */
  (strings: TemplateStringsArray, ...values: unknown[]): SqlFragment;
  /**
   * A validated, double-quoted identifier. Several names, or one dotted string, make a qualified name;
   * each part must be a plain identifier, or {@link IdentifierError} is thrown.
   *
   * ```ts
   * sql.id("users"); // "users"
   * sql.id("app.users"); // "app"."users"   (same as sql.id("app", "users"))
   * ```
   */
  id(...names: string[]): SqlFragment;
  /**
   * UNSAFE: inserts `text` into the SQL as is, without validation or escaping. Use it only for trusted,
   * constant text (never for user input); pass values as `sql` interpolations so they are bound instead.
   *
   * ```ts
   * sql`SELECT * FROM t ORDER BY id ${sql.raw("DESC")}`;
   * ```
   */
  raw(text: string): SqlFragment;
  /**
   * Joins items with `separator` (default `sql\`, \``): fragments are inlined, other items become parameters.
   * An empty list gives {@link SqlTag.empty}.
   *
   * ```ts
   * sql`SELECT * FROM t WHERE id IN (${sql.join([1, 2, 3])})`.render(() => "?");
   * // { sql: "SELECT * FROM t WHERE id IN (?, ?, ?)", params: [1, 2, 3] }
   * ```
   */
  join(items: readonly unknown[], separator?: SqlFragment): SqlFragment;
  /** A fragment with no text and no values. */
  readonly empty: SqlFragment;
}

const EMPTY = new SqlFragment([""], []);
const COMMA = new SqlFragment([", "], []);

function sqlTemplate(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    const message = "sql must be used as a template tag (sql`SELECT ...`), not called with a string";
    throw new ValidationError(message, [{ message, path: [] }]);
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] === undefined) {
      const message = `sql template value #${i + 1} is undefined; use null for SQL NULL`;
      throw new ValidationError(message, [{ message, path: [i] }]);
    }
  }
  return new SqlFragment(strings, Object.freeze(values));
}

function id(...names: string[]): SqlFragment {
  if (names.length === 0) {
    throw new IdentifierError("sql.id() needs at least one name");
  }
  let text = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (typeof name === "string" && name.indexOf(".") !== -1) {
      const parts = name.split(".");
      for (let p = 0; p < parts.length; p++) {
        text += (text === "" ? "" : ".") + quoteIdentifier(assertIdentifier(parts[p], "identifier"));
      }
    } else {
      text += (text === "" ? "" : ".") + quoteIdentifier(assertIdentifier(name, "identifier"));
    }
  }
  return new SqlFragment([text], []);
}

function raw(text: string): SqlFragment {
  if (typeof text !== "string") {
    const message = "sql.raw() takes a string";
    throw new ValidationError(message, [{ message, path: [] }]);
  }
  return new SqlFragment([text], []);
}

function join(items: readonly unknown[], separator: SqlFragment = COMMA): SqlFragment {
  if (!Array.isArray(items)) {
    const message = "sql.join() takes an array of items";
    throw new ValidationError(message, [{ message, path: [] }]);
  }
  if (!(separator instanceof SqlFragment)) {
    const message = "sql.join() separator must be a SqlFragment, e.g. sql` AND `";
    throw new ValidationError(message, [{ message, path: [1] }]);
  }
  const count = items.length;
  if (count === 0) return EMPTY;
  const strings: string[] = [""];
  const values: unknown[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      values.push(separator);
      strings.push("");
    }
    const item: unknown = items[i];
    if (item === undefined) {
      const message = `sql.join() item #${i + 1} is undefined; use null for SQL NULL`;
      throw new ValidationError(message, [{ message, path: [0, i] }]);
    }
    values.push(item);
    strings.push("");
  }
  return new SqlFragment(Object.freeze(strings), Object.freeze(values));
}

/**
 * The `sql` template tag. Interpolated values are always bound parameters; interpolated fragments
 * (including `sql.id`, `sql.join`, `sql.raw`) are inlined.
 *
 * ```ts
 * const q = sql`SELECT * FROM ${sql.id("users")} WHERE age > ${25} AND ${sql`name = ${"a"}`}`;
 * q.render((i) => "$" + i);
 * // { sql: 'SELECT * FROM "users" WHERE age > $1 AND name = $2', params: [25, "a"] }
 * ```
 */
export const sql: SqlTag = Object.assign(sqlTemplate, { id, raw, join, empty: EMPTY });
