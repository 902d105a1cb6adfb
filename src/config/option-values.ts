/**
 * The values connection options take: the option enums (dialect, sslmode, int64, pooler,
 * target_session_attrs, SQLite synchronous) with their lists of valid values, and the host shapes.
 *
 * @module
 */
import { REGISTERED_DIALECTS } from "../backends/registry.js";

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

/** Every dialect name, in display order (the backend registry's). */
export const DIALECT_NAMES: readonly DialectName[] = REGISTERED_DIALECTS;

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
 * - `"extra"`: SQLite's `EXTRA`: as `"full"`, and in rollback-journal mode the directory is
 *   synced too after each commit (tablekit's writable files are in WAL mode);
 * - `"normal"`: the WAL is synced only at checkpoints: faster writes; an acknowledged write
 *   survives a crash of the process, but a power loss may undo the last commits (the database
 *   stays consistent). An opt-in for data that can be rebuilt.
 */
export type SqliteSynchronous = "full" | "normal" | "extra";

/** Every valid {@link SqliteSynchronous}, the default first. */
export const SQLITE_SYNCHRONOUS_LEVELS: readonly SqliteSynchronous[] = Object.freeze(["full", "extra", "normal"]);

/** Every valid {@link Int64Mode}. */
export const INT64_MODES: readonly Int64Mode[] = Object.freeze(["number", "bigint", "string"]);
