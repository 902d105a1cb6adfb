/**
 * What `import` does with values: it reads each column's declared type, converts every value of
 * the file to the JavaScript type tablekit stores in such a column (CSV cells are all text), and
 * refuses a value that does not fit with a reason tied to its line. `--create` infers portable
 * column types from the first records.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { decimalSpecial } from "../backends/common/decimal-text.js";
import { hexToBytes, parseJson, toJson } from "./values.js";

/** The families of column types the import converts values for. */
export type ColumnKind = "integer" | "float" | "decimal" | "boolean" | "json" | "bytes" | "timestamp" | "date" | "text" | "other";

/**
 * The family of a declared column type, as `db.columns()` reports it on any backend
 * (`BIGINT`, `bigint`, `TIMESTAMPTZ TEXT` on SQLite, `timestamp with time zone` on PostgreSQL, …).
 */
export function columnKind(declaredType: string): ColumnKind {
  const t = declaredType.toLowerCase();
  if (/json/.test(t)) return "json";
  if (/bytea|blob|bytes/.test(t)) return "bytes";
  if (/^bool/.test(t)) return "boolean";
  if (/timestamp/.test(t)) return "timestamp";
  if (/^date\b/.test(t)) return "date";
  if (/numeric|decimal/.test(t)) return "decimal";
  if (/real|double|float/.test(t)) return "float";
  if (/\b(?:int[248]?|integer|smallint|bigint|tinyint|mediumint|(?:small|big)?serial)\b/.test(t)) return "integer";
  if (/char|text|string|clob|uuid/.test(t)) return "text";
  return "other";
}

/** A value that does not fit its column; the import adds the file, line and column. */
export class CoercionError extends Error {
  override get name(): string {
    return "CoercionError";
  }
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(["t", "true", "y", "yes", "on", "1"]);
const FALSE_WORDS = new Set(["f", "false", "n", "no", "off", "0"]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : toJson(value);
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

function fail(expected: string, value: unknown): never {
  throw new CoercionError(`expected ${expected}, got ${describe(value)}`);
}

function toInteger(value: unknown): number | bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && INTEGER_TEXT.test(value.trim())) {
    const big = BigInt(value.trim());
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  return fail("an integer", value);
}

function toFloat(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && DECIMAL_TEXT.test(value.trim())) return Number(value.trim());
  return fail("a number", value);
}

function toBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return fail("a boolean (true/false)", value);
}

/**
 * Converts one value of the file for a column of kind `kind`. `fromText` says the value came from
 * CSV, where every cell is text (so a JSON column's cell is parsed as JSON). `null` stays null.
 *
 * @throws {CoercionError} When the value cannot be stored in such a column.
 */
export function coerceValue(kind: ColumnKind, value: unknown, fromText: boolean): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "integer":
      return toInteger(value);
    case "float":
      return toFloat(value);
    case "decimal":
      if (typeof value === "number" || typeof value === "bigint") return String(value);
      if (typeof value === "string" && DECIMAL_TEXT.test(value.trim())) return value.trim();
      // NUMERIC's special values, as `export` writes them (and in any spelling PostgreSQL takes).
      if (typeof value === "string" && decimalSpecial(value) !== undefined) return decimalSpecial(value);
      return fail("a decimal number", value);
    case "boolean":
      return toBoolean(value);
    case "json":
      if (!fromText || typeof value !== "string") return value;
      try {
        return parseJson(value);
      } catch {
        return fail("JSON", value);
      }
    case "bytes":
      if (value instanceof Uint8Array) return value;
      return (typeof value === "string" ? hexToBytes(value) : undefined) ?? fail("bytes written as \\x followed by hex digits", value);
    case "timestamp": {
      if (value instanceof Date) return value;
      const date = typeof value === "string" && value.trim() !== "" ? new Date(value) : undefined;
      return date !== undefined && !Number.isNaN(date.getTime()) ? date : fail("a timestamp (ISO-8601)", value);
    }
    case "date":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? value.trim() : fail("a date (YYYY-MM-DD)", value);
    case "text":
      if (typeof value === "string") return value;
      return typeof value === "object" ? toJson(value) : String(value);
    default:
      return value;
  }
}

/** The portable type of one column, from the values seen so far. */
type Inferred = "BOOLEAN" | "BIGINT" | "DOUBLE PRECISION" | "JSONB" | "TEXT";

function inferOne(value: unknown, fromText: boolean): Inferred {
  if (typeof value === "boolean") return "BOOLEAN";
  if (typeof value === "bigint") return value >= INT64_MIN && value <= INT64_MAX ? "BIGINT" : "TEXT";
  if (typeof value === "number") return Number.isInteger(value) ? "BIGINT" : "DOUBLE PRECISION";
  if (typeof value === "object") return "JSONB";
  if (!fromText || typeof value !== "string") return "TEXT";
  // CSV text: only unambiguous numbers and booleans; "007" and "1e3" stay text.
  if (/^-?(?:0|[1-9]\d*)$/.test(value)) return inferOne(BigInt(value), false);
  if (/^-?(?:0|[1-9]\d*)\.\d+$/.test(value)) return "DOUBLE PRECISION";
  if (/^(?:true|false)$/i.test(value)) return "BOOLEAN";
  return "TEXT";
}

function merge(a: Inferred | undefined, b: Inferred): Inferred {
  if (a === undefined || a === b) return b;
  const numbers = new Set<Inferred>(["BIGINT", "DOUBLE PRECISION"]);
  if (numbers.has(a) && numbers.has(b)) return "DOUBLE PRECISION";
  return "TEXT";
}

/**
 * Column definitions for `--create`, inferred from the first records: every column nullable, no
 * keys, and only portable, conservative types — `BIGINT` for integers (never the 32-bit
 * `INTEGER`), `DOUBLE PRECISION` for other numbers, `BOOLEAN`, `JSONB` for objects and arrays
 * (JSON Lines only), and `TEXT` for strings, for columns that mix kinds and for columns that are
 * always null in the sample. CSV cells become numbers or booleans only when every cell of the
 * sample reads unambiguously so (`007` stays text).
 *
 * @param records - The first records of the file.
 * @param columnOrder - Column names in the file's order (CSV header, or first appearance).
 * @param fromText - True for CSV.
 */
export function inferColumnTypes(records: readonly Row[], columnOrder: readonly string[], fromText: boolean): Record<string, string> {
  const types = new Map<string, Inferred | undefined>(columnOrder.map((c) => [c, undefined]));
  for (const record of records) {
    for (const [column, value] of Object.entries(record)) {
      if (value === null || value === undefined) {
        if (!types.has(column)) types.set(column, undefined);
        continue;
      }
      types.set(column, merge(types.get(column), inferOne(value, fromText)));
    }
  }
  return Object.fromEntries([...types].map(([column, type]) => [column, type ?? "TEXT"]));
}
