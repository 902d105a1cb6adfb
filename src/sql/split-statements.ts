/**
 * Splits a SQL script (a migration file, a `tablekit sql` script) into its statements, with the lexer rules of
 * `src/sql/sql-tokens.ts`: a `;` inside a string, a quoted identifier, a dollar-quoted body or a
 * comment does not end a statement, and neither does one inside a SQLite `CREATE TRIGGER … BEGIN
 * … END` body or a PostgreSQL `BEGIN ATOMIC … END` function body. Each statement is then run
 * through the normal one-statement query path (migrations, `tablekit sql -f`).
 *
 * @module
 */
import {
  type SqlFlavor,
  endOfBlockComment,
  endOfDollarString,
  endOfEscapeString,
  endOfQuoted,
  endOfStandardString,
  isIdentPart,
  isIdentStart,
} from "./sql-tokens.js";

/** One statement of a script. */
export interface ScriptStatement {
  /** The statement's text, without the terminating `;` (comments before it are left out). */
  sql: string;
  /** Its position in the script, from 1. */
  index: number;
  /** The line (from 1) on which the statement starts. */
  line: number;
}

/** Why a script could not be split, and where. */
export class ScriptSyntaxProblem {
  constructor(
    readonly message: string,
    readonly line: number,
  ) {}
}


/**
 * The statements of `text`, in order; statements made only of whitespace and comments are left
 * out. Returns a {@link ScriptSyntaxProblem} for an unterminated literal, identifier or comment.
 *
 * ```ts
 * splitStatements("CREATE TABLE a (x TEXT DEFAULT ';'); -- done\nINSERT INTO a VALUES ('b');", "sqlite");
 * // [{ sql: "CREATE TABLE a (x TEXT DEFAULT ';')", index: 1, line: 1 }, { sql: "INSERT INTO a VALUES ('b')", index: 2, line: 2 }]
 * ```
 */
export function splitStatements(text: string, flavor: SqlFlavor): ScriptStatement[] | ScriptSyntaxProblem {
  const statements: ScriptStatement[] = [];
  const length = text.length;
  let i = 0;
  let line = 1;
  let start = -1; // first significant character of the current statement
  let startLine = 1;
  let firstWord = "";
  let sawTrigger = false;
  let blockDepth = 0;
  let lastWord = "";
  let lastWordEnd = -1;
  const advanceTo = (end: number): void => {
    for (let k = i; k < end; k++) if (text.charCodeAt(k) === 10) line++;
    i = end;
  };
  const begin = (): void => {
    if (start === -1) {
      start = i;
      startLine = line;
    }
  };
  const finish = (end: number): void => {
    if (start !== -1) statements.push({ sql: text.slice(start, end).trim(), index: statements.length + 1, line: startLine });
    start = -1;
    firstWord = "";
    sawTrigger = false;
    blockDepth = 0;
  };
  while (i < length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      advanceTo(end === -1 ? length : end);
      continue;
    }
    if (c === "/" && next === "*") {
      const end = endOfBlockComment(text, i, flavor);
      if (end === -1) return new ScriptSyntaxProblem("an unterminated /* comment", line);
      advanceTo(end);
      continue;
    }
    if (c === ";" && blockDepth === 0) {
      finish(i);
      i++;
      continue;
    }
    begin();
    const adjacentWord = lastWordEnd === i ? lastWord.toUpperCase() : "";
    if (c === "'") {
      const end = flavor === "postgres" && adjacentWord === "E" ? endOfEscapeString(text, i) : endOfStandardString(text, i);
      if (end === -1) return new ScriptSyntaxProblem("an unterminated string literal", line);
      advanceTo(end);
      lastWordEnd = -1;
      continue;
    }
    if (c === '"' || (flavor === "sqlite" && (c === "`" || c === "["))) {
      const end = endOfQuoted(text, i, c === "[" ? "]" : c, c !== "[");
      if (end === -1) return new ScriptSyntaxProblem("an unterminated quoted identifier", line);
      advanceTo(end);
      lastWordEnd = -1;
      continue;
    }
    if (flavor === "postgres" && c === "$") {
      const end = endOfDollarString(text, i);
      if (end !== undefined) {
        if (end === -1) return new ScriptSyntaxProblem("an unterminated dollar-quoted string", line);
        advanceTo(end);
        lastWordEnd = -1;
        continue;
      }
      i++;
      lastWordEnd = -1;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < length && isIdentPart(text[j] as string)) j++;
      const word = text.slice(i, j).toUpperCase();
      if (firstWord === "") firstWord = word;
      if (firstWord === "CREATE" && word === "TRIGGER") sawTrigger = true;
      if (word === "BEGIN") {
        // SQLite: a trigger body. PostgreSQL: BEGIN ATOMIC (a SQL-standard function body).
        const after = /^\s*([A-Za-z_]+)/.exec(text.slice(j, j + 40));
        if ((flavor === "sqlite" && sawTrigger) || (flavor === "postgres" && firstWord === "CREATE" && after?.[1]?.toUpperCase() === "ATOMIC")) blockDepth++;
      } else if (word === "CASE" && blockDepth > 0) blockDepth++;
      else if (word === "END" && blockDepth > 0) blockDepth--;
      lastWord = text.slice(i, j);
      lastWordEnd = j;
      i = j;
      continue;
    }
    i++;
    lastWordEnd = -1;
  }
  finish(length);
  return statements;
}
