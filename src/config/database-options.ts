/**
 * What `new Database(options)` accepts ({@link DatabaseOptions}), and the list of its field names
 * that the unknown-option check uses.
 *
 * @module
 */
import type { DialectName, HostOption, Int64Mode, PoolerMode, ReplicaOption, SqliteSynchronous, SslMode, TargetSessionAttrs } from "./option-values.js";

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
 * What `new Database(options)` accepts. Every field is optional; see `resolveConfig` for how
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
   * see `hosts` and `targetSessionAttrs`. See `URL_QUERY_PARAMETERS` for the accepted query parameters.
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
