/**
 * SQL functions registered on every SQLite connection so that PostgreSQL/CockroachDB defaults and
 * common expressions work unchanged (see `sqlite-schema.ts`, which rewrites timestamp defaults to
 * `now()`).
 *
 * | function                                   | result                                                         |
 * | ------------------------------------------ | -------------------------------------------------------------- |
 * | `gen_random_uuid()`, `uuid_generate_v4()`  | random version-4 UUID text (`crypto.randomUUID()`)             |
 * | `now()`, `transaction_timestamp()`, `statement_timestamp()`, `clock_timestamp()` | current time as ISO-8601 UTC text with milliseconds, e.g. `"2026-11-23T10:00:00.000Z"` |
 * | `unique_rowid()`                           | 64-bit INTEGER, increasing within the process: `(Date.now() << 15) \| counter` (> 2^53) |
 * | `gen_random_bytes(n)`                      | BLOB of `n` random bytes, 0 ≤ n ≤ 1024 (pgcrypto's limit)      |
 * | `tablekit_decimal_key(x)`                  | the exact order key of a DECIMAL value (`decimal-key.ts`), used by filters, `orderBy` and keyset pagination |
 *
 * None but `tablekit_decimal_key` is deterministic, and none is direct-only, so all can be used
 * in DEFAULT expressions. In `createTable` definitions, `unique_rowid()` is accepted only as the
 * default of an integer primary key and `gen_random_bytes(n)` only with a literal `n`, since
 * PostgreSQL gets them by translation (`portable-functions.ts`); the functions here also serve raw
 * SQL and tables created by earlier versions.
 *
 * @module
 */

import { randomBytes, randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { ValidationError } from "../../errors/errors.js";
import { DECIMAL_KEY_FUNCTION, decimalKey } from "../common/decimal-key.js";

/** Bits below the millisecond timestamp in a unique_rowid value. */
const ROWID_COUNTER_BITS = 15n;

let lastRowid = 0n;

/**
 * Returns the next unique_rowid value: the current Unix time in milliseconds shifted left by 15
 * bits, or one more than the previous value when that is not larger (same millisecond, or a clock
 * that went backwards), so values strictly increase within the process.
 */
function nextUniqueRowid(): bigint {
  const candidate = BigInt(Date.now()) << ROWID_COUNTER_BITS;
  lastRowid = candidate > lastRowid ? candidate : lastRowid + 1n;
  return lastRowid;
}

function nowIso(): string {
  return new Date().toISOString();
}

function genRandomBytes(n: unknown): Buffer {
  const count = typeof n === "bigint" ? Number(n) : n;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > 1024) {
    throw new ValidationError("gen_random_bytes(n) needs an integer n between 0 and 1024", [
      { message: "invalid length", path: [] },
    ]);
  }
  return randomBytes(count);
}

/**
 * Registers tablekit's PostgreSQL/CockroachDB compatibility functions on a better-sqlite3
 * connection (see the module documentation for the list). Registering again replaces them.
 *
 * @param db - An open better-sqlite3 database.
 */
export function registerSqliteFunctions(db: Database): void {
  const volatile = { deterministic: false, varargs: false } as const;
  db.function("gen_random_uuid", volatile, () => randomUUID());
  db.function("uuid_generate_v4", volatile, () => randomUUID());
  for (const name of ["now", "transaction_timestamp", "statement_timestamp", "clock_timestamp"]) {
    db.function(name, volatile, nowIso);
  }
  db.function("unique_rowid", volatile, nextUniqueRowid);
  db.function("gen_random_bytes", { ...volatile, safeIntegers: true }, genRandomBytes);
  // Exact DECIMAL order (decimal-key.ts): deterministic, so SQLite may evaluate it once per value.
  db.function(DECIMAL_KEY_FUNCTION, { deterministic: true, varargs: false, safeIntegers: true }, decimalKey);
}
