/**
 * `tablekit/sqlite`: everything the main entry point exports, with SQLite's driver (and
 * better-sqlite3) loaded when this module is imported rather than on the first connect. The other
 * backend's database library is not loaded unless a Database uses it.
 *
 * ```ts
 * import { Database } from "tablekit/sqlite";
 * ```
 *
 * @packageDocumentation
 */
import type { ResolvedConfig, SqliteConfig } from "./config/connection-config.js";
import { sqliteBackend } from "./backends/sqlite/index.js";
import { SqliteDriver } from "./backends/sqlite/sqlite-driver.js";
import { preloadDriver } from "./backends/registry.js";

export * from "./index.js";

preloadDriver(sqliteBackend, (config: ResolvedConfig) => new SqliteDriver(config as SqliteConfig));
