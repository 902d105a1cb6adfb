/**
 * The 64-bit integer policy, shared by every backend. CockroachDB's INT is 64-bit and
 * `unique_rowid()` exceeds 2^53, so a 64-bit value is never silently rounded:
 * - `"number"` (default): a JavaScript number when it fits exactly, else {@link UnsafeIntegerError};
 * - `"bigint"`: always a bigint;
 * - `"string"`: always a decimal string.
 *
 * @module
 */
import type { Int64Mode } from "../../config/connection-config.js";
import { UnsafeIntegerError } from "../../errors/errors.js";

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = -MAX;

function unsafe(value: bigint | string): never {
  throw new UnsafeIntegerError(
    `The integer ${String(value)} does not fit a JavaScript number exactly; open the Database with int64: "bigint" or "string" to read it`,
  );
}

/** Converts a bigint under the "number" policy. */
export function bigintToSafeNumber(value: bigint): number {
  if (value > MAX || value < MIN) unsafe(value);
  return Number(value);
}

/** Converts the decimal text of an int8 (as PostgreSQL sends it) under the "number" policy. */
export function int8TextToSafeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) unsafe(text);
  return n;
}

/** The converter for a 64-bit integer column's values under `mode`, from bigint (SQLite) input. */
export function int64FromBigint(mode: Int64Mode): (value: bigint) => number | bigint | string {
  switch (mode) {
    case "number":
      return bigintToSafeNumber;
    case "bigint":
      return (value) => value;
    case "string":
      return (value) => value.toString();
  }
}

/** The converter for a 64-bit integer column's values under `mode`, from decimal text (PostgreSQL) input. */
export function int64FromText(mode: Int64Mode): (text: string) => number | bigint | string {
  switch (mode) {
    case "number":
      return int8TextToSafeNumber;
    case "bigint":
      return (text) => BigInt(text);
    case "string":
      return (text) => text;
  }
}
