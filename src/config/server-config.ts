/**
 * Builds a server (PostgreSQL, CockroachDB) config: the fields over the URL over the environment
 * over the dialect's defaults (asked of the backend registry), with the checks that need several
 * of them together.
 *
 * @module
 */
import { serverDefaultsOf } from "../backends/registry.js";
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import {
  DEFAULT_ACQUIRE_TIMEOUT_MS,
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_INT64,
  DEFAULT_KEEPALIVE_INITIAL_DELAY_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MIN_CONNECTIONS,
  DEFAULT_QUERY_TIMEOUT_MS,
} from "./defaults.js";
import { type Environment, libpqVariables, nonEmpty } from "./environment.js";
import { POOLER_MODES, TARGET_SESSION_ATTRS, type PoolerMode, type TargetSessionAttrs } from "./option-values.js";
import type { ServerConfig } from "./resolved-config.js";
import { freezeWithSecrets } from "./secrets.js";
import { serverHosts } from "./server-hosts.js";
import type { ParsedServerUrl } from "./server-url.js";
import { tlsSettings } from "./tls-options.js";
import { checkInteger } from "./value-checks.js";

/**
 * The server config of `dialect` from `options` (already validated field by field), the parsed
 * URL if any, and `env`. `replicas` are the replicas' own configs, built by the caller.
 *
 * @throws {ConfigError} For contradicting or out-of-range combinations (host and hosts, an invalid
 *   sslmode or target_session_attrs from the environment, TLS files given halfway, pool sizes,
 *   session timeouts behind a transaction-mode pooler).
 */
export function serverConfig(
  options: DatabaseOptions,
  dialect: ServerConfig["dialect"],
  parsed: ParsedServerUrl | undefined,
  env: Environment,
  replicas?: readonly ServerConfig[],
): ServerConfig {
  const params = parsed?.params ?? {};
  const defaults = serverDefaultsOf(dialect);
  // libpq's environment variables apply only where the dialect's client reads them (PostgreSQL's).
  const fromEnv = libpqVariables(env, dialect);
  const hosts = serverHosts(options, dialect, parsed);
  const { host, port } = hosts[0]!;
  const targetSessionAttrs = options.targetSessionAttrs ?? params.targetSessionAttrs ?? fromEnv("PGTARGETSESSIONATTRS") ?? "any";
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(targetSessionAttrs)) {
    throw new ConfigError(`Invalid target_session_attrs ${JSON.stringify(targetSessionAttrs)} in PGTARGETSESSIONATTRS; valid values: ${TARGET_SESSION_ATTRS.join(", ")}`);
  }
  const maxReplicaLagMs = options.maxReplicaLagMs ?? params.maxReplicaLagMs ?? 0;
  const user = options.user ?? parsed?.user ?? fromEnv("PGUSER") ?? defaults.user;
  const database = options.database ?? parsed?.database ?? defaults.database ?? user;
  const password = nonEmpty(options.password) ?? params.password ?? parsed?.password ?? fromEnv("PGPASSWORD");
  const tls = tlsSettings(options, params, fromEnv, hosts);
  const passfile = options.passfile ?? params.passfile ?? fromEnv("PGPASSFILE");

  const maxConnections = options.maxConnections ?? params.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  checkInteger("maxConnections (max_connections)", maxConnections, 1);
  const minConnections = options.minConnections ?? params.minConnections ?? Math.min(DEFAULT_MIN_CONNECTIONS, maxConnections);
  if (minConnections > maxConnections) {
    throw new ConfigError(`minConnections (${minConnections}) must not exceed maxConnections (${maxConnections})`);
  }

  const pooler = options.pooler ?? params.pooler ?? "auto";
  if (!(POOLER_MODES as readonly string[]).includes(pooler)) {
    throw new ConfigError(`Invalid pooler ${JSON.stringify(pooler)} in the URL; valid values: ${POOLER_MODES.join(", ")}`);
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? params.statementTimeoutMs ?? 0;
  const idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ?? params.idleInTransactionTimeoutMs ?? 0;
  if (pooler === "transaction" && (statementTimeoutMs > 0 || idleInTransactionTimeoutMs > 0)) {
    const name = statementTimeoutMs > 0 ? "statement_timeout" : "idle_in_transaction_session_timeout";
    throw new ConfigError(
      `${statementTimeoutMs > 0 ? "statementTimeoutMs (statement_timeout)" : "idleInTransactionTimeoutMs (idle_in_transaction_session_timeout)"} cannot be used with pooler "transaction": ` +
        `it is a session setting, and a transaction-mode pooler hands each transaction to any server session (PgBouncer 1.18 refuses it at connect). ` +
        `Set it on the server for the role instead: ALTER ROLE <user> SET ${name} = <ms>; (see docs/scaling.md#connection-poolers)`,
    );
  }

  const config: Omit<ServerConfig, "password" | "sslpassword"> = {
    dialect,
    host,
    port,
    ...(hosts.length > 1 ? { hosts: Object.freeze(hosts.map((h) => Object.freeze(h))) } : {}),
    ...(targetSessionAttrs === "any" ? {} : { targetSessionAttrs: targetSessionAttrs as TargetSessionAttrs }),
    ...(replicas === undefined ? {} : { replicas: Object.freeze([...replicas]) }),
    ...(maxReplicaLagMs > 0 ? { maxReplicaLagMs } : {}),
    database,
    user,
    sslmode: tls.sslmode,
    ...(tls.sslrootcert === undefined ? {} : { sslrootcert: tls.sslrootcert }),
    ...(tls.sslcert === undefined ? {} : { sslcert: tls.sslcert }),
    ...(tls.sslkey === undefined ? {} : { sslkey: tls.sslkey }),
    ...(passfile === undefined ? {} : { passfile }),
    ...(params.options === undefined ? {} : { options: params.options }),
    minConnections,
    maxConnections,
    applicationName: options.applicationName ?? params.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs ?? params.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    queryTimeoutMs: options.queryTimeoutMs ?? params.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    statementTimeoutMs,
    idleInTransactionTimeoutMs,
    keepAlive: options.keepAlive ?? params.keepAlive ?? true,
    keepAliveInitialDelayMs: options.keepAliveInitialDelayMs ?? params.keepAliveInitialDelayMs ?? DEFAULT_KEEPALIVE_INITIAL_DELAY_MS,
    pooler: pooler as PoolerMode,
    int64: options.int64 ?? DEFAULT_INT64,
    logParameters: options.logParameters ?? false,
  };
  return freezeWithSecrets<ServerConfig>(config, { password, sslpassword: tls.sslpassword });
}
