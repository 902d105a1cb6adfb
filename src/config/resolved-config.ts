/**
 * What `resolveConfig` returns: a frozen SQLite or server configuration.
 *
 * @module
 */
import type { HostPort, Int64Mode, PoolerMode, SqliteSynchronous, SslMode, TargetSessionAttrs } from "./option-values.js";

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
