/**
 * The portable column-definition language both backends read: a PostgreSQL-syntax column
 * definition (`"BIGINT PRIMARY KEY"`, `"DECIMAL(10,2) NOT NULL DEFAULT 0"`) split into tokens
 * ({@link tokenize}), its type classified ({@link classifyType}) and its constraints split into
 * segments ({@link splitSegments}). SQLite's schema translation (backends/sqlite/sqlite-schema.ts)
 * rewrites definitions with it; PostgreSQL's dialect asks {@link isBareIntegerPrimaryKey}.
 *
 * @module
 */

import { ValidationError } from "../../errors/errors.js";

/** Kinds of lexical token produced by {@link tokenize}. */
export type TokenKind = "word" | "number" | "string" | "ident" | "op" | "group";

/** One lexical token of a column definition. Groups are balanced `( ... )` with their tokens inside. */
export interface Token {
  kind: TokenKind;
  /** Rendered text (for strings: a standard SQL literal; unused for groups). */
  text: string;
  /** Upper-cased text, for keyword comparisons (words only; "" otherwise). */
  upper: string;
  /** Whether whitespace preceded the token in the source. */
  space: boolean;
  /** Tokens inside the parentheses (groups only). */
  children?: Token[];
}

const CONSTRAINT_KEYWORDS: ReadonlySet<string> = new Set([
  "PRIMARY",
  "NOT",
  "NULL",
  "DEFAULT",
  "UNIQUE",
  "REFERENCES",
  "CHECK",
  "CONSTRAINT",
  "COLLATE",
  "GENERATED",
  "AS",
]);

/** Constraint keywords whose next token always belongs to them (`NOT NULL`, `DEFAULT NULL`, `CONSTRAINT name`). */
const FORCED_NEXT: ReadonlySet<string> = new Set(["CONSTRAINT", "NOT", "DEFAULT", "COLLATE", "CHECK", "AS", "REFERENCES"]);

const INTEGER_TYPES: ReadonlySet<string> = new Set([
  "INT",
  "INT2",
  "INT4",
  "INT8",
  "INT64",
  "INTEGER",
  "BIGINT",
  "SMALLINT",
  "TINYINT",
  "MEDIUMINT",
]);

const SERIAL_TYPES: ReadonlySet<string> = new Set([
  "SERIAL",
  "SERIAL2",
  "SERIAL4",
  "SERIAL8",
  "SMALLSERIAL",
  "BIGSERIAL",
]);

function invalid(message: string, definition: string): ValidationError {
  return new ValidationError(`${message} in column definition ${JSON.stringify(definition)}`, [
    { message, path: [] },
  ]);
}

/** A standard SQL string literal for `value` (quotes doubled). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$]/u;
const DIGIT = /[0-9]/;
const SPACE = /\s/;

/** Decodes the body of a PostgreSQL `E'...'` string (backslash escapes). */
function unescapeEString(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "'") {
      // a doubled quote inside the literal
      out += "'";
      i++;
      continue;
    }
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i] as string;
    switch (n) {
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "x": {
        const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += "x";
        break;
      }
      case "u":
      case "U": {
        const len = n === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
        if (Number.isFinite(code) && code <= 0x10ffff) {
          out += String.fromCodePoint(code);
          i += len;
        } else out += n;
        break;
      }
      default: {
        const m = /^[0-7]{1,3}/.exec(body.slice(i));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
          i += m[0].length - 1;
        } else out += n;
      }
    }
  }
  return out;
}

/**
 * Splits a column definition into tokens, grouping balanced parentheses. Rejects statement
 * separators, comments, NUL characters and unbalanced quotes or parentheses with a ValidationError.
 */
export function tokenize(definition: string): Token[] {
  if (definition.includes("\0")) throw invalid("NUL characters are not allowed", definition);
  const root: Token[] = [];
  const stack: Token[][] = [root];
  let current = root;
  let space = false;
  const src = definition;
  const len = src.length;
  let i = 0;
  const push = (kind: TokenKind, text: string): void => {
    current.push({ kind, text, upper: kind === "word" ? text.toUpperCase() : "", space });
    space = false;
  };
  while (i < len) {
    const c = src[i] as string;
    if (SPACE.test(c)) {
      space = true;
      i++;
      continue;
    }
    // A ';' inside a literal is text; outside one it would end the statement.
    if (c === ";") throw invalid("';' is not allowed", definition);
    if (c === "-" && src[i + 1] === "-") throw invalid("SQL comments are not allowed", definition);
    if (c === "/" && src[i + 1] === "*") throw invalid("SQL comments are not allowed", definition);
    if (c === "'") {
      // A string literal. `E'...'` (word E directly before) uses backslash escapes.
      const prev = current[current.length - 1];
      const eString = prev !== undefined && prev.kind === "word" && prev.upper === "E" && !space;
      let j = i + 1;
      let body = "";
      let closed = false;
      while (j < len) {
        const d = src[j] as string;
        if (eString && d === "\\" && j + 1 < len) {
          body += d + (src[j + 1] as string);
          j += 2;
          continue;
        }
        if (d === "'") {
          if (src[j + 1] === "'") {
            body += "''";
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        body += d;
        j++;
      }
      if (!closed) throw invalid("unterminated string literal", definition);
      if (eString) {
        current.pop();
        space = prev.space;
        push("string", sqlString(unescapeEString(body)));
      } else {
        push("string", `'${body}'`);
      }
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < len) {
        if (src[j] === '"') {
          if (src[j + 1] === '"') {
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        j++;
      }
      if (!closed) throw invalid("unterminated quoted identifier", definition);
      push("ident", src.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === "$") {
      // Dollar-quoted string: $$...$$ or $tag$...$tag$.
      const m = /^\$([\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(src.slice(i));
      if (m) {
        const tag = m[0];
        const end = src.indexOf(tag, i + tag.length);
        if (end < 0) throw invalid("unterminated dollar-quoted string", definition);
        push("string", sqlString(src.slice(i + tag.length, end)));
        i = end + tag.length;
        continue;
      }
      push("op", c);
      i++;
      continue;
    }
    if (c === "(") {
      const group: Token = { kind: "group", text: "", upper: "", space, children: [] };
      space = false;
      current.push(group);
      current = group.children as Token[];
      stack.push(current);
      i++;
      continue;
    }
    if (c === ")") {
      if (stack.length <= 1) throw invalid("unbalanced parentheses", definition);
      stack.pop();
      current = stack[stack.length - 1] as Token[];
      space = false;
      i++;
      continue;
    }
    if (DIGIT.test(c) || (c === "." && DIGIT.test(src[i + 1] ?? ""))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i, i + 400));
      const text = m ? m[0] : c;
      push("number", text);
      i += text.length;
      continue;
    }
    if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < len && WORD_PART.test(src[j] as string)) j++;
      push("word", src.slice(i, j));
      i = j;
      continue;
    }
    if (c === ":" && src[i + 1] === ":") {
      push("op", "::");
      i += 2;
      continue;
    }
    push("op", c);
    i++;
  }
  if (stack.length > 1) throw invalid("unbalanced parentheses", definition);
  return root;
}

/** The text of one token; a group with its parentheses. */
export function renderToken(t: Token): string {
  return t.kind === "group" ? `(${render(t.children as Token[])})` : t.text;
}

/** The text of a token run, with single spaces where the source had whitespace. */
export function render(tokens: readonly Token[]): string {
  let out = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (i > 0 && t.space) out += " ";
    out += renderToken(t);
  }
  return out;
}

/** Whether `t` is the word `upper` (compared upper-case). */
export function isWord(t: Token | undefined, upper: string): boolean {
  return t !== undefined && t.kind === "word" && t.upper === upper;
}

/** Classification of a column type, from its tokens. */
export interface TypeInfo {
  /** Upper-case words of the type, without array markers, joined by single spaces. */
  name: string;
  /** Parameters, normalized without whitespace, e.g. "(10,2)", or "" when none. */
  params: string;
  isArray: boolean;
  isInteger: boolean;
  isSerial: boolean;
  isBoolean: boolean;
  isDecimal: boolean;
}

export function classifyType(tokens: readonly Token[]): TypeInfo {
  const words: string[] = [];
  let params = "";
  let isArray = false;
  let simple = true;
  for (const t of tokens) {
    if (t.kind === "word") {
      if (t.upper === "ARRAY") isArray = true;
      else words.push(t.upper);
    } else if (t.kind === "group") {
      if (params === "") params = `(${render(t.children as Token[]).replace(/\s+/g, "")})`;
      else simple = false;
    } else if (t.kind === "op" && (t.text === "[" || t.text === "]")) {
      isArray = true;
    } else if (t.kind === "number" && isArray) {
      // T[3]
    } else {
      simple = false;
    }
  }
  const name = simple ? words.join(" ") : "";
  return {
    name,
    params,
    isArray,
    isInteger: !isArray && (INTEGER_TYPES.has(name) || SERIAL_TYPES.has(name)),
    isSerial: !isArray && SERIAL_TYPES.has(name),
    isBoolean: !isArray && (name === "BOOL" || name === "BOOLEAN"),
    isDecimal: !isArray && (name === "DECIMAL" || name === "DEC" || name === "NUMERIC"),
  };
}

/** A run of constraint tokens starting at a constraint keyword. */
export interface Segment {
  keyword: string;
  tokens: Token[];
}

/** Whether the token at `i` starts a constraint segment (`NOT NULL`, `DEFAULT …`, `REFERENCES …`). */
export function isSegmentStart(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  if (t === undefined || t.kind !== "word" || !CONSTRAINT_KEYWORDS.has(t.upper)) return false;
  // `ON DELETE SET NULL` / `SET DEFAULT` belong to REFERENCES.
  return !isWord(tokens[i - 1], "SET");
}

/** Splits the tokens after the type into constraint segments. */
export function splitSegments(tokens: readonly Token[], start: number): Segment[] {
  const segments: Segment[] = [];
  let i = start;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    const keyword = isSegmentStart(tokens, i) ? t.upper : "";
    const seg: Segment = { keyword, tokens: [t] };
    i++;
    if (keyword === "GENERATED") {
      // GENERATED { ALWAYS | BY DEFAULT } AS { IDENTITY [(...)] | (expr) [STORED | VIRTUAL] }
      while (i < tokens.length) {
        const n = tokens[i] as Token;
        seg.tokens.push(n);
        i++;
        if (n.kind === "word" && n.upper === "AS") break;
      }
      const n = tokens[i];
      if (n !== undefined && (isWord(n, "IDENTITY") || n.kind === "group")) {
        seg.tokens.push(n);
        i++;
        const m = tokens[i];
        if (m !== undefined && (m.kind === "group" || isWord(m, "STORED") || isWord(m, "VIRTUAL"))) {
          seg.tokens.push(m);
          i++;
        }
      }
    } else {
      // CONSTRAINT <name>, NOT NULL, DEFAULT <first token>, CHECK (...), COLLATE <name>, AS (...):
      // the token after these keywords always belongs to the segment.
      if (FORCED_NEXT.has(keyword) && i < tokens.length) {
        seg.tokens.push(tokens[i] as Token);
        i++;
      }
      while (i < tokens.length && !isSegmentStart(tokens, i)) {
        seg.tokens.push(tokens[i] as Token);
        i++;
      }
    }
    segments.push(seg);
  }
  return segments;
}

/**
 * @internal Whether a column definition is an integer `PRIMARY KEY` with no way of its own to
 * generate values (no `DEFAULT`, no `GENERATED … AS IDENTITY`, not a `SERIAL` type). On SQLite such
 * a column is the rowid and generates ids; PostgreSQL and CockroachDB get
 * `GENERATED BY DEFAULT AS IDENTITY` appended so the same definition generates ids there too.
 *
 * @example
 * isBareIntegerPrimaryKey("INTEGER PRIMARY KEY") // true
 * isBareIntegerPrimaryKey("BIGINT PRIMARY KEY DEFAULT unique_rowid()") // false
 * isBareIntegerPrimaryKey("SERIAL PRIMARY KEY") // false
 */
export function isBareIntegerPrimaryKey(definition: string): boolean {
  const tokens = tokenize(definition);
  let typeEnd = 0;
  while (typeEnd < tokens.length && !isSegmentStart(tokens, typeEnd)) typeEnd++;
  const info = classifyType(tokens.slice(0, typeEnd));
  if (!info.isInteger || info.isSerial) return false;
  let primaryKey = false;
  for (const s of splitSegments(tokens, typeEnd)) {
    if (s.keyword === "PRIMARY" && isWord(s.tokens[1], "KEY")) primaryKey = true;
    if (s.keyword === "DEFAULT" || s.keyword === "GENERATED" || s.keyword === "AS") return false;
  }
  return primaryKey;
}
