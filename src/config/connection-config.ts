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

import { isIP } from "node:net";

import { ConfigError } from "../errors/errors.js";
import { REDACTED, querySecrets, redactSecrets, redactUrl } from "../util/redact.js";

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

/**
 * What sits between tablekit and PostgreSQL (see docs/scaling.md#connection-poolers):
 * - `"auto"` (the default): tablekit checks at connect whether the server session it talks to is
 *   the one it connected to (the backend process id of the connection's key data against
 *   `pg_backend_pid()`); when they differ, a pooler multiplexes connections, and tablekit
 *   behaves as with `"transaction"`, since it cannot tell PgBouncer's session mode from its
 *   transaction mode;
 * - `"transaction"`: a pooler that may hand each transaction (and each statement outside one) to
 *   a different server session, such as PgBouncer with `pool_mode = transaction`: statements run
 *   unnamed (parsed on every call) instead of as named prepared statements, migrations take no
 *   session-level advisory lock, and session settings (`statementTimeoutMs`,
 *   `idleInTransactionTimeoutMs`) are refused;
 * - `"session"`: a pooler that keeps one server session per client connection (PgBouncer's
 *   `pool_mode = session`), or `"none"`: a direct connection. Both keep named prepared
 *   statements and skip the check.
 */
export type PoolerMode = "auto" | "transaction" | "session" | "none";

/** Every valid {@link PoolerMode}. */
export const POOLER_MODES: readonly PoolerMode[] = Object.freeze(["auto", "transaction", "session", "none"]);

/**
 * libpq's `target_session_attrs`: which of the listed hosts a new connection keeps (hosts are tried
 * in order; see docs/scaling.md):
 * - `any`: the first that accepts the connection;
 * - `read-write`: the first whose `SHOW transaction_read_only` is `off`;
 * - `read-only`: the first whose `SHOW transaction_read_only` is `on`;
 * - `primary`: the first where `pg_is_in_recovery()` is false;
 * - `standby`: the first where `pg_is_in_recovery()` is true;
 * - `prefer-standby`: a standby if any, else (a second pass over the hosts) any host.
 */
export type TargetSessionAttrs = "any" | "read-write" | "read-only" | "primary" | "standby" | "prefer-standby";

/** Every valid {@link TargetSessionAttrs}, in libpq's order. */
export const TARGET_SESSION_ATTRS: readonly TargetSessionAttrs[] = Object.freeze(["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]);

/** One server of a multi-host configuration. */
export interface HostPort {
  /** Host name, IP address (IPv6 without brackets) or Unix-socket directory (starts with `/`). */
  readonly host: string;
  /** Port, 1..65535. */
  readonly port: number;
}

/**
 * A read replica in {@link DatabaseOptions.replicas}: a URL of the same backend, or a host (and
 * port) that shares everything else (user, password, database, TLS, pool and timeouts) with the
 * primary.
 */
export type ReplicaOption = string | HostOption;

/** A server given by fields in {@link DatabaseOptions.hosts} or {@link DatabaseOptions.replicas}. */
export interface HostOption {
  /** Host name, IP address, or Unix-socket directory (starts with `/`). */
  host: string;
  /** Port, 1..65535. Default: the `port` option, else 5432 (26257 for CockroachDB). */
  port?: number;
}

/**
 * SQLite's `PRAGMA synchronous` on tablekit's connections (the file runs in WAL mode), SQLite's meaning:
 * - `"full"` (the default): every commit is synced to the disk (one `fsync` of the WAL per
 *   commit) before the call resolves: an acknowledged write survives a power loss or an
 *   operating-system crash, not only a crash of the process;
 * - `"extra"`: as `"full"`, and the directory is synced too where SQLite does so (it matters for
 *   rollback-journal files; in WAL mode it behaves as `"full"`);
 * - `"normal"`: the WAL is synced only at checkpoints: faster writes; an acknowledged write
 *   survives a crash of the process, but a power loss may undo the last commits (the database
 *   stays consistent). An opt-in for data that can be rebuilt.
 */
export type SqliteSynchronous = "full" | "normal" | "extra";

/** Every valid {@link SqliteSynchronous}, the default first. */
export const SQLITE_SYNCHRONOUS_LEVELS: readonly SqliteSynchronous[] = Object.freeze(["full", "extra", "normal"]);

/** Every valid {@link Int64Mode}. */
export const INT64_MODES: readonly Int64Mode[] = Object.freeze(["number", "bigint", "string"]);

/** The embedded default: the SQLite file used when nothing (and no `DATABASE_URL`) says otherwise. */
export const DEFAULT_SQLITE_FILENAME = "./tablekit.db";

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

/**
 * Every field `new Database(options)` accepts: the single list the unknown-option check uses. A
 * field added to {@link DatabaseOptions} must be added here too (one line); the typecheck fails
 * until it is (see `MissingOptionNames` below).
 */
export const OPTION_NAMES = Object.freeze([
  "url",
  "filename",
  "dialect",
  "host",
  "port",
  "database",
  "user",
  "password",
  "passfile",
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "sslpassword",
  "minConnections",
  "maxConnections",
  "applicationName",
  "connectTimeoutMs",
  "acquireTimeoutMs",
  "idleTimeoutMs",
  "busyTimeoutMs",
  "synchronous",
  "int64",
  "logParameters",
  "readonly",
  "queryTimeoutMs",
  "statementTimeoutMs",
  "idleInTransactionTimeoutMs",
  "keepAlive",
  "keepAliveInitialDelayMs",
  "pooler",
  "hosts",
  "targetSessionAttrs",
  "replicas",
  "maxReplicaLagMs",
] as const satisfies readonly (keyof DatabaseOptions)[]);

/** Compile-time check: every DatabaseOptions field is in OPTION_NAMES (this type must be `never`). */
type MissingOptionNames = Exclude<keyof DatabaseOptions, (typeof OPTION_NAMES)[number]>;
const everyOptionNamed: [MissingOptionNames] extends [never] ? true : MissingOptionNames = true;
void everyOptionNamed;

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
   *   the URL parameters are `mode` (`?mode=ro` opens the file read-only, see `readonly`;
   *   `?mode=rwc` read-write, the default) and `synchronous` (`?synchronous=normal`, see
   *   `synchronous`); any other parameter is a `ConfigError`;
   * - PostgreSQL: `postgres://user:password@host:port/database?…` or `postgresql://…`;
   * - CockroachDB: `cockroachdb://…` or `cockroach://…`.
   *
   * User names, passwords and database names must be percent-encoded when they contain reserved
   * characters (`:/?#[]@` and `%`); an `@` anywhere after the host (e.g. in a query value) must be
   * written `%40`. IPv6 hosts go in brackets (`[::1]`); a percent-encoded path as host
   * (`%2Fvar%2Frun%2Fpostgresql`) is a Unix-socket directory. Several hosts, each with its own
   * port, are separated by commas (`postgres://u@h1:5432,h2:5433/app?target_session_attrs=read-write`):
   * see `hosts` and `targetSessionAttrs`. See {@link URL_QUERY_PARAMETERS} for the accepted query parameters.
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
  /**
   * Password. Default: from the URL, else `PGPASSWORD` (postgres only), else the password file
   * (`passfile`, postgres only), else none. Never displayed.
   */
  password?: string;
  /**
   * Password file in libpq's `.pgpass` format, read at each new connection when no password is
   * given (postgres dialect only). Default: `PGPASSFILE`, else `~/.pgpass`. Ignored when group- or
   * world-readable, as libpq does.
   */
  passfile?: string;
  /**
   * TLS mode, libpq semantics (see docs/production.md): `disable`, `allow` (plaintext, TLS if the
   * server refuses plaintext), `prefer` (TLS, plaintext if the server refuses TLS), `require`,
   * `verify-ca`, `verify-full`. Default: `PGSSLMODE` (postgres only), else `"verify-full"` with
   * `sslrootcert: "system"`, else `"disable"` for loopback hosts (`localhost`, `127.x.x.x`, `::1`)
   * and Unix sockets, else `"prefer"` (libpq's default).
   */
  sslmode?: SslMode;
  /**
   * Path of a PEM file with the CA certificate(s) to trust, or `"system"` for the system's CAs
   * (then `sslmode` defaults to `verify-full`, and weaker modes are refused, as in libpq). When a
   * root certificate file is given (or `~/.postgresql/root.crt` exists, postgres only), the server's
   * certificate chain is verified in every TLS mode, as libpq does (`require` behaves like
   * `verify-ca`). Default: `PGSSLROOTCERT` (postgres only), else `~/.postgresql/root.crt` when it
   * exists; without one, `verify-ca` is refused and `verify-full` uses the system CAs.
   */
  sslrootcert?: string;
  /** Path of a PEM client certificate; requires `sslkey`. Default: `PGSSLCERT`, else `~/.postgresql/postgresql.crt` when it and the key exist (postgres only). */
  sslcert?: string;
  /**
   * Path of the PEM private key of `sslcert`; requires `sslcert`. Default: `PGSSLKEY`, else
   * `~/.postgresql/postgresql.key` (postgres only). Refused when group- or world-accessible (more
   * than 0600; 0640 when owned by root), as libpq does.
   */
  sslkey?: string;
  /** Passphrase of an encrypted `sslkey`. Never displayed. */
  sslpassword?: string;
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
  /**
   * Server backends: the connection pooler between tablekit and the server, if any (see
   * {@link PoolerMode} and docs/scaling.md#connection-poolers). Use `"transaction"` behind PgBouncer in
   * transaction mode (or any pooler that multiplexes transactions): statements then run unnamed,
   * which a pooler cannot mix up between sessions. Default `"auto"`: detected at connect. URL:
   * `pooler` (`auto`, `transaction`, `session`, `none`).
   */
  pooler?: PoolerMode;
  /**
   * Server backends: several servers to try in order for each new connection (libpq's multi-host
   * connection strings; the URL form is `postgres://u@h1:5432,h2:5433/app`). Each entry's `port`
   * defaults to `port`, else 5432 (26257 for CockroachDB). Which host a connection keeps is
   * `targetSessionAttrs`'s choice. Not together with `host`. See docs/scaling.md.
   */
  hosts?: readonly HostOption[];
  /**
   * Server backends: which host of `hosts` a new connection keeps, libpq's `target_session_attrs`
   * (see {@link TargetSessionAttrs}). Default: `PGTARGETSESSIONATTRS` (postgres only), else
   * `"any"`. With `"read-write"` (or `"primary"`) and several hosts, a `db.transaction` whose
   * connection was lost before COMMIT was sent is run again (on whichever host is the primary by
   * then). URL: `target_session_attrs`.
   */
  targetSessionAttrs?: TargetSessionAttrs;
  /**
   * Server backends: read replicas. Reads built by tablekit outside a transaction (`select`,
   * `selectOne`, `count`, table streams, and the Table and KVStore reads) go to the replicas in
   * turn; writes, raw SQL and everything inside a transaction go to the primary. A replica that
   * cannot be reached, or lags more than `maxReplicaLagMs`, is skipped (the read goes to the
   * primary). `db.primary(fn)` sends the reads of `fn` to the primary (read-your-writes). Each
   * entry is a URL of the same backend (fields given next to `url`, except the hosts, apply to it
   * too) or `{ host, port }` sharing everything else with the primary. On CockroachDB the same
   * option means follower reads instead (see docs/scaling.md). URL: `replicas=h2:5432,h3:5432`.
   */
  replicas?: readonly ReplicaOption[];
  /**
   * Server backends: the most a replica may lag behind the primary (replay delay, in ms) and
   * still serve reads; a replica lagging more is skipped until it catches up. Checked at most
   * once a second per replica. Default 0 = no bound. URL: `max_replica_lag` (ms).
   */
  maxReplicaLagMs?: number;
  /** SQLite `busy_timeout`, in ms. Default 5 000. */
  busyTimeoutMs?: number;
  /**
   * SQLite only: `PRAGMA synchronous` on every connection tablekit opens to the file (see
   * {@link SqliteSynchronous}). Default `"full"`: a write is on the disk when its call resolves,
   * so it survives a power loss. `"normal"` trades that for faster commits (see
   * docs/benchmarks.md): a crash of the process still loses nothing, a power loss may undo the
   * last commits. This field overrides the URL's `?synchronous=`. Validated but ignored for
   * server backends.
   */
  synchronous?: SqliteSynchronous;
  /**
   * SQLite only: open the database file read-only (same as `?mode=ro` in a `sqlite:` URL; this
   * field overrides the URL). Reads and streams work; every write (including DDL and `BEGIN
   * IMMEDIATE`-style locking, so transactions begin deferred) rejects with `ReadOnlyError` and
   * nothing is written; the journal mode is left as it is. The file must exist. Works on a
   * read-only mount too: a WAL-mode file whose `-wal` and `-shm` files are absent and cannot be
   * created there is read as an in-memory snapshot of the file (memory ≈ file size). Default
   * `false`. `readonly: true` with a PostgreSQL/CockroachDB target or `:memory:` is a `ConfigError`.
   */
  readonly?: boolean;
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
  /** Whether the file is opened read-only (`readonly: true` or `?mode=ro`; default `false`). */
  readonly readonly: boolean;
  /** `PRAGMA synchronous` on every connection (`synchronous` or `?synchronous=`; default `"full"`). */
  readonly synchronous: SqliteSynchronous;
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
  /** Host name, IP address (IPv6 without brackets) or Unix-socket directory (starts with `/`); the first of `hosts`. */
  readonly host: string;
  /** Port, 1..65535; the first host's. */
  readonly port: number;
  /** Every host to try, in order, when more than one was given (absent for one host). */
  readonly hosts?: readonly HostPort[];
  /** libpq's `target_session_attrs`, when not `"any"`. */
  readonly targetSessionAttrs?: TargetSessionAttrs;
  /** The read replicas (or, on CockroachDB, the follower-read setting), when given. */
  readonly replicas?: readonly ServerConfig[];
  /** The replica lag bound in ms, when given (> 0). */
  readonly maxReplicaLagMs?: number;
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
  /** Passphrase of `sslkey`, or `undefined`. Non-enumerable, like `password`. */
  readonly sslpassword?: string | undefined;
  /** Password file path, when given (option, URL or `PGPASSFILE`); else `~/.pgpass` is used (postgres only). */
  readonly passfile?: string;
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
  /** The connection pooler in front of the server (default `"auto"`: detected at connect). */
  readonly pooler: PoolerMode;
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
const DEFAULT_SYNCHRONOUS: SqliteSynchronous = "full";
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
  hosts?: { host: string | undefined; port: number | undefined }[];
  ports?: (number | undefined)[];
  replicas?: { host: string | undefined; port: number | undefined }[];
  maxReplicaLagMs?: number;
}

type ParsedUrl =
  | { readonly family: "sqlite"; readonly filename: string; readonly readonly?: boolean; readonly synchronous?: SqliteSynchronous }
  | {
      readonly family: "server";
      readonly dialect: "postgres" | "cockroachdb";
      /** The hosts in order (one entry, possibly empty, for a single host). */
      readonly hosts: readonly { host: string | undefined; port: number | undefined }[];
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
  let readonly: boolean | undefined;
  let synchronous: SqliteSynchronous | undefined;
  const question = path.indexOf("?");
  if (question >= 0) {
    // The SQLite URL parameters: mode=ro (read-only) or mode=rwc (read-write, created if
    // missing), and synchronous=full|extra|normal.
    for (const pair of path.slice(question + 1).split("&")) {
      const [name, value] = pair.split("=", 2) as [string, string | undefined];
      if (name === "mode") {
        if (value !== "ro" && value !== "rwc") urlError(source, raw, `mode must be "ro" (read-only) or "rwc" (read-write), got "${value ?? ""}"`);
        if (readonly !== undefined) urlError(source, raw, "mode is given twice");
        readonly = value === "ro";
      } else if (name === "synchronous") {
        if (!(SQLITE_SYNCHRONOUS_LEVELS as readonly (string | undefined)[]).includes(value)) {
          urlError(source, raw, `synchronous must be one of ${SQLITE_SYNCHRONOUS_LEVELS.join(", ")}, got "${value ?? ""}"`);
        }
        if (synchronous !== undefined) urlError(source, raw, "synchronous is given twice");
        synchronous = value as SqliteSynchronous;
      } else {
        urlError(source, raw, `unknown SQLite URL parameter "${name}"; the parameters are mode=ro (read-only) or mode=rwc, and synchronous=full|extra|normal`);
      }
    }
    path = path.slice(0, question);
  }
  if (path.length === 0) urlError(source, raw, "the SQLite file name is empty");
  let filename = path;
  try {
    filename = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: take the path literally (e.g. "50%.db").
  }
  return { family: "sqlite", filename, ...(readonly === undefined ? {} : { readonly }), ...(synchronous === undefined ? {} : { synchronous }) };
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
  // Know every query password before anything can fail, so that no message shows one
  // (matched by the decoded key: "pass%77ord" is "password").
  secrets.push(...querySecrets(rest));

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

  // Hosts and ports. Never echo them: with an unencoded "/" in a password they may hold part of it.
  const hosts = hostport.split(",").map((item) => parseHostPort(item, source, raw, secrets));
  // Database: one path segment.
  let database: string | undefined;
  const encodedDatabase = path.startsWith("/") ? path.slice(1) : path;
  if (encodedDatabase.includes("/")) {
    urlError(source, raw, 'the database name must be a single path segment (percent-encode "/" as %2F)', secrets);
  }
  if (encodedDatabase.length > 0) database = decodePart(source, raw, encodedDatabase, "database name", secrets);

  const params = parseQuery(query, raw, source, secrets);
  const listed = params.hosts ?? hosts;
  if (params.ports !== undefined && params.ports.length !== 1 && params.ports.length !== listed.length) {
    urlError(source, raw, `port lists ${params.ports.length} ports for ${listed.length} hosts; give one port, or one per host`, secrets);
  }
  const withPorts = params.ports === undefined ? listed : listed.map((h, i) => ({ host: h.host, port: params.ports![params.ports!.length === 1 ? 0 : i] ?? h.port }));
  return { family: "server", dialect, hosts: withPorts, user, password, database, params };
}

/** One `host[:port]` (or `[IPv6][:port]`) of a URL's host list; either part may be empty. */
function parseHostPort(hostport: string, source: string, raw: string, secrets: readonly string[]): { host: string | undefined; port: number | undefined } {
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
  return { host, port };
}

function parseQuery(query: string, raw: string, source: string, secrets: string[]): UrlParams {
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
        params.hosts = value.split(",").map((h) => ({ host: h.length > 0 ? h : undefined, port: undefined }));
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

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name closest to `name`, compared without case, `_` and `-` (so `connect_timeout`
 * suggests `connectTimeoutMs` and `sslMode` suggests `sslmode`).
 */
function closestName(name: string, known: readonly string[]): string {
  const normalize = (text: string): string => text.toLowerCase().replace(/[_-]/g, "");
  const target = normalize(name);
  let best = known[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(target, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

const OPTION_NAME_SET: ReadonlySet<string> = new Set(OPTION_NAMES);

function validateFields(options: DatabaseOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_NAME_SET.has(key)) {
      // Only the name is shown: the value of a misspelled "password" is a secret.
      throw new ConfigError(`Unknown option ${JSON.stringify(key)}; did you mean "${closestName(key, OPTION_NAMES)}"?`);
    }
  }
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
      checkString(`hosts[${i}].host`, host, true);
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
      checkString(`replicas[${i}].host`, (entry as { host?: unknown }).host ?? "", true);
      checkInteger(`replicas[${i}].port`, (entry as { port?: unknown }).port, 1, 65535);
    });
  }
  checkInteger("maxReplicaLagMs", options.maxReplicaLagMs, 0, MAX_TIMEOUT_MS);
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
  const givenHost = options.host ?? options.hosts?.[0]?.host;
  const wantsServer = dialect === "postgres" || dialect === "cockroachdb";

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
      const compatible = dialect === undefined || (dialect === "sqlite") === (fromEnv.family === "sqlite");
      if (compatible) parsed = fromEnv;
    }
  }

  if (parsed?.family === "sqlite") {
    if (wantsServer) throw new ConfigError(`The URL is a SQLite URL, but dialect is "${dialect}"`);
    if (givenHost !== undefined) throw new ConfigError("host cannot be combined with a SQLite URL");
    return sqliteConfig(options, parsed.filename, parsed.readonly, parsed.synchronous);
  }
  if (parsed === undefined && givenHost === undefined && !wantsServer) {
    return sqliteConfig(options, DEFAULT_SQLITE_FILENAME);
  }
  if (dialect === "sqlite") {
    throw new ConfigError(parsed === undefined ? 'host cannot be used with dialect "sqlite"' : 'The URL is a server URL, but dialect is "sqlite"');
  }
  const serverDialect = dialect ?? parsed?.dialect ?? "postgres";
  if (options.readonly === true) {
    throw new ConfigError(
      `readonly is supported for SQLite only; for ${serverDialect} use a role without write privileges or default_transaction_read_only`,
    );
  }
  const replicas = replicaConfigs(options, serverDialect, parsed, env);
  return serverConfig(options, serverDialect, parsed, env, replicas);
}

/** Fields of the primary's options that replicas do not inherit (they name the primary or the topology). */
const NOT_INHERITED = new Set(["url", "host", "hosts", "port", "replicas", "maxReplicaLagMs", "targetSessionAttrs", "dialect"]);

/**
 * The replicas' configs: a URL entry is parsed like `url` (it must name the same backend) with the
 * primary's other fields applied to it; a `{ host, port }` entry (or the URL's `replicas=h:p,…`)
 * is the primary's config on another host. Replicas keep any host (`target_session_attrs`
 * `any`, unless a replica URL says otherwise); `PGTARGETSESSIONATTRS` does not apply to them.
 */
function replicaConfigs(
  options: DatabaseOptions,
  dialect: "postgres" | "cockroachdb",
  parsed: Extract<ParsedUrl, { family: "server" }> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig[] | undefined {
  const entries: readonly ReplicaOption[] | undefined = options.replicas ?? parsed?.params.replicas?.map((r) => ({ host: r.host ?? "localhost", ...(r.port === undefined ? {} : { port: r.port }) }));
  if (entries === undefined) return undefined;
  const inherited: DatabaseOptions = {};
  for (const [key, value] of Object.entries(options)) if (!NOT_INHERITED.has(key)) (inherited as Record<string, unknown>)[key] = value;
  const replicaEnv = { ...env, PGTARGETSESSIONATTRS: undefined };
  return entries.map((entry, i) => {
    if (typeof entry === "string") {
      const replica = parseUrl(entry, `replicas[${i}]`);
      if (replica.family !== "server" || replica.dialect !== dialect) {
        throw new ConfigError(`replicas[${i}] must be a ${dialect === "cockroachdb" ? "cockroachdb://" : "postgres://"} URL like the primary's`);
      }
      return serverConfig(inherited, dialect, replica, replicaEnv);
    }
    const base = parsed === undefined ? undefined : { ...parsed, params: { ...parsed.params, targetSessionAttrs: undefined, replicas: undefined, maxReplicaLagMs: undefined } };
    return serverConfig({ ...inherited, host: entry.host, ...(entry.port === undefined ? {} : { port: entry.port }) }, dialect, base, replicaEnv);
  });
}

function sqliteConfig(options: DatabaseOptions, filename: string, urlReadonly?: boolean, urlSynchronous?: SqliteSynchronous): SqliteConfig {
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
  replicas?: readonly ServerConfig[],
): ServerConfig {
  const params = parsed?.params ?? {};
  const cockroach = dialect === "cockroachdb";
  if (options.hosts !== undefined && options.host !== undefined) throw new ConfigError("Give either host or hosts, not both");
  const defaultPort = options.port ?? (cockroach ? COCKROACH_PORT : POSTGRES_PORT);
  // Fields override the URL: `host` (with `port`) replaces the URL's hosts, `hosts` too; a lone
  // `port` applies to every URL host that has none of its own.
  const hosts: HostPort[] =
    options.hosts !== undefined
      ? options.hosts.map((h) => ({ host: h.host, port: h.port ?? defaultPort }))
      : options.host !== undefined
        ? [{ host: options.host, port: defaultPort }]
        : (parsed?.hosts ?? [{ host: undefined, port: undefined }]).map((h) => ({
            host: h.host ?? "localhost",
            port: options.port ?? h.port ?? (cockroach ? COCKROACH_PORT : POSTGRES_PORT),
          }));
  const { host, port } = hosts[0]!;
  const targetSessionAttrs = options.targetSessionAttrs ?? params.targetSessionAttrs ?? (cockroach ? undefined : nonEmpty(env["PGTARGETSESSIONATTRS"])) ?? "any";
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(targetSessionAttrs)) {
    throw new ConfigError(`Invalid target_session_attrs ${JSON.stringify(targetSessionAttrs)} in PGTARGETSESSIONATTRS; valid values: ${TARGET_SESSION_ATTRS.join(", ")}`);
  }
  const maxReplicaLagMs = options.maxReplicaLagMs ?? params.maxReplicaLagMs ?? 0;
  const user = options.user ?? parsed?.user ?? (cockroach ? "root" : (nonEmpty(env["PGUSER"]) ?? "postgres"));
  const database = options.database ?? parsed?.database ?? (cockroach ? "defaultdb" : user);
  const password =
    nonEmpty(options.password) ?? params.password ?? parsed?.password ?? (cockroach ? undefined : nonEmpty(env["PGPASSWORD"]));

  // libpq's environment variables apply to the postgres dialect only (like PGUSER/PGPASSWORD).
  const fromEnv = (name: string): string | undefined => (cockroach ? undefined : nonEmpty(env[name]));
  const sslrootcert = options.sslrootcert ?? params.sslrootcert ?? fromEnv("PGSSLROOTCERT");
  const systemRoots = sslrootcert === "system";
  const envSslmode = fromEnv("PGSSLMODE");
  const sslmode = options.sslmode ?? params.sslmode ?? (params.ssl === undefined ? undefined : params.ssl ? "verify-full" : "disable") ?? envSslmode ?? (systemRoots ? "verify-full" : hosts.every((h) => isLocalHost(h.host)) ? "disable" : "prefer");
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    const where = options.sslmode === undefined && params.sslmode === undefined ? "PGSSLMODE" : "the URL";
    throw new ConfigError(`Invalid sslmode ${JSON.stringify(sslmode)} in ${where}; valid modes: ${SSL_MODES.join(", ")}`);
  }
  if (systemRoots && sslmode !== "verify-full") {
    throw new ConfigError(`sslrootcert "system" requires sslmode verify-full (got "${sslmode}"): any public CA can sign a certificate for any host name, so weaker modes would verify nothing`);
  }
  const sslcert = options.sslcert ?? params.sslcert ?? fromEnv("PGSSLCERT");
  const sslkey = options.sslkey ?? params.sslkey ?? fromEnv("PGSSLKEY");
  if ((sslcert === undefined) !== (sslkey === undefined)) {
    throw new ConfigError("sslcert and sslkey must be given together");
  }
  const sslpassword = nonEmpty(options.sslpassword) ?? params.sslpassword;
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
    sslmode: sslmode as SslMode,
    ...(sslrootcert === undefined ? {} : { sslrootcert }),
    ...(sslcert === undefined ? {} : { sslcert }),
    ...(sslkey === undefined ? {} : { sslkey }),
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
  Object.defineProperty(config, "password", { value: password, enumerable: false, writable: false, configurable: false });
  Object.defineProperty(config, "sslpassword", { value: sslpassword, enumerable: false, writable: false, configurable: false });
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
 * - SQLite: `sqlite:` + filename, e.g. `"sqlite:./tablekit.db"`, `"sqlite::memory:"`, with
 *   `?mode=ro` when opened read-only;
 * - servers: `dialect://user@host:port/database`, e.g. `"postgres://root@localhost:26257/mydb"`
 *   (user and database percent-encoded, IPv6 hosts in brackets, socket directories percent-encoded).
 *
 * @param config - A resolved config.
 * @returns The display string.
 */
export function describeConfig(config: ResolvedConfig): string {
  if (config.dialect === "sqlite") return `sqlite:${config.filename}${config.readonly ? "?mode=ro" : ""}`;
  const shown = (config.hosts ?? [{ host: config.host, port: config.port }])
    .map(({ host, port }) => `${host.startsWith("/") ? encodeURIComponent(host) : host.includes(":") ? `[${host}]` : host}:${port}`)
    .join(",");
  return `${config.dialect}://${encodeURIComponent(config.user)}@${shown}/${encodeURIComponent(config.database)}`;
}
