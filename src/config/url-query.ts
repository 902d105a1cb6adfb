/**
 * A server URL's query parameters: the list of accepted names, and parsing them into
 * {@link UrlParams}.
 *
 * @module
 */
import { closestName } from "./closest-name.js";
import { MAX_TIMEOUT_MS } from "./defaults.js";
import { INVALID_HOST, isValidHost } from "./host-names.js";
import { TARGET_SESSION_ATTRS } from "./option-values.js";
import { REDACTED } from "../util/redact.js";
import { decodePart, urlError } from "./url-errors.js";
import { parseHostPort, type UrlHostPort } from "./url-host-port.js";

/**
 * Query parameters accepted in `postgres://`, `postgresql://`, `cockroachdb://` and `cockroach://`
 * URLs. Any other key is a `ConfigError` naming the closest of these. A new URL parameter is added
 * here (one line) and parsed in `parseQuery`; a unit test checks that every name listed here is
 * parsed.
 */
export const URL_QUERY_PARAMETERS: readonly string[] = Object.freeze([
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "sslpassword",
  "passfile",
  "application_name",
  "connect_timeout",
  "options",
  "min_connections",
  "max_connections",
  "password",
  "query_timeout",
  "statement_timeout",
  "idle_in_transaction_session_timeout",
  "keepalives",
  "keepalives_idle",
  "pooler",
  "target_session_attrs",
  "replicas",
  "max_replica_lag",
  "host",
  "port",
  "ssl",
]);

/** Values a server URL's query string may carry. */
export interface UrlParams {
  sslmode?: string;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  sslpassword?: string;
  passfile?: string;
  applicationName?: string;
  connectTimeoutMs?: number;
  options?: string;
  minConnections?: number;
  maxConnections?: number;
  password?: string;
  queryTimeoutMs?: number;
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  keepAlive?: boolean;
  keepAliveInitialDelayMs?: number;
  pooler?: string;
  ssl?: boolean;
  targetSessionAttrs?: string;
  /** libpq's `host` and `port` parameters (comma-separated lists), which replace the URL's hosts. */
  hosts?: UrlHostPort[];
  ports?: (number | undefined)[];
  replicas?: UrlHostPort[];
  maxReplicaLagMs?: number;
}

/**
 * Parses a server URL's query string into {@link UrlParams}, checking each value's form (the
 * ranges and combinations are checked when the config is built). Passwords met (`password`,
 * `sslpassword`) are added to `secrets` before anything else can fail.
 *
 * @throws {ConfigError} For an unknown parameter (naming the closest known one) or a malformed value.
 */
export function parseQuery(query: string, raw: string, source: string, secrets: string[]): UrlParams {
  const params: UrlParams = {};
  if (query.length === 0) return params;
  const pairs = query.split("&").filter((pair) => pair.length > 0);
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const encodedValue = eq === -1 ? "" : pair.slice(eq + 1);
    // The value of a key that cannot be decoded could be a password: hide it in the error.
    const key = decodePart(source, encodedValue.length === 0 ? raw : raw.split(pair).join(`${pair.slice(0, eq)}=${REDACTED}`), eq === -1 ? pair : pair.slice(0, eq), "query parameter name", secrets);
    const value = decodePart(source, raw, encodedValue, `value of the "${key}" query parameter`, secrets);
    const nonEmpty = value.length > 0 ? value : undefined;
    switch (key) {
      case "sslmode":
        params.sslmode = value;
        break;
      case "sslrootcert":
        params.sslrootcert = nonEmpty;
        break;
      case "sslcert":
        params.sslcert = nonEmpty;
        break;
      case "sslkey":
        params.sslkey = nonEmpty;
        break;
      case "sslpassword":
        secrets.push(value);
        params.sslpassword = nonEmpty;
        break;
      case "passfile":
        params.passfile = nonEmpty;
        break;
      case "application_name":
        params.applicationName = value;
        break;
      case "options":
        params.options = nonEmpty;
        break;
      case "password":
        secrets.push(value);
        params.password = nonEmpty;
        break;
      case "connect_timeout": {
        if (!/^\d+(?:\.\d+)?$/.test(value)) {
          urlError(source, raw, `connect_timeout must be a non-negative number of seconds, got "${value}"`, secrets);
        }
        params.connectTimeoutMs = Math.round(Number(value) * 1000);
        break;
      }
      case "query_timeout":
      case "statement_timeout":
      case "idle_in_transaction_session_timeout": {
        if (!/^\d+$/.test(value)) urlError(source, raw, `${key} must be a non-negative integer number of milliseconds, got "${value}"`, secrets);
        const ms = Number(value);
        if (ms > MAX_TIMEOUT_MS) urlError(source, raw, `${key} must be at most ${MAX_TIMEOUT_MS} ms, got "${value}"`, secrets);
        if (key === "query_timeout") params.queryTimeoutMs = ms;
        else if (key === "statement_timeout") params.statementTimeoutMs = ms;
        else params.idleInTransactionTimeoutMs = ms;
        break;
      }
      case "keepalives":
        if (value !== "0" && value !== "1") urlError(source, raw, `keepalives must be 1 or 0, got "${value}"`, secrets);
        params.keepAlive = value === "1";
        break;
      case "keepalives_idle":
        if (!/^\d+$/.test(value)) urlError(source, raw, `keepalives_idle must be a non-negative integer number of seconds, got "${value}"`, secrets);
        params.keepAliveInitialDelayMs = Number(value) * 1000;
        break;
      case "pooler":
        params.pooler = value;
        break;
      case "target_session_attrs":
        if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(value)) {
          urlError(source, raw, `target_session_attrs must be one of ${TARGET_SESSION_ATTRS.join(", ")}, got "${value}"`, secrets);
        }
        params.targetSessionAttrs = value;
        break;
      case "host":
        // libpq: `?host=/var/run/postgresql` (a socket directory) or `?host=h1,h2`, replacing the URL's hosts.
        params.hosts = value.split(",").map((h) => {
          if (h.length > 0 && !isValidHost(h)) urlError(source, raw, `a host ${INVALID_HOST}`, secrets);
          return { host: h.length > 0 ? h : undefined, port: undefined };
        });
        break;
      case "port":
        params.ports = value.split(",").map((text) => {
          if (text.length === 0) return undefined;
          const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
          if (!Number.isInteger(port) || port < 1 || port > 65535) urlError(source, raw, "the port must be an integer from 1 to 65535", secrets);
          return port;
        });
        break;
      case "ssl":
        // node-postgres's `ssl=true`: TLS with the certificate and host name verified (sslmode
        // verify-full); `ssl=false` turns TLS off. An explicit sslmode wins.
        if (!["true", "1", "false", "0"].includes(value)) urlError(source, raw, `ssl must be true or false (or use sslmode), got "${value}"`, secrets);
        params.ssl = value === "true" || value === "1";
        break;
      case "replicas":
        // host[:port] items separated by commas, as in the URL's host list.
        params.replicas = value.split(",").filter((item) => item.length > 0).map((item) => parseHostPort(item, source, raw, secrets));
        break;
      case "max_replica_lag": {
        if (!/^\d+$/.test(value)) urlError(source, raw, `max_replica_lag must be a non-negative integer number of milliseconds, got "${value}"`, secrets);
        params.maxReplicaLagMs = Number(value);
        break;
      }
      case "min_connections":
      case "max_connections": {
        if (!/^\d+$/.test(value)) urlError(source, raw, `${key} must be a non-negative integer, got "${value}"`, secrets);
        if (key === "min_connections") params.minConnections = Number(value);
        else params.maxConnections = Number(value);
        break;
      }
      default:
        // The value of an unknown key may be a misspelled password: never show it.
        urlError(
          source,
          encodedValue.length === 0 ? raw : raw.split(pair).join(`${pair.slice(0, eq)}=${REDACTED}`),
          `unknown query parameter "${key}"; did you mean "${closestName(key, URL_QUERY_PARAMETERS)}"? accepted: ${URL_QUERY_PARAMETERS.join(", ")}`,
          secrets,
        );
    }
  }
  return params;
}
