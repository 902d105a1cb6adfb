/**
 * A small SQL tokenizer for checking user-supplied SQL fragments (column definitions) before they
 * are spliced into DDL. It knows every string and identifier form of the dialect it reads, so it
 * finds where each literal really ends:
 *
 * - PostgreSQL: `'…'` (with `''`), `E'…'` (backslash escapes), `U&'…'` and `U&"…"`, `B'…'`,
 *   `X'…'`, `N'…'`, dollar quoting (`$$…$$`, `$tag$…$tag$`, where other tags inside are text and
 *   `$1` is a parameter), `"…"` identifiers (with `""`), identifiers containing `$`, `--` comments
 *   and nested `/* … *\/` comments.
 * - SQLite: `'…'`, `X'…'`, `"…"`, `` `…` `` and `[…]` identifiers, `--` and (unnested) block comments.
 *
 * {@link checkSqlFragment} refuses what could end a statement or reshape the one around the
 * fragment: `;`, comments, NUL characters, unterminated literals, and parentheses that close more
 * than they open or stay open. On PostgreSQL a plain `'…'` string must also end at the same place
 * whether `standard_conforming_strings` is on or off (`'a\'…'` is refused), so the check does not
 * depend on a server setting.
 *
 * @module
 */

/** Which lexer rules to read SQL text with. */
export type SqlFlavor = "postgres" | "sqlite";

/** Why a fragment was refused, or undefined when it is one self-contained piece of SQL. */
export type FragmentProblem =
  | "a ';' (statement separator)"
  | "a SQL comment"
  | "a NUL character"
  | "an unterminated string literal"
  | "an unterminated quoted identifier"
  | "an unterminated dollar-quoted string"
  | "a ')' without its '('"
  | "a '(' without its ')'"
  | "a string literal whose end depends on standard_conforming_strings";

/** Whether `c` can start an unquoted identifier or keyword. */
export const isIdentStart = (c: string): boolean => /[A-Za-z_\u0080-\uffff]/.test(c);
/** Whether `c` can continue an unquoted identifier or keyword (PostgreSQL allows `$` there). */
export const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/**
 * The index just past a PostgreSQL dollar-quoted string (`$$…$$`, `$tag$…$tag$`) whose opening tag
 * is at `start`; -1 when it never closes; undefined when no tag starts there (`$1`, an operator).
 */
export function endOfDollarString(text: string, start: number): number | undefined {
  const tag = DOLLAR_TAG.exec(text.slice(start, start + 130));
  if (tag === null) return undefined;
  const close = text.indexOf(tag[0], start + tag[0].length);
  return close === -1 ? -1 : close + tag[0].length;
}

/** The index just past a `/* … *\/` comment at `start` (PostgreSQL nests them, SQLite does not); -1 when it never closes. */
export function endOfBlockComment(text: string, start: number, flavor: SqlFlavor): number {
  let depth = 1;
  let j = start + 2;
  while (j < text.length && depth > 0) {
    if (text[j] === "*" && text[j + 1] === "/") {
      depth--;
      j += 2;
    } else if (flavor === "postgres" && text[j] === "/" && text[j + 1] === "*") {
      depth++;
      j += 2;
    } else j++;
  }
  return depth > 0 ? -1 : j;
}

/** The index just past a `'…'` literal starting at `start` (the quote), standard quoting (`''`). */
export function endOfStandardString(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length) {
    if (text[j] === "'") {
      if (text[j + 1] === "'") {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/** The index just past an `E'…'` literal (backslash escapes, and `''`). */
export function endOfEscapeString(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "'") {
      if (text[j + 1] === "'") {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/** The index just past a quoted identifier opened by `open` and closed by `close` (doubled to escape, when `doubled`). */
export function endOfQuoted(text: string, start: number, close: string, doubled: boolean): number {
  let j = start + 1;
  while (j < text.length) {
    if (text[j] === close) {
      if (doubled && text[j + 1] === close) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/**
 * Checks that `text` is one self-contained piece of SQL under `flavor`'s lexer rules (see the
 * module documentation), returning what is wrong with it, or undefined.
 *
 * ```ts
 * checkSqlFragment("TEXT DEFAULT E'\\''", "postgres"); // undefined
 * checkSqlFragment("TEXT DEFAULT E'\\''); DROP TABLE t; --'", "postgres"); // "a ';' (statement separator)"
 * ```
 */
export function checkSqlFragment(text: string, flavor: SqlFlavor): FragmentProblem | undefined {
  const length = text.length;
  let depth = 0;
  let i = 0;
  // The previous token was a word made of these exact characters, directly before position i.
  let lastWord = "";
  let lastWordEnd = -1;
  while (i < length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "\0") return "a NUL character";
    if (c === ";") return "a ';' (statement separator)";
    if ((c === "-" && next === "-") || (c === "/" && next === "*")) return "a SQL comment";
    if (c === "(") {
      depth++;
      i++;
      continue;
    }
    if (c === ")") {
      if (--depth < 0) return "a ')' without its '('";
      i++;
      continue;
    }
    const adjacentWord = lastWordEnd === i ? lastWord.toUpperCase() : "";
    if (c === "'") {
      let end: number;
      if (flavor === "postgres" && adjacentWord === "E") end = endOfEscapeString(text, i);
      else {
        end = endOfStandardString(text, i);
        // With standard_conforming_strings off, a plain '…' string takes backslash escapes: both
        // readings must end the literal at the same place. (U&'…' strings never take them.)
        if (flavor === "postgres" && end !== -1 && adjacentWord !== "U&" && endOfEscapeString(text, i) !== end) {
          return "a string literal whose end depends on standard_conforming_strings";
        }
      }
      if (end === -1) return "an unterminated string literal";
      i = end;
      lastWordEnd = -1;
      continue;
    }
    if (c === '"' || (flavor === "sqlite" && c === "`")) {
      const end = endOfQuoted(text, i, c, true);
      if (end === -1) return "an unterminated quoted identifier";
      i = end;
      lastWordEnd = -1;
      continue;
    }
    if (flavor === "sqlite" && c === "[") {
      const end = endOfQuoted(text, i, "]", false);
      if (end === -1) return "an unterminated quoted identifier";
      i = end;
      lastWordEnd = -1;
      continue;
    }
    if (flavor === "postgres" && c === "$") {
      // Inside an identifier (`a$b`), `$` is an identifier character: handled with the word below.
      const end = endOfDollarString(text, i);
      if (end !== undefined) {
        if (end === -1) return "an unterminated dollar-quoted string";
        i = end;
        lastWordEnd = -1;
        continue;
      }
      i++; // a parameter ($1) or an operator character
      lastWordEnd = -1;
      continue;
    }
    if (flavor === "postgres" && c === "&" && adjacentWord === "U" && (next === "'" || next === '"')) {
      // U&'…' or U&"…": remember the prefix for the quote that follows.
      lastWord = "U&";
      lastWordEnd = i + 1;
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < length && isIdentPart(text[j] as string)) j++;
      lastWord = text.slice(i, j);
      lastWordEnd = j;
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      // A number (12, 1.5, 12e3). Letters after it are read as a word, so `1E'…'` is an E'…'
      // string, as older PostgreSQL lexers read it.
      const m = /^[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      i += m === null ? 1 : m[0].length;
      lastWordEnd = -1;
      continue;
    }
    i++;
    lastWordEnd = -1;
  }
  if (depth > 0) return "a '(' without its ')'";
  return undefined;
}
