/**
 * The SQL that is PostgreSQL's and CockroachDB's own: `$n` placeholders, `= ANY($n)` lists bound
 * as one array, `ILIKE`, information_schema catalog queries, and the few CockroachDB type names
 * (STRING, BYTES) that PostgreSQL spells differently.
 *
 * @module
 */
import { arrayShapeProblem } from "../common/array-shape.js";
import type { DialectName } from "../../config/connection-config.js";
import type { AdvisoryLocks, IsolationLevel, KeySequences, SqlDialect } from "../contract.js";
import { ValidationError } from "../../errors/errors.js";
import { checkDate, checkNumber, checkString, jsonText } from "../common/json-value.js";
import { quoteIdentifier } from "../../sql/identifiers.js";
import { isBareIntegerPrimaryKey } from "../common/column-definition.js";
import { portableFunctions } from "../common/portable-functions.js";
import { POSTGRES_INDEXES_SQL, postgresIndexes } from "./postgres-indexes.js";
import { cockroachKV, postgresKV } from "./postgres-kv.js";

const PLACEHOLDERS: string[] = [];
function placeholder(index: number): string {
  return (PLACEHOLDERS[index] ??= `$${index}`);
}

/**
 * Values as node-postgres binds them (as text, typed by the server from the statement). Plain
 * objects and arrays become JSON text, the same as on SQLite ({@link jsonText}: NaN, ±Infinity,
 * invalid Dates and bigints inside are a ValidationError); for native array columns the CRUD
 * writes replace that text with {@link postgresArrayLiteral}. NaN and Dates outside the
 * years 0000–9999 are refused as on SQLite.
 */
export function encodePostgresValue(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      checkNumber(value);
      // An integral number beyond ±(2^53−1) is not exact: written in exponent form, an integer
      // column refuses it (SQLSTATE 22P02, a ValidationError, as on SQLite) and a float column
      // stores the same double. Its decimal digits ("1152921504606847000" for 2^60) would land a
      // different integer in a BIGINT.
      return Number.isSafeInteger(value) || !Number.isInteger(value) ? value : value.toExponential();
    case "string":
      checkString(value);
      return value;
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
      return null;
    case "object": {
      if (value === null) return null;
      if (value instanceof Date) {
        checkDate(value);
        // ISO-8601 in UTC, as SQLite stores it: pg's own form is local time with an offset, which a
        // TIMESTAMP (without time zone) column keeps as local wall time and a text column as text
        // that differs from SQLite's.
        const iso = value.toISOString();
        // PostgreSQL has no year 0: it is 1 BC (checkDate allows no earlier year).
        return value.getUTCFullYear() === 0 ? "0001" + iso.slice(4) + " BC" : iso;
      }
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value) || proto === Object.prototype || proto === null || typeof (value as { toJSON?: unknown }).toJSON === "function") {
        return jsonText(value);
      }
      throw new ValidationError(`A ${proto?.constructor?.name ?? "object"} cannot be stored in a column; convert it to a plain object, array or string`, [
        { message: "unsupported object", path: [] },
      ]);
    }
    default:
      throw new ValidationError(`A ${typeof value} cannot be stored in a column`, [{ message: `unsupported ${typeof value}`, path: [] }]);
  }
}

/**
 * A JS array as a PostgreSQL array literal (`{"a","b"}`, nested arrays as nested braces), for a
 * native array column (TEXT[], INTEGER[], UUID[] …). Elements are checked as values are (NaN,
 * invalid Dates refused); objects become JSON text.
 *
 * @param value - The array.
 * @param column - The column, for error messages.
 * @returns The literal, bound as text; the server parses it with the column's element type.
 * @throws ValidationError for an element that cannot be stored.
 */
export function postgresArrayLiteral(value: readonly unknown[], column: string): string {
  const problem = arrayShapeProblem(value);
  if (problem !== undefined) throw new ValidationError(`Cannot store column "${column}": ${problem}`, [{ message: problem, path: [column] }]);
  return arrayLiteral(value, column);
}

/** {@link postgresArrayLiteral} once the shape is checked. */
function arrayLiteral(value: readonly unknown[], column: string): string {
  let out = "{";
  for (let i = 0; i < value.length; i++) {
    const element = value[i];
    if (i > 0) out += ",";
    if (Array.isArray(element)) {
      out += arrayLiteral(element, column);
      continue;
    }
    try {
      if (typeof element === "number") checkNumber(element);
      if (element instanceof Date) checkDate(element);
      if (element !== null && typeof element === "object" && !(element instanceof Date) && !(element instanceof Uint8Array)) jsonText(element);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`Cannot store element ${i} of column "${column}": ${error.message}`, [{ message: error.message, path: [column, i] }]);
      }
      throw error;
    }
    if (element === undefined) {
      throw new ValidationError(`Cannot store element ${i} of column "${column}": undefined`, [{ message: "undefined array element", path: [column, i] }]);
    }
    out += arrayElement(element);
  }
  return out + "}";
}

/** One element of a PostgreSQL array literal. */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (value instanceof Uint8Array) text = "\\x" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  // "true"/"false", as for a scalar: a TEXT[] element stores the same text as a TEXT column.
  else if (typeof value === "boolean") text = value ? "true" : "false";
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  return '"' + text.replace(/[\\"]/g, "\\$&") + '"';
}

/**
 * An IN list travels as one array literal bound to `= ANY($n)`: the SQL text (and its prepared
 * statement) is the same whatever the list's length, and the server types the array from the
 * column. A JS array would not do: postgres.js declares an array parameter with its first
 * element's type (a Date list as one timestamptz), which the server then refuses.
 */
function encodeList(values: readonly unknown[]): string {
  let literal = "{";
  for (let i = 0; i < values.length; i++) literal += (i === 0 ? "" : ",") + arrayElement(values[i]);
  return literal + "}";
}

const COPY_NEEDS_ESCAPE = /[\\\n\r\t]/;
const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One field in COPY text format. */
function copyField(value: unknown): string {
  const encoded = encodePostgresValue(value);
  if (encoded === null) return "\\N";
  let text: string;
  if (typeof encoded === "string") text = encoded;
  else if (typeof encoded === "boolean") text = encoded ? "t" : "f";
  else if (encoded instanceof Date) text = encoded.toISOString();
  else if (Buffer.isBuffer(encoded)) text = "\\x" + encoded.toString("hex");
  else text = String(encoded);
  return COPY_NEEDS_ESCAPE.test(text) ? text.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch]!) : text;
}

/** One row in COPY text format, ending with a newline. */
function copyLine(values: readonly unknown[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) line += (i === 0 ? "" : "\t") + copyField(values[i]);
  return line + "\n";
}

const POSTGRES_TYPE_RENAMES: [RegExp, string][] = [
  [/^(\s*)STRING\s*\(/i, "$1VARCHAR("],
  [/^(\s*)STRING\b/i, "$1TEXT"],
  [/^(\s*)BYTES\b/i, "$1BYTEA"],
];

/**
 * A timestamp type without a precision (`TIMESTAMPTZ`, `TIMESTAMP`, `TIMESTAMP WITH TIME ZONE`,
 * their arrays) is created with millisecond precision, `(3)`: every value such a column holds is
 * then exactly a JavaScript Date, so a value read from a row finds that row again as a filter
 * (`count({ created_at: row.created_at })`), as on SQLite. An explicit precision is kept.
 */
const TIMESTAMP_TYPE = /^(\s*)(TIMESTAMPTZ|TIMESTAMP)\b(?!\s*\()/i;

/**
 * `uuid_generate_v4()` (the uuid-ossp extension's, which a plain PostgreSQL lacks) written as the
 * built-in `gen_random_uuid()` (PostgreSQL 13+; the same random version-4 UUID), outside quoted
 * text, so a definition that works on SQLite works on PostgreSQL (issue 17, item 4).
 */
export function builtinUuidFunction(definition: string): string {
  if (!/uuid_generate_v4/i.test(definition)) return definition;
  // Quoted text ('…', "…", $$…$$) is kept as is; only the code between is rewritten.
  return definition.replace(/('(?:[^']|'')*'|"(?:[^"]|"")*"|\$\$[\s\S]*?\$\$)|\buuid_generate_v4\s*\(\s*\)/gi, (_match, quoted: string | undefined) =>
    quoted !== undefined ? quoted : "gen_random_uuid()",
  );
}

function createTable(rename: boolean) {
  return (table: string, columns: Readonly<Record<string, string>>, ifNotExists: boolean): string => {
    const list = Object.entries(columns).map(([column, definition]) => {
      let def = definition;
      if (rename) def = portableFunctions(builtinUuidFunction(def), "postgres");
      if (rename) for (const [pattern, replacement] of POSTGRES_TYPE_RENAMES) def = def.replace(pattern, replacement);
      def = def.replace(TIMESTAMP_TYPE, "$1$2(3)");
      // An integer PRIMARY KEY generates ids on SQLite (the rowid): an identity column does here.
      if (isBareIntegerPrimaryKey(def)) def = `${def} GENERATED BY DEFAULT AS IDENTITY`;
      return `${quoteIdentifier(column)} ${def}`;
    });
    return `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${quoteIdentifier(table)} (${list.join(", ")})`;
  };
}

function beginSql(options: { isolation?: IsolationLevel | undefined }): string {
  return options.isolation === undefined ? "BEGIN" : `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}`;
}

function integerBits(declaredType: string): 16 | 32 | 64 | undefined {
  const t = declaredType.toLowerCase();
  if (t === "smallint" || t === "int2") return 16;
  if (t === "integer" || t === "int4" || t === "int") return 32;
  if (t === "bigint" || t === "int8") return 64;
  return undefined;
}

/** PostgreSQL's sequences behind identity and SERIAL columns (CockroachDB answers the same catalog query). */
const POSTGRES_KEY_SEQUENCES: KeySequences = Object.freeze({
  columnsSql:
    "SELECT a.attname AS name, pg_get_serial_sequence($1, a.attname) AS seq FROM pg_catalog.pg_attribute a " +
    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
  // GREATEST with last_value: never moves a sequence back below ids it already handed out.
  advanceExpression: (table: string, column: string, sequence: string): string =>
    `(SELECT setval('${sequence.replace(/'/g, "''")}', GREATEST((SELECT max(${column}) FROM ${table}), s.last_value)) FROM ${sequence} s)`,
});

/** PostgreSQL's advisory locks on a text key (`hashtext`), and `lock_timeout` to bound the wait. */
const POSTGRES_ADVISORY_LOCKS: AdvisoryLocks = Object.freeze({
  lock: "SELECT pg_advisory_lock(hashtext($1))",
  unlock: "SELECT pg_advisory_unlock(hashtext($1))",
  transactionLock: "SELECT pg_advisory_xact_lock(hashtext($1))",
  lockTimeout: (ms: number, local: boolean): string => `SET ${local ? "LOCAL " : ""}lock_timeout = ${Math.max(0, Math.trunc(ms))}`,
  resetLockTimeout: (local: boolean): string => (local ? "SET LOCAL lock_timeout TO DEFAULT" : "RESET lock_timeout"),
  isLockTimeout: (error: unknown): boolean => (error as { code?: unknown } | null | undefined)?.code === "55P03",
});

function dialect(name: DialectName): SqlDialect {
  return Object.freeze({
    name,
    maxParameters: 65535,
    supportsCreateDatabase: true,
    unlimited: null,
    inlineLimits: false,
    placeholder,
    encodeValue: encodePostgresValue,
    encodeList,
    copyLine,
    inList: (column: string, ph: string, negate: boolean): string => (negate ? `NOT (${column} = ANY(${ph}))` : `${column} = ANY(${ph})`),
    ilike: (column: string, ph: string, negate: boolean): string => `${column} ${negate ? "NOT ILIKE" : "ILIKE"} ${ph}`,
    createTable: createTable(name === "postgres"),
    listTablesSql: (): string =>
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    tableExistsSql: (): string =>
      "SELECT 1 AS present FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
    columnsSql: (): string =>
      `SELECT c.column_name AS name, c.data_type AS type, (c.is_nullable = 'NO') AS not_null,
        EXISTS (SELECT 1 FROM information_schema.table_constraints tc
                JOIN information_schema.key_column_usage k
                  ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
                WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema
                  AND tc.table_name = c.table_name AND k.column_name = c.column_name) AS pk
       FROM information_schema.columns c
       WHERE c.table_schema = current_schema() AND c.table_name = $1
       ORDER BY c.ordinal_position`,
    indexesSql: (): string => POSTGRES_INDEXES_SQL,
    indexes: postgresIndexes,
    // CockroachDB compacts storage by itself and has no VACUUM.
    vacuumSql: (): string[] => (name === "postgres" ? ["VACUUM"] : []),
    beginSql,
    sqlFlavor: "postgres" as const,
    rewritesQuestionMarks: true,
    keysFollowExplicitValues: false,
    sequences: POSTGRES_KEY_SEQUENCES,
    checksValuesByDeclaredType: false,
    lockRowsClause: " FOR UPDATE",
    // Every type's text form reads back as the same value, typed by the server from the column.
    exactValue: (quoted: string): string => `${quoted}::text`,
    decimalOrder: (): undefined => undefined,
    integerBits,
    // CockroachDB has no session-level advisory locks.
    advisoryLocks: name === "postgres" ? POSTGRES_ADVISORY_LOCKS : undefined,
    addColumnWithKeys: true,
    followerReads: name === "cockroachdb",
    arrayLiteral: postgresArrayLiteral,
    keyValue: name === "cockroachdb" ? cockroachKV : postgresKV,
  });
}

/** PostgreSQL's {@link SqlDialect}. */
export const postgresDialect: SqlDialect = dialect("postgres");

/** CockroachDB's {@link SqlDialect}: PostgreSQL's, with native STRING/BYTES types and no VACUUM. */
export const cockroachDialect: SqlDialect = dialect("cockroachdb");
