/**
 * SQL text a caller writes with `?` placeholders, read as a fragment shape: the text between the
 * placeholders, cut by the SQL lexer (sql/sql-tokens.ts, PostgreSQL's rules) so that every
 * literal and comment is left alone: `'...'` strings (with `''`), `E'...'` strings (with
 * backslash escapes), `"..."` identifiers (with `""`), `-- line` comments, nested `/* block *\/`
 * comments and dollar-quoted bodies (`$$...$$`, `$tag$...$tag$`). `??` outside literals stands for
 * a literal `?`. The placeholders are written when the statement is rendered for the driver
 * (sql/render.ts), like those of any fragment.
 *
 * @module
 */

import { LimitError, ValidationError } from "../errors/errors.js";
import { endOfBlockComment, endOfDollarString, endOfEscapeString, endOfQuoted, endOfStandardString, isIdentPart, isIdentStart } from "./sql-tokens.js";
import { SqlFragment } from "./sql-tag.js";
import { type PlaceholderStyle, renderStatement } from "./render.js";

/** PostgreSQL's numbered placeholders. */
const NUMBERED: PlaceholderStyle = { placeholder: (index) => "$" + index };

/** The result of {@link questionToDollar}. */
export interface PlaceholderTranslation {
  /** The statement with `?` placeholders replaced by `$1`, `$2`, …, and `??` by `?`. */
  sql: string;
  /** How many parameters the statement takes: the number of `?` translated, or the highest `$n` already present. */
  count: number;
}

/** SQL text read by {@link questionMarkShape}. */
export interface QuestionMarkShape {
  /**
   * The text around the `?` placeholders (one more than there are placeholders, `??` already read
   * as `?`); a fragment of these strings and the caller's values is the statement.
   */
  readonly strings: readonly string[];
  /** The highest `$n` parameter in the text (0 for none). */
  readonly highestDollar: number;
  /** Whether the text holds any `$n` parameter (`$0` too). */
  readonly sawDollar: boolean;
}

/** Where a literal or comment starting at `start` ends (never -1: an unterminated one runs to the end, as before). */
function end(found: number | undefined, length: number): number {
  return found === undefined || found === -1 ? length : found;
}

/**
 * Reads SQL text with `?` placeholders into the pieces between them (see the module
 * documentation), with the lexer of sql/sql-tokens.ts.
 *
 * ```ts
 * questionMarkShape("SELECT * FROM t WHERE a = ? AND b = 'why?'").strings;
 * // ["SELECT * FROM t WHERE a = ", " AND b = 'why?'"]
 * ```
 */
export function questionMarkShape(sql: string): QuestionMarkShape {
  if (sql.indexOf("?") === -1 && sql.indexOf("$") === -1) return { strings: [sql], highestDollar: 0, sawDollar: false };
  const length = sql.length;
  const strings: string[] = [];
  let current = "";
  let highestDollar = 0;
  let sawDollar = false;
  let last = 0; // start of the text not yet copied to `current`
  let i = 0;
  while (i < length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "?") {
      if (next === "?") {
        current += sql.slice(last, i + 1); // keep one "?"
        i += 2;
      } else {
        strings.push(current + sql.slice(last, i));
        current = "";
        i++;
      }
      last = i;
    } else if (c === "'") {
      i = end(endOfStandardString(sql, i), length);
    } else if (c === '"') {
      i = end(endOfQuoted(sql, i, '"', true), length);
    } else if (c === "-" && next === "-") {
      const newline = sql.slice(i + 2).search(/[\n\r]/);
      i = newline === -1 ? length : i + 2 + newline + 1;
    } else if (c === "/" && next === "*") {
      i = end(endOfBlockComment(sql, i, "postgres"), length);
    } else if (c === "$") {
      if (next !== undefined && next >= "0" && next <= "9") {
        let j = i + 1;
        while (j < length && sql[j]! >= "0" && sql[j]! <= "9") j++;
        highestDollar = Math.max(highestDollar, Number(sql.slice(i + 1, j)));
        sawDollar = true;
        i = j;
      } else {
        const close = endOfDollarString(sql, i);
        i = close === undefined ? i + 1 : end(close, length);
      }
    } else if (isIdentStart(c)) {
      // A whole word (identifier or keyword; PostgreSQL identifiers may contain "$"), so that a "$" inside
      // it never starts a dollar quote, and E'...' is recognised only as a word of its own.
      const start = i;
      i++;
      while (i < length && isIdentPart(sql[i]!)) i++;
      if (i - start === 1 && (c === "E" || c === "e") && sql[i] === "'") i = end(endOfEscapeString(sql, i), length);
    } else if (c >= "0" && c <= "9") {
      // Digits of a number. As in PostgreSQL's lexer, letters right after them start a new word, which may
      // contain "$" (5foo$bar$ is 5 then the identifier foo$bar$, not a dollar quote).
      i++;
      while (i < length && sql[i]! >= "0" && sql[i]! <= "9") i++;
    } else {
      i++;
    }
  }
  strings.push(current + sql.slice(last));
  return { strings, highestDollar, sawDollar };
}

const MIXED = "Cannot mix ? placeholders and $n parameters in one statement: use one style (write ?? for a literal ? operator)";

/**
 * The statement shape of SQL text a caller passes to `execute` on a dialect that numbers its
 * parameters: a fragment with one value per `?` (the values are stand-ins: the caller's parameters
 * are bound as given, so a wrong count is still the driver's error), or undefined when the text
 * has no `?` (it is already in the dialect's form). Throws {@link ValidationError} when `?`
 * placeholders and `$n` parameters are mixed.
 */
export function questionMarkFragment(sql: string): SqlFragment | undefined {
  const shape = questionMarkShape(sql);
  const count = shape.strings.length - 1;
  if (count === 0 && shape.strings[0] === sql) return undefined;
  if (count > 0 && shape.sawDollar) throw new ValidationError(MIXED, [{ message: MIXED, path: [] }]);
  return new SqlFragment(shape.strings, new Array<unknown>(count).fill(null));
}

/**
 * Translates each `?` placeholder outside literals and comments into `$1`, `$2`, … for PostgreSQL
 * (the text read by {@link questionMarkShape}, rendered with numbered placeholders).
 *
 * `??` outside literals stands for a literal `?`, so PostgreSQL's jsonb operators are written `??`, `??|`
 * and `??&` (for example `data ?? 'key'`). A statement that already uses `$n` parameters and no `?`
 * placeholder is returned unchanged with `count` set to the highest `n`; mixing `?` placeholders and
 * `$n` parameters in one statement throws {@link ValidationError}.
 *
 * ```ts
 * questionToDollar("SELECT * FROM t WHERE a = ? AND b = 'why?' AND c = ?");
 * // { sql: "SELECT * FROM t WHERE a = $1 AND b = 'why?' AND c = $2", count: 2 }
 * questionToDollar("SELECT data ?? 'k' FROM t WHERE id = ?");
 * // { sql: "SELECT data ? 'k' FROM t WHERE id = $1", count: 1 }
 * ```
 */
export function questionToDollar(sql: string): PlaceholderTranslation {
  const shape = questionMarkShape(sql);
  const count = shape.strings.length - 1;
  if (count > 0 && shape.sawDollar) throw new ValidationError(MIXED, [{ message: MIXED, path: [] }]);
  if (count === 0) return { sql: shape.strings[0]!, count: shape.highestDollar };
  return { sql: renderStatement(new SqlFragment(shape.strings, new Array<unknown>(count).fill(null)), NUMBERED).sql, count };
}

/**
 * The error for a statement with more bound parameters than the backend takes, raised before
 * anything is sent: it names the limit and what to use instead. `count` may be unknown (SQLite
 * counts the placeholders while preparing).
 *
 * ```ts
 * tooManyParameters(70_000, 65_535, "PostgreSQL").message;
 * // "This statement binds 70000 parameters; PostgreSQL takes at most 65535 per statement. …"
 * ```
 */
export function tooManyParameters(count: number | undefined, limit: number, backend: string): LimitError {
  return new LimitError(
    `This statement binds ${count ?? `more than ${limit}`} parameters; ${backend} takes at most ${limit} per statement. ` +
      "Insert many rows with batchInsert (it splits them into statements that fit), pass a long list as one array parameter " +
      "(the in/notIn filters do), or split the statement.",
    [{ message: `more than ${limit} bound parameters`, path: [] }],
  );
}
