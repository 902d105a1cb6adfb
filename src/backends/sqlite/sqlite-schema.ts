/**
 * Translation of PostgreSQL/CockroachDB column definitions to SQLite DDL.
 *
 * Users write column definitions once, in PostgreSQL syntax, and the same text must create an
 * equivalent SQLite table whose values read back with the same JavaScript types. Decoding on SQLite
 * is driven by the *declared type* of each result column (see `sqlite-types.ts`, read with `backends/common/declared-types.ts`), so the translation
 * keeps a recognizable type name and, where SQLite's type-name rules
 * (https://www.sqlite.org/datatype3.html §3.1) would give the wrong affinity, appends a second word
 * that forces the right one.
 *
 * Declared-type spellings (PostgreSQL type → SQLite declared type → affinity):
 *
 * | PostgreSQL / CockroachDB                                    | SQLite declared type        | Affinity |
 * | ----------------------------------------------------------- | --------------------------- | -------- |
 * | `INT`, `INT2`, `INT4`, `INT8`, `INTEGER`, `BIGINT`, `SMALLINT` | unchanged                 | INTEGER  |
 * | any integer type with `PRIMARY KEY`                         | `INTEGER` (rowid alias)     | INTEGER  |
 * | the same, 64-bit (`BIGINT`, `INT8`, `INT64`, `BIGSERIAL`)    | `INTEGER`, marked (below)   | INTEGER  |
 * | `SERIAL`, `SMALLSERIAL`, `BIGSERIAL`, `SERIAL2/4/8`          | `INTEGER`                   | INTEGER  |
 * | `DECIMAL(p,s)`, `DEC(p,s)`                                  | `DECIMAL TEXT(p,s)`         | TEXT     |
 * | `NUMERIC(p,s)`                                              | `NUMERIC TEXT(p,s)`         | TEXT     |
 * | unscaled `DECIMAL`/`NUMERIC` in a UNIQUE or PRIMARY KEY constraint | `DECIMAL KEYED TEXT` / `NUMERIC KEYED TEXT` (plus a unique index by value, `decimal-unique.ts`) | TEXT |
 * | `JSON` / `JSONB`                                            | `JSON TEXT` / `JSONB TEXT`  | TEXT     |
 * | `UUID`                                                      | `UUID TEXT`                 | TEXT     |
 * | `TIMESTAMPTZ(p)`, `TIMESTAMP(p) WITH TIME ZONE`             | `TIMESTAMPTZ TEXT(p)`       | TEXT     |
 * | `TIMESTAMP(p)`, `TIMESTAMP(p) WITHOUT TIME ZONE`            | `TIMESTAMP TEXT(p)`         | TEXT     |
 * | `DATE`                                                      | `DATE TEXT`                 | TEXT     |
 * | `TIME(p)` [`WITHOUT TIME ZONE`] / `TIMETZ(p)`, `TIME WITH TIME ZONE` | `TIME TEXT(p)` / `TIMETZ TEXT(p)` | TEXT |
 * | `INET`, `CIDR`, `MACADDR`, `MACADDR8`                       | `<NAME> TEXT`               | TEXT     |
 * | `BYTEA` / `BYTES`                                           | `BYTEA BLOB` / `BYTES BLOB` | BLOB     |
 * | `STRING` / `STRING(n)` (CockroachDB)                        | `TEXT` / `VARCHAR(n)`       | TEXT     |
 * | any array: `T[]`, `T[n][m]`, `T ARRAY`                      | `<E> ARRAY JSON TEXT[(p,s)]` (values stored as JSON; `<E>` names the element type, see below) | TEXT |
 * | `TEXT`, `VARCHAR(n)`, `CHAR(n)`, `BOOL`, `BOOLEAN`, `REAL`, `FLOAT8`, `DOUBLE PRECISION`, unknown types | unchanged | per SQLite rules |
 *
 * Rewritten type names are upper-case with single spaces; type names that are not rewritten keep
 * the user's spelling. An array's declared type starts with a word naming its element type, so that
 * writes check elements as PostgreSQL does and reads decode them to PostgreSQL's JavaScript types
 * (`TIMESTAMPTZ ARRAY JSON TEXT`, `DECIMAL ARRAY JSON TEXT(10,2)`). Integer elements are spelled
 * `I16`/`I32`/`I64`, because a declared type containing "INT" would give the column INTEGER
 * affinity; element types tablekit does not check (`INTERVAL[]`, `POINT[]` …) give the plain
 * `ARRAY JSON TEXT`.
 *
 * Constraints:
 * - `DEFAULT` expressions that are not SQLite literals are parenthesized (`DEFAULT now()` →
 *   `DEFAULT (now())`); PostgreSQL casts `::type` are removed; `CURRENT_TIMESTAMP`,
 *   `current_timestamp(p)`, `now()`, `transaction_timestamp()`, `statement_timestamp()`,
 *   `clock_timestamp()`, `LOCALTIMESTAMP` become `now()` (ISO-8601 UTC text, registered by
 *   `sqlite-functions.ts`); numeric literal defaults of DECIMAL/NUMERIC columns become string literals
 *   so their exact text is kept; `'t'`/`'true'`/`'f'`/`'false'`-style string defaults of BOOL columns
 *   become `TRUE`/`FALSE`; `'{}'` and `ARRAY[]` defaults of array columns become `'[]'`.
 * - On an integer `PRIMARY KEY`, `DEFAULT unique_rowid()`, `DEFAULT nextval(...)` and
 *   `GENERATED ... AS IDENTITY` are dropped: SQLite's rowid generates the ids.
 * - A non-integer `PRIMARY KEY` column gets `NOT NULL` appended unless it has it already, because
 *   SQLite (unlike PostgreSQL) otherwise lets such a key be NULL.
 * - `E'...'` and dollar-quoted strings become standard `'...'` literals; casts are stripped everywhere
 *   outside the type (also in CHECK and generated-column expressions), since `::` is never valid SQLite.
 * - Everything else (`NOT NULL`, `UNIQUE`, `CHECK (...)`, `REFERENCES t(c) ON DELETE CASCADE`,
 *   `COLLATE`, ...) passes through; runs of whitespace outside strings are collapsed to one space.
 * - Table constraints written after a comma in a definition (`"TEXT, UNIQUE (a, b)"`) pass through,
 *   casts removed; the column's own type and constraints before the comma are translated as above.
 *
 * @module
 */

import { IdentifierError, ValidationError } from "../../errors/errors.js";
import { portableFunctions } from "../common/portable-functions.js";
import {
  type Token,
  sqlString,
  tokenize,
  renderToken,
  render,
  isWord,
  type TypeInfo,
  classifyType,
  isSegmentStart,
  splitSegments,
} from "../common/column-definition.js";
import { VALUE_KEYED_WORD, decimalScale, formatDecimal } from "../common/declared-types.js";
import { decimalSpecial, decimalText } from "../common/decimal-text.js";
import { decimalKeyConstraints, decimalKeyIndexes, splitDefinition, tablePrimaryKeyColumns } from "./decimal-unique.js";

/** Normalized type names (upper-case words, single spaces, no parameters) → rewritten declared name. */
const TYPE_REWRITES: ReadonlyMap<string, string> = new Map([
  ["UUID", "UUID TEXT"],
  ["JSON", "JSON TEXT"],
  ["JSONB", "JSONB TEXT"],
  ["DECIMAL", "DECIMAL TEXT"],
  ["DEC", "DECIMAL TEXT"],
  ["NUMERIC", "NUMERIC TEXT"],
  ["TIMESTAMPTZ", "TIMESTAMPTZ TEXT"],
  ["TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ TEXT"],
  ["TIMESTAMP", "TIMESTAMP TEXT"],
  ["TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP TEXT"],
  ["DATE", "DATE TEXT"],
  ["TIME", "TIME TEXT"],
  ["TIME WITHOUT TIME ZONE", "TIME TEXT"],
  ["TIMETZ", "TIMETZ TEXT"],
  ["TIME WITH TIME ZONE", "TIMETZ TEXT"],
  ["INET", "INET TEXT"],
  ["CIDR", "CIDR TEXT"],
  ["MACADDR", "MACADDR TEXT"],
  ["MACADDR8", "MACADDR8 TEXT"],
  ["BYTEA", "BYTEA BLOB"],
  ["BYTES", "BYTES BLOB"],
]);

/** Declared type given to every array column, after its element word. */
const ARRAY_TYPE = "ARRAY JSON TEXT";

/** Element type names (normalized) → the word naming them in an array's declared type. */
const ARRAY_ELEMENT_WORDS: ReadonlyMap<string, string> = new Map([
  ["BOOL", "BOOLEAN"],
  ["BOOLEAN", "BOOLEAN"],
  ["SMALLINT", "I16"],
  ["INT2", "I16"],
  ["INT", "I32"],
  ["INT4", "I32"],
  ["INTEGER", "I32"],
  ["BIGINT", "I64"],
  ["INT8", "I64"],
  ["INT64", "I64"],
  ["REAL", "REAL"],
  ["FLOAT4", "REAL"],
  ["FLOAT", "DOUBLE"],
  ["FLOAT8", "DOUBLE"],
  ["DOUBLE PRECISION", "DOUBLE"],
  ["DECIMAL", "DECIMAL"],
  ["DEC", "DECIMAL"],
  ["NUMERIC", "DECIMAL"],
  ["TEXT", "TEXT"],
  ["VARCHAR", "VARCHAR"],
  ["CHARACTER VARYING", "VARCHAR"],
  ["CHAR", "CHAR"],
  ["CHARACTER", "CHAR"],
  ["STRING", "TEXT"],
  ["UUID", "UUID"],
  ["DATE", "DATE"],
  ["TIMESTAMP", "TIMESTAMP"],
  ["TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"],
  ["TIMESTAMPTZ", "TIMESTAMPTZ"],
  ["TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"],
  ["BYTEA", "BYTEA"],
  ["BYTES", "BYTEA"],
  ["JSON", "JSON"],
  ["JSONB", "JSONB"],
]);

/** The SQLite declared type of an array column whose element type is `info`. */
function arrayType(info: TypeInfo): string {
  let word = ARRAY_ELEMENT_WORDS.get(info.name);
  if (word === undefined) return ARRAY_TYPE;
  // VARCHAR without a length is TEXT; CHAR without one is CHAR(1) (arrayElementType reads it so).
  if (word === "VARCHAR" && info.params === "") word = "TEXT";
  // The element's length or precision and scale stay in the declared type, after the array words.
  return `${word} ${ARRAY_TYPE}${word === "DECIMAL" || word === "VARCHAR" || word === "CHAR" ? info.params : ""}`;
}

/** Expressions that stand for "the current timestamp" and are rewritten to `now()`. */
const TIMESTAMP_FUNCTIONS: ReadonlySet<string> = new Set([
  "NOW",
  "TRANSACTION_TIMESTAMP",
  "STATEMENT_TIMESTAMP",
  "CLOCK_TIMESTAMP",
]);
/** Keywords for "the current timestamp", usable with or without a precision argument. */
const TIMESTAMP_KEYWORDS: ReadonlySet<string> = new Set(["CURRENT_TIMESTAMP", "LOCALTIMESTAMP"]);

const TRUE_STRINGS: ReadonlySet<string> = new Set(["t", "true", "y", "yes", "on", "1"]);
const FALSE_STRINGS: ReadonlySet<string> = new Set(["f", "false", "n", "no", "off", "0"]);

/** Removes PostgreSQL casts (`::type`, `::type(p)`, `::type[]`, `::double precision`, ...) recursively. */
function stripCasts(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "group") {
      out.push({ ...t, children: stripCasts(t.children as Token[]) });
      continue;
    }
    if (!(t.kind === "op" && t.text === "::")) {
      out.push(t);
      continue;
    }
    // Skip the type name: a word or quoted identifier, optionally schema-qualified.
    let j = i + 1;
    const first = tokens[j];
    if (first === undefined || (first.kind !== "word" && first.kind !== "ident")) {
      out.push(t); // not a cast we understand; leave it for SQLite to report
      continue;
    }
    j++;
    while (tokens[j]?.kind === "op" && tokens[j]?.text === "." && tokens[j + 1] !== undefined) j += 2;
    const typeUpper = first.upper;
    // Multi-word type names.
    for (;;) {
      const n = tokens[j];
      if (isWord(n, "VARYING") || isWord(n, "PRECISION")) {
        j++;
        continue;
      }
      if ((isWord(n, "WITH") || isWord(n, "WITHOUT")) && isWord(tokens[j + 1], "TIME") && isWord(tokens[j + 2], "ZONE")) {
        j += 3;
        continue;
      }
      if (typeUpper === "TIMESTAMP" || typeUpper === "TIME") {
        // `::timestamp(3) with time zone`
        if (tokens[j]?.kind === "group" && (isWord(tokens[j + 1], "WITH") || isWord(tokens[j + 1], "WITHOUT"))) {
          j++;
          continue;
        }
      }
      break;
    }
    if (tokens[j]?.kind === "group" && !tokens[j]?.space) j++;
    while (tokens[j]?.kind === "op" && tokens[j]?.text === "[") {
      let k = j + 1;
      if (tokens[k]?.kind === "number") k++;
      if (tokens[k]?.kind === "op" && tokens[k]?.text === "]") j = k + 1;
      else break;
    }
    i = j - 1;
  }
  return out;
}

/** Replaces current-timestamp spellings with `now()`, recursively. */
function rewriteTimestamps(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "group") {
      out.push({ ...t, children: rewriteTimestamps(t.children as Token[]) });
      continue;
    }
    const prev = tokens[i - 1];
    const qualified = prev !== undefined && prev.kind === "op" && prev.text === ".";
    if (t.kind === "word" && !qualified) {
      const next = tokens[i + 1];
      const call = next !== undefined && next.kind === "group";
      if (TIMESTAMP_KEYWORDS.has(t.upper) || (call && TIMESTAMP_FUNCTIONS.has(t.upper))) {
        out.push({ kind: "word", text: "now", upper: "NOW", space: t.space });
        out.push({ kind: "group", text: "", upper: "", space: false, children: [] });
        if (call) i++;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/** Whether `tokens` is something SQLite accepts unparenthesized after DEFAULT. */
function isSqliteLiteral(tokens: readonly Token[]): boolean {
  const [a, b] = tokens;
  if (a === undefined) return false;
  if (tokens.length === 1) {
    if (a.kind === "string" || a.kind === "number" || a.kind === "group") return true;
    if (a.kind === "word") {
      return (
        a.upper === "TRUE" ||
        a.upper === "FALSE" ||
        a.upper === "NULL" ||
        a.upper === "CURRENT_DATE" ||
        a.upper === "CURRENT_TIME"
      );
    }
    return false;
  }
  if (tokens.length === 2 && b !== undefined) {
    if (a.kind === "op" && (a.text === "-" || a.text === "+") && b.kind === "number") return true;
    if (a.kind === "word" && a.upper === "X" && b.kind === "string" && !b.space) return true; // blob
  }
  return false;
}

/** Whether `tokens` is a signed or unsigned number literal. */
function numberLiteral(tokens: readonly Token[]): string | undefined {
  const [a, b] = tokens;
  if (tokens.length === 1 && a?.kind === "number") return a.text;
  if (tokens.length === 2 && a?.kind === "op" && (a.text === "-" || a.text === "+") && b?.kind === "number") {
    return a.text === "-" ? `-${b.text}` : b.text;
  }
  return undefined;
}

/** The text of a DEFAULT that is one standard string literal (`'a''b'` → `a'b`), else undefined. */
function stringLiteral(tokens: readonly Token[]): string | undefined {
  const [a] = tokens;
  if (tokens.length !== 1 || a?.kind !== "string" || !a.text.startsWith("'") || !a.text.endsWith("'")) return undefined;
  return a.text.slice(1, -1).replaceAll("''", "'");
}

/**
 * A DECIMAL default as PostgreSQL stores it, as tablekit writes the same value (issue 17): the
 * output form (`1e3` → `1000`, `007.50` → `7.50`, `nan` → `NaN`), at the column's scale
 * (`DECIMAL(10,2) DEFAULT 1.5` → `1.50`). Text that is not a number is kept (PostgreSQL refuses it
 * when a row takes the default; SQLite then stores it, as before).
 */
function decimalDefault(literal: string, type: TypeInfo): string {
  const special = decimalSpecial(literal);
  if (special !== undefined) return special;
  const text = decimalText(literal);
  if (text === undefined) return literal;
  const scale = decimalScale(type.params);
  return scale === undefined ? text : formatDecimal(text, scale);
}

/** The length a CHAR(n)/CHARACTER(n)/BPCHAR(n) value is blank-padded to (`CHAR` alone: 1); undefined for other types. */
function blankPaddedLength(type: TypeInfo): number | undefined {
  if (type.isArray) return undefined;
  const length = /^\((\d+)\)$/.exec(type.params);
  if (type.name === "CHAR" || type.name === "CHARACTER") return length === null ? (type.params === "" ? 1 : undefined) : Number(length[1]);
  if (type.name === "BPCHAR" && length !== null) return Number(length[1]);
  return undefined;
}

/**
 * A CHAR(n) default blank-padded to `n` characters (code points) as PostgreSQL's bpchar stores it
 * and tablekit writes it; trailing blanks beyond `n` are cut. Longer text is kept as written
 * (PostgreSQL refuses it when a row takes the default).
 */
function padded(text: string, length: number): string {
  const chars = Array.from(text.replace(/ +$/, ""));
  if (chars.length > length) return text;
  return chars.join("") + " ".repeat(length - chars.length);
}

/** Whether `tokens` (a DEFAULT expression) is a call of one of the named functions. */
function isCallOf(tokens: readonly Token[], names: readonly string[]): boolean {
  const [a, b] = tokens;
  return tokens.length === 2 && a?.kind === "word" && names.includes(a.upper) && b?.kind === "group";
}

/** Rewrites one DEFAULT expression; returns undefined when the DEFAULT must be dropped. */
function translateDefault(expr: readonly Token[], type: TypeInfo, integerPk: boolean): string | undefined {
  const tokens = rewriteTimestamps(stripCasts(expr));
  if (integerPk && isCallOf(tokens, ["UNIQUE_ROWID", "NEXTVAL"])) return undefined;
  if (type.isArray) {
    const [a, b, c] = tokens;
    const emptyArrayLiteral = tokens.length === 1 && a?.kind === "string" && /^'\{\s*\}'$/.test(a.text);
    const emptyArrayConstructor =
      tokens.length === 3 && isWord(a, "ARRAY") && b?.kind === "op" && b.text === "[" && c?.kind === "op" && c.text === "]";
    if (emptyArrayLiteral || emptyArrayConstructor) return "'[]'";
  }
  if (type.isDecimal) {
    const n = numberLiteral(tokens) ?? stringLiteral(tokens);
    if (n !== undefined) return sqlString(decimalDefault(n, type));
  }
  const charLength = blankPaddedLength(type);
  if (charLength !== undefined) {
    const text = stringLiteral(tokens) ?? numberLiteral(tokens);
    if (text !== undefined) return sqlString(padded(text, charLength));
  }
  if (type.isBoolean && tokens.length === 1 && tokens[0]?.kind === "string") {
    const s = tokens[0].text.slice(1, -1).trim().toLowerCase();
    if (TRUE_STRINGS.has(s)) return "TRUE";
    if (FALSE_STRINGS.has(s)) return "FALSE";
  }
  if (tokens.length === 0) return "";
  const text = render(tokens);
  if (isSqliteLiteral(tokens)) return text;
  return `(${text})`;
}

/** The 64-bit integer types: PostgreSQL reads them as `int8`, which the `int64` policy governs. */
const INT8_NAMES: ReadonlySet<string> = new Set(["BIGINT", "INT8", "INT64", "BIGSERIAL", "SERIAL8"]);

/**
 * Written at the end of a 64-bit integer primary key's definition. SQLite makes a column its rowid
 * only when the declared type is exactly `INTEGER`, so the original width cannot stay in the type;
 * this always-true named CHECK keeps it in the table's `sqlite_schema.sql` (renames keep it too),
 * where the driver looks for it to decode the key as PostgreSQL would: a bigint under
 * `int64: "bigint"`, a string under `"string"`. See docs/decisions.md ("64-bit integer keys").
 */
export const INT8_KEY_MARKER = 'CONSTRAINT "tablekit_int8" CHECK (1)';

function translateType(info: TypeInfo, typeTokens: readonly Token[], integerPk: boolean, keyed: boolean): string {
  if (info.isArray) return arrayType(info);
  if (integerPk || info.isSerial) return "INTEGER";
  if (info.name === "STRING") return info.params === "" ? "TEXT" : `VARCHAR${info.params}`;
  // An unscaled DECIMAL in a UNIQUE/PRIMARY KEY constraint: `NUMERIC KEYED TEXT` (see decimal-unique.ts).
  if (keyed && info.isDecimal && info.params === "") return `${info.name === "NUMERIC" ? "NUMERIC" : "DECIMAL"} ${VALUE_KEYED_WORD} TEXT`;
  const rewritten = TYPE_REWRITES.get(info.name);
  if (rewritten !== undefined) return rewritten + info.params;
  return render(typeTokens);
}

/**
 * Rewrites one PostgreSQL/CockroachDB column definition (type and column constraints, without the
 * column name) for SQLite, following the rules in this module's documentation.
 *
 * @example
 * translateColumnDefinition("DECIMAL(10,2) NOT NULL DEFAULT 0") // "DECIMAL TEXT(10,2) NOT NULL DEFAULT '0.00'"
 * translateColumnDefinition("INT8 PRIMARY KEY DEFAULT unique_rowid()") // "INTEGER PRIMARY KEY"
 * translateColumnDefinition("TIMESTAMPTZ DEFAULT now()") // "TIMESTAMPTZ TEXT DEFAULT (now())"
 *
 * Table constraints written after a comma (`"TEXT, UNIQUE (a, b)"`) pass through, casts removed.
 *
 * @param definition - The definition as written for PostgreSQL, e.g. `"UUID PRIMARY KEY DEFAULT gen_random_uuid()"`.
 * @param keyed - The column is an unscaled DECIMAL in a UNIQUE/PRIMARY KEY constraint that also gets
 *   a unique index by value (`decimal-unique.ts`): its declared type carries the `KEYED` word.
 * @returns The SQLite definition.
 * @throws ValidationError when the definition is empty, contains `;`, a SQL comment or a NUL
 *   character, or has unbalanced quotes or parentheses.
 */
export function translateColumnDefinition(definition: string, keyed = false): string {
  const { column, constraints } = translateColumnParts(definition, keyed, false);
  return column + constraints;
}

/**
 * {@link translateColumnDefinition} in two parts: the column's own definition, and the table
 * constraints written after a top-level comma (`", UNIQUE (a, b)"`, casts removed; empty when
 * none), which SQLite takes only after the last column definition.
 */
function translateColumnParts(definition: string, keyed: boolean, inTablePrimaryKey: boolean): { column: string; constraints: string } {
  if (typeof definition !== "string" || definition.trim() === "") {
    throw new ValidationError("A column definition must be a non-empty string", [
      { message: "empty column definition", path: [] },
    ]);
  }
  const { head: tokens, tail } = splitDefinition(tokenize(definition));
  let typeEnd = 0;
  while (typeEnd < tokens.length && !isSegmentStart(tokens, typeEnd)) typeEnd++;
  const typeTokens = tokens.slice(0, typeEnd);
  const info = classifyType(typeTokens);
  const segments = splitSegments(tokens, typeEnd);

  let hasPrimaryKey = false;
  let hasNotNull = false;
  for (const s of segments) {
    if (s.keyword === "PRIMARY" && isWord(s.tokens[1], "KEY")) hasPrimaryKey = true;
    if (s.keyword === "NOT" && isWord(s.tokens[1], "NULL")) hasNotNull = true;
  }
  const integerPk = hasPrimaryKey && info.isInteger;

  const parts: string[] = [];
  if (typeTokens.length > 0) parts.push(translateType(info, typeTokens, integerPk, keyed));
  for (const s of segments) {
    if (s.keyword === "DEFAULT") {
      const expr = translateDefault(s.tokens.slice(1), info, integerPk);
      if (expr === undefined) continue;
      parts.push(expr === "" ? renderToken(s.tokens[0] as Token) : `${renderToken(s.tokens[0] as Token)} ${expr}`);
      continue;
    }
    if (s.keyword === "GENERATED" && integerPk && s.tokens.some((t) => isWord(t, "IDENTITY"))) continue;
    parts.push(render(stripCasts(s.tokens)));
  }
  // PostgreSQL: every PRIMARY KEY column is NOT NULL; SQLite: only with the words (a column's own
  // INTEGER PRIMARY KEY is the rowid, assigned when NULL).
  if ((hasPrimaryKey || inTablePrimaryKey) && !integerPk && !hasNotNull) parts.push("NOT NULL");
  if (integerPk && INT8_NAMES.has(info.name)) parts.push(INT8_KEY_MARKER);
  return { column: parts.join(" "), constraints: render(stripCasts(tail)) };
}

function quoteIdentifier(name: string, what: string): string {
  if (typeof name !== "string" || name === "" || name.includes("\0")) {
    throw new IdentifierError(`Invalid ${what} name ${JSON.stringify(name)}`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Builds a SQLite `CREATE TABLE` statement from PostgreSQL column definitions, translating each
 * with {@link translateColumnDefinition} and quoting every name with double quotes.
 *
 * @example
 * translateCreateTable("users", { id: "UUID PRIMARY KEY", name: "TEXT NOT NULL" }, { ifNotExists: true })
 * // 'CREATE TABLE IF NOT EXISTS "users" ("id" UUID TEXT PRIMARY KEY NOT NULL, "name" TEXT NOT NULL)'
 *
 * @param table - Table name, already validated by the caller, unquoted.
 * @param columns - Column name → PostgreSQL column definition, in column order.
 * @param options - `ifNotExists` adds `IF NOT EXISTS`.
 * @returns One SQL statement, without a trailing semicolon.
 * @throws ValidationError when there are no columns or a definition is rejected (its `issues`
 *   carry the column name as path); IdentifierError for an empty name or one containing NUL.
 */
export function translateCreateTable(
  table: string,
  columns: Readonly<Record<string, string>>,
  options: { ifNotExists: boolean },
): string {
  const names = Object.keys(columns);
  if (names.length === 0) {
    throw new ValidationError(`Table ${JSON.stringify(table)} needs at least one column`, [
      { message: "no columns", path: [] },
    ]);
  }
  const defs: string[] = [];
  // Table constraints written after a comma in any column's definition go after the last column:
  // PostgreSQL takes them anywhere in the list, SQLite only at its end.
  let constraints = "";
  const portable = portableDefinitions(table, columns);
  const keys = decimalKeyConstraints(table, portable);
  const primaryKey = tablePrimaryKeyColumns(table, portable);
  for (const name of names) {
    const parts = translateColumnParts(portable[name] as string, keys.keyed.has(name), primaryKey.has(name));
    defs.push(`${quoteIdentifier(name, "column")} ${parts.column}`);
    constraints += parts.constraints;
  }
  const ifNotExists = options.ifNotExists ? "IF NOT EXISTS " : "";
  return `CREATE TABLE ${ifNotExists}${quoteIdentifier(table, "table")} (${defs.join(", ")}${constraints})`;
}

/**
 * The statements that follow {@link translateCreateTable}'s: a unique index by numeric value for
 * each UNIQUE/PRIMARY KEY constraint with an unscaled DECIMAL member (`decimal-unique.ts`), named
 * as PostgreSQL names the constraint. Empty for most tables.
 *
 * @example
 * translateCreateTableIndexes("t", { id: "INTEGER PRIMARY KEY", price: "NUMERIC UNIQUE" }, { ifNotExists: false })
 * // ['CREATE UNIQUE INDEX "t_price_key" ON "t" ((CASE WHEN instr("price", \'.\') THEN rtrim(rtrim("price", \'0\'), \'.\') ELSE "price" END))']
 */
export function translateCreateTableIndexes(
  table: string,
  columns: Readonly<Record<string, string>>,
  // ifNotExists: the table's; the indexes are never IF NOT EXISTS (they run only with a table just
  // created, see decimalKeyIndexes). taken: the names in use (lowercased), read with the table's creation.
  options: { ifNotExists: boolean; taken?: ReadonlySet<string> | undefined },
): string[] {
  return decimalKeyIndexes(table, decimalKeyConstraints(table, portableDefinitions(table, columns)), options.taken);
}

/** Each definition with its functions made portable (`portable-functions.ts`), checked by translating it; a refusal names the column. */
function portableDefinitions(table: string, columns: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(columns)) {
    const definition = columns[name] as string;
    try {
      out[name] = portableFunctions(definition, "sqlite");
      translateColumnDefinition(out[name]);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`Column ${JSON.stringify(name)} of table ${JSON.stringify(table)}: ${error.message}`, [
          ...error.issues.map((issue) => ({ message: issue.message, path: [name, ...issue.path] })),
        ]);
      }
      throw error;
    }
  }
  return out;
}
