/**
 * `tablekit/postgres`: everything the main entry point exports, with PostgreSQL (and CockroachDB)'s driver (and
 * pg) loaded when this module is imported rather than on the first connect. The other
 * backend's database library is not loaded unless a Database uses it.
 *
 * ```ts
 * import { Database } from "tablekit/postgres";
 * ```
 *
 * @packageDocumentation
 */
import type { ResolvedConfig, ServerConfig } from "./config/connection-config.js";
import { postgresBackend } from "./backends/postgres/index.js";
import { PostgresDriver } from "./backends/postgres/postgres-driver.js";
import { preloadDriver } from "./backends/registry.js";

export * from "./index.js";

preloadDriver(postgresBackend, (config: ResolvedConfig) => new PostgresDriver(config as ServerConfig));
