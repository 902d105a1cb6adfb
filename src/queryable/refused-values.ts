/**
 * A value PostgreSQL refused for its column, turned into the {@link ValidationError} SQLite's
 * checks give for the same input.
 *
 * @module
 */
import { QueryError, UnsafeIntegerError, ValidationError } from "../errors/errors.js";

/**
 * PostgreSQL refused a value its column cannot hold (1.5 or "abc" for an integer, an out-of-range
 * number, text that is not a timestamp, bad bytea hex, text longer than a VARCHAR(n); SQLSTATE
 * 22P02/22003/22007/22008/22023/22001): the statement wrote nothing, and the caller gets the
 * {@link ValidationError} SQLite's checks give for the same input.
 */
const REFUSED_VALUE_CODES: ReadonlySet<string> = new Set(["22P02", "22003", "22007", "22008", "22023", "22001"]);

/** Whether `error` is a server's refusal of a value (see {@link REFUSED_VALUE_CODES}). */
function isRefusedValue(error: unknown): error is QueryError {
  return error instanceof QueryError && !(error instanceof UnsafeIntegerError) && REFUSED_VALUE_CODES.has(String(error.code));
}

/**
 * A read or delete whose filter value the server refused (`{ n: "thirty" }` on an integer column:
 * 22P02 …) as the {@link ValidationError} SQLite's filter check gives for the same value; any
 * other error as it is.
 */
export function refusedFilterError(error: unknown, operation: string, table: string): unknown {
  if (isRefusedValue(error)) {
    return new ValidationError(`The ${operation} on table "${table}" was refused (a filter value the column's type does not accept): ${error.message}`, [{ message: error.message, path: [] }], {
      cause: error,
      code: error.code,
    });
  }
  return error;
}

/** A write whose value the server refused, as a {@link ValidationError} saying nothing was written; any other error as it is. */
export function refusedValueError(error: unknown, operation: string, table: string): unknown {
  if (isRefusedValue(error)) {
    return new ValidationError(`The ${operation} on table "${table}" was refused, nothing was written: ${error.message}`, [{ message: error.message, path: [] }], {
      cause: error,
      code: error.code,
    });
  }
  return error;
}
