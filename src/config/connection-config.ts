/**
 * Turns what a user passes to `new Database(…)` (a URL, a field object, or nothing) into one
 * validated, frozen {@link ResolvedConfig}.
 *
 * Secrets: the password of a {@link ServerConfig} is a non-enumerable property, so printing,
 * logging, `JSON.stringify` or spreading a config never shows it — and spreading a config also
 * drops it. Code that needs the password must read `config.password` explicitly. Error messages
 * produced here never contain the password or the raw URL.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";

import { ConfigError } from "../errors/errors.js";
import { redactSecrets, redactUrl } from "./redact.js";

/** The database backends tablekit supports. */
export type DialectName = "sqlite" | "postgres" | "cockroachdb";

/** libpq's `sslmode` values, with libpq's meaning. */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/**
 * How 64-bit integers read from the database are returned:
 * - `"number"`: as JS numbers; a value outside ±(2^53 − 1) raises `UnsafeIntegerError` instead of silently losing precision;
 * - `"bigint"`: always as `bigint`;
 * - `"string"`: always as decimal strings.
 */
export type Int64Mode = "number" | "bigint" | "string";

/** Every dialect name, in display order. */
export const DIALECT_NAMES: readonly DialectName[] = Object.freeze(["sqlite", "postgres", "cockroachdb"]);

/** Every valid {@link SslMode}, in libpq's order (weakest first). */
export const SSL_MODES: readonly SslMode[] = Object.freeze(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);

/** Every valid {@link Int64Mode}. */
export const INT64_MODES: readonly Int64Mode[] = Object.freeze(["number", "bigint", "string"]);

/** The embedded default: the SQLite file used when nothing (and no `DATABASE_URL`) says otherwise. */
export const DEFAULT_SQLITE_FILENAME = "./tablekit.db";

/** Query parameters accepted in `postgres://`, `postgresql://`, `cockroachdb://` and `cockroach://` URLs. */
export const URL_QUERY_PARAMETERS: readonly string[] = Object.freeze([
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
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
]);

/**
 * What `new Database(options)` accepts. Every field is optional; see {@link resolveConfig} for how
 * a connection target is chosen when neither `url`, `filename` nor `host` is given.
 *
 * Options that only make sense for server backends (host, port, pool sizes, TLS, …) are
 * validated but otherwise ignored when the result is SQLite, so one options object can be
 * reused with URLs of different backends.
 */
export interface DatabaseOptions {
  /**
   * Where to connect:
   * - SQLite: `sqlite:data/app.db`, `sqlite::memory:`, `sqlite:///abs/path.db`, `sqlite://rel.db`,
   *   the same with `file:`, or a bare path ending in `.db`, `.sqlite` or `.sqlite3`, or `:memory:`;
   * - PostgreSQL: `postgres://user:password@host:port/database?…` or `postgresql://…`;
   * - CockroachDB: `cockroachdb://…` or `cockroach://…`.
   *
   * User names, passwords and database names must be percent-encoded when they contain reserved
   * characters (`:/?#[]@` and `%`); an `@` anywhere after the host (e.g. in a query value) must be
   * written `%40`. IPv6 hosts go in brackets (`[::1]`); a percent-encoded path as host
   * (`%2Fvar%2Frun%2Fpostgresql`) is a Unix-socket directory; one host only. See {@link URL_QUERY_PARAMETERS} for the accepted query parameters.
   * Fields given next to `url` override the URL's values.
   */
  url?: string;
  /** SQLite database file (`":memory:"` for an in-memory database). Implies the `sqlite` dialect. */
  filename?: string;
  /**
   * Forces the dialect; normally inferred from `url`/`filename`/`host`. `"cockroachdb"` with a
   * `postgres://` URL or a `host` selects CockroachDB's defaults (port 26257, user `root`,
   * database `defaultdb`). Contradicting the URL's family (SQLite vs server) is a `ConfigError`.
   */
  dialect?: DialectName;
  /** Server host name or IP address; a path starting with `/` is a Unix-socket directory. Default `"localhost"`. */
  host?: string;
  /** Server port, 1..65535. Default 5432 (postgres) or 26257 (cockroachdb). */
  port?: number;
  /** Database name. Default: the user name (postgres) or `"defaultdb"` (cockroachdb). */
  database?: string;
  /** User name. Default: `PGUSER` or `"postgres"` (postgres), `"root"` (cockroachdb). */
  user?: string;
  /** Password. Default: from the URL, else `PGPASSWORD` (postgres only), else none. Never displayed. */
  password?: string;
  /**
   * TLS mode, libpq semantics. Default `"disable"` for loopback hosts (`localhost`, `127.x.x.x`,
   * `::1`) and Unix sockets, else `"prefer"` (libpq's default).
   */
  sslmode?: SslMode;
  /** Path of a PEM file with the CA certificate(s) to trust (`verify-ca`, `verify-full`). Default: the system CAs. */
  sslrootcert?: string;
  /** Path of a PEM client certificate; requires `sslkey`. */
  sslcert?: string;
  /** Path of the PEM private key of `sslcert`; requires `sslcert`. */
  sslkey?: string;
  /** Connections the pool keeps open (server backends). Default 2, capped at `maxConnections`. */
  minConnections?: number;
  /** Most connections the pool opens (server backends). Default 10. */
  maxConnections?: number;
  /** `application_name` reported to the server. Default `"tablekit"`. */
  applicationName?: string;
  /** How long to wait for a new connection to be established, in ms. Default 10 000; 0 = no limit. */
  connectTimeoutMs?: number;
  /**
   * How long a caller may wait for a pooled connection, in ms. Default 0 = as long as needed;
   * otherwise a caller waiting longer gets a `ConnectionError`.
   */
  acquireTimeoutMs?: number;
  /** How long an idle pooled connection is kept before being closed, in ms. Default 30 000. */
  idleTimeoutMs?: number;
  /**
   * Server backends: the longest the client waits for one answer from the server, in ms: a
   * statement's result, one batch of a stream, COPY's flow control and its final count. Past it
   * the connection is closed (destroyed, never reused) and the call rejects with
   * `QueryTimeoutError`, or with `AmbiguousCommitError` when a COMMIT or a write outside a
   * transaction was waiting (it may have been applied). Bounds what no server setting can: a
   * frozen server or a network partition. Default 300 000 (5 minutes); 0 = no limit. URL:
   * `query_timeout` (ms).
   */
  queryTimeoutMs?: number;
  /**
   * Server backends: the server's `statement_timeout`, in ms: the server cancels a statement
   * running longer (SQLSTATE 57014, `StatementTimeoutError`; the connection stays usable).
   * Default 0 = the server's setting. URL: `statement_timeout` (ms).
   */
  statementTimeoutMs?: number;
  /**
   * Server backends: the server's `idle_in_transaction_session_timeout`, in ms: the server ends
   * a session whose transaction sits idle longer (its statements then fail with
   * `ConnectionError`). Default 0 = the server's setting. URL:
   * `idle_in_transaction_session_timeout` (ms).
   */
  idleInTransactionTimeoutMs?: number;
  /** Server backends: TCP keepalive on the connections. Default `true`. URL: `keepalives` (`1` or `0`). */
  keepAlive?: boolean;
  /**
   * Server backends: idle time before the first TCP keepalive probe, in ms (whole seconds are
   * used; 0 = the operating system's default, 2 hours on Linux). Default 30 000. URL:
   * `keepalives_idle` (seconds).
   */
  keepAliveInitialDelayMs?: number;
  /** SQLite `busy_timeout`, in ms. Default 5 000. */
  busyTimeoutMs?: number;
  /** How 64-bit integers are returned. Default `"number"` (with `UnsafeIntegerError` instead of precision loss). */
  int64?: Int64Mode;
  /** Whether query events include bound parameters. Default `false`. */
  logParameters?: boolean;
}

/** A resolved SQLite configuration. Frozen. */
export interface SqliteConfig {
  /** Always `"sqlite"`. */
  readonly dialect: "sqlite";
  /** Database file path as given (relative paths are relative to the process's working directory), or `":memory:"`. */
  readonly filename: string;
  /** SQLite `busy_timeout` in ms (default 5 000). */
  readonly busyTimeoutMs: number;
  /** 64-bit integer policy (default `"number"`). */
  readonly int64: Int64Mode;
  /** Whether query events include bound parameters (default `false`). */
  readonly logParameters: boolean;
}

/**
 * A resolved PostgreSQL or CockroachDB configuration. Frozen.
 *
 * `password` is a **non-enumerable** property: `JSON.stringify`, `util.inspect`, `console.log`,
 * `Object.keys` and spread (`{ ...config }`) do not see it; a custom `util.inspect` hook keeps it
 * hidden even with `showHidden` (as used by `console.log("%o")`). Read `config.password`
 * explicitly, and never rebuild a config by spreading one (the copy has no password).
 */
export interface ServerConfig {
  /** `"postgres"` or `"cockroachdb"`. */
  readonly dialect: "postgres" | "cockroachdb";
  /** Host name, IP address (IPv6 without brackets) or Unix-socket directory (starts with `/`). */
  readonly host: string;
  /** Port, 1..65535. */
  readonly port: number;
  /** Database name. */
  readonly database: string;
  /** User name. */
  readonly user: string;
  /** Password, or `undefined` for none. Non-enumerable. */
  readonly password: string | undefined;
  /** TLS mode. */
  readonly sslmode: SslMode;
  /** CA file path, when given. */
  readonly sslrootcert?: string;
  /** Client certificate file path, when given. */
  readonly sslcert?: string;
  /** Client key file path, when given. */
  readonly sslkey?: string;
  /** The URL's `options` parameter, passed to the server as-is (e.g. CockroachDB `--cluster=name`). */
  readonly options?: string;
  /** Connections the pool keeps open. */
  readonly minConnections: number;
  /** Most connections the pool opens. */
  readonly maxConnections: number;
  /** `application_name` reported to the server. */
  readonly applicationName: string;
  /** Connect timeout in ms; 0 = no limit. */
  readonly connectTimeoutMs: number;
  /** Pool acquire timeout in ms; 0 = wait as long as needed. */
  readonly acquireTimeoutMs: number;
  /** Idle connection timeout in ms. */
  readonly idleTimeoutMs: number;
  /** Client-side wait for one answer from the server, in ms; 0 = no limit. */
  readonly queryTimeoutMs: number;
  /** The server's `statement_timeout` in ms; 0 = the server's setting. */
  readonly statementTimeoutMs: number;
  /** The server's `idle_in_transaction_session_timeout` in ms; 0 = the server's setting. */
  readonly idleInTransactionTimeoutMs: number;
  /** Whether TCP keepalive is on. */
  readonly keepAlive: boolean;
  /** Idle time before the first keepalive probe, in ms; 0 = the OS default. */
  readonly keepAliveInitialDelayMs: number;
  /** 64-bit integer policy. */
  readonly int64: Int64Mode;
  /** Whether query events include bound parameters. */
  readonly logParameters: boolean;
}

/** A fully resolved, validated, frozen configuration. Discriminated by `dialect`. */
export type ResolvedConfig = SqliteConfig | ServerConfig;

const DEFAULT_MIN_CONNECTIONS = 2;
const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_APPLICATION_NAME = "tablekit";
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 0;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_QUERY_TIMEOUT_MS = 300_000;
const DEFAULT_KEEPALIVE_INITIAL_DELAY_MS = 30_000;
const MAX_TIMEOUT_MS = 2_147_483_647;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_INT64: Int64Mode = "number";
const POSTGRES_PORT = 5432;
const COCKROACH_PORT = 26257;

const SQLITE_EXTENSIONS = /\.(?:db|sqlite|sqlite3)$/i;
const ENCODING_HINT = "percent-encode reserved characters (:/?#[]@%) in the user name, password, database name";

// ---------------------------------------------------------------------------------------------
// URL parsing

/** Values a server URL's query string may carry. */
interface UrlParams {
  sslmode?: string;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
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
}

type ParsedUrl =
  | { readonly family: "sqlite"; readonly filename: string }
  | {
      readonly family: "server";
      readonly dialect: "postgres" | "cockroachdb";
      readonly host: string | undefined;
      readonly port: number | undefined;
      readonly user: string | undefined;
      readonly password: string | undefined;
      readonly database: string | undefined;
      readonly params: UrlParams;
    };

/** Throws a ConfigError about a URL, showing it only with secrets hidden. */
function urlError(source: string, raw: string, problem: string, secrets: readonly (string | undefined)[] = []): never {
  // Without "://" the user info cannot be located reliably: then show no text that has an "@".
  const shown = raw.includes("://") ? ` ${redactUrl(raw)}` : raw.includes("@") ? "" : ` ${raw}`;
  throw new ConfigError(redactSecrets(`Invalid ${source}${shown}: ${problem}`, secrets));
}

function parseUrl(rawInput: string, source: string): ParsedUrl {
  const raw = rawInput.trim();
  if (raw.length === 0) throw new ConfigError(`Invalid ${source}: it is empty`);
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  switch (scheme) {
    case "sqlite":
    case "file":
      return parseSqliteUrl(raw, scheme.length + 1, source);
    case "postgres":
    case "postgresql":
      return parseServerUrl(raw, scheme.length + 1, "postgres", source);
    case "cockroachdb":
    case "cockroach":
      return parseServerUrl(raw, scheme.length + 1, "cockroachdb", source);
    default:
      break;
  }
  // A bare SQLite path; a one-letter "scheme" is a Windows drive letter.
  if ((scheme === undefined || scheme.length === 1) && (raw === ":memory:" || SQLITE_EXTENSIONS.test(raw))) {
    return { family: "sqlite", filename: raw };
  }
  if (scheme !== undefined && scheme.length > 1) {
    urlError(
      source,
      raw,
      `unsupported scheme "${scheme}:"; expected sqlite:, file:, postgres:, postgresql:, cockroachdb: or cockroach:`,
    );
  }
  return urlError(
    source,
    raw,
    "not a database URL; expected sqlite:…, postgres://…, postgresql://…, cockroachdb://…, or a file path ending in .db, .sqlite or .sqlite3",
  );
}

function parseSqliteUrl(raw: string, schemeLength: number, source: string): ParsedUrl {
  let path = raw.slice(schemeLength);
  if (path.startsWith("//localhost/")) path = path.slice("//localhost".length);
  else if (path.startsWith("//")) path = path.slice(2);
  if (path.includes("?")) urlError(source, raw, "SQLite URLs take no query parameters");
  if (path.length === 0) urlError(source, raw, "the SQLite file name is empty");
  let filename = path;
  try {
    filename = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: take the path literally (e.g. "50%.db").
  }
  return { family: "sqlite", filename };
}

function decodePart(source: string, raw: string, encoded: string, what: string, secrets: readonly string[]): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return urlError(source, raw, `malformed percent-encoding in the ${what}`, secrets);
  }
}

function parseServerUrl(raw: string, schemeLength: number, dialect: "postgres" | "cockroachdb", source: string): ParsedUrl {
  if (!raw.startsWith("//", schemeLength)) {
    urlError(source, raw, `expected ${raw.slice(0, schemeLength)}//user:password@host:port/database`);
  }
  const rest = raw.slice(schemeLength + 2);
  const secrets: string[] = [];
  // Know every query password before anything can fail, so that no message shows one.
  for (const match of rest.matchAll(/[?&]password=([^&]*)/gi)) {
    const value = match[1] ?? "";
    if (value.length === 0) continue;
    secrets.push(value);
    try {
      secrets.push(decodeURIComponent(value));
    } catch {
      // undecodable: the raw form is hidden already
    }
  }

  // User info ends at the last "@" before the first "/" (libpq style; "@" in passwords tolerated).
  const firstSlash = rest.indexOf("/");
  const region = firstSlash === -1 ? rest : rest.slice(0, firstSlash);
  const at = region.lastIndexOf("@");
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = region.slice(0, at);
    const colon = userinfo.indexOf(":");
    const encodedUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const encodedPassword = colon === -1 ? undefined : userinfo.slice(colon + 1);
    if (encodedPassword !== undefined && encodedPassword.length > 0) {
      secrets.push(encodedPassword);
      password = decodePart(source, raw, encodedPassword, "password", secrets);
      secrets.push(password);
    }
    const decodedUser = decodePart(source, raw, encodedUser, "user name", secrets);
    if (decodedUser.length > 0) user = decodedUser;
  }

  const afterUser = rest.slice(at + 1);
  // An "@" past the host means an unencoded "/" in the password (or an unencoded "@" elsewhere):
  // refuse, rather than risk showing pieces of the password as a host, database or parameter.
  if (afterUser.includes("@")) urlError(source, raw, `unexpected "@" after the host; ${ENCODING_HINT} and query values`, secrets);
  const hostEnd = afterUser.search(/[/?#]/);
  const hostport = hostEnd === -1 ? afterUser : afterUser.slice(0, hostEnd);
  let tail = hostEnd === -1 ? "" : afterUser.slice(hostEnd);
  const hash = tail.indexOf("#");
  if (hash >= 0) tail = tail.slice(0, hash);
  const question = tail.indexOf("?");
  const path = question === -1 ? tail : tail.slice(0, question);
  const query = question === -1 ? "" : tail.slice(question + 1);

  // Host and port. Never echo them: with an unencoded "/" in a password they may hold part of it.
  if (hostport.includes(",")) urlError(source, raw, "multiple hosts are not supported", secrets);
  let encodedHost: string;
  let portText: string | undefined;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close === -1) urlError(source, raw, "unterminated [IPv6 address]", secrets);
    encodedHost = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(":")) urlError(source, raw, "unexpected text after the [IPv6 address]", secrets);
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(":");
    encodedHost = colon === -1 ? hostport : hostport.slice(0, colon);
    portText = colon === -1 ? undefined : hostport.slice(colon + 1);
    if (portText?.includes(":")) urlError(source, raw, "IPv6 addresses must be written in brackets, e.g. [::1]", secrets);
  }
  const decodedHost = decodePart(source, raw, encodedHost, "host", secrets);
  const host = decodedHost.length > 0 ? decodedHost : undefined;
  let port: number | undefined;
  if (portText !== undefined && portText.length > 0) {
    port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      urlError(source, raw, "the port must be an integer from 1 to 65535", secrets);
    }
  }

  // Database: one path segment.
  let database: string | undefined;
  const encodedDatabase = path.startsWith("/") ? path.slice(1) : path;
  if (encodedDatabase.includes("/")) {
    urlError(source, raw, 'the database name must be a single path segment (percent-encode "/" as %2F)', secrets);
  }
  if (encodedDatabase.length > 0) database = decodePart(source, raw, encodedDatabase, "database name", secrets);

  const params = parseQuery(query, raw, source, secrets);
  return { family: "server", dialect, host, port, user, password, database, params };
}

function parseQuery(query: string, raw: string, source: string, secrets: string[]): UrlParams {
  const params: UrlParams = {};
  if (query.length === 0) return params;
  const pairs = query.split("&").filter((pair) => pair.length > 0);
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = decodePart(source, raw, eq === -1 ? pair : pair.slice(0, eq), "query parameter name", secrets);
    const encodedValue = eq === -1 ? "" : pair.slice(eq + 1);
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
      case "min_connections":
      case "max_connections": {
        if (!/^\d+$/.test(value)) urlError(source, raw, `${key} must be a non-negative integer, got "${value}"`, secrets);
        if (key === "min_connections") params.minConnections = Number(value);
        else params.maxConnections = Number(value);
        break;
      }
      default:
        urlError(source, raw, `unknown query parameter "${key}"; accepted: ${URL_QUERY_PARAMETERS.join(", ")}`, secrets);
    }
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// Field validation

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return typeof value;
}

function checkString(name: string, value: unknown, nonEmpty: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "string") throw new ConfigError(`${name} must be a string, got ${describeValue(value)}`);
  if (nonEmpty && value.length === 0) throw new ConfigError(`${name} must not be empty`);
}

function checkInteger(name: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be an integer ${range}, got ${describeValue(value)}`);
  }
}

function checkTimeout(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a finite number of milliseconds ≥ 0, got ${describeValue(value)}`);
  }
}

function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): void {
  if (value === undefined) return;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.map((v) => `"${v}"`).join(", ")}, got ${describeValue(value)}`);
  }
}

function validateFields(options: DatabaseOptions): void {
  checkString("url", options.url, false);
  checkString("filename", options.filename, true);
  checkOneOf("dialect", options.dialect, DIALECT_NAMES);
  checkString("host", options.host, true);
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
  if (options.logParameters !== undefined && typeof options.logParameters !== "boolean") {
    throw new ConfigError(`logParameters must be a boolean, got ${describeValue(options.logParameters)}`);
  }
}

/** Whether `host` is a loopback address or a Unix-socket directory (where TLS is pointless). */
function isLocalHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith("/")) return true;
  if (h === "localhost" || h === "localhost." || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (isIP(h) === 4 && h.startsWith("127.")) return true;
  return false;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

// ---------------------------------------------------------------------------------------------
// resolveConfig

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
 * (postgres dialect only). The default `sslmode` is `"disable"` for loopback hosts and Unix
 * sockets and `"prefer"` (libpq's default) elsewhere; a URL's `connect_timeout` and
 * `keepalives_idle` are in seconds (libpq's units), its `query_timeout`, `statement_timeout` and
 * `idle_in_transaction_session_timeout` in milliseconds.
 *
 * @param input - Options, a URL string, or nothing.
 * @param env - Environment to read `DATABASE_URL`, `PGUSER` and `PGPASSWORD` from. Default `process.env`.
 * @returns A frozen config; a server config's `password` is non-enumerable.
 * @throws {ConfigError} For a malformed or unsupported URL, an unknown URL parameter, an
 *   invalid sslmode/int64/dialect, an out-of-range port, pool size or timeout, or contradicting
 *   options. Messages never contain the password.
 */
export function resolveConfig(
  input?: DatabaseOptions | string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedConfig {
  let options: DatabaseOptions;
  if (input === undefined) options = {};
  else if (typeof input === "string") options = { url: input };
  else if (typeof input === "object" && input !== null) options = input;
  else throw new ConfigError(`Database options must be an object or a URL string, got ${describeValue(input)}`);

  validateFields(options);
  const { dialect } = options;
  const wantsServer = dialect === "postgres" || dialect === "cockroachdb";

  if (options.filename !== undefined) {
    if (options.url !== undefined) throw new ConfigError("Give either url or filename, not both");
    if (options.host !== undefined) throw new ConfigError("Give either host or filename, not both");
    if (wantsServer) throw new ConfigError(`filename is for SQLite, but dialect is "${dialect}"`);
    return sqliteConfig(options, options.filename);
  }

  let parsed: ParsedUrl | undefined;
  if (options.url !== undefined) {
    parsed = parseUrl(options.url, "url");
  } else if (options.host === undefined) {
    const envUrl = nonEmpty(env["DATABASE_URL"]?.trim());
    if (envUrl !== undefined) {
      const fromEnv = parseUrl(envUrl, "DATABASE_URL");
      const compatible = dialect === undefined || (dialect === "sqlite") === (fromEnv.family === "sqlite");
      if (compatible) parsed = fromEnv;
    }
  }

  if (parsed?.family === "sqlite") {
    if (wantsServer) throw new ConfigError(`The URL is a SQLite URL, but dialect is "${dialect}"`);
    if (options.host !== undefined) throw new ConfigError("host cannot be combined with a SQLite URL");
    return sqliteConfig(options, parsed.filename);
  }
  if (parsed === undefined && options.host === undefined && !wantsServer) {
    return sqliteConfig(options, DEFAULT_SQLITE_FILENAME);
  }
  if (dialect === "sqlite") {
    throw new ConfigError(parsed === undefined ? 'host cannot be used with dialect "sqlite"' : 'The URL is a server URL, but dialect is "sqlite"');
  }
  const serverDialect = dialect ?? parsed?.dialect ?? "postgres";
  return serverConfig(options, serverDialect, parsed, env);
}

function sqliteConfig(options: DatabaseOptions, filename: string): SqliteConfig {
  return Object.freeze({
    dialect: "sqlite",
    filename,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    int64: options.int64 ?? DEFAULT_INT64,
    logParameters: options.logParameters ?? false,
  });
}

const INSPECT_CUSTOM = Symbol.for("nodejs.util.inspect.custom");

function inspectWithoutSecrets(
  this: object,
  _depth: number,
  options: object,
  inspect: (value: unknown, options: object) => string,
): string {
  return inspect({ ...this }, options);
}

function serverConfig(
  options: DatabaseOptions,
  dialect: "postgres" | "cockroachdb",
  parsed: Extract<ParsedUrl, { family: "server" }> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  const params = parsed?.params ?? {};
  const cockroach = dialect === "cockroachdb";
  const host = options.host ?? parsed?.host ?? "localhost";
  const port = options.port ?? parsed?.port ?? (cockroach ? COCKROACH_PORT : POSTGRES_PORT);
  const user = options.user ?? parsed?.user ?? (cockroach ? "root" : (nonEmpty(env["PGUSER"]) ?? "postgres"));
  const database = options.database ?? parsed?.database ?? (cockroach ? "defaultdb" : user);
  const password =
    nonEmpty(options.password) ?? params.password ?? parsed?.password ?? (cockroach ? undefined : nonEmpty(env["PGPASSWORD"]));

  const sslmode = options.sslmode ?? params.sslmode ?? (isLocalHost(host) ? "disable" : "prefer");
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new ConfigError(`Invalid sslmode ${JSON.stringify(sslmode)} in the URL; valid modes: ${SSL_MODES.join(", ")}`);
  }
  const sslrootcert = options.sslrootcert ?? params.sslrootcert;
  const sslcert = options.sslcert ?? params.sslcert;
  const sslkey = options.sslkey ?? params.sslkey;
  if ((sslcert === undefined) !== (sslkey === undefined)) {
    throw new ConfigError("sslcert and sslkey must be given together");
  }

  const maxConnections = options.maxConnections ?? params.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  checkInteger("maxConnections (max_connections)", maxConnections, 1);
  const minConnections = options.minConnections ?? params.minConnections ?? Math.min(DEFAULT_MIN_CONNECTIONS, maxConnections);
  if (minConnections > maxConnections) {
    throw new ConfigError(`minConnections (${minConnections}) must not exceed maxConnections (${maxConnections})`);
  }

  const config: Omit<ServerConfig, "password"> = {
    dialect,
    host,
    port,
    database,
    user,
    sslmode: sslmode as SslMode,
    ...(sslrootcert === undefined ? {} : { sslrootcert }),
    ...(sslcert === undefined ? {} : { sslcert }),
    ...(sslkey === undefined ? {} : { sslkey }),
    ...(params.options === undefined ? {} : { options: params.options }),
    minConnections,
    maxConnections,
    applicationName: options.applicationName ?? params.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs ?? params.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    queryTimeoutMs: options.queryTimeoutMs ?? params.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    statementTimeoutMs: options.statementTimeoutMs ?? params.statementTimeoutMs ?? 0,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? params.idleInTransactionTimeoutMs ?? 0,
    keepAlive: options.keepAlive ?? params.keepAlive ?? true,
    keepAliveInitialDelayMs: options.keepAliveInitialDelayMs ?? params.keepAliveInitialDelayMs ?? DEFAULT_KEEPALIVE_INITIAL_DELAY_MS,
    int64: options.int64 ?? DEFAULT_INT64,
    logParameters: options.logParameters ?? false,
  };
  Object.defineProperty(config, "password", { value: password, enumerable: false, writable: false, configurable: false });
  // util.inspect with showHidden (console.log("%o"), inspect(…, { showHidden: true })) would
  // otherwise show non-enumerable properties: render a copy made of the enumerable ones only.
  Object.defineProperty(config, INSPECT_CUSTOM, { value: inspectWithoutSecrets, enumerable: false, writable: false, configurable: false });
  return Object.freeze(config) as ServerConfig;
}

// ---------------------------------------------------------------------------------------------
// Display and TLS

/**
 * A display form of a config, safe for logs: never contains a password.
 *
 * - SQLite: `sqlite:` + filename, e.g. `"sqlite:./tablekit.db"`, `"sqlite::memory:"`;
 * - servers: `dialect://user@host:port/database`, e.g. `"postgres://root@localhost:26257/mydb"`
 *   (user and database percent-encoded, IPv6 hosts in brackets, socket directories percent-encoded).
 *
 * @param config - A resolved config.
 * @returns The display string.
 */
export function describeConfig(config: ResolvedConfig): string {
  if (config.dialect === "sqlite") return `sqlite:${config.filename}`;
  const { host } = config;
  const shownHost = host.startsWith("/") ? encodeURIComponent(host) : host.includes(":") ? `[${host}]` : host;
  return `${config.dialect}://${encodeURIComponent(config.user)}@${shownHost}:${config.port}/${encodeURIComponent(config.database)}`;
}

function readTlsFile(option: "sslrootcert" | "sslcert" | "sslkey", path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const problem = code === "ENOENT" ? "file not found" : `file cannot be read${code === undefined ? "" : ` (${code})`}`;
    throw new ConfigError(`${option} ${problem}: ${path}`, { cause: error });
  }
}

/**
 * The value for postgres.js's `ssl` option implementing `config.sslmode` (libpq semantics):
 *
 * | sslmode       | result                                                                      |
 * |---------------|-----------------------------------------------------------------------------|
 * | `disable`     | `false`                                                                     |
 * | `allow`       | `"allow"`                                                                   |
 * | `prefer`      | `"prefer"`                                                                  |
 * | `require`     | `{ rejectUnauthorized: false }` (encrypted, server not verified; `sslrootcert` ignored) |
 * | `verify-ca`   | `{ ca, rejectUnauthorized: true, checkServerIdentity: () => undefined }`    |
 * | `verify-full` | `{ ca, rejectUnauthorized: true, servername: host }`                        |
 *
 * `ca` is the content of `sslrootcert` and is omitted without it (Node's default CAs are then
 * used). `sslcert`/`sslkey` add `cert`/`key` to the object forms. For `verify-full` with an IP
 * address host, `host` is set instead of `servername` (TLS forbids IP addresses as SNI names;
 * Node checks the certificate against `host`).
 *
 * Reads the certificate files synchronously on every call.
 *
 * @param config - A resolved server config.
 * @returns `false`, `"allow"`, `"prefer"`, or Node TLS connection options.
 * @throws {ConfigError} When a certificate file is missing or unreadable; the message names the
 *   option and the path, never the file's contents.
 */
export function tlsOptions(config: ServerConfig): false | "prefer" | "allow" | ConnectionOptions {
  switch (config.sslmode) {
    case "disable":
      return false;
    case "allow":
      return "allow";
    case "prefer":
      return "prefer";
    default:
      break;
  }
  const clientCert: ConnectionOptions = {};
  if (config.sslcert !== undefined) clientCert.cert = readTlsFile("sslcert", config.sslcert);
  if (config.sslkey !== undefined) clientCert.key = readTlsFile("sslkey", config.sslkey);
  if (config.sslmode === "require") return { rejectUnauthorized: false, ...clientCert };

  const ca: ConnectionOptions = config.sslrootcert === undefined ? {} : { ca: readTlsFile("sslrootcert", config.sslrootcert) };
  if (config.sslmode === "verify-ca") {
    return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined, ...clientCert };
  }
  const identity: ConnectionOptions = isIP(config.host) === 0 ? { servername: config.host } : { host: config.host };
  return { ...ca, rejectUnauthorized: true, ...identity, ...clientCert };
}
