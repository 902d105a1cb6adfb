/**
 * SQL text for `tablekit sql`: splitting a script into statements at the `;` that really end
 * them, and finding the `?` placeholders, with the lexer rules of each backend (the same string,
 * identifier and comment forms as src/sql/sql-tokens.ts): PostgreSQL `'…'`, `E'…'`, dollar quoting
 * `$$…$$`/`$tag$…$tag$`, `"…"`, `--` and nested block comments; SQLite `'…'`, `"…"`, `` `…` ``,
 * `[…]`, `--` and block comments, and `CREATE TRIGGER … BEGIN … END` bodies.
 *
 * @module
 */
import { type ScriptStatement, ScriptSyntaxProblem, splitStatements } from "../sql/split-statements.js";
import {
  type SqlFlavor,
  endOfBlockComment,
  endOfDollarString,
  endOfEscapeString,
  endOfQuoted,
  endOfStandardString,
  isIdentPart,
} from "../sql/sql-tokens.js";
import { CliError } from "./cli-io.js";

export type { ScriptStatement };

/**
 * Calls `code(i)` for every character of `text` outside literals, quoted identifiers and comments
 * (the lexer pieces of src/sql/sql-tokens.ts); an unterminated one runs to the end of the text.
 */
function scan(text: string, flavor: SqlFlavor, code: (i: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    let end: number | undefined;
    if (c === "-" && next === "-") {
      const newline = text.indexOf("\n", i);
      end = newline === -1 ? n : newline;
    } else if (c === "/" && next === "*") end = endOfBlockComment(text, i, flavor);
    else if (c === "'") {
      const escapes = flavor === "postgres" && /[eE]/.test(text[i - 1] ?? "") && !isIdentPart(text[i - 2] ?? " ");
      end = escapes ? endOfEscapeString(text, i) : endOfStandardString(text, i);
    } else if (c === '"' || (flavor === "sqlite" && (c === "`" || c === "["))) end = endOfQuoted(text, i, c === "[" ? "]" : c, c !== "[");
    else if (flavor === "postgres" && c === "$" && !isIdentPart(text[i - 1] ?? " ")) end = endOfDollarString(text, i);
    if (end === undefined) {
      code(i);
      i++;
    } else i = end === -1 ? n : end;
  }
}

/** The line (1-based) of position `index` in `text`. */
export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Splits a script into its statements with the shared splitter (src/sql/split-statements.ts:
 * the same lexer rules, trigger and `BEGIN ATOMIC` bodies kept whole); an unterminated literal,
 * identifier or comment is a {@link CliError} naming its line.
 *
 * ```ts
 * splitScript("CREATE TABLE t (a TEXT);\nINSERT INTO t VALUES ('x;y');", "sqlite");
 * // [{ sql: "CREATE TABLE t (a TEXT)", index: 1, line: 1 }, { sql: "INSERT INTO t VALUES ('x;y')", index: 2, line: 2 }]
 * ```
 */
export function splitScript(script: string, flavor: SqlFlavor, where = "line"): ScriptStatement[] {
  const split = splitStatements(script, flavor);
  if (split instanceof ScriptSyntaxProblem) throw new CliError(`${where === "line" ? "line " : `${where}:`}${split.line}: ${split.message}`);
  return split;
}

/**
 * The text around the `?` placeholders of a statement (outside literals and comments), so it can
 * become a `sql` template: `"a = ? AND b = ?"` → `["a = ", " AND b = ", ""]`.
 */
export function placeholderParts(statement: string, flavor: SqlFlavor): string[] {
  const marks: number[] = [];
  scan(statement, flavor, (i) => {
    // PostgreSQL's jsonb operators ?| and ?& are not placeholders.
    if (statement[i] === "?" && !(flavor === "postgres" && /[|&]/.test(statement[i + 1] ?? ""))) marks.push(i);
  });
  const parts: string[] = [];
  let from = 0;
  for (const mark of marks) {
    parts.push(statement.slice(from, mark));
    from = mark + 1;
  }
  parts.push(statement.slice(from));
  return parts;
}

/** Whether a statement returns rows: a query (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN, PRAGMA) or any statement with RETURNING. */
export function returnsRows(statement: string, flavor: SqlFlavor): boolean {
  let code = "";
  scan(statement, flavor, (i) => (code += statement[i]));
  const first = /^\s*\(?\s*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase() ?? "";
  if (["SELECT", "VALUES", "TABLE", "SHOW", "EXPLAIN", "PRAGMA"].includes(first)) return true;
  if (/\bRETURNING\b/i.test(code)) return true;
  return first === "WITH" && !/\b(?:INSERT|UPDATE|DELETE)\b/i.test(code);
}

/** The command word of a statement, psql style (`UPDATE`, `DELETE`, `INSERT`, `CREATE TABLE`, …). */
export function commandTag(statement: string, flavor: SqlFlavor): string {
  let code = "";
  scan(statement, flavor, (i) => (code += statement[i]));
  const words = code.trim().split(/\s+/).map((w) => w.toUpperCase());
  const first = words[0] ?? "";
  if (["CREATE", "DROP", "ALTER"].includes(first)) {
    const skip = new Set(["OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "UNLOGGED", "IF", "NOT", "EXISTS", "VIRTUAL"]);
    const object = words.slice(1).find((w) => !skip.has(w));
    return object === undefined ? first : `${first} ${object.replace(/[^A-Z]/g, "")}`;
  }
  return first.replace(/[^A-Z]/g, "");
}
