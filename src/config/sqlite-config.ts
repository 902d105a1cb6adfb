/**
 * Builds a SQLite config: the file, its open mode, busy timeout and synchronous level.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_INT64, DEFAULT_SYNCHRONOUS } from "./defaults.js";
import type { SqliteSynchronous } from "./option-values.js";
import type { SqliteConfig } from "./resolved-config.js";

/**
 * The SQLite config of `filename` from `options` (already validated field by field), with the
 * URL's `mode` and `synchronous` (`urlReadonly`, `urlSynchronous`) where the fields do not say.
 *
 * @throws {ConfigError} For `readonly` on an in-memory database.
 */
export function sqliteConfig(options: DatabaseOptions, filename: string, urlReadonly?: boolean, urlSynchronous?: SqliteSynchronous): SqliteConfig {
  const readonly = options.readonly ?? urlReadonly ?? false;
  if (readonly && (filename === ":memory:" || filename === "" || filename.includes("mode=memory"))) {
    throw new ConfigError("readonly needs a database file; an in-memory database cannot be opened read-only");
  }
  return Object.freeze({
    dialect: "sqlite",
    filename,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    int64: options.int64 ?? DEFAULT_INT64,
    logParameters: options.logParameters ?? false,
    readonly,
    synchronous: options.synchronous ?? urlSynchronous ?? DEFAULT_SYNCHRONOUS,
  });
}
