/**
 * The key-value storage adapter of embedded SQLite (what `SqlDialect.keyValue` gives `KVStore`):
 * `?` placeholders, the BINARY collation's code point order for keys, 500-row upserts, and the
 * tuning a store applies to a SQLite Database it opened itself. Everything else is the shared SQL
 * of {@link SqlKVStorage}. Keyv is told `"sqlite"`, as @keyv/sqlite tells it.
 *
 * @module
 */
import type { Database } from "../../database.js";
import type { KVBackend, KVStorage } from "../../kv/storage/storage.js";
import { SqlKVStorage } from "../common/kv-sql-storage.js";
import type { KVSqlDialect } from "../common/kv-sql-statements.js";

/**
 * The tuning of a Database the store opened (`optimize`): 256 MiB memory-mapped I/O, a 16 MiB page
 * cache, in-memory temp storage (the Database already runs WAL, with its `synchronous` level: FULL by default).
 */
const TUNING = ["PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -16384", "PRAGMA temp_store = MEMORY"];

const SQLITE_KV: KVSqlDialect = Object.freeze({
  placeholder: (): string => "?",
  keyType: "TEXT",
  upsertChunk: 500,
  deleteChunk: 500,
});

/** Key-value storage on SQLite. */
export const sqliteKV: KVBackend = Object.freeze({
  keyvDialect: "sqlite",
  storage: (db: Database, table: string): KVStorage => new SqlKVStorage(db, table, SQLITE_KV),
  async tune(db: Database): Promise<void> {
    for (const pragma of TUNING) await db.execute(pragma);
  },
  async beforeClose(db: Database): Promise<void> {
    await db.execute("PRAGMA optimize").catch(() => undefined);
  },
});
