/**
 * Object filters (`{ age: { gt: 25 }, OR: [...] }`) compiled to `sql` fragments with bound values.
 * Every part of tablekit that filters rows (find, count, update, delete, pages, relation loads)
 * goes through {@link compileWhereFragment}, the one filter compiler.
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

/**
 * What {@link compileWhereFragment} needs from a backend: value encoding, lists and
 * case-insensitive LIKE. `inList` and `ilike` are templates: the compiler passes a mark as
 * `placeholder` and cuts the returned text there into a fragment that holds the value, so the
 * statement's placeholders are still written only when it is rendered for the driver.
 */
export interface WhereDialect {
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
  readonly context: WhereContext | undefined;
  /** Path of the value being compiled, for issues (pushed and popped as the compiler descends). */
  readonly path: (string | number)[];
  issues: ValidationIssue[] | undefined;
  nodes: number;
}

/** A condition without values (`"age" IS NULL`, `1 = 0`). */
function text(condition: string): SqlFragment {
  return new SqlFragment([condition], NO_VALUES);
}

const NO_VALUES: readonly unknown[] = Object.freeze([]);
const ALWAYS = text("1 = 1");
const NEVER = text("1 = 0");

/**
 * The conditions `parts` joined by `separator` into one flat fragment (no nested fragments, so
 * rendering it is one loop), wrapped in `open`/`close`. One part without a wrapper is returned as is.
 */
function joinFlat(parts: readonly SqlFragment[], separator: string, open: string, close: string): SqlFragment {
  if (parts.length === 1 && open === "" && close === "") return parts[0]!;
  const strings: string[] = [];
  const values: unknown[] = [];
  let current = open;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i > 0) current += separator;
    const partStrings = part.strings;
    const partValues = part.values;
    current += partStrings[0]!;
    for (let j = 0; j < partValues.length; j++) {
      strings.push(current);
      values.push(partValues[j]);
      current = partStrings[j + 1]!;
    }
  }
  strings.push(current + close);
  return new SqlFragment(strings, values);
}

/**
 * Compiles a filter to a `sql` fragment: the condition (without the `WHERE` keyword) with its
 * values bound, already encoded by the dialect; placeholders are written only when the statement
 * holding it is rendered for the driver. The dialect supplies value encoding, `IN` lists and
 * case-insensitive `LIKE`. Returns undefined for `undefined`, `null` and `{}`. Throws
 * {@link ValidationError} (listing every problem, with paths) for malformed filters and
 * {@link IdentifierError} for bad or unknown column names. This is tablekit's one filter compiler.
 *
 * ```ts
 * const filter = compileWhereFragment({ active: true, age: { gt: 25, lte: 60 } }, dialect, { table: "users", columns });
 * sql`SELECT * FROM ${sql.id("users")} WHERE ${filter}`.render(() => "?");
 * // 'SELECT * FROM "users" WHERE "active" = ? AND ("age" > ? AND "age" <= ?)', params: [1, 25, 60] (true encoded as 1 by the dialect)
 * ```
 */
export function compileWhereFragment(where: Where<any> | undefined | null, dialect: WhereDialect, context?: WhereContext): SqlFragment | undefined {
  if (where === undefined || where === null) return undefined;
  if (!isPlainObject(where)) {
    const message = `must be a plain object such as { id: 1 }, not ${describeType(where)}`;
    throw validationError([{ message, path: [] }], context);
  }
  const state: State = { dialect, context, path: [], issues: undefined, nodes: 0 };
  const parts: SqlFragment[] = [];
  collectObject(state, where, parts, 0);
  if (state.issues !== undefined) throw validationError(state.issues, context);
  return parts.length === 0 ? undefined : joinFlat(parts, " AND ", "", "");
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
function collectObject(state: State, object: Record<string, unknown>, out: SqlFragment[], depth: number): void {
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

function collectAnd(state: State, value: unknown, out: SqlFragment[], depth: number): void {
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
  if (out.length === before) out.push(ALWAYS);
}

function collectOr(state: State, value: unknown, out: SqlFragment[], depth: number): void {
  if (!Array.isArray(value)) {
    addIssue(state, `must be an array of filters, e.g. OR: [{ a: 1 }, { b: 2 }], not ${describeType(value)}`);
    return;
  }
  if (value.length === 0) {
    out.push(NEVER);
    return;
  }
  const path = state.path;
  const terms: SqlFragment[] = [];
  let alwaysTrue = false;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    path.push(i);
    if (isPlainObject(element)) {
      const sub: SqlFragment[] = [];
      collectObject(state, element, sub, depth + 1);
      if (sub.length === 0) alwaysTrue = true; // an empty filter matches every row
      else terms.push(sub.length === 1 ? sub[0]! : joinFlat(sub, " AND ", "(", ")"));
    } else {
      addIssue(state, `must be a filter object, not ${describeType(element)}`);
    }
    path.pop();
  }
  // An alternative that matches every row makes the OR match every row: the other alternatives
  // (and their values) are dropped.
  if (alwaysTrue) out.push(ALWAYS);
  else if (terms.length === 1) out.push(terms[0]!);
  else if (terms.length > 1) out.push(joinFlat(terms, " OR ", "(", ")"));
}

function collectNot(state: State, value: unknown, out: SqlFragment[], depth: number): void {
  const sub: SqlFragment[] = [];
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
  out.push(sub.length === 0 ? NEVER : joinFlat(sub, " AND ", "NOT (", ")"));
}

function compileColumn(state: State, key: string, value: unknown, out: SqlFragment[]): void {
  countNode(state);
  const column = quoteIdentifier(assertIdentifier(key, "column", state.context));
  if (value === null) {
    out.push(text(column + " IS NULL"));
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

function compileOperators(state: State, column: string, operators: Record<string, unknown>, out: SqlFragment[], key: string): void {
  const keys = Object.keys(operators);
  const before = state.issues?.length ?? 0;
  checkOwnKeys(state, operators, keys);
  if (keys.length === 0 && (state.issues?.length ?? 0) === before) {
    addIssue(state, "is an empty operator object; use an operator such as { eq: value }, or null to match NULL");
    return;
  }
  const path = state.path;
  let first: SqlFragment | undefined;
  let conditions: SqlFragment[] | undefined;
  for (let k = 0; k < keys.length; k++) {
    const operator = keys[k] as string;
    const value = operators[operator];
    path.push(operator);
    let condition: SqlFragment | undefined;
    switch (operator) {
      case "eq":
        condition = value === null ? text(column + " IS NULL") : comparison(state, column, " = ", value, key);
        break;
      case "ne":
        condition = value === null ? text(column + " IS NOT NULL") : comparison(state, column, " <> ", value, key);
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
        if (typeof value === "string") condition = new SqlFragment([column + " LIKE ", ""], [bind(state, value)]);
        else addIssue(state, `must be a string pattern, not ${describeType(value)}`);
        break;
      case "ilike":
        if (typeof value === "string") condition = holeOf(state.dialect.ilike(column, PLACE, false), bind(state, value));
        else addIssue(state, `must be a string pattern, not ${describeType(value)}`);
        break;
      case "isNull":
        if (value === true) condition = text(column + " IS NULL");
        else if (value === false) condition = text(column + " IS NOT NULL");
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
      if (first === undefined) first = condition;
      else (conditions ??= [first]).push(condition);
    }
  }
  if (conditions !== undefined) out.push(joinFlat(conditions, " AND ", "(", ")"));
  else if (first !== undefined) out.push(first);
}

/**
 * The mark a dialect's `inList`/`ilike` template gets in place of its placeholder: the condition
 * is cut there into a fragment with one value. Compiled filter text cannot hold a NUL otherwise
 * (identifiers are [A-Za-z0-9_], values are bound).
 */
const PLACE = "\u0000";

/** A dialect's one-value template (`inList`, `ilike`, written with {@link PLACE}) as a fragment holding `value`. */
function holeOf(template: string, value: unknown): SqlFragment {
  const at = template.indexOf(PLACE);
  if (at === -1 || template.indexOf(PLACE, at + 1) !== -1) {
    throw new TablekitError("tablekit could not compile a filter: the dialect's condition template must hold its placeholder once");
  }
  return new SqlFragment([template.slice(0, at), template.slice(at + 1)], [value]);
}

/** `column <op> value` for a non-null comparison value, or an issue. */
function comparison(state: State, column: string, operator: string, value: unknown, key: string): SqlFragment | undefined {
  const problem = valueProblem(value);
  if (problem !== undefined) {
    addIssue(state, problem);
    return undefined;
  }
  if (state.context?.columnValues?.get(key)?.numeric === true) return numericComparison(state, column, operator, value, key);
  return new SqlFragment([column + operator, ""], [bind(state, value, key)]);
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
/** {@link decimalNumberOfParameterSql} around a bound value: the text before and after it. */
const [NUMBER_OPEN, NUMBER_CLOSE] = decimalNumberOfParameterSql("\u0000").split("\u0000") as [string, string];

function numericComparison(state: State, column: string, operator: string, value: unknown, key: string): SqlFragment {
  const number = decimalNumberSql(column);
  const exact = `${DECIMAL_KEY_FUNCTION}(${column})`;
  const v = bind(state, value, key);
  const keyOpen = `${DECIMAL_KEY_FUNCTION}(`;
  if (operator === " = ") return new SqlFragment([`(${number} = ${NUMBER_OPEN}`, `${NUMBER_CLOSE} AND ${exact} = ${keyOpen}`, "))"], [v, v]);
  if (operator === " <> ") return new SqlFragment([`(${number} <> ${NUMBER_OPEN}`, `${NUMBER_CLOSE} OR ${exact} <> ${keyOpen}`, "))"], [v, v]);
  const strict = STRICT[operator];
  if (strict === undefined) return new SqlFragment([exact + operator + keyOpen, ")"], [v]);
  return new SqlFragment(
    [`(${number}${strict}${NUMBER_OPEN}`, `${NUMBER_CLOSE} OR (${number} = ${NUMBER_OPEN}`, `${NUMBER_CLOSE} AND ${exact}${operator}${keyOpen}`, ")))"],
    [v, v, v],
  );
}

/** `column = value`, exact for a numeric column stored as text (see {@link numericComparison}). */
function comparisonOf(state: State, key: string, column: string, value: unknown): SqlFragment {
  if (state.context?.columnValues?.get(key)?.numeric === true) return numericComparison(state, column, " = ", value, key);
  return new SqlFragment([column + " = ", ""], [bind(state, value, key)]);
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

function list(state: State, column: string, value: unknown, negate: boolean, key: string): SqlFragment | undefined {
  const filter = state.context?.columnValues?.get(key);
  if (!Array.isArray(value)) {
    addIssue(state, `must be an array of values, not ${describeType(value)}`);
    return undefined;
  }
  const length = value.length;
  if (length === 0) return negate ? ALWAYS : NEVER;
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
  const compared = filter?.list !== undefined ? filter.list.column(column) : filter?.numeric === true ? `${DECIMAL_KEY_FUNCTION}(${column})` : column;
  return holeOf(dialect.inList(compared, PLACE, negate), dialect.encodeList(encoded));
}

/** The value bound for `value`: converted as its column stores it (see {@link WhereContext.columnValues}), then encoded by the dialect. */
function bind(state: State, value: unknown, key?: string): unknown {
  const filter = key === undefined ? undefined : state.context?.columnValues?.get(key);
  return state.dialect.encodeValue(filter === undefined ? value : filter.value(value));
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
