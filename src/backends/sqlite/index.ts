/**
 * The SQLite backend as the registry sees it: its URL schemes, its SQL dialect, and its driver,
 * loaded (with better-sqlite3) on first connect.
 *
 * @module
 */
import type { ResolvedConfig, SqliteConfig } from "../../config/connection-config.js";
import type { Backend } from "../contract.js";
import { sqliteDialect } from "./sqlite-dialect.js";

/** SQLite (better-sqlite3): `sqlite:` and `file:` URLs, and bare `.db`/`.sqlite` paths. */
export const sqliteBackend: Backend = Object.freeze({
  schemes: Object.freeze(["sqlite", "file"]),
  dialects: Object.freeze({ sqlite: sqliteDialect }),
  async loadDriver() {
    const { SqliteDriver } = await import("./sqlite-driver.js");
    return (config: ResolvedConfig) => new SqliteDriver(config as SqliteConfig);
  },
});
