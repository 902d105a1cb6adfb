/**
 * Values checked against their column's declared type, so that SQLite stores what PostgreSQL
 * would store and refuses what PostgreSQL would refuse (issue 17, item 3).
 *
 * node-postgres sends every value as text and the server parses it with the column type's input
 * function: `"42"` into an INTEGER column is 42, `"thirty"` is refused (SQLSTATE 22P02), `true`
 * into a JSON column is the JSON value `true`. SQLite stores whatever it is given. On SQLite,
 * tablekit's CRUD writes therefore pass each value through {@link sqliteColumnValue} with the
 * column's declared type: the value PostgreSQL would store is written (in the form tablekit's
 * SQLite decoders read back identically), and a value PostgreSQL would refuse is a
 * {@link ValidationError} before anything is written.
 *
 * @module
 */
import { arrayShapeProblem } from "../backends/common/array-shape.js";
import { NotNullViolationError, ValidationError } from "../errors/errors.js";
import { type ValueKind, arrayElementType, decimalScale, formatDecimal, isValueKeyedDecimal, valueKindOfDeclaredType } from "../backends/common/declared-types.js";
import { decimalValueKeySql } from "../backends/common/decimal-key.js";
import { FLOAT_TEXT, decimalSpecial, decimalText } from "../backends/common/decimal-text.js";
import type { ColumnFilter } from "../sql/where.js";

/** What tablekit knows of one column for its value checks. */
export interface ColumnType {
  /** The declared type, as the database reports it. */
  readonly declared: string;
  /** How values of the column are decoded (see `valueKindOfDeclaredType`). */
  readonly kind: ValueKind;
  /** For integer columns: the bits PostgreSQL's type holds (16, 32 or 64). */
  readonly bits: number;
  /** For timestamp columns: whether the type is `TIMESTAMP` without time zone (an offset in text is ignored, as PostgreSQL does). */
  readonly withoutZone: boolean;
  /** For DECIMAL(p,s): precision and scale. */
  readonly precision: number | undefined;
  readonly scale: number | undefined;
  /** REAL, DOUBLE PRECISION, FLOAT…: checked as floats. */
  readonly float: boolean;
  /** REAL, FLOAT4, FLOAT(1–24): PostgreSQL's 4-byte float (values stored as the float4 PostgreSQL returns). */
  readonly float4: boolean;
  /** VARCHAR(n) / CHARACTER VARYING(n) / CHAR(n): the most characters a value may have. */
  readonly maxLength: number | undefined;
  /** CHAR(n) / CHARACTER(n) (PostgreSQL's bpchar): values are blank-padded to `maxLength` characters, and compared ignoring trailing blanks. */
  readonly blankPadded: boolean;
  /** UUID: checked and written in PostgreSQL's canonical form. */
  readonly uuid: boolean;
  /** A native array type (`T[]`; stored as JSON text on SQLite). */
  readonly array: boolean;
  /** For arrays whose declared type names the element type: the element's type (elements are checked and stored by it). */
  readonly element: ColumnType | undefined;
  /** JSONB: objects are stored with their keys in PostgreSQL's jsonb order (see {@link jsonbOrder}). */
  readonly jsonb: boolean;
  /** Part of the primary key: NULL is refused, as PostgreSQL refuses it (SQLite's rowid would generate an id for it). */
  readonly primaryKey: boolean;
  /** An unscaled DECIMAL whose UNIQUE/PRIMARY KEY constraints compare by value (`NUMERIC KEYED TEXT`, see `backends/sqlite/decimal-unique.ts`). */
  readonly valueKeyed: boolean;
}

const FLOAT_TYPE = /^\s*(?:REAL|DOUBLE|FLOAT\d*)\b/i;

function varcharLength(declared: string): number | undefined {
  const m = /^\s*(?:VARCHAR|CHARACTER\s+VARYING)\s*\(\s*(\d+)\s*\)/i.exec(declared);
  return m === null ? undefined : Number(m[1]);
}

/** The length of a CHAR(n) / CHARACTER(n) / BPCHAR(n) type (`CHAR` alone is CHAR(1), as in PostgreSQL), or undefined for other types. */
function charLength(declared: string): number | undefined {
  const m = /^\s*(?:(CHARACTER|CHAR)|BPCHAR)\s*(?:\(\s*(\d+)\s*\))?\s*$/i.exec(declared);
  if (m === null) return undefined;
  if (m[2] !== undefined) return Number(m[2]);
  // BPCHAR without a length is unlimited and unpadded in PostgreSQL: plain text.
  return m[1] !== undefined ? 1 : undefined;
}

/**
 * Text for a VARCHAR(n) or CHAR(n) column as PostgreSQL stores it: longer text is refused
 * (SQLSTATE 22001, "value too long"), unless the characters beyond `n` are all spaces, which are
 * cut off; CHAR(n) text shorter than `n` is padded with spaces to `n` characters (code points).
 */
function varcharValue(column: string, type: ColumnType, text: string): string {
  const max = type.maxLength!;
  if (text.length <= max && !type.blankPadded) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return type.blankPadded && chars.length < max ? text + " ".repeat(max - chars.length) : text;
  if (chars.slice(max).every((c) => c === " ")) return chars.slice(0, max).join("");
  throw refuse(column, type, text, `longer than ${max} characters`);
}

/**
 * A value compared with a CHAR(n) column, as PostgreSQL compares bpchar (trailing blanks do not
 * count): its text without trailing spaces, padded to `n` like the stored values, so that `"ab"`
 * and `"ab   "` both match a stored `"ab  "` in CHAR(4). Not length-checked (PostgreSQL types the
 * parameter without the length). Values that are not text-like are returned unchanged.
 */
function charFilterValue(type: ColumnType, value: unknown): unknown {
  const text = typeof value === "string" ? value : typeof value === "number" || typeof value === "bigint" ? String(value) : typeof value === "boolean" ? String(value) : value instanceof Date ? value.toISOString() : undefined;
  if (text === undefined) return value;
  const trimmed = text.replace(/ +$/, "");
  const length = Array.from(trimmed).length;
  return length < type.maxLength! ? trimmed + " ".repeat(type.maxLength! - length) : trimmed;
}

/** PostgreSQL's 4-byte float: REAL, FLOAT4, FLOAT(p) with p ≤ 24. */
function isFloat4(declared: string): boolean {
  if (/^\s*(?:REAL|FLOAT4)\b/i.test(declared)) return true;
  const p = /^\s*FLOAT\s*\(\s*(\d+)\s*\)/i.exec(declared);
  return p !== null && Number(p[1]) >= 1 && Number(p[1]) <= 24;
}

/**
 * A number as PostgreSQL's REAL stores and returns it: rounded to the nearest 4-byte float, read
 * back as the shortest decimal that rounds to that float (`0.1 + 0.2` → `0.3`); beyond the type's
 * range (`1e39`) or below its smallest non-zero value (`1e-50`) refused, as PostgreSQL refuses it.
 */
function float4Value(column: string, type: ColumnType, value: unknown, n: number): number {
  if (!Number.isFinite(n)) return n;
  const f = Math.fround(n);
  if (!Number.isFinite(f) || (f === 0 && n !== 0)) throw refuse(column, type, value, "out of range for a REAL (4-byte float) column; use DOUBLE PRECISION");
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(f.toPrecision(digits));
    if (Math.fround(shortest) === f) return shortest;
  }
  return f;
}
const UUID_TYPE = /^\s*UUID\b/i;
const ARRAY_TYPE = /\[\]|\bARRAY\b|_ARRAY\b/i;

/** The {@link ColumnType} of a declared type; `primaryKey` integer columns hold 64 bits (SQLite's rowid). */
export function columnType(declared: string, primaryKey: boolean): ColumnType {
  const kind = valueKindOfDeclaredType(declared);
  const upper = declared.toUpperCase();
  let bits = 64;
  if (kind === "integer" && !primaryKey) {
    if (/\b(?:SMALLINT|INT2|SMALLSERIAL|SERIAL2)\b/.test(upper)) bits = 16;
    else if (/\b(?:BIGINT|INT8|BIGSERIAL|SERIAL8|INT64)\b/.test(upper)) bits = 64;
    else if (/\b(?:INTEGER|INT|INT4|SERIAL|SERIAL4)\b/.test(upper)) bits = 32;
  }
  const precision = kind === "decimal" ? /\(\s*(\d+)/.exec(declared)?.[1] : undefined;
  return {
    declared,
    kind,
    bits,
    withoutZone: kind === "timestamp" && /^\s*(?:TIMESTAMP|DATETIME)\b(?!TZ)/i.test(declared) && !/WITH\s+TIME\s+ZONE/i.test(declared),
    precision: precision === undefined ? undefined : Number(precision),
    scale: kind === "decimal" ? decimalScale(declared) : undefined,
    float: kind === "other" && FLOAT_TYPE.test(declared),
    float4: kind === "other" && isFloat4(declared),
    maxLength: kind === "text" ? (varcharLength(declared) ?? charLength(declared)) : undefined,
    blankPadded: kind === "text" && charLength(declared) !== undefined,
    uuid: kind === "text" && UUID_TYPE.test(declared),
    array: kind === "json" && ARRAY_TYPE.test(declared),
    element: elementType(kind, declared),
    jsonb: kind === "json" && /^\s*JSONB\b/i.test(declared),
    primaryKey,
    valueKeyed: kind === "decimal" && isValueKeyedDecimal(declared),
  };
}

function elementType(kind: ValueKind, declared: string): ColumnType | undefined {
  if (kind !== "json") return undefined;
  const element = arrayElementType(declared);
  return element === undefined ? undefined : columnType(element, false);
}

function refuse(column: string, type: ColumnType, value: unknown, why: string): ValidationError {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value) : describe(value);
  return new ValidationError(`Cannot store ${shown} in column "${column}" (${type.declared}): ${why}`, [{ message: why, path: [column] }]);
}

function describe(value: unknown): string {
  if (value instanceof Date) return "a Date";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const INFINITY_TEXT = /^\s*([+-]?)(?:inf|infinity)\s*$/i;
const UUID_TEXT = /^[0-9a-f]{32}$/;
const TIMESTAMP_TEXT =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TRUE_WORDS = ["true", "yes", "on", "1"];
const FALSE_WORDS = ["false", "no", "off", "0"];

/** The text node-postgres sends for a scalar (its `prepareValue`, for the types it meets here). */
function pgText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      return undefined;
  }
}

function integerValue(column: string, type: ColumnType, value: unknown): bigint {
  let n: bigint | undefined;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && INTEGER_TEXT.test(value)) n = BigInt(value.trim());
  if (n === undefined) {
    throw refuse(column, type, value, typeof value === "number" ? "a number that is not an integer cannot be stored in an integer column" : "not an integer");
  }
  const limit = 1n << BigInt(type.bits - 1);
  if (n >= limit || n < -limit) throw refuse(column, type, value, `out of range for a ${type.bits}-bit integer column`);
  return n;
}

/** PostgreSQL's boolean input: t/true/y/yes/on/1 and f/false/n/no/off/0, any case, trimmed, unique prefixes. */
function booleanText(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (s === "") return undefined;
  if (s === "t" || s === "y" || s === "1" || (s.length >= 2 && TRUE_WORDS.some((w) => w.startsWith(s)))) return true;
  if (s === "f" || s === "n" || s === "0" || (s.length >= 2 && FALSE_WORDS.some((w) => w.startsWith(s)))) return false;
  if (s === "tr" || s === "tru" || s === "ye") return true;
  return undefined;
}

/** Parses ISO-8601-like timestamp text as PostgreSQL would store it, or undefined. */
function timestampText(text: string, withoutZone: boolean): { date: string; time: number } | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const maxDay = DAYS_IN_MONTH[month - 1];
  if (maxDay === undefined || day < 1 || day > maxDay || hour > 23 || minute > 59 || second > 59) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return undefined;
  const millis = m[7] === undefined ? 0 : Number((m[7] + "00").slice(0, 3));
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z" && !withoutZone) {
    const digits = zone.slice(1).replace(":", "");
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (om > 59) return undefined;
    offset = (zone[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  return { date: `${m[1]}-${m[2]}-${m[3]}`, time: d.getTime() - offset * 60_000 };
}

/** Whether decimal text fits DECIMAL(p,s) after rounding to s digits (PostgreSQL: 22003 otherwise). */
function fitsPrecision(text: string, type: ColumnType): boolean {
  if (type.precision === undefined) return true;
  const scale = type.scale ?? 0;
  const [whole = "", fraction = ""] = text.replace(/^[+-]/, "").split(".");
  let digits = BigInt((whole === "" ? "0" : whole) + fraction.slice(0, scale).padEnd(scale, "0"));
  if (fraction.length > scale && fraction.charCodeAt(scale) >= 53) digits += 1n;
  const integerDigits = digits.toString().length - scale;
  return digits === 0n || integerDigits <= type.precision - scale;
}

/** PostgreSQL's bytea input (hex `\x…` or escape format) of text. */
function byteaText(text: string): Buffer | undefined {
  if (text.startsWith("\\x")) {
    const hex = text.slice(2).replace(/\s+/g, "");
    return /^(?:[0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, "hex") : undefined;
  }
  if (!text.includes("\\")) return Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf("\\", i);
    if (slash < 0) {
      parts.push(Buffer.from(text.slice(i), "utf8"));
      break;
    }
    parts.push(Buffer.from(text.slice(i, slash), "utf8"));
    if (text[slash + 1] === "\\") {
      parts.push(Buffer.from([0x5c]));
      i = slash + 2;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(slash + 1, slash + 4))) {
      parts.push(Buffer.from([parseInt(text.slice(slash + 1, slash + 4), 8)]));
      i = slash + 4;
    } else return undefined;
  }
  return Buffer.concat(parts);
}

/**
 * The value to write on SQLite for `value` bound for a column of `type`: what PostgreSQL would
 * store, in the form SQLite's decoders read back as PostgreSQL returns it. `null`/`undefined` and
 * values of unknown column types are returned unchanged.
 *
 * @throws ValidationError when PostgreSQL would refuse the value (its column type's input function
 *   fails, or the number is out of the type's range).
 */
export function sqliteColumnValue(column: string, type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (type.kind) {
    case "integer": {
      // The common case without a BigInt: a safe integer number within the column's range.
      if (typeof value === "number" && Number.isSafeInteger(value) && (type.bits === 64 || (value < 2 ** (type.bits - 1) && value >= -(2 ** (type.bits - 1))))) return value;
      const n = integerValue(column, type, value);
      // A number or bigint in range is written as given (no copy of the row).
      return typeof value === "string" ? n : value;
    }
    case "other": {
      // REAL, DOUBLE PRECISION, FLOAT and unknown types: only the float types are checked.
      if (!type.float) return value;
      let n: number | undefined;
      if (typeof value === "number") n = value;
      else if (typeof value === "bigint") n = Number(value);
      else if (typeof value === "string") {
        const inf = INFINITY_TEXT.exec(value);
        if (inf !== null) n = inf[1] === "-" ? -Infinity : Infinity;
        else if (FLOAT_TEXT.test(value)) {
          n = Number(value);
          // PostgreSQL refuses text beyond the type's range, also below its smallest value ("1e-400").
          if (!Number.isFinite(n) || (n === 0 && /[1-9]/.test(value.replace(/[eE].*$/, "")))) throw refuse(column, type, value, "out of range for a floating-point column");
        }
      }
      if (n === undefined) throw refuse(column, type, value, "not a number");
      if (!type.float4) return typeof value === "number" ? value : n;
      return float4Value(column, type, value, n);
    }
    case "decimal": {
      const special = decimalSpecial(value);
      if (special !== undefined) {
        // PostgreSQL 14+: a NUMERIC(p,s) takes NaN but refuses ±Infinity ("numeric field overflow", 22003).
        if (special !== "NaN" && type.precision !== undefined) throw refuse(column, type, value, `out of range for ${type.declared.replace(/\s+TEXT/i, "")}: only an unscaled NUMERIC holds Infinity`);
        return special;
      }
      let text: string | undefined;
      if (typeof value === "number" && Number.isFinite(value)) text = decimalText(String(value));
      else if (typeof value === "bigint") text = value.toString();
      else if (typeof value === "string") text = decimalText(value);
      if (text === undefined) throw refuse(column, type, value, "not a decimal number");
      if (!fitsPrecision(text, type)) throw refuse(column, type, value, `out of range for ${type.declared.replace(/\s+TEXT/i, "")}`);
      // Stored at the column's scale, as PostgreSQL stores it (filters then compare stored values).
      return type.scale === undefined ? text : formatDecimal(text, type.scale);
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      const text = pgText(value);
      const b = text === undefined ? undefined : booleanText(text);
      if (b === undefined) throw refuse(column, type, value, "not a boolean");
      return b;
    }
    case "timestamp": {
      if (value instanceof Date) return value;
      if (typeof value === "string") {
        const parsed = timestampText(value, type.withoutZone);
        if (parsed !== undefined) {
          const d = new Date(parsed.time);
          if (!Number.isNaN(d.getTime())) return d;
        }
      }
      throw refuse(column, type, value, "not a timestamp (a Date, or ISO-8601 text such as 2026-01-31T10:00:00Z)");
    }
    case "date": {
      // PostgreSQL takes the date part of the UTC text tablekit sends for a Date.
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString().slice(0, 10);
      if (typeof value === "string") {
        const parsed = timestampText(value, true);
        if (parsed !== undefined) return parsed.date;
      }
      throw refuse(column, type, value, "not a date (a Date, or text such as 2026-01-31)");
    }
    case "text": {
      if (type.uuid) {
        if (typeof value === "string") {
          let s = value.trim().toLowerCase();
          if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
          const hex = s.replace(/-/g, "");
          if (UUID_TEXT.test(hex) && !s.startsWith("-") && !s.endsWith("-") && !s.includes("--")) {
            return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
          }
        }
        throw refuse(column, type, value, "not a UUID");
      }
      // PostgreSQL stores the text node-postgres sends: "true"/"false" for booleans, String(n).
      if (typeof value === "boolean") return type.maxLength === undefined ? (value ? "true" : "false") : varcharValue(column, type, value ? "true" : "false");
      if (typeof value === "number" && !Number.isSafeInteger(value)) return type.maxLength === undefined ? String(value) : varcharValue(column, type, String(value));
      if (type.maxLength !== undefined) {
        const text = typeof value === "string" ? value : typeof value === "number" || typeof value === "bigint" ? String(value) : value instanceof Date ? value.toISOString() : undefined;
        if (text !== undefined) {
          const stored = varcharValue(column, type, text);
          return stored === text ? value : stored;
        }
      }
      return value;
    }
    case "json": {
      if (type.array) {
        if (!Array.isArray(value)) throw refuse(column, type, value, "an array column takes a JavaScript array");
        return type.element === undefined ? value : arrayValue(column, type, type.element, value);
      }
      if (typeof value === "boolean") return value ? "true" : "false";
      if (typeof value === "string") {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw refuse(column, type, value, "a string written to a JSON column is JSON text, and this is not valid JSON (write JSON.stringify(value) for a JSON string)");
        }
        return type.jsonb && typeof parsed === "object" && parsed !== null ? JSON.stringify(jsonbOrder(parsed)) : value;
      }
      if (value instanceof Date || value instanceof Uint8Array) throw refuse(column, type, value, "not a JSON value");
      return type.jsonb ? jsonbOrder(value) : value;
    }
    case "bytes": {
      if (value instanceof Uint8Array) return value;
      const text = pgText(value);
      const bytes = text === undefined ? undefined : byteaText(text);
      if (bytes === undefined) throw refuse(column, type, value, "not bytes (a Buffer/Uint8Array, or bytea text such as \\x0102)");
      return bytes;
    }
  }
}

/**
 * A JS array bound for an array column whose element type is known, as SQLite stores it (JSON):
 * the shape checked as PostgreSQL's array input checks it (sub-arrays of one level all arrays, of
 * equal length, none empty), each element checked and converted as a write to a column of the
 * element type, then written in JSON form (integers beyond 2^53 and decimals as strings, bytes as
 * `\x…` hex text, timestamps as ISO text; JSON elements given as text parsed).
 */
function arrayValue(column: string, type: ColumnType, element: ColumnType, value: readonly unknown[]): unknown[] {
  checkShape(column, type, value);
  const convert = (items: readonly unknown[], path: string): unknown[] =>
    items.map((item, i) => {
      if (Array.isArray(item)) return convert(item, `${path}[${i}]`);
      if (item === null) return null;
      if (item === undefined) throw refuse(column, type, value, `element ${path}[${i}] is undefined`);
      try {
        if (isStructured(item) && element.kind !== "json" && element.kind !== "text") throw refuse(column, element, item, "not a value of the element type");
        return jsonElement(element, sqliteColumnValue(column, element, item));
      } catch (error) {
        if (error instanceof ValidationError) throw refuse(column, type, value, `element ${path}[${i}]: ${error.issues[0]?.message ?? error.message}`);
        throw error;
      }
    });
  return convert(value, "");
}

/** The JSON form of an element value as {@link sqliteColumnValue} converted it. */
function jsonElement(element: ColumnType, v: unknown): unknown {
  switch (element.kind) {
    case "integer": {
      const n = typeof v === "bigint" ? v : BigInt(v as number);
      return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString();
    }
    case "timestamp":
      return (v as Date).toISOString();
    case "bytes":
      return byteaHex(v as Uint8Array);
    case "json":
      // Text (booleans became "true"/"false") is JSON text, stored as the value it encodes.
      return typeof v === "string" ? (element.jsonb ? jsonbOrder(JSON.parse(v)) : (JSON.parse(v) as unknown)) : v;
    case "text":
      // The element text PostgreSQL's array literal carries (see `postgresArrayLiteral`).
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Uint8Array) return byteaHex(v);
      if (typeof v === "object" && v !== null) return JSON.stringify(v);
      return typeof v === "number" ? String(v) : v;
    default:
      return v;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes as PostgreSQL's bytea hex text (`\\x0102`). */
function byteaHex(v: Uint8Array): string {
  return "\\x" + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
}

/** PostgreSQL's array input refuses ragged, mixed and empty sub-arrays ("malformed array literal"). */
function checkShape(column: string, type: ColumnType, value: readonly unknown[]): void {
  const problem = arrayShapeProblem(value);
  if (problem !== undefined) throw refuse(column, type, value, problem);
}

/**
 * A JSON value with every object's keys in PostgreSQL's jsonb order — shorter keys (in UTF-8
 * bytes) first, then by their bytes — so an object written to a JSONB column reads back with its
 * keys in the same order on SQLite as on PostgreSQL (`{ b: 1, a: 2 }` reads back as `{ a: 2, b: 1 }`).
 * Values that are not plain objects or arrays (and objects with `toJSON`) are returned as they are;
 * copies are made only where an order changes or a nested value was copied.
 */
export function jsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = jsonbOrder(value[i]);
      if (next !== value[i]) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  if (typeof value !== "object" || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  const keys = Object.keys(value);
  const sorted = keys.slice().sort(jsonbKeyOrder);
  let changed = sorted.some((k, i) => k !== keys[i]);
  const entries: [string, unknown][] = [];
  for (const key of sorted) {
    const v = (value as Record<string, unknown>)[key];
    const next = jsonbOrder(v);
    if (next !== v) changed = true;
    entries.push([key, next]);
  }
  return changed ? Object.fromEntries(entries) : value;
}

function jsonbKeyOrder(a: string, b: string): number {
  const [x, y] = [Buffer.from(a, "utf8"), Buffer.from(b, "utf8")];
  return x.length - y.length || Buffer.compare(x, y);
}

/** Whether a value is JSON-encoded as an object/array (so it can only go to a JSON, array or text column). */
function isStructured(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/**
 * The data to write on SQLite: each value passed through {@link sqliteColumnValue} with its
 * column's type (columns the map does not know are left alone). Returns `data` itself when nothing
 * changed. Issues of every column are collected into one {@link ValidationError}.
 */
export function sqliteRowValues(data: Record<string, unknown>, types: ReadonlyMap<string, ColumnType>, table: string): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  let errors: ValidationError[] | undefined;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const type = types.get(key);
    const value = data[key];
    if (type === undefined || value === undefined) continue;
    if (value === null) {
      // PostgreSQL refuses NULL in a key column (23502); SQLite's rowid would generate an id for it.
      if (type.primaryKey) throw new NotNullViolationError(`null value in column "${key}" of table "${table}": a primary key column cannot be NULL (leave it out to generate an id)`, { table, columns: [key] });
      continue;
    }
    try {
      if (isStructured(value) && type.kind !== "json" && type.kind !== "text" && type.kind !== "other") {
        throw refuse(key, type, value, "objects and arrays are stored as JSON text, which this column cannot hold");
      }
      const next = sqliteColumnValue(key, type, value);
      if (next !== value) (out ??= { ...data })[key] = next;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      (errors ??= []).push(error);
    }
  }
  if (errors !== undefined) {
    if (errors.length === 1) throw errors[0]!;
    throw new ValidationError(`Cannot write table "${table}": ${errors.map((e) => e.message).join("; ")}`, errors.flatMap((e) => e.issues));
  }
  return out ?? data;
}

/**
 * The filter handling of a SQLite table's columns (see `WhereContext.columnValues`): each compared
 * value is converted as a write to the column would store it (an uppercase UUID lowercased,
 * timestamp text as its instant, `"42"` as 42 for an integer column), or refused (a
 * ValidationError, as PostgreSQL refuses it) when a write would refuse it; DECIMAL columns, stored
 * as text, compare as exact numbers.
 */
export function columnFilters(types: ReadonlyMap<string, ColumnType>): ReadonlyMap<string, ColumnFilter> {
  const out = new Map<string, ColumnFilter>();
  for (const [name, type] of types) {
    if (type.kind === "other" && !type.float) continue;
    // A compared text's length is not checked (PostgreSQL types the parameter without the length).
    const compared = type.maxLength === undefined ? type : { ...type, maxLength: undefined };
    out.set(name, {
      numeric: type.kind === "decimal",
      list: type.kind === "bytes" ? BYTES_LIST : undefined,
      // A value a write would refuse is refused as a filter value too, as PostgreSQL refuses it.
      value: (value: unknown): unknown => {
        try {
          // A compared DECIMAL is exact: PostgreSQL types the parameter as NUMERIC without the
          // column's precision and scale (`9.999` does not match a stored `10.00`).
          if (type.kind === "decimal") return filterDecimal(name, type, value);
          return type.blankPadded ? charFilterValue(type, value) : sqliteColumnValue(name, compared, value);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          const why = error.issues[0]?.message ?? error.message;
          throw new ValidationError(`A filter on column "${name}" (${type.declared}) cannot compare ${describeFilterValue(value)}: ${why}`, [{ message: why, path: [name] }]);
        }
      },
    });
  }
  return out;
}

function filterDecimal(column: string, type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const special = decimalSpecial(value);
  if (special !== undefined) return special;
  let text: string | undefined;
  if (typeof value === "number" && Number.isFinite(value)) text = decimalText(String(value));
  else if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "string") text = decimalText(value);
  if (text === undefined) throw refuse(column, type, value, "not a decimal number");
  return text;
}

function describeFilterValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value) : describe(value);
}

/** Bytes in a SQLite `in` list: compared as uppercase hex text (`hex(col)`), since a JSON list holds no blobs. */
const BYTES_LIST = {
  // hex(NULL) is '' (the hex of an empty blob): a NULL must stay NULL and match neither list.
  column: (quoted: string): string => `CASE WHEN ${quoted} IS NULL THEN NULL ELSE hex(${quoted}) END`,
  value: (value: unknown): unknown => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex").toUpperCase() : value),
};

/**
 * For a filter of `column: integer/null` equalities (see {@link filterNeedsTypes}) on a table whose
 * column types are known: whether one of them still needs the types, because the column compares
 * it otherwise than as an integer (DECIMAL, BOOLEAN, DATE, TIMESTAMP, UUID, JSON, bytes, arrays:
 * converted or refused as PostgreSQL does) or the integer is out of the column's range (PostgreSQL
 * refuses `2147483648` for an INTEGER). Integer and text columns (but CHAR(n), compared padded) with an integer in range do not.
 */
export function integerFilterNeedsTypes(where: Record<string, unknown>, types: ReadonlyMap<string, ColumnType>): boolean {
  for (const key of Object.keys(where)) {
    const value = where[key];
    const type = types.get(key);
    if (value === null || value === undefined || type === undefined) continue;
    if (type.kind === "integer") {
      const limit = 1n << BigInt(type.bits - 1);
      const n = BigInt(value as number | bigint);
      if (n >= limit || n < -limit) return true;
      continue;
    }
    // CHAR(n) is compared padded (`12` matches a stored "12  "): through the conversion.
    if ((type.kind === "text" && !type.uuid && !type.blankPadded) || (type.kind === "other" && !type.float)) continue;
    return true;
  }
  return false;
}

/**
 * Whether a filter needs the column types on SQLite: false only for a plain object of
 * `column: integer` / `column: null` equalities (the hot point-read path), which compare the same
 * on every column type.
 */
export function filterNeedsTypes(where: unknown): boolean {
  if (where === undefined || where === null) return false;
  if (typeof where !== "object" || Object.getPrototypeOf(where) !== Object.prototype) return true;
  for (const key of Object.keys(where)) {
    const value = (where as Record<string, unknown>)[key];
    if (value === null || typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value))) continue;
    return true;
  }
  return false;
}

/**
 * The `ON CONFLICT` target of an upsert's conflict column on SQLite: for an unscaled DECIMAL whose
 * unique constraints compare by value (`valueKeyed`), the expression of its unique index
 * (`decimalValueKeySql`), since SQLite matches a target to an index only by its exact columns and
 * expressions; undefined (the quoted column) for every other column. So `upsert` of `"1.00"` updates
 * the row holding `"1.0"`, as on PostgreSQL.
 */
export function conflictTargets(types: ReadonlyMap<string, ColumnType>): (column: string, quoted: string) => string | undefined {
  return (column, quoted) => (types.get(column)?.valueKeyed === true ? decimalValueKeySql(quoted) : undefined);
}

/**
 * What a unique index on SQLite indexes a column by: an unscaled DECIMAL by its value
 * ({@link decimalValueKeySql}, as `createTable`'s constraints do), so `"1.0"` and `"1.00"` collide
 * as PostgreSQL's NUMERIC equality makes them; other columns by themselves.
 */
export function uniqueByValue(types: ReadonlyMap<string, ColumnType>): (column: string, quoted: string) => string | undefined {
  return (column, quoted) => {
    const type = types.get(column);
    return type !== undefined && type.kind === "decimal" && type.scale === undefined && type.element === undefined ? decimalValueKeySql(quoted) : undefined;
  };
}
