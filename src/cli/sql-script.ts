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
import type { SqlFlavor } from "../sql/sql-tokens.js";
import { CliError } from "./cli-io.js";

export type { ScriptStatement };

/** Calls `code(i)` for every character of `text` outside literals, quoted identifiers and comments. */
function scan(text: string, flavor: SqlFlavor, code: (i: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? n : end;
      continue;
    }
    if (c === "/" && next === "*") {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === "*" && text[j + 1] === "/") {
          depth--;
          j += 2;
        } else if (flavor === "postgres" && text[j] === "/" && text[j + 1] === "*") {
          depth++;
          j += 2;
        } else j++;
      }
      i = j;
      continue;
    }
    if (c === "'") {
      const escapes = flavor === "postgres" && /[eE]$/.test(text.slice(Math.max(0, i - 1), i)) && !/[A-Za-z0-9_$]/.test(text[i - 2] ?? " ");
      let j = i + 1;
      while (j < n) {
        if (escapes && text[j] === "\\") j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      i = j + 1;
      continue;
    }
    const close = c === '"' ? '"' : flavor === "sqlite" && c === "`" ? "`" : flavor === "sqlite" && c === "[" ? "]" : undefined;
    if (close !== undefined) {
      let j = i + 1;
      while (j < n) {
        if (text[j] === close && close !== "]" && text[j + 1] === close) j += 2;
        else if (text[j] === close) break;
        else j++;
      }
      i = j + 1;
      continue;
    }
    if (flavor === "postgres" && c === "$" && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? " ")) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (tag !== null) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
        continue;
      }
    }
    code(i);
    i++;
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
