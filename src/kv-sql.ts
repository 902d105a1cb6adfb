/**
 * `tablekit/kv-sql`: the seed's raw SQL helpers (`execute`, `query`, `sqlInsert`, `sqlUpdate`,
 * `sqlDelete`, …) on any Database, without a key-value store. A {@link KVStore} has the same
 * methods itself; this entry point is for code that used them on their own.
 *
 * ```ts
 * import { Database } from "tablekit";
 * import { KVSql } from "tablekit/kv-sql";
 *
 * await using db = await Database.open("sqlite::memory:");
 * const helpers = new KVSql(db);
 * await helpers.createTable("users", { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", age: "INTEGER" });
 * await helpers.sqlUpdate("users", { age: 26 }, "name = ?", ["Alice"]);
 * ```
 *
 * @packageDocumentation
 */
// FIRST, as in the main entry point: a clear failure on an unsupported Node.js.
import "./node-version.js";
export { KVSql, KVSqlHelpers, type KVQueryOptions, type KVRawWhere } from "./kv/raw-sql.js";
