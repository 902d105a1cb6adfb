/**
 * Which {@link KVBackend} serves a Database: one entry per backend, looked up by the name the
 * Database reports once connected. The only place in src/kv/ that knows the backends by name.
 *
 * @module
 */
import type { DialectName } from "../../config/connection-config.js";
import type { Database } from "../../database.js";
import { cockroachKV, postgresKV } from "./postgres.js";
import { sqliteKV } from "./sqlite.js";
import type { KVBackend } from "./storage.js";

const BACKENDS: Readonly<Record<DialectName, KVBackend>> = Object.freeze({ sqlite: sqliteKV, postgres: postgresKV, cockroachdb: cockroachKV });

/** The key-value storage backend of `db` (connected: a PostgreSQL URL may turn out to be CockroachDB). */
export function kvBackendFor(db: Database): KVBackend {
  return BACKENDS[db.dialect];
}
