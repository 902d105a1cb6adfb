/**
 * Validation and quoting of SQL identifiers (table, column, index and database names).
 *
 * tablekit only accepts plain identifiers: ASCII letters, digits and `_`, not starting with a digit,
 * 1 to 63 characters (PostgreSQL's limit). Such names need no escaping, mean the same on SQLite and
 * PostgreSQL once double-quoted, and can never carry SQL.
 *
 * @module
 */

import { IdentifierError } from "../errors/errors.js";

/** Longest identifier accepted, in characters: PostgreSQL truncates names beyond 63 bytes. */
export const MAX_IDENTIFIER_LENGTH = 63;

/** What {@link assertIdentifier} may check a name against: the table it belongs to and its known columns. */
export interface IdentifierContext {
  /** Table name, used in error messages. */
  table?: string | undefined;
  /** Known columns of the table; when given, column names outside this set raise {@link IdentifierError}. */
  columns?: ReadonlySet<string> | undefined;
}

/** How many known columns an "Unknown column" message lists. */
const LISTED_COLUMNS = 5;

/** Longest rendering of a user value in an error message, before the ellipsis. */
const MESSAGE_VALUE_LENGTH = 60;

const RULE =
  "a name must be a plain identifier (letters, digits, _; not starting with a digit; at most 63 characters)";

/**
 * Whether a character code may start an identifier: an ASCII letter or `_`.
 *
 * ```ts
 * isIdentifierStart("a".charCodeAt(0)); // true
 * ```
 */
export function isIdentifierStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

/** Whether a character code may continue an identifier: an ASCII letter, digit or `_`. */
export function isIdentifierPart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || (code >= 48 && code <= 57);
}

/**
 * Whether `name` is a plain identifier: a string matching `/^[A-Za-z_][A-Za-z0-9_]*$/` of 1 to 63 characters.
 *
 * ```ts
 * isIdentifier("created_at"); // true
 * isIdentifier("name; DROP TABLE users"); // false
 * ```
 */
export function isIdentifier(name: unknown): name is string {
  if (typeof name !== "string") return false;
  const length = name.length;
  if (length === 0 || length > MAX_IDENTIFIER_LENGTH) return false;
  if (!isIdentifierStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < length; i++) {
    if (!isIdentifierPart(name.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Returns `name` if it is a plain identifier (and, for a column with `context.columns`, a known column);
 * throws {@link IdentifierError} otherwise. `kind` ("table", "column", "index", ...) names the role in the message.
 *
 * ```ts
 * assertIdentifier("users", "table"); // "users"
 * assertIdentifier("nmae", "column", { table: "users", columns: new Set(["id", "name"]) });
 * // IdentifierError: Unknown column "nmae" in table "users"; known columns: "id", "name"
 * ```
 */
export function assertIdentifier(name: unknown, kind: string, context?: IdentifierContext): string {
  if (!isIdentifier(name)) throw invalidIdentifierError(name, kind);
  if (context !== undefined && kind === "column") {
    const columns = context.columns;
    if (columns !== undefined && !columns.has(name)) throw unknownColumnError(name, context.table, columns);
  }
  return name;
}

/**
 * Double-quotes an identifier for SQL (the same syntax on SQLite and PostgreSQL). The name is expected to be
 * validated already; any `"` in it is still doubled so the result is always one identifier.
 *
 * ```ts
 * quoteIdentifier("users"); // '"users"'
 * ```
 */
export function quoteIdentifier(name: string): string {
  return name.indexOf('"') === -1 ? '"' + name + '"' : '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Renders any value for an error message: strings quoted with JSON-style escaping (control, bidi and line
 * separator characters escaped), long renderings cut to `max` characters with an ellipsis, other types by kind.
 *
 * ```ts
 * formatForMessage("a\nb"); // '"a\\nb"'
 * ```
 */
export function formatForMessage(value: unknown, max: number = MESSAGE_VALUE_LENGTH): string {
  switch (typeof value) {
    case "string":
      return '"' + escapeForMessage(truncate(value, max)) + (value.length > max ? '…"' : '"');
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return truncate(String(value), max) + "n";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default: {
      if (value === null) return "null";
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      if (text === undefined) text = Object.prototype.toString.call(value);
      return escapeForMessage(truncate(text, max)) + (text.length > max ? "…" : "");
    }
  }
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
  return text.slice(0, end);
}

/** Escapes characters that could disguise a message: C0/C1 controls, bidi controls, line separators, lone surrogates. */
function escapeForMessage(text: string): string {
  let out = "";
  let last = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string | undefined;
    if (c === 34) escaped = '\\"';
    else if (c === 92) escaped = "\\\\";
    else if (c === 10) escaped = "\\n";
    else if (c === 13) escaped = "\\r";
    else if (c === 9) escaped = "\\t";
    else if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x200e ||
      c === 0x200f ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      c === 0xfeff
    ) {
      escaped = unicodeEscape(c);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else escaped = unicodeEscape(c);
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      escaped = unicodeEscape(c);
    }
    if (escaped !== undefined) {
      out += text.slice(last, i) + escaped;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function unicodeEscape(code: number): string {
  return "\\u" + code.toString(16).padStart(4, "0");
}

function invalidIdentifierError(name: unknown, kind: string): IdentifierError {
  if (typeof name === "string") {
    return new IdentifierError(`Invalid ${kind} name ${formatForMessage(name)}: ${RULE}`);
  }
  return new IdentifierError(`Invalid ${kind} name ${formatForMessage(name)}: expected a string; ${RULE}`);
}

function unknownColumnError(name: string, table: string | undefined, columns: ReadonlySet<string>): IdentifierError {
  let message = `Unknown column ${formatForMessage(name)}`;
  if (table !== undefined) message += ` in table ${formatForMessage(table)}`;
  const lower = name.toLowerCase();
  let caseMatch: string | undefined;
  let listed = "";
  let count = 0;
  for (const column of columns) {
    if (caseMatch === undefined && column.toLowerCase() === lower) caseMatch = column;
    if (count < LISTED_COLUMNS) listed += (count === 0 ? "" : ", ") + formatForMessage(column);
    count++;
  }
  if (caseMatch !== undefined) message += ` (did you mean ${formatForMessage(caseMatch)}? names are case-sensitive)`;
  if (count === 0) message += "; the table has no known columns";
  else {
    message += `; known columns: ${listed}`;
    if (count > LISTED_COLUMNS) message += ` and ${count - LISTED_COLUMNS} more`;
  }
  return new IdentifierError(message);
}
