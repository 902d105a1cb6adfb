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
  urls: Object.freeze({
    form: "file",
    schemes: Object.freeze({ sqlite: "sqlite", file: "sqlite" }),
    examples: Object.freeze(["sqlite:…"]),
    barePath: Object.freeze({
      test: (text: string) => text === ":memory:" || /\.(?:db|sqlite|sqlite3)$/i.test(text),
      description: "a file path ending in .db, .sqlite or .sqlite3",
    }),
  }),
  dialects: Object.freeze({ sqlite: sqliteDialect }),
  async loadDriver() {
    const { SqliteDriver } = await import("./sqlite-driver.js");
    return (config: ResolvedConfig) => new SqliteDriver(config as SqliteConfig);
  },
});
