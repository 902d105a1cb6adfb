/**
 * The pg `Client` the pool creates: it implements libpq's `sslmode` connection attempts (a TLS
 * attempt and a plaintext attempt, in the order the mode says, the second only when the first
 * failed in the way libpq retries) and reads the password file, per connection.
 *
 * node-postgres knows only `ssl: false | true | TLS options`: one attempt. For `allow` and
 * `prefer` a connection may need a second attempt on a new socket, which pg's `Client` cannot
 * make once it has tried (it refuses to connect twice). This subclass resets the client to a
 * fresh `Connection` with the other TLS setting and connects again, so the pool's client object
 * (which the pool already tracks) is the one that ends up connected.
 *
 * When libpq makes the second attempt (and so do we):
 * - `prefer` (TLS first): the server answered the SSLRequest with "N" (no TLS) or an error, the TLS
 *   handshake failed, or the server sent an ErrorResponse before authentication succeeded (e.g. a
 *   `hostnossl`-only pg_hba.conf);
 * - `allow` (plaintext first): the server sent an ErrorResponse before authentication succeeded
 *   (e.g. a `hostssl`-only pg_hba.conf: "no encryption").
 * Never after authentication succeeded, never when the TCP connection could not be made, never
 * past the connect timeout (which bounds both attempts together).
 *
 * Nothing is remembered between connections: each new pooled connection decides anew (a server
 * may turn TLS on or off; see docs/decisions.md).
 *
 * This relies on pg 8's Client internals (`_connect`, `connection`, `_connecting`, …); the live
 * tests in test/postgres/tls-modes.test.ts exercise every path.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import pg from "pg";
import type { ConnectionAttempt, ServerConfig } from "../../config/connection-config.js";
import { ConfigError, ConnectionError } from "../../errors/errors.js";
import { mapPostgresError } from "../../errors/map-error.js";
import { connectFailureMessage } from "../../errors/connection-hints.js";

type Callback = (error: Error | null, client?: unknown) => void;

/** The parts of pg 8's Client this class resets between attempts. */
interface ClientInternals {
  connection: EventEmitter & { stream: { destroy(): void; once(event: string, listener: () => void): unknown } };
  connectionParameters: { ssl: unknown; password: unknown };
  password: unknown;
  ssl: unknown;
  saslSession: unknown;
  processID: unknown;
  secretKey: unknown;
  _connecting: boolean;
  _connected: boolean;
  _connectionError: boolean;
  _ended: boolean;
  _ending: boolean;
  _queryable: boolean;
  _connectionTimeoutMillis: number;
  _connect(callback: Callback): void;
}

/** How far one attempt got. */
interface Progress {
  tcp: boolean;
  secure: boolean;
  authenticated: boolean;
}

const noop = (): void => undefined;

/** Options for {@link connectingClientClass}. */
export interface ConnectingClientOptions {
  /** The resolved config (for the sslmode and the secrets to scrub from errors). */
  readonly config: ServerConfig;
  /** The attempts, in order (see `connectionAttempts`). */
  readonly attempts: readonly ConnectionAttempt[];
  /** The password for a new connection (called when the server asks for one), or undefined for none. */
  readonly password: () => string | undefined;
}

function hideKey(ssl: ConnectionAttempt): void {
  if (ssl !== false && ssl.key !== undefined) Object.defineProperty(ssl, "key", { enumerable: false });
}

/**
 * A pg `Client` class for `pg.Pool({ Client })` that makes libpq's connection attempts for the
 * config's sslmode, takes the password from `options.password`, and fails with a
 * {@link ConnectionError} (password scrubbed) when no attempt succeeds.
 *
 * @param options - The config, its attempts and the password source.
 * @returns A subclass of `pg.Client`.
 */
export function connectingClientClass(options: ConnectingClientOptions): typeof pg.Client {
  const { config, attempts } = options;
  const secrets = (): (string | undefined)[] => [config.password, config.sslpassword];

  return class ConnectingClient extends pg.Client {
    readonly #settings: pg.ClientConfig;

    constructor(settings: pg.ClientConfig = {}) {
      const first = attempts[0] ?? false;
      // pg reads PGSSLNEGOTIATION from the environment; libpq's default ("postgres") is what the
      // attempts implement, whatever the environment says.
      // connectTimeoutMs bounds opening the connection (all attempts); the pool's own timeout is
      // off, as it would also bound the wait for a free connection (acquireTimeoutMs's job).
      const full = { ...settings, connectionTimeoutMillis: config.connectTimeoutMs, ssl: first, sslnegotiation: "postgres", password: options.password } as pg.ClientConfig;
      super(full);
      this.#settings = full;
    }

    /** Overrides pg's internal connect: one attempt after another, as libpq makes them. */
    _connect(callback: Callback): void {
      const self = this as unknown as ClientInternals;
      const connect = (pg.Client.prototype as unknown as ClientInternals)._connect;
      const timeout = self._connectionTimeoutMillis;
      const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY;
      let index = 0;
      const attempt = (): void => {
        const progress = watch(self.connection);
        connect.call(self, (error, client) => {
          if (error === null || error === undefined) {
            callback(null, client);
            return;
          }
          const next = attempts[index + 1];
          const remaining = deadline - Date.now();
          if (next !== undefined && remaining > 0 && mayRetry(attempts[index]!, error, progress)) {
            index++;
            this.#reset(next, remaining);
            attempt();
            return;
          }
          callback(asConnectionError(error, secrets(), config));
        });
      };
      attempt();
    }

    /** A fresh Connection with the next TLS setting; the failed one is silenced and destroyed. */
    #reset(ssl: ConnectionAttempt, remainingMs: number): void {
      const self = this as unknown as ClientInternals;
      const old = self.connection;
      old.removeAllListeners();
      old.on("error", noop);
      old.stream.destroy();
      hideKey(ssl);
      const s = this.#settings as pg.ClientConfig & { keepAliveInitialDelayMillis?: number };
      self.connection = new pg.Connection({
        ...(s.stream === undefined ? {} : { stream: s.stream }),
        ssl,
        sslNegotiation: "postgres",
        keepAlive: s.keepAlive ?? false,
        keepAliveInitialDelayMillis: s.keepAliveInitialDelayMillis ?? 0,
        encoding: (self.connectionParameters as { client_encoding?: string }).client_encoding || "utf8",
      } as ConstructorParameters<typeof pg.Connection>[0]) as unknown as ClientInternals["connection"];
      self.ssl = ssl;
      self.connectionParameters.ssl = ssl;
      // pg replaces a password function by its result (or null); a null password would make pg
      // read .pgpass through its deprecated path. Restore the function.
      self.password = options.password;
      self.connectionParameters.password = options.password;
      self.saslSession = null;
      self.processID = null;
      self.secretKey = null;
      self._connecting = false;
      self._connected = false;
      self._connectionError = false;
      self._ended = false;
      self._ending = false;
      self._queryable = true;
      if (Number.isFinite(remainingMs)) self._connectionTimeoutMillis = Math.max(1, Math.ceil(remainingMs));
    }
  };
}

/** Follows an attempt: TCP connected, TLS handshake done, authentication succeeded. */
function watch(connection: ClientInternals["connection"]): Progress {
  const progress: Progress = { tcp: false, secure: false, authenticated: false };
  connection.once("connect", () => {
    progress.tcp = true;
  });
  connection.once("sslconnect", () => {
    connection.stream.once("secureConnect", () => {
      progress.secure = true;
    });
  });
  connection.once("authenticationOk", () => {
    progress.authenticated = true;
  });
  return progress;
}

/** Whether libpq would make the next attempt after `error` (see the module documentation). */
function mayRetry(tried: ConnectionAttempt, error: Error, progress: Progress): boolean {
  if (!progress.tcp || progress.authenticated) return false;
  const serverRejected = error instanceof pg.DatabaseError;
  if (tried === false) return serverRejected; // allow: plaintext rejected → TLS
  return serverRejected || !progress.secure; // prefer: TLS refused, handshake failed, or TLS rejected → plaintext
}

/**
 * The error a failed connection reports: a ConnectionError naming the host, port, database and
 * user, with what to check (connection-hints.ts), secrets scrubbed, the driver's error as cause.
 */
function asConnectionError(error: Error, secrets: readonly (string | undefined)[], config: ServerConfig): Error {
  const mapped = mapPostgresError(error, secrets);
  if (mapped instanceof ConfigError) return mapped;
  const message = connectFailureMessage(config, mapped.code ?? "", mapped.message);
  return new ConnectionError(message, { cause: error, code: mapped.code, detail: mapped.detail, hint: mapped.hint });
}
