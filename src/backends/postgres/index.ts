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
  urls: Object.freeze({
    form: "server",
    schemes: Object.freeze({ postgres: "postgres", postgresql: "postgres", cockroachdb: "cockroachdb", cockroach: "cockroachdb" }),
    examples: Object.freeze(["postgres://…", "postgresql://…", "cockroachdb://…"]),
    serverDefaults: Object.freeze({
      postgres: Object.freeze({ port: 5432, user: "postgres", database: undefined, libpqEnvironment: true }),
      // CockroachDB's own client: user root, database defaultdb; libpq's variables are not read.
      cockroachdb: Object.freeze({ port: 26257, user: "root", database: "defaultdb", libpqEnvironment: false }),
    }),
  }),
  dialects: Object.freeze({ postgres: postgresDialect, cockroachdb: cockroachDialect }),
  async loadDriver() {
    const { PostgresDriver } = await import("./postgres-driver.js");
    return (config: ResolvedConfig) => new PostgresDriver(config as ServerConfig);
  },
});
