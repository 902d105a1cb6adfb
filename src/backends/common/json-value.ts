/**
 * The values every backend writes the same way: JSON text for objects and arrays, and the checks
 * that keep a value from changing silently on its way into a column (docs/database.md, "Values and
 * types").
 *
 * @module
 */
import { ValidationError } from "../../errors/errors.js";

const MAX_DEPTH = 1000;

/** The earliest and latest instants tablekit writes: years 0000–9999, where ISO-8601 text sorts as time does. */
const EARLIEST = new Date("0000-01-01T00:00:00.000Z").getTime();
const LATEST = new Date("9999-12-31T23:59:59.999Z").getTime();

function refuse(message: string, path: readonly (string | number)[]): never {
  const where = path.length === 0 ? "" : ` (at ${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")})`;
  throw new ValidationError(`${message}${where}`, [{ message, path }]);
}

/**
 * Checks a Date about to be written: an invalid Date, or one outside the years 0000–9999, is a
 * {@link ValidationError}. PostgreSQL cannot store years before 4713 BC, and SQLite stores
 * timestamps as ISO-8601 text, which sorts (and compares in filters) as time only for four-digit
 * years; the common range keeps every backend's value and ordering the same.
 */
export function checkDate(value: Date, path: readonly (string | number)[] = []): void {
  const time = value.getTime();
  if (Number.isNaN(time)) refuse("an invalid Date cannot be stored", path);
  if (time < EARLIEST || time > LATEST) {
    refuse(`the Date ${value.toISOString()} is outside the years 0000–9999 that every backend stores and orders alike`, path);
  }
}

/**
 * Checks a number about to be bound: NaN is a {@link ValidationError} (SQLite has no NaN and would
 * store NULL; PostgreSQL would store NaN). ±Infinity round-trips on every backend.
 */
export function checkNumber(value: number): void {
  if (Number.isNaN(value)) refuse("NaN cannot be stored: SQLite would store NULL and PostgreSQL NaN; use null for a missing number", []);
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

/**
 * Checks a string about to be bound (or written inside JSON): U+0000 is refused (PostgreSQL text
 * and JSON cannot hold it; SQLite could, but a value must store alike on every backend), and so is
 * a lone UTF-16 surrogate, which every backend would store as U+FFFD, a different string.
 */
export function checkString(value: string, path: readonly (string | number)[] = []): void {
  if (value.indexOf("\0") !== -1) refuse("a string with U+0000 cannot be stored (PostgreSQL text and JSON cannot hold it); remove it or store bytes", path);
  if (!value.isWellFormed()) refuse("a string with a lone UTF-16 surrogate cannot be stored exactly (it would be stored as U+FFFD)", path);
}

/** Walks a value bound for a JSON column and refuses what JSON would change silently. */
function walk(value: unknown, path: (string | number)[], ancestors: object[]): void {
  switch (typeof value) {
    case "string":
      checkString(value, path);
      return;
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(`${value} is not a JSON number (JSON would store null)`, path);
      return;
    case "bigint":
      refuse("a bigint inside a JSON value cannot round-trip; convert it to a string or a number", path);
    // eslint-disable-next-line no-fallthrough
    case "undefined":
      // An undefined property is left out (as everywhere in tablekit); in an array JSON writes null.
      if (typeof path[path.length - 1] === "number") refuse("undefined in an array would be stored as null; use null", path);
      return;
    case "function":
    case "symbol":
      refuse(`a ${typeof value} cannot be stored in JSON (it would be dropped)`, path);
    // eslint-disable-next-line no-fallthrough
    default:
      break;
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.includes(object)) refuse("the value contains a cycle and cannot be stored as JSON", path);
  if (ancestors.length >= MAX_DEPTH) refuse(`the value nests deeper than ${MAX_DEPTH} levels`, path);
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) refuse("an invalid Date inside a JSON value would be stored as null", path);
    return; // stored as its ISO-8601 text (Date.prototype.toJSON)
  }
  // Objects with a toJSON method (Buffer, user classes, plain objects too) are stored as it says.
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") return;
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      path.push(i);
      walk(object[i], path, ancestors);
      path.pop();
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Object.prototype || proto === null) {
      if (Object.getOwnPropertySymbols(object).length > 0) refuse("a symbol key cannot be stored in JSON (it would be dropped)", path);
      for (const key of Object.keys(object)) {
        path.push(key);
        checkString(key, path);
        walk((object as Record<string, unknown>)[key], path, ancestors);
        path.pop();
      }
    } else {
      refuse(`a ${describe(object)} inside a JSON value would be stored as {}; convert it to a plain object or array`, path);
    }
  }
  ancestors.pop();
}

/**
 * The JSON text of a plain object, array or object with `toJSON`, as every backend stores it.
 * Throws {@link ValidationError} for what JSON would change silently or cannot hold: NaN and
 * ±Infinity (JSON null), invalid Dates (null), bigints, functions and symbols (dropped),
 * `undefined` array elements (null), class instances without `toJSON` such as Map and Set (`{}`),
 * and cycles. `undefined` object properties are left out, as in every write.
 */
export function jsonText(value: object): string {
  walk(value, [], []);
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(`The value cannot be stored as JSON: ${(error as Error).message}`, [{ message: "not serializable", path: [] }], { cause: error });
  }
}
