/**
 * The PostgreSQL backend as the registry sees it: its URL schemes, its SQL dialects (PostgreSQL,
 * and CockroachDB as a dialect variant of it), and its driver, loaded (with pg) on first connect.
 *
 * @module
 */
import type { ResolvedConfig, ServerConfig } from "../../config/connection-config.js";
import type { Backend } from "../contract.js";
import { cockroachDialect, postgresDialect } from "./postgres-dialect.js";

/** PostgreSQL (node-postgres): `postgres:`/`postgresql:` URLs, and CockroachDB's `cockroachdb:`/`cockroach:`. */
export const postgresBackend: Backend = Object.freeze({
  schemes: Object.freeze(["postgres", "postgresql", "cockroachdb", "cockroach"]),
  dialects: Object.freeze({ postgres: postgresDialect, cockroachdb: cockroachDialect }),
  async loadDriver() {
    const { PostgresDriver } = await import("./postgres-driver.js");
    return (config: ResolvedConfig) => new PostgresDriver(config as ServerConfig);
  },
});
