/**
 * The key-value storage adapters of PostgreSQL and CockroachDB (what `SqlDialect.keyValue` gives
 * `KVStore`): `$n` placeholders, 1,000-row upserts, and keys in code point order (PostgreSQL
 * compares text by the database's collation, which may be linguistic, so its key column is
 * `COLLATE "C"`; CockroachDB's default collation already orders by code point). Everything else
 * is the shared SQL of {@link SqlKVStorage}. Keyv is told `"postgres"` on both (as @keyv/postgres
 * tells it), which is what turns on `keyv.iterator()`.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { KVBackend, KVStorage } from "../../kv/storage/storage.js";
import { SqlKVStorage } from "../common/kv-sql-storage.js";
import type { KVSqlDialect } from "../common/kv-sql-statements.js";

/** `$n`: the statements are built once per table and batch size, so this runs at build time only. */
function placeholder(index: number): string {
  return `$${index}`;
}

function backend(dialect: KVSqlDialect): KVBackend {
  return Object.freeze({
    keyvDialect: "postgres",
    storage: (db: Database, table: string): KVStorage => new SqlKVStorage(db, table, dialect),
    // A server tunes itself; nothing to do when the store opens or closes the Database.
    tune: async (): Promise<void> => undefined,
    beforeClose: async (): Promise<void> => undefined,
  });
}

/** Key-value storage on PostgreSQL. */
export const postgresKV: KVBackend = backend(Object.freeze({ placeholder, keyType: `TEXT COLLATE "C"`, keyCompared: `"key" COLLATE "C"`, upsertChunk: 1000, deleteChunk: 500 }));

/** Key-value storage on CockroachDB. */
export const cockroachKV: KVBackend = backend(Object.freeze({ placeholder, keyType: "TEXT", upsertChunk: 1000, deleteChunk: 500 }));
