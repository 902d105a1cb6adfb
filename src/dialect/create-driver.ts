/**
 * Picks the driver and SQL dialect for a resolved configuration.
 *
 * @module
 */
import type { DialectName, ResolvedConfig } from "../config/connection-config.js";
import type { Driver, SqlDialect } from "./dialect.js";
import { PostgresDriver } from "./postgres/postgres-driver.js";
import { cockroachDialect, postgresDialect } from "./postgres/postgres-dialect.js";
import { SqliteDriver } from "./sqlite/sqlite-driver.js";
import { sqliteDialect } from "./sqlite/sqlite-dialect.js";

/** A new, unconnected driver for `config`. */
export function createDriver(config: ResolvedConfig): Driver {
  return config.dialect === "sqlite" ? new SqliteDriver(config) : new PostgresDriver(config);
}

/** The SQL dialect of a backend. */
export function sqlDialectFor(name: DialectName): SqlDialect {
  switch (name) {
    case "sqlite":
      return sqliteDialect;
    case "postgres":
      return postgresDialect;
    case "cockroachdb":
      return cockroachDialect;
  }
}
