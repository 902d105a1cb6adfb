/**
 * Which {@link KVBackend} serves a Database: the one its SQL dialect offers (`SqlDialect.keyValue`,
 * src/backends/contract.ts). src/kv/ never names a backend: each backend folder holds its own
 * key-value adapter.
 *
 * @module
 */
import type { Database } from "../../database.js";
import { dialectOf } from "../../queryable.js";
import type { KVBackend } from "./storage.js";

/** The key-value storage backend of `db` (connected: a PostgreSQL URL may turn out to be CockroachDB). */
export function kvBackendFor(db: Database): KVBackend {
  return db[dialectOf]().keyValue;
}
