/**
 * Value conversion between JavaScript and SQLite, driven by declared column types.
 *
 * Reading: better-sqlite3 reports the declared type of each result column (`stmt.columns()[i].type`,
 * `null` for expressions). {@link valueKindOfDeclaredType} maps it to a {@link ValueKind}, and the
 * `decode*` functions turn stored values into the JavaScript types PostgreSQL returns. The declared
 * types produced by `translateColumnDefinition` (`sqlite-schema.ts`) are recognized, and so are
 * common types written directly for SQLite:
 *
 * | ValueKind     | declared types (case-insensitive, first word; parameters ignored)                  |
 * | ------------- | ---------------------------------------------------------------------------------- |
 * | `"json"`      | a word `JSON`/`JSONB`/`ARRAY` anywhere, a first word ending in `_ARRAY`, or `[]`    |
 * | `"boolean"`   | `BOOL`, `BOOLEAN`                                                                  |
 * | `"timestamp"` | `TIMESTAMPTZ`, `TIMESTAMP` (any suffix, e.g. `TIMESTAMPTZ TEXT`), `DATETIME`         |
 * | `"date"`      | `DATE`, `DATE TEXT`                                                                |
 * | `"decimal"`   | `DECIMAL`, `DEC`, `NUMERIC` (e.g. `DECIMAL TEXT(10,2)`)                            |
 * | `"bytes"`     | `BYTEA`, `BYTES`, `BLOB` (e.g. `BYTEA BLOB`)                                       |
 * | `"integer"`   | a word `INT`, `INT2`…`INT64`, `INTEGER`, `BIGINT`, `SMALLINT`, `TINYINT`, `MEDIUMINT`, `*SERIAL*` |
 * | `"text"`      | `UUID`, `TIME`, `TIMETZ`, `INET`, `CIDR`, `MACADDR*`, `STRING`, or any type containing `CHAR`, `CLOB` or `TEXT` |
 * | `"other"`     | `null` (expression columns), the empty type, and everything else (`REAL`, `FLOAT8`, unknown types) |
 *
 * Array columns (`<E> ARRAY JSON TEXT`, see `sqlite-schema.ts`) are JSON-decoded and their elements
 * decoded by the element type ({@link arrayDecoder}): timestamps as Dates, bytes as Buffers,
 * 64-bit integers by the `int64` option.
 *
 * Writing: {@link encodeSqliteValue} turns bound JavaScript values into values SQLite can store.
 *
 * @module
 */

import { ValidationError } from "../../errors/errors.js";
import { checkDate, checkNumber, checkString, jsonText } from "../common/json-value.js";
import { isPlainObject } from "../../util/is-plain-object.js";
import { type ValueKind, arrayElementType, valueKindOfDeclaredType } from "../common/declared-types.js";

// YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][ ][Z|+HH|+HHMM|+HH:MM]
const TIMESTAMP_RE =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const INTEGER_TEXT_RE = /^-?\d+$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseTimestampText(s: string): Date | undefined {
  const m = TIMESTAMP_RE.exec(s);
  if (m === null) {
    if (INTEGER_TEXT_RE.test(s)) {
      const ms = Number(s);
      const d = new Date(ms);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    return undefined;
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7];
  const millis = fraction === undefined ? 0 : Number((fraction + "00").slice(0, 3));
  const maxDay = DAYS_IN_MONTH[month - 1];
  if (maxDay === undefined || day < 1 || day > maxDay || hour > 23 || minute > 59 || second > 59) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  const time = d.getTime() - offsetMinutes * 60_000;
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * Decodes a stored timestamp to a Date. Accepts ISO-8601 text (`"2026-11-23T10:00:00.000Z"`, with
 * `Z`, `+HH`, `+HHMM` or `+HH:MM` offsets), SQLite's `"YYYY-MM-DD HH:MM:SS[.SSS]"` (taken as UTC, as
 * are other texts without offset), a date alone (midnight UTC), integer text and numbers (Unix
 * milliseconds) and bigints. Fractions beyond milliseconds are truncated.
 *
 * @param v - The stored value.
 * @returns A Date; `null`/`undefined`, Dates and unparseable values are returned unchanged.
 */
export function decodeTimestamp(v: unknown): Date | unknown {
  switch (typeof v) {
    case "string":
      return parseTimestampText(v) ?? v;
    case "number": {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d;
    }
    case "bigint": {
      const d = new Date(Number(v));
      return Number.isNaN(d.getTime()) ? v : d;
    }
    default:
      return v;
  }
}

const TRUE_TEXT: ReadonlySet<string> = new Set(["t", "true", "1", "y", "yes", "on"]);
const FALSE_TEXT: ReadonlySet<string> = new Set(["f", "false", "0", "n", "no", "off"]);

/**
 * Decodes a stored boolean. Numbers and bigints: zero → `false`, any other value → `true`. Text
 * (case-insensitive, trimmed): `t`/`true`/`1`/`y`/`yes`/`on` → `true`, `f`/`false`/`0`/`n`/`no`/`off` → `false`.
 *
 * @param v - The stored value.
 * @returns A boolean; `null`, booleans and unrecognized values are returned unchanged.
 */
export function decodeBoolean(v: unknown): boolean | unknown {
  switch (typeof v) {
    case "number":
      return Number.isNaN(v) ? v : v !== 0;
    case "bigint":
      return v !== 0n;
    case "string": {
      const s = v.trim().toLowerCase();
      if (TRUE_TEXT.has(s)) return true;
      if (FALSE_TEXT.has(s)) return false;
      return v;
    }
    default:
      return v;
  }
}

/**
 * Decodes a stored JSON value: text is parsed with `JSON.parse`.
 *
 * @param v - The stored value.
 * @returns The parsed value; text that is not valid JSON, `null`, numbers, Buffers and everything
 *   else are returned unchanged.
 */
export function decodeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Expands a number's shortest round-trip representation to plain decimal notation. */
function plainNumber(n: number): string {
  if (Object.is(n, -0)) return "0";
  const s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s; // also "NaN", "Infinity", "-Infinity"
  if (Number.isInteger(n)) return BigInt(n).toString();
  // Small magnitude: d.ddde-N
  const negative = s.startsWith("-");
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const digits = mantissa.replace(".", "");
  const point = (mantissa.indexOf(".") < 0 ? mantissa.length : mantissa.indexOf(".")) + exponent;
  const out = point <= 0 ? `0.${"0".repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/**
 * Decodes a stored DECIMAL/NUMERIC value to its exact text, as PostgreSQL drivers return it.
 *
 * @param v - The stored value.
 * @returns Numbers as plain decimal text (the shortest text that round-trips, never exponent
 *   notation), bigints as integer text; text, `null` and everything else unchanged.
 */
export function decodeDecimal(v: unknown): string | unknown {
  if (typeof v === "number") return plainNumber(v);
  if (typeof v === "bigint") return v.toString();
  return v;
}

const DATE_PREFIX_RE = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|\+00(?::?00)?)?)?$/;

/**
 * Decodes a stored DATE to `"YYYY-MM-DD"` text. Text that is a UTC timestamp (as written for a bound
 * Date) is cut to its date; Date objects become their UTC date.
 *
 * @param v - The stored value.
 * @returns The date text; `null` and anything unrecognized are returned unchanged.
 */
export function decodeDate(v: unknown): string | unknown {
  if (typeof v === "string") {
    if (v.length === 10) return v;
    const m = DATE_PREFIX_RE.exec(v);
    return m === null ? v : m[1];
  }
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  return v;
}


/**
 * Converts a bound JavaScript value to a value better-sqlite3 can bind.
 *
 * - `boolean` → `1`/`0`; `undefined` → `null`
 * - safe integers (`Number.isSafeInteger`) → bigint, because better-sqlite3 binds every JavaScript
 *   number as a REAL and a TEXT-affinity column (DECIMAL, JSON, TEXT, ...) would then store `5` as
 *   `'5.0'`; bound as an integer it stores `'5'` (and INTEGER/REAL/NUMERIC columns are unaffected)
 * - other numbers, `string`, `bigint`, `null`, Buffer → unchanged; NaN is refused (SQLite would
 *   store NULL)
 * - Date → `toISOString()` text (an invalid Date, or one outside the years 0000–9999, is refused)
 * - Uint8Array (not a Buffer) → a Buffer view of the same memory (no copy)
 * - arrays, plain objects and objects with a `toJSON` method → JSON text ({@link jsonText})
 *
 * @param v - The bound value.
 * @returns The value to bind.
 * @throws ValidationError for NaN, functions, symbols, Dates as above, JSON values that JSON would
 *   change silently (NaN/±Infinity/invalid Dates/bigints/undefined elements inside, cycles), and
 *   objects that would silently serialize to `{}` (Map, Set, class instances without `toJSON`,
 *   typed arrays other than Uint8Array).
 */
export function encodeSqliteValue(v: unknown): unknown {
  switch (typeof v) {
    case "string":
      checkString(v);
      return v;
    case "bigint":
      return v;
    case "number":
      // better-sqlite3 binds every number as a REAL; a TEXT-affinity column would store 5 as '5.0'.
      if (Number.isSafeInteger(v)) return BigInt(v);
      checkNumber(v);
      return v;
    case "boolean":
      return v ? 1 : 0;
    case "undefined":
      return null;
    case "object": {
      if (v === null) return null;
      if (v instanceof Uint8Array) {
        return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      }
      if (v instanceof Date) {
        checkDate(v);
        return v.toISOString();
      }
      if (Array.isArray(v) || isPlainObject(v) || typeof (v as { toJSON?: unknown }).toJSON === "function") {
        return jsonText(v);
      }
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      throw new ValidationError(`Cannot store a value of type ${typeof name === "string" ? name : "object"}`, [
        { message: "unsupported object type", path: [] },
      ]);
    }
    default:
      throw new ValidationError(`Cannot store a value of type ${typeof v}`, [
        { message: `unsupported value type ${typeof v}`, path: [] },
      ]);
  }
}

/** Applies `leaf` to every non-null non-array element of a (nested) array, in place; returns the array. */
function mapLeaves(value: unknown[], leaf: (v: unknown) => unknown): unknown[] {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (Array.isArray(v)) mapLeaves(v, leaf);
    else if (v !== null) value[i] = leaf(v);
  }
  return value;
}

/**
 * The decoder of an array column's stored JSON text, by its element type (see
 * {@link arrayElementType}): elements come back as PostgreSQL's arrays give them — timestamps as
 * Dates, bytes (stored as `\x…` hex text) as Buffers, 64-bit integers by `int64` (JSON numbers, or
 * JSON strings beyond 2^53), everything else as stored. Undefined for element types that need no
 * more than `JSON.parse`.
 */
export function arrayDecoder(declared: string | null, int64: (text: string) => unknown): ((v: unknown) => unknown) | undefined {
  const element = arrayElementType(declared);
  if (element === undefined) return undefined;
  let leaf: ((v: unknown) => unknown) | undefined;
  switch (valueKindOfDeclaredType(element)) {
    case "timestamp":
      leaf = (v) => decodeTimestamp(v);
      break;
    case "bytes":
      leaf = (v) => (typeof v === "string" && v.startsWith("\\x") ? Buffer.from(v.slice(2), "hex") : v);
      break;
    case "integer":
      if (element === "BIGINT") leaf = (v) => (typeof v === "number" ? int64(String(v)) : typeof v === "string" ? int64(v) : v);
      break;
  }
  if (leaf === undefined) return undefined;
  const decodeLeaf = leaf;
  return (v) => {
    const parsed = decodeJson(v);
    return Array.isArray(parsed) ? mapLeaves(parsed, decodeLeaf) : parsed;
  };
}
