/**
 * Turns what a user passes to `new Database(…)` (a URL, a field object, or nothing) into one
 * validated, frozen {@link ResolvedConfig}: {@link resolveConfig}, and {@link describeConfig} for
 * display. The pieces live in their own modules (option types and values, URL parsing, field
 * validation, the environment, TLS settings, secrets, the SQLite and server configs, replicas);
 * this module chooses the target and re-exports the public names, so importers need one path.
 * What a URL scheme means, and each server dialect's default port, user and database, are asked
 * of the backend registry (src/backends/registry.ts), which owns them.
 *
 * Secrets: the password of a {@link ServerConfig} is a non-enumerable property, so printing,
 * logging, `JSON.stringify` or spreading a config never shows it — and spreading a config also
 * drops it. Code that needs the password must read `config.password` explicitly. Error messages
 * produced here never contain the password or the raw URL.
 *
 * @module
 */
import { defaultDialectOf, urlFormOf } from "../backends/registry.js";
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import { DEFAULT_SQLITE_FILENAME } from "./defaults.js";
import { type Environment, nonEmpty } from "./environment.js";
import { type ParsedUrl, parseUrl } from "./parse-url.js";
import { replicaConfigs } from "./replica-configs.js";
import type { ResolvedConfig, ServerConfig } from "./resolved-config.js";
import { serverConfig } from "./server-config.js";
import { sqliteConfig } from "./sqlite-config.js";
import { validateFields } from "./validate-options.js";
import { describeValue } from "./value-checks.js";

export type { DatabaseOptions } from "./database-options.js";
export { OPTION_NAMES } from "./database-options.js";
export { DEFAULT_SQLITE_FILENAME } from "./defaults.js";
export { describeConfig } from "./describe-config.js";
export type { DialectName, HostOption, HostPort, Int64Mode, PoolerMode, ReplicaOption, SqliteSynchronous, SslMode, TargetSessionAttrs } from "./option-values.js";
export { DIALECT_NAMES, INT64_MODES, POOLER_MODES, SQLITE_SYNCHRONOUS_LEVELS, SSL_MODES, TARGET_SESSION_ATTRS } from "./option-values.js";
export type { ResolvedConfig, ServerConfig, SqliteConfig } from "./resolved-config.js";
export { URL_QUERY_PARAMETERS } from "./url-query.js";

/**
 * Resolves and validates connection options into a frozen {@link ResolvedConfig}.
 *
 * Choosing the target:
 * 1. a string `input` is a URL (same as `{ url: input }`);
 * 2. `url` or `filename` (not both) or `host` picks the target; a `host` without `url` means
 *    PostgreSQL unless `dialect: "cockroachdb"`;
 * 3. otherwise `env.DATABASE_URL`, when set and non-empty — unless `dialect` names the other
 *    family (SQLite vs server), in which case `DATABASE_URL` is ignored;
 * 4. otherwise a local server (`localhost`) when `dialect` names a server backend, else
 *    **the embedded default**: SQLite file {@link DEFAULT_SQLITE_FILENAME} (`./tablekit.db`).
 *
 * Fields given next to a URL override its values. The password comes from, in order: the
 * `password` field, the URL's `?password=` parameter, the URL's user info, `env.PGPASSWORD`
 * (postgres dialect only); without any, the password file is read when connecting. The default
 * `sslmode` is `PGSSLMODE`, else `"verify-full"` with `sslrootcert: "system"`, else `"disable"`
 * for loopback hosts and Unix sockets and `"prefer"` (libpq's default) elsewhere; a URL's
 * `connect_timeout` and `keepalives_idle` are in seconds (libpq's units), its `query_timeout`,
 * `statement_timeout` and `idle_in_transaction_session_timeout` in milliseconds. Unknown option
 * fields and URL parameters are refused, naming the closest known name.
 *
 * @param input - Options, a URL string, or nothing.
 * @param env - Environment to read `DATABASE_URL`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`,
 *   `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY` and `PGPASSFILE` from (the `PG*` variables for the
 *   postgres dialect only). Default `process.env`.
 * @returns A frozen config; a server config's `password` is non-enumerable.
 * @throws {ConfigError} For a malformed or unsupported URL, an unknown URL parameter, an
 *   invalid sslmode/int64/dialect/synchronous, a host that is not a host name, IP address or
 *   socket directory, an out-of-range port, pool size or timeout, or contradicting options.
 *   Messages never contain the password (nor a refused host).
 */
export function resolveConfig(
  input?: DatabaseOptions | string,
  env: Environment = process.env,
): ResolvedConfig {
  let options: DatabaseOptions;
  if (input === undefined) options = {};
  else if (typeof input === "string") options = { url: input };
  else if (typeof input === "object" && input !== null) options = input;
  else throw new ConfigError(`Database options must be an object or a URL string, got ${describeValue(input)}`);

  validateFields(options);
  const { dialect } = options;
  const givenHost = options.host ?? options.hosts?.[0]?.host;
  // Which kind of backend `dialect` names (the registry knows): a file (SQLite) or a server.
  const wantedForm = dialect === undefined ? undefined : urlFormOf(dialect);
  const wantsServer = wantedForm === "server";

  if (options.filename !== undefined) {
    if (options.url !== undefined) throw new ConfigError("Give either url or filename, not both");
    if (givenHost !== undefined) throw new ConfigError("Give either host or filename, not both");
    if (wantsServer) throw new ConfigError(`filename is for SQLite, but dialect is "${dialect}"`);
    return sqliteConfig(options, options.filename);
  }

  let parsed: ParsedUrl | undefined;
  if (options.url !== undefined) {
    parsed = parseUrl(options.url, "url");
  } else if (givenHost === undefined) {
    const envUrl = nonEmpty(env["DATABASE_URL"]?.trim());
    if (envUrl !== undefined) {
      const fromEnv = parseUrl(envUrl, "DATABASE_URL");
      const compatible = wantedForm === undefined || wantedForm === fromEnv.family;
      if (compatible) parsed = fromEnv;
    }
  }

  if (parsed?.family === "file") {
    if (wantsServer) throw new ConfigError(`The URL is a SQLite URL, but dialect is "${dialect}"`);
    if (givenHost !== undefined) throw new ConfigError("host cannot be combined with a SQLite URL");
    return sqliteConfig(options, parsed.filename, parsed.readonly, parsed.synchronous);
  }
  if (parsed === undefined && givenHost === undefined && !wantsServer) {
    return sqliteConfig(options, DEFAULT_SQLITE_FILENAME);
  }
  if (wantedForm === "file") {
    throw new ConfigError(parsed === undefined ? `host cannot be used with dialect "${dialect}"` : `The URL is a server URL, but dialect is "${dialect}"`);
  }
  const serverDialect = (dialect ?? parsed?.dialect ?? defaultDialectOf("server")) as ServerConfig["dialect"];
  if (options.readonly === true) {
    throw new ConfigError(
      `readonly is supported for SQLite only; for ${serverDialect} use a role without write privileges or default_transaction_read_only`,
    );
  }
  const replicas = replicaConfigs(options, serverDialect, parsed, env);
  return serverConfig(options, serverDialect, parsed, env, replicas);
}
