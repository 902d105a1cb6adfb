/**
 * Reading the fields of an error a driver threw, for the backends' error mapping
 * (src/backends/sqlite/sqlite-errors.ts, src/backends/postgres/postgres-errors.ts).
 *
 * @module
 */

/** The fields tablekit reads from a driver's error; each may be missing or of another type. */
export interface DriverErrorLike {
  message?: unknown;
  code?: unknown;
  detail?: unknown;
  /** node-postgres field names. */
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  /** postgres.js field names. */
  table_name?: unknown;
  column_name?: unknown;
  constraint_name?: unknown;
}

/** `error`'s fields, or none when it is not an object. */
export function asRecord(error: unknown): DriverErrorLike {
  return typeof error === "object" && error !== null ? (error as DriverErrorLike) : {};
}

/** `value` when it is a non-empty string. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

