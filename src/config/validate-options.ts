/**
 * Field-by-field validation of what `new Database(options)` was given, before anything else.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.js";
import { closestName } from "./closest-name.js";
import { OPTION_NAMES, type DatabaseOptions } from "./database-options.js";
import { MAX_TIMEOUT_MS } from "./defaults.js";
import { DIALECT_NAMES, INT64_MODES, POOLER_MODES, SQLITE_SYNCHRONOUS_LEVELS, SSL_MODES, TARGET_SESSION_ATTRS } from "./option-values.js";
import { checkHost, checkInteger, checkOneOf, checkString, checkTimeout, describeValue } from "./value-checks.js";

const OPTION_NAME_SET: ReadonlySet<string> = new Set(OPTION_NAMES);

/**
 * Checks every field of `options` on its own (types, ranges, valid values, host shapes) and
 * refuses unknown fields, naming the closest known one. Combinations are checked when the config
 * is built.
 *
 * @throws {ConfigError} Naming the field; a password's value is never shown.
 */
export function validateFields(options: DatabaseOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_NAME_SET.has(key)) {
      // Only the name is shown: the value of a misspelled "password" is a secret.
      throw new ConfigError(`Unknown option ${JSON.stringify(key)}; did you mean "${closestName(key, OPTION_NAMES)}"?`);
    }
  }
  checkString("url", options.url, false);
  checkString("filename", options.filename, true);
  checkOneOf("dialect", options.dialect, DIALECT_NAMES);
  checkHost("host", options.host);
  checkInteger("port", options.port, 1, 65535);
  checkString("database", options.database, true);
  checkString("user", options.user, true);
  if (options.password !== undefined && typeof options.password !== "string") {
    throw new ConfigError("password must be a string"); // never describe the value
  }
  checkOneOf("sslmode", options.sslmode, SSL_MODES);
  checkString("sslrootcert", options.sslrootcert, true);
  checkString("sslcert", options.sslcert, true);
  checkString("sslkey", options.sslkey, true);
  if (options.sslpassword !== undefined && typeof options.sslpassword !== "string") {
    throw new ConfigError("sslpassword must be a string"); // never describe the value
  }
  checkString("passfile", options.passfile, true);
  checkInteger("minConnections", options.minConnections, 0);
  checkInteger("maxConnections", options.maxConnections, 1);
  checkString("applicationName", options.applicationName, false);
  checkTimeout("connectTimeoutMs", options.connectTimeoutMs);
  checkTimeout("acquireTimeoutMs", options.acquireTimeoutMs);
  checkTimeout("idleTimeoutMs", options.idleTimeoutMs);
  checkTimeout("busyTimeoutMs", options.busyTimeoutMs);
  // Whole milliseconds up to 2^31 − 1: the largest a Node timer and the server accept.
  checkInteger("queryTimeoutMs", options.queryTimeoutMs, 0, MAX_TIMEOUT_MS);
  checkInteger("statementTimeoutMs", options.statementTimeoutMs, 0, MAX_TIMEOUT_MS);
  checkInteger("idleInTransactionTimeoutMs", options.idleInTransactionTimeoutMs, 0, MAX_TIMEOUT_MS);
  if (options.keepAlive !== undefined && typeof options.keepAlive !== "boolean") {
    throw new ConfigError(`keepAlive must be a boolean, got ${describeValue(options.keepAlive)}`);
  }
  checkTimeout("keepAliveInitialDelayMs", options.keepAliveInitialDelayMs);
  checkOneOf("int64", options.int64, INT64_MODES);
  checkOneOf("synchronous", options.synchronous, SQLITE_SYNCHRONOUS_LEVELS);
  checkOneOf("pooler", options.pooler, POOLER_MODES);
  if (options.logParameters !== undefined && typeof options.logParameters !== "boolean") {
    throw new ConfigError(`logParameters must be a boolean, got ${describeValue(options.logParameters)}`);
  }
  if (options.readonly !== undefined && typeof options.readonly !== "boolean") {
    throw new ConfigError(`readonly must be a boolean, got ${describeValue(options.readonly)}`);
  }
  if (options.hosts !== undefined) {
    if (!Array.isArray(options.hosts) || options.hosts.length === 0) throw new ConfigError("hosts must be a non-empty array of { host, port? }");
    options.hosts.forEach((entry: unknown, i) => {
      if (typeof entry !== "object" || entry === null) throw new ConfigError(`hosts[${i}] must be an object { host, port? }, got ${describeValue(entry)}`);
      for (const key of Object.keys(entry)) if (key !== "host" && key !== "port") throw new ConfigError(`hosts[${i}] has an unknown field ${JSON.stringify(key)}; the fields are host and port`);
      const { host, port } = entry as { host?: unknown; port?: unknown };
      if (host === undefined) throw new ConfigError(`hosts[${i}].host is missing`);
      checkHost(`hosts[${i}].host`, host);
      checkInteger(`hosts[${i}].port`, port, 1, 65535);
    });
  }
  checkOneOf("targetSessionAttrs", options.targetSessionAttrs, TARGET_SESSION_ATTRS);
  if (options.replicas !== undefined) {
    if (!Array.isArray(options.replicas)) throw new ConfigError("replicas must be an array of URLs or { host, port? }");
    options.replicas.forEach((entry: unknown, i) => {
      if (typeof entry === "string") return;
      if (typeof entry !== "object" || entry === null) throw new ConfigError(`replicas[${i}] must be a URL or { host, port? }, got ${describeValue(entry)}`);
      for (const key of Object.keys(entry)) if (key !== "host" && key !== "port") throw new ConfigError(`replicas[${i}] has an unknown field ${JSON.stringify(key)}; the fields are host and port (or give a URL)`);
      checkHost(`replicas[${i}].host`, (entry as { host?: unknown }).host ?? "");
      checkInteger(`replicas[${i}].port`, (entry as { port?: unknown }).port, 1, 65535);
    });
  }
  checkInteger("maxReplicaLagMs", options.maxReplicaLagMs, 0, MAX_TIMEOUT_MS);
}
