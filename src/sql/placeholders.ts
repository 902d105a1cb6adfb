/**
 * Translation of `?` placeholders to PostgreSQL's numbered `$1, $2, …` parameters.
 *
 * The scanner follows PostgreSQL's lexer closely enough to leave every literal alone: `'...'` strings
 * (with `''`), `E'...'` strings (with backslash escapes), `"..."` identifiers (with `""`), `-- line`
 * comments, nested `/* block *\/` comments and dollar-quoted bodies (`$$...$$`, `$tag$...$tag$`).
 *
 * @module
 */

import { LimitError, ValidationError } from "../errors/errors.js";

/** The result of {@link questionToDollar}. */
export interface PlaceholderTranslation {
  /** The statement with `?` placeholders replaced by `$1`, `$2`, …, and `??` by `?`. */
  sql: string;
  /** How many parameters the statement takes: the number of `?` translated, or the highest `$n` already present. */
  count: number;
}

const QUESTION = 63; // ?
const SQUOTE = 39; // '
const DQUOTE = 34; // "
const DOLLAR = 36; // $
const MINUS = 45; // -
const SLASH = 47; // /
const STAR = 42; // *
const BACKSLASH = 92; // \
const LF = 10;
const CR = 13;

/**
 * Translates each `?` placeholder outside literals and comments into `$1`, `$2`, … for PostgreSQL.
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
  if (sql.indexOf("?") === -1 && sql.indexOf("$") === -1) return { sql, count: 0 };

  const length = sql.length;
  let count = 0; // ? placeholders translated
  let highestDollar = 0; // highest $n parameter seen
  let sawDollar = false;
  let out = "";
  let last = 0; // start of the text not yet copied to `out`
  let changed = false;
  let i = 0;

  while (i < length) {
    const c = sql.charCodeAt(i);
    if (c === QUESTION) {
      if (i + 1 < length && sql.charCodeAt(i + 1) === QUESTION) {
        out += sql.slice(last, i + 1); // keep one "?"
        i += 2;
      } else {
        count++;
        out += sql.slice(last, i) + "$" + count;
        i++;
      }
      last = i;
      changed = true;
    } else if (c === SQUOTE) {
      i = skipQuoted(sql, i + 1, "'");
    } else if (c === DQUOTE) {
      i = skipQuoted(sql, i + 1, '"');
    } else if (c === MINUS) {
      i = i + 1 < length && sql.charCodeAt(i + 1) === MINUS ? skipLineComment(sql, i + 2) : i + 1;
    } else if (c === SLASH) {
      i = i + 1 < length && sql.charCodeAt(i + 1) === STAR ? skipBlockComment(sql, i + 2) : i + 1;
    } else if (c === DOLLAR) {
      const next = i + 1 < length ? sql.charCodeAt(i + 1) : -1;
      if (next >= 48 && next <= 57) {
        // $n parameter
        let j = i + 1;
        let n = 0;
        while (j < length) {
          const d = sql.charCodeAt(j);
          if (d < 48 || d > 57) break;
          n = n * 10 + (d - 48);
          j++;
        }
        sawDollar = true;
        if (n > highestDollar) highestDollar = n;
        i = j;
      } else if (next === DOLLAR) {
        const close = sql.indexOf("$$", i + 2);
        i = close === -1 ? length : close + 2;
      } else if (isTagStart(next)) {
        let j = i + 2;
        while (j < length && isTagPart(sql.charCodeAt(j))) j++;
        if (j < length && sql.charCodeAt(j) === DOLLAR) {
          const tag = sql.slice(i, j + 1);
          const close = sql.indexOf(tag, j + 1);
          i = close === -1 ? length : close + tag.length;
        } else {
          i = j;
        }
      } else {
        i++;
      }
    } else if (isWordStart(c)) {
      // A whole word (identifier or keyword; PostgreSQL identifiers may contain "$"), so that a "$" inside
      // it never starts a dollar quote, and E'...' is recognised only as a word of its own.
      const start = i;
      i++;
      while (i < length && isWordPart(sql.charCodeAt(i))) i++;
      if (i - start === 1 && (c === 69 || c === 101) && i < length && sql.charCodeAt(i) === SQUOTE) {
        i = skipEscapeString(sql, i + 1);
      }
    } else if (c >= 48 && c <= 57) {
      // Digits of a number. As in PostgreSQL's lexer, letters right after them start a new word, which may
      // contain "$" (5foo$bar$ is 5 then the identifier foo$bar$, not a dollar quote).
      i++;
      while (i < length && isDigit(sql.charCodeAt(i))) i++;
    } else {
      i++;
    }
  }

  if (count > 0 && sawDollar) {
    const message =
      "Cannot mix ? placeholders and $n parameters in one statement: use one style (write ?? for a literal ? operator)";
    throw new ValidationError(message, [{ message, path: [] }]);
  }
  if (!changed) return { sql, count: highestDollar };
  return { sql: out + sql.slice(last), count: count > 0 ? count : highestDollar };
}

/** Skips a '...' string or "..." identifier whose opening quote is before `from`, where a doubled quote escapes it. */
function skipQuoted(sql: string, from: number, quote: string): number {
  const length = sql.length;
  let i = from;
  for (;;) {
    const close = sql.indexOf(quote, i);
    if (close === -1) return length;
    if (close + 1 < length && sql.charCodeAt(close + 1) === sql.charCodeAt(close)) {
      i = close + 2;
    } else {
      return close + 1;
    }
  }
}

/** Skips the body of an E'...' string: a backslash escapes the next character, and '' is a quote. */
function skipEscapeString(sql: string, from: number): number {
  const length = sql.length;
  let i = from;
  while (i < length) {
    const c = sql.charCodeAt(i);
    if (c === BACKSLASH) {
      i += 2;
    } else if (c === SQUOTE) {
      if (i + 1 < length && sql.charCodeAt(i + 1) === SQUOTE) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return length;
}

/** Skips a -- comment up to and including the end of the line (PostgreSQL ends it at \n or \r). */
function skipLineComment(sql: string, from: number): number {
  const length = sql.length;
  for (let i = from; i < length; i++) {
    const c = sql.charCodeAt(i);
    if (c === LF || c === CR) return i + 1;
  }
  return length;
}

/** Skips a block comment whose opening is before `from`; block comments nest, as in PostgreSQL. */
function skipBlockComment(sql: string, from: number): number {
  const length = sql.length;
  let depth = 1;
  let i = from;
  while (i < length) {
    const c = sql.charCodeAt(i);
    if (c === SLASH && i + 1 < length && sql.charCodeAt(i + 1) === STAR) {
      depth++;
      i += 2;
    } else if (c === STAR && i + 1 < length && sql.charCodeAt(i + 1) === SLASH) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return length;
}

/** First character of a dollar-quote tag: a letter, `_` or a non-ASCII character. */
function isTagStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

/** Later characters of a dollar-quote tag: as {@link isTagStart}, plus digits (never `$`). */
function isTagPart(c: number): boolean {
  return isTagStart(c) || (c >= 48 && c <= 57);
}

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === DOLLAR;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
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
