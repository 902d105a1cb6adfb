/**
 * Object filters (`{ age: { gt: 25 }, OR: [...] }`) compiled to SQL conditions with bound parameters.
 * Every part of tablekit that filters rows (find, count, update, delete) goes through {@link compileWhere}.
 *
 * @module
 */

import { ValidationError } from "../errors/errors.js";
import type { ValidationIssue } from "../errors/errors.js";
import { assertIdentifier, formatForMessage, isIdentifier, quoteIdentifier } from "./identifiers.js";
import { DECIMAL_KEY_FUNCTION, decimalKey, decimalNumberOfParameterSql, decimalNumberSql } from "../backends/common/decimal-key.js";
import { isPlainObject } from "../util/is-plain-object.js";
import { SqlFragment } from "./sql-tag.js";
import { TablekitError } from "../errors/errors.js";

/**
 * Comparison operators for one column. Several operators in one object are combined with AND.
 * `eq: null` / `ne: null` test for NULL; `in: []` matches nothing and `notIn: []` matches everything.
 */
export interface Operators<V = unknown> {
  /** Equal (`=`); `null` means `IS NULL`. */
  eq?: V | null;
  /** Not equal (`<>`, so rows where the column is NULL never match); `null` means `IS NOT NULL`. */
  ne?: V | null;
  /** Greater than. */
  gt?: V;
  /** Greater than or equal. */
  gte?: V;
  /** Less than. */
  lt?: V;
  /** Less than or equal. */
  lte?: V;
  /** Equal to one of the values (bound as a single parameter, however long the list). `null` elements are rejected. */
  in?: readonly V[];
  /** Equal to none of the values. `null` elements are rejected. */
  notIn?: readonly V[];
  /** SQL `LIKE` pattern (`%` and `_` wildcards). Case sensitivity follows the database. */
  like?: string;
  /** Case-insensitive `LIKE` (PostgreSQL `ILIKE`; `lower(col) LIKE lower(?)` on SQLite). */
  ilike?: string;
  /** `true`: `IS NULL`; `false`: `IS NOT NULL`. */
  isNull?: boolean;
}

/**
 * A row filter: each column key holds a value (equality), `null` (IS NULL) or an {@link Operators} object;
 * `AND`, `OR` and `NOT` combine filters. Sibling keys are combined with AND. The keys `AND`, `OR` and `NOT`
 * are reserved, so columns with those names cannot be filtered with this form.
 *
 * ```ts
 * const where: Where<User> = { active: true, age: { gte: 18 }, OR: [{ role: "admin" }, { role: "owner" }] };
 * ```
 */
export type Where<Row extends object = Record<string, unknown>> = {
  [K in keyof Row]?: Row[K] | null | Operators<Row[K]>;
} & {
  /** Every filter must match. */
  AND?: readonly Where<Row>[];
  /** At least one filter must match (an empty list matches nothing). */
  OR?: readonly Where<Row>[];
  /** The filter (or all the filters of a list) must not match. */
  NOT?: Where<Row> | readonly Where<Row>[];
};

/** What {@link compileWhere} needs from a backend: placeholders, value encoding, lists and case-insensitive LIKE. */
export interface WhereDialect {
  /** Placeholder for the parameter at a 1-based index: `"?"` on SQLite, `"$n"` on PostgreSQL. */
  placeholder(index: number): string;
  /** Converts a JS value to the value bound for it. */
  encodeValue(value: unknown): unknown;
  /**
   * Membership test of an already-quoted column in one list parameter, e.g. SQLite
   * `"age" IN (SELECT value FROM json_each(?))`, PostgreSQL `"age" = ANY($1)` / `NOT ("age" = ANY($1))`.
   */
  inList(column: string, placeholder: string, negate: boolean): string;
  /** The single bound value for {@link WhereDialect.inList}, from already-encoded values (SQLite: JSON text; PostgreSQL: the array). */
  encodeList(values: readonly unknown[]): unknown;
  /** Case-insensitive LIKE of an already-quoted column: SQLite `lower(col) LIKE lower(?)`, PostgreSQL `col ILIKE $1`. */
  ilike(column: string, placeholder: string, negate: boolean): string;
}

/** The table a filter applies to: its name (for messages) and, when known, its columns (unknown ones are rejected). */
export interface WhereContext {
  /** Table name, used in error messages. */
  table?: string | undefined;
  /** Known columns; a filter naming any other column throws {@link IdentifierError}. */
  columns?: ReadonlySet<string> | undefined;
  /**
   * Per-column handling of compared values, from the declared types (SQLite; see
   * `src/crud/column-values.ts`): values are converted as a write would store them (an uppercase
   * UUID lowercased, timestamp text as its instant), and numeric columns stored as text (DECIMAL)
   * compare as numbers. Columns not in the map are compared as given.
   */
  columnValues?: ReadonlyMap<string, ColumnFilter> | undefined;
}

/** How values compared with one column are bound; see {@link WhereContext.columnValues}. */
export interface ColumnFilter {
  /** The value to compare with, as the column stores it (returned unchanged when it cannot be converted). */
  value(value: unknown): unknown;
  /** Whether the column and the value are compared as exact numbers (`tablekit_decimal_key(…)`, SQLite's DECIMAL; see decimal-key.ts). */
  readonly numeric: boolean;
  /**
   * For `in`/`notIn` lists, when the list cannot carry the column's values as they are (SQLite's
   * JSON list has no bytes): the expression compared (given the quoted column) and each element's
   * form in the list.
   */
  readonly list?: { column(quoted: string): string; value(value: unknown): unknown } | undefined;
}

/** Deepest nesting of AND/OR/NOT accepted in a filter. */
export const MAX_WHERE_DEPTH = 32;

/** Most filter objects and conditions accepted in one filter, so hostile (e.g. self-referencing) input stays cheap. */
export const MAX_WHERE_NODES = 100_000;

const OPERATOR_LIST = "eq, ne, gt, gte, lt, lte, in, notIn, like, ilike, isNull";

interface State {
  readonly dialect: WhereDialect;
  readonly params: unknown[];
  readonly context: WhereContext | undefined;
  /** Path of the value being compiled, for issues (pushed and popped as the compiler descends). */
  readonly path: (string | number)[];
  issues: ValidationIssue[] | undefined;
  nodes: number;
}

/**
 * Compiles a filter to a SQL condition (without the `WHERE` keyword), pushing bound values onto `params`.
 * Each placeholder is `dialect.placeholder(params.length)` right after its value is pushed, so callers may
 * put other parameters first. Returns `""` for `undefined`, `null` and `{}`. Throws {@link ValidationError}
 * (listing every problem, with paths) for malformed filters and {@link IdentifierError} for bad or unknown
 * column names; `params` is left as it was when it throws.
 *
 * ```ts
 * const params: unknown[] = [];
 * compileWhere({ active: true, age: { gt: 25, lte: 60 } }, dialect, params); // dialect: a SQLite WhereDialect
 * // '"active" = ? AND ("age" > ? AND "age" <= ?)', params: [1, 25, 60] (true encoded as 1 by the dialect)
 * ```
 */
export function compileWhere(
  where: Where<any> | undefined | null,
  dialect: WhereDialect,
  params: unknown[],
  context?: WhereContext,
): string {
  if (where === undefined || where === null) return "";
  if (!isPlainObject(where)) {
    const message = `must be a plain object such as { id: 1 }, not ${describeType(where)}`;
    throw validationError([{ message, path: [] }], context);
  }
  const start = params.length;
  const state: State = { dialect, params, context, path: [], issues: undefined, nodes: 0 };
  const parts: string[] = [];
  try {
    collectObject(state, where, parts, 0);
  } catch (error) {
    params.length = start;
    throw error;
  }
  if (state.issues !== undefined) {
    params.length = start;
    throw validationError(state.issues, context);
  }
  return parts.length === 0 ? "" : parts.length === 1 ? (parts[0] as string) : parts.join(" AND ");
}

/**
 * A `where` filter as a `sql` fragment: the SQL a statement composes with the `sql` tag, its
 * values bound and its placeholders left to the dialect when the whole statement is rendered.
 * The dialect supplies value encoding, `IN` lists and case-insensitive `LIKE`; undefined for an
 * empty filter. Throws like {@link compileWhere}.
 *
 * ```ts
 * const filter = compileWhereFragment({ age: { gte: 30 } }, dialect, { table: "users", columns });
 * sql`SELECT * FROM ${sql.id("users")} WHERE ${filter}`;
 * ```
 */
export function compileWhereFragment(where: Where<any> | undefined | null, dialect: WhereDialect, context?: WhereContext): SqlFragment | undefined {
  const params: unknown[] = [];
  // Each value's place is marked by a NUL, which compiled filter text cannot hold otherwise
  // (identifiers are [A-Za-z0-9_], values are bound), and the text is cut there.
  const text = compileWhere(where, marking(dialect), params, context);
  if (text === "") return undefined;
  const strings = text.split(PLACE);
  if (strings.length !== params.length + 1) throw new TablekitError("tablekit could not compile a filter into a fragment (placeholder mismatch)");
  return new SqlFragment(strings, params);
}

const PLACE = "\u0000";

/** The dialect with every placeholder a {@link PLACE} mark, made once per dialect object. */
const MARKING = new WeakMap<WhereDialect, WhereDialect>();
function marking(dialect: WhereDialect): WhereDialect {
  let found = MARKING.get(dialect);
  if (found === undefined) {
    found = { ...dialect, placeholder: () => PLACE };
    MARKING.set(dialect, found);
  }
  return found;
}

/**
 * @internal A filter compiled once, for the dialect it runs on: a Table validates a `where` by
 * compiling it with {@link compileWhereFragment} and hands the result to the statement builders,
 * which use its fragment as it is instead of compiling the filter again. Only tablekit builds one;
 * a `where` given to the public API is never one.
 */
export class CompiledWhere {
  /** The filter's fragment (values encoded for the dialect), or undefined for an empty filter. */
  readonly fragment: SqlFragment | undefined;
  constructor(fragment: SqlFragment | undefined) {
    this.fragment = fragment;
  }
}

/** Compiles the keys of one filter object, pushing each condition onto `out` (to be ANDed). */
function collectObject(state: State, object: Record<string, unknown>, out: string[], depth: number): void {
  if (depth > MAX_WHERE_DEPTH) {
    addIssue(state, `nests AND/OR/NOT deeper than ${MAX_WHERE_DEPTH} levels`);
    throw validationError(state.issues as ValidationIssue[], state.context);
  }
  countNode(state);
  const path = state.path;
  const keys = Object.keys(object);
  checkOwnKeys(state, object, keys);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    const value = object[key];
    path.push(key);
    if (key === "AND") collectAnd(state, value, out, depth);
    else if (key === "OR") collectOr(state, value, out, depth);
    else if (key === "NOT") collectNot(state, value, out, depth);
    else compileColumn(state, key, value, out);
    path.pop();
  }
}

function collectAnd(state: State, value: unknown, out: string[], depth: number): void {
  if (!Array.isArray(value)) {
    addIssue(state, `must be an array of filters, e.g. AND: [{ a: 1 }, { b: 2 }], not ${describeType(value)}`);
    return;
  }
  const before = out.length;
  const path = state.path;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    path.push(i);
    if (isPlainObject(element)) collectObject(state, element, out, depth + 1);
    else addIssue(state, `must be a filter object, not ${describeType(element)}`);
    path.pop();
  }
  if (out.length === before) out.push("1 = 1");
}

function collectOr(state: State, value: unknown, out: string[], depth: number): void {
  if (!Array.isArray(value)) {
    addIssue(state, `must be an array of filters, e.g. OR: [{ a: 1 }, { b: 2 }], not ${describeType(value)}`);
    return;
  }
  if (value.length === 0) {
    out.push("1 = 0");
    return;
  }
  const params = state.params;
  const mark = params.length;
  const path = state.path;
  const sub: string[] = [];
  let text = "";
  let count = 0;
  let alwaysTrue = false;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    path.push(i);
    if (isPlainObject(element)) {
      sub.length = 0;
      collectObject(state, element, sub, depth + 1);
      if (sub.length === 0) {
        alwaysTrue = true; // an empty filter matches every row
      } else {
        const term = sub.length === 1 ? (sub[0] as string) : "(" + sub.join(" AND ") + ")";
        text = count === 0 ? term : text + " OR " + term;
        count++;
      }
    } else {
      addIssue(state, `must be a filter object, not ${describeType(element)}`);
    }
    path.pop();
  }
  if (alwaysTrue) {
    params.length = mark; // drop the parameters of the discarded alternatives
    out.push("1 = 1");
  } else if (count === 1) {
    out.push(text);
  } else if (count > 1) {
    out.push("(" + text + ")");
  }
}

function collectNot(state: State, value: unknown, out: string[], depth: number): void {
  const sub: string[] = [];
  if (Array.isArray(value)) {
    const path = state.path;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      path.push(i);
      if (isPlainObject(element)) collectObject(state, element, sub, depth + 1);
      else addIssue(state, `must be a filter object, not ${describeType(element)}`);
      path.pop();
    }
  } else if (isPlainObject(value)) {
    collectObject(state, value, sub, depth + 1);
  } else {
    addIssue(state, `must be a filter object or an array of filters, not ${describeType(value)}`);
    return;
  }
  // NOT of an empty filter (which matches everything) matches nothing.
  out.push(sub.length === 0 ? "1 = 0" : "NOT (" + (sub.length === 1 ? sub[0] : sub.join(" AND ")) + ")");
}

function compileColumn(state: State, key: string, value: unknown, out: string[]): void {
  countNode(state);
  const column = quoteIdentifier(assertIdentifier(key, "column", state.context));
  if (value === null) {
    out.push(column + " IS NULL");
    return;
  }
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      out.push(comparisonOf(state, key, column, value));
      return;
    case "undefined":
      addIssue(state, "is undefined; use null to match NULL");
      return;
    case "function":
    case "symbol":
      addIssue(state, `is a ${typeof value}, which cannot be compared`);
      return;
    default:
      if (Array.isArray(value)) {
        addIssue(state, "is an array; to match any of several values write { in: [...] }");
      } else if (isPlainObject(value)) {
        compileOperators(state, column, value, out, key);
      } else {
        out.push(comparisonOf(state, key, column, value)); // Date, Uint8Array, Buffer and other class instances
      }
  }
}

function compileOperators(state: State, column: string, operators: Record<string, unknown>, out: string[], key: string): void {
  const keys = Object.keys(operators);
  const before = state.issues?.length ?? 0;
  checkOwnKeys(state, operators, keys);
  if (keys.length === 0 && (state.issues?.length ?? 0) === before) {
    addIssue(state, "is an empty operator object; use an operator such as { eq: value }, or null to match NULL");
    return;
  }
  const path = state.path;
  let text = "";
  let count = 0;
  for (let k = 0; k < keys.length; k++) {
    const operator = keys[k] as string;
    const value = operators[operator];
    path.push(operator);
    let condition: string | undefined;
    switch (operator) {
      case "eq":
        condition = value === null ? column + " IS NULL" : comparison(state, column, " = ", value, key);
        break;
      case "ne":
        condition = value === null ? column + " IS NOT NULL" : comparison(state, column, " <> ", value, key);
        break;
      case "gt":
        condition = comparison(state, column, " > ", value, key);
        break;
      case "gte":
        condition = comparison(state, column, " >= ", value, key);
        break;
      case "lt":
        condition = comparison(state, column, " < ", value, key);
        break;
      case "lte":
        condition = comparison(state, column, " <= ", value, key);
        break;
      case "in":
        condition = list(state, column, value, false, key);
        break;
      case "notIn":
        condition = list(state, column, value, true, key);
        break;
      case "like":
        if (typeof value === "string") condition = column + " LIKE " + bind(state, value);
        else addIssue(state, `must be a string pattern, not ${describeType(value)}`);
        break;
      case "ilike":
        if (typeof value === "string") condition = state.dialect.ilike(column, bind(state, value), false);
        else addIssue(state, `must be a string pattern, not ${describeType(value)}`);
        break;
      case "isNull":
        if (value === true) condition = column + " IS NULL";
        else if (value === false) condition = column + " IS NOT NULL";
        else addIssue(state, `must be true or false, not ${describeType(value)}`);
        break;
      default:
        addIssue(
          state,
          `is not a known operator; valid operators are ${OPERATOR_LIST} (to compare with an object value, write { eq: value })`,
        );
    }
    path.pop();
    if (condition !== undefined) {
      text = count === 0 ? condition : text + " AND " + condition;
      count++;
    }
  }
  if (count === 1) out.push(text);
  else if (count > 1) out.push("(" + text + ")");
}

/** `column <op> placeholder` for a non-null comparison value, or an issue. */
function comparison(state: State, column: string, operator: string, value: unknown, key: string): string | undefined {
  const problem = valueProblem(value);
  if (problem !== undefined) {
    addIssue(state, problem);
    return undefined;
  }
  if (state.context?.columnValues?.get(key)?.numeric === true) return numericComparison(state, column, operator, value, key);
  return compared(state, key, column) + operator + bind(state, value, key);
}

const STRICT: Readonly<Record<string, string>> = { " > ": " > ", " >= ": " > ", " < ": " < ", " <= ": " < " };

/**
 * A comparison of a DECIMAL column stored as text (SQLite), exact and mostly at the speed of
 * `CAST(… AS NUMERIC)`: the doubles decide unless they are equal (text → double rounding is
 * monotonic, so a strict order of the doubles is the order of the numbers); only then are the
 * exact order keys compared (`tablekit_decimal_key`, a JavaScript call per row: 7–10× the cost of
 * the CAST over a 100,000-row scan, so it is kept off rows the doubles decide). NaN and ±Infinity
 * get ±∞ doubles (`decimalNumberSql`), where the CAST would read them as 0.
 */
function numericComparison(state: State, column: string, operator: string, value: unknown, key: string): string {
  const number = decimalNumberSql(column);
  const exact = `${DECIMAL_KEY_FUNCTION}(${column})`;
  const bound = (): string => decimalNumberOfParameterSql(bind(state, value, key));
  const boundKey = (): string => `${DECIMAL_KEY_FUNCTION}(${bind(state, value, key)})`;
  if (operator === " = ") return `(${number} = ${bound()} AND ${exact} = ${boundKey()})`;
  if (operator === " <> ") return `(${number} <> ${bound()} OR ${exact} <> ${boundKey()})`;
  const strict = STRICT[operator];
  if (strict === undefined) return exact + operator + boundKey();
  return `(${number}${strict}${bound()} OR (${number} = ${bound()} AND ${exact}${operator}${boundKey()}))`;
}

/** `column = placeholder`, exact for a numeric column stored as text (see {@link numericComparison}). */
function comparisonOf(state: State, key: string, column: string, value: unknown): string {
  if (state.context?.columnValues?.get(key)?.numeric === true) return numericComparison(state, column, " = ", value, key);
  return column + " = " + bind(state, value, key);
}

/** The column as compared: `tablekit_decimal_key(column)` for a numeric column stored as text (see {@link WhereContext.columnValues}). */
function compared(state: State, key: string, column: string): string {
  return state.context?.columnValues?.get(key)?.numeric === true ? `${DECIMAL_KEY_FUNCTION}(${column})` : column;
}

/** Why `value` cannot be bound in a comparison, or undefined when it can. */
function valueProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return undefined;
    case "undefined":
      return "is undefined; use null to match NULL";
    case "function":
    case "symbol":
      return `is a ${typeof value}, which cannot be compared`;
    default:
      if (value === null) return "cannot be null here; comparisons with NULL never match (use isNull)";
      if (Array.isArray(value)) return "is an array; to match any of several values write { in: [...] }";
      return undefined;
  }
}

function list(state: State, column: string, value: unknown, negate: boolean, key: string): string | undefined {
  const filter = state.context?.columnValues?.get(key);
  if (!Array.isArray(value)) {
    addIssue(state, `must be an array of values, not ${describeType(value)}`);
    return undefined;
  }
  const length = value.length;
  if (length === 0) return negate ? "1 = 1" : "1 = 0";
  const dialect = state.dialect;
  const encoded: unknown[] = new Array<unknown>(length);
  let ok = true;
  for (let i = 0; i < length; i++) {
    const element: unknown = value[i];
    const problem =
      element === null
        ? "is null, which never matches in a list; combine with { isNull: true } in an OR instead"
        : isPlainObject(element)
          ? "is an object; list elements must be plain values"
          : valueProblem(element);
    if (problem !== undefined) {
      state.path.push(i);
      addIssue(state, problem);
      state.path.pop();
      ok = false;
    } else if (ok) {
      let v = filter === undefined ? element : filter.value(element);
      if (filter?.list !== undefined) v = filter.list.value(v);
      // A numeric column compares order keys (decimal-key.ts): the list holds the values' keys.
      if (filter?.numeric === true) v = decimalKey(v);
      encoded[i] = dialect.encodeValue(v);
    }
  }
  if (!ok) return undefined;
  const params = state.params;
  params.push(dialect.encodeList(encoded));
  const compared = filter?.list !== undefined ? filter.list.column(column) : filter?.numeric === true ? `${DECIMAL_KEY_FUNCTION}(${column})` : column;
  return dialect.inList(compared, dialect.placeholder(params.length), negate);
}

function bind(state: State, value: unknown, key?: string): string {
  const params = state.params;
  const filter = key === undefined ? undefined : state.context?.columnValues?.get(key);
  params.push(state.dialect.encodeValue(filter === undefined ? value : filter.value(value)));
  const placeholder = state.dialect.placeholder(params.length);
  return placeholder;
}

/**
 * Only own enumerable string keys are filter data. A symbol key or a non-enumerable own property
 * is an issue, never ignored: ignoring `{ [Symbol("id")]: 1 }` would match every row.
 */
function checkOwnKeys(state: State, object: object, keys: readonly string[]): void {
  // Two counts first (cheap); Reflect.ownKeys (~10x slower) only to explain a problem.
  if (Object.getOwnPropertyNames(object).length === keys.length && Object.getOwnPropertySymbols(object).length === 0) return;
  const all = Reflect.ownKeys(object);
  const path = state.path;
  for (let i = 0; i < all.length; i++) {
    const key = all[i]!;
    if (typeof key === "symbol") {
      path.push(String(key));
      addIssue(state, "is a symbol key; filter keys must be column names or AND/OR/NOT (own enumerable string keys)");
      path.pop();
    } else if (!Object.prototype.propertyIsEnumerable.call(object, key)) {
      path.push(key);
      addIssue(state, "is not enumerable; filter keys must be own enumerable properties");
      path.pop();
    }
  }
}

function countNode(state: State): void {
  if (++state.nodes > MAX_WHERE_NODES) {
    addIssue(state, `has more than ${MAX_WHERE_NODES} filter objects and conditions`);
    throw validationError(state.issues as ValidationIssue[], state.context);
  }
}

function addIssue(state: State, message: string): void {
  const issue: ValidationIssue = { message, path: state.path.slice() };
  if (state.issues === undefined) state.issues = [issue];
  else state.issues.push(issue);
}


function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "object") {
    if (isPlainObject(value)) return "an object";
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === "string" && isIdentifier(name) ? `a ${name}` : "an object";
  }
  return type === "undefined" ? "undefined" : `a ${type}`;
}

/** How many issues the error message spells out; all of them are in `issues`. */
const ISSUES_IN_MESSAGE = 3;

function validationError(issues: readonly ValidationIssue[], context: WhereContext | undefined): ValidationError {
  let message = "Invalid filter";
  if (context?.table !== undefined) message += ` for table ${formatForMessage(context.table)}`;
  message += ": ";
  const shown = Math.min(issues.length, ISSUES_IN_MESSAGE);
  for (let i = 0; i < shown; i++) {
    const issue = issues[i] as ValidationIssue;
    message += (i === 0 ? "" : "; ") + formatPath(issue.path) + " " + issue.message;
  }
  if (issues.length > shown) message += `; and ${issues.length - shown} more`;
  return new ValidationError(message, issues);
}

/** `OR[1].age.gt`; keys that are not plain identifiers are quoted and escaped. */
function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "the filter";
  let text = "";
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string | number;
    if (typeof segment === "number") text += "[" + segment + "]";
    else if (isIdentifier(segment)) text += (i === 0 ? "" : ".") + segment;
    else text += (i === 0 ? "" : ".") + formatForMessage(segment, 40);
  }
  return text;
}
