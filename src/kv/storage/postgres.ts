/**
 * The key-value storage adapters of PostgreSQL and CockroachDB: `$n` placeholders, 1,000-row
 * upserts, and keys in code point order (PostgreSQL compares text by the database's collation,
 * which may be linguistic, so its key column is `COLLATE "C"`; CockroachDB's default collation
 * already orders by code point). Everything else is the shared SQL of {@link SqlKVStorage}.
 *
 * When the backend gets a folder of its own (src/backends/postgres/), this file moves there.
 *
 * @module
 */
import type { Database } from "../../database.js";
import { cockroachDialect, postgresDialect } from "../../backends/postgres/postgres-dialect.js";
import { SqlKVStorage } from "./sql-storage.js";
import type { KVSqlDialect } from "./sql-statements.js";
import type { KVBackend, KVStorage } from "./storage.js";

function backend(dialect: KVSqlDialect): KVBackend {
  return Object.freeze({
    storage: (db: Database, table: string): KVStorage => new SqlKVStorage(db, table, dialect),
    // A server tunes itself; nothing to do when the store opens or closes the Database.
    tune: async (): Promise<void> => undefined,
    beforeClose: async (): Promise<void> => undefined,
  });
}

/** Key-value storage on PostgreSQL. */
export const postgresKV: KVBackend = backend(
  Object.freeze({ placeholder: postgresDialect.placeholder, keyType: `TEXT COLLATE "C"`, keyCompared: `"key" COLLATE "C"`, upsertChunk: 1000, deleteChunk: 500 }),
);

/** Key-value storage on CockroachDB. */
export const cockroachKV: KVBackend = backend(Object.freeze({ placeholder: cockroachDialect.placeholder, keyType: "TEXT", upsertChunk: 1000, deleteChunk: 500 }));
