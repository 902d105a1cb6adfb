/**
 * The defaults of the connection options that do not depend on the backend (a server dialect's
 * port, user and database come from the backend registry), and the largest timeout accepted.
 *
 * @module
 */
import type { Int64Mode, SqliteSynchronous } from "./option-values.js";

/** The embedded default: the SQLite file used when nothing (and no `DATABASE_URL`) says otherwise. */
export const DEFAULT_SQLITE_FILENAME = "./tablekit.db";

/** Connections a server pool keeps open (capped at `maxConnections`). */
export const DEFAULT_MIN_CONNECTIONS = 2;
/** Most connections a server pool opens. */
export const DEFAULT_MAX_CONNECTIONS = 10;
/** `application_name` reported to the server. */
export const DEFAULT_APPLICATION_NAME = "tablekit";
/** How long a new server connection may take, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long a caller may wait for a pooled connection, in ms (0: as long as needed). */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 0;
/** How long an idle pooled connection is kept, in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** The longest the client waits for one answer from the server, in ms. */
export const DEFAULT_QUERY_TIMEOUT_MS = 300_000;
/** Idle time before the first TCP keepalive probe, in ms. */
export const DEFAULT_KEEPALIVE_INITIAL_DELAY_MS = 30_000;
/** The largest timeout in ms: 2^31 − 1, the most a Node timer and the server accept. */
export const MAX_TIMEOUT_MS = 2_147_483_647;
/** SQLite's `busy_timeout`, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** How 64-bit integers are returned. */
export const DEFAULT_INT64: Int64Mode = "number";
/** SQLite's `PRAGMA synchronous`: every commit synced to the disk before the call resolves. */
export const DEFAULT_SYNCHRONOUS: SqliteSynchronous = "full";
