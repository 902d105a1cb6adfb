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
 * Several hosts (libpq's multi-host connection strings): the hosts are tried in order, each with
 * its own sslmode attempts and its own connectTimeoutMs (as libpq's connect_timeout, per host);
 * with a `target_session_attrs` other than `any`, a connected session is checked
 * (host-selection.ts) and closed when it is the wrong kind, and the next host is tried. The pool's
 * client object is the one that ends up connected, whichever host that is.
 *
 * This relies on pg 8's Client internals (`_connect`, `connection`, `_connecting`, …); the live
 * tests in test/postgres/tls-modes.test.ts exercise every path.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import pg from "pg";
import type { HostPort, ServerConfig } from "../../config/connection-config.js";
import type { ConnectionAttempt } from "./tls.js";
import { ConfigError, ConnectionError } from "../../errors/errors.js";
import { mapPostgresError } from "./postgres-errors.js";
import { connectFailureMessage } from "./connection-hints.js";
import { checkSession, describeCheck, hostLabel, hostsOf, passesFor } from "./host-selection.js";

type Callback = (error: Error | null, client?: unknown) => void;

/** The parts of pg 8's Client this class resets between attempts. */
interface ClientInternals {
  connection: EventEmitter & { stream: { destroy(): void; once(event: string, listener: () => void): unknown } };
  connectionParameters: { ssl: unknown; password: unknown; host: string; port: number };
  host: string;
  port: number;
  readyForQuery: boolean;
  hasExecuted: boolean;
  _txStatus: unknown;
  _queryQueue: unknown[];
  _sentQueryQueue: unknown[];
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
  /** The attempts for a host, in order (see `connectionAttempts`). */
  readonly attempts: (host: string) => readonly ConnectionAttempt[];
  /** The password for a new connection to `target` (called when the server asks for one), or undefined for none. */
  readonly password: (target: HostPort) => string | undefined;
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
  const { config } = options;
  const secrets = (): (string | undefined)[] => [config.password, config.sslpassword];
  const hosts = hostsOf(config);
  const attrs = config.targetSessionAttrs ?? "any";
  const passes = passesFor(attrs);
  // pg calls the password function with its connection parameters, whose host and port are
  // those of the host being connected to (set for each host below).
  const password = (parameters?: { host?: string; port?: number }): string | undefined =>
    options.password({ host: parameters?.host ?? config.host, port: Number(parameters?.port ?? config.port) });

  return class ConnectingClient extends pg.Client {
    readonly #settings: pg.ClientConfig;

    constructor(settings: pg.ClientConfig = {}) {
      const first = options.attempts(hosts[0]!.host)[0] ?? false;
      // pg reads PGSSLNEGOTIATION from the environment; libpq's default ("postgres") is what the
      // attempts implement, whatever the environment says.
      // connectTimeoutMs bounds opening the connection (all attempts); the pool's own timeout is
      // off, as it would also bound the wait for a free connection (acquireTimeoutMs's job).
      const full = { ...settings, connectionTimeoutMillis: config.connectTimeoutMs, ssl: first, sslnegotiation: "postgres", password, host: hosts[0]!.host, port: hosts[0]!.port } as pg.ClientConfig;
      super(full);
      this.#settings = full;
    }

    /**
     * Overrides pg's internal connect: the hosts in order (in one or two passes, see
     * host-selection.ts), and for each host the attempts libpq makes for its sslmode.
     */
    _connect(callback: Callback): void {
      const failures: string[] = [];
      /** The SQLSTATE of each host's failure (undefined for a wrong kind of session or a socket error). */
      const codes: (string | undefined)[] = [];
      let lastError: Error | undefined;
      let pass = 0;
      let hostIndex = 0;
      const next = (): void => {
        hostIndex++;
        if (hostIndex >= hosts.length) {
          hostIndex = 0;
          pass++;
        }
        if (pass >= passes.length) {
          // The same SQLSTATE everywhere (a wrong password on every host) is kept as the error's code.
          const code = codes.length > 0 && codes.every((c) => c !== undefined && c === codes[0]) ? codes[0] : undefined;
          callback(noServerError(describeCheck(attrs), failures, lastError, secrets(), code));
          return;
        }
        const target = hosts[hostIndex]!;
        this.#reset(options.attempts(target.host)[0] ?? false, config.connectTimeoutMs, target);
        tryHost();
      };
      const tryHost = (): void => {
        const target = hosts[hostIndex]!;
        const check = passes[pass]!;
        this.#connectHost(options.attempts(target.host), target, (error) => {
          if (error !== undefined) {
            // One host that cannot be reached, with nothing to check: its own error, as before.
            if (hosts.length === 1 && attrs === "any") {
              callback(error);
              return;
            }
            lastError = error;
            // The driver's own words per host; the one-host message (where, what to check) would repeat itself.
            failures.push(`${hostLabel(target)}: ${error.cause instanceof Error ? error.cause.message : error.message}`);
            codes.push((error as { code?: string }).code);
            next();
            return;
          }
          if (check === "any") {
            callback(null, this);
            return;
          }
          this.#check(check).then(
            (mismatch) => {
              if (mismatch === undefined) {
                callback(null, this);
                return;
              }
              failures.push(`${hostLabel(target)}: ${mismatch}`);
              codes.push(undefined);
              next();
            },
            (checkError: unknown) => {
              lastError = checkError instanceof Error ? checkError : new Error(String(checkError));
              failures.push(`${hostLabel(target)}: ${lastError.message}`);
              codes.push(undefined);
              next();
            },
          );
        });
      };
      tryHost();
    }

    /**
     * Runs the session check on the connected client, bounded by connectTimeoutMs (past it the
     * socket is destroyed and the check fails). An "error" the client emits meanwhile (the
     * connection broke) is not left without a listener: pg's pool listens only from its callback on.
     */
    async #check(check: Parameters<typeof checkSession>[1]): Promise<string | undefined> {
      const self = this as unknown as ClientInternals;
      this.on("error", noop);
      const timeout = config.connectTimeoutMs;
      const timer = timeout > 0 ? setTimeout(() => self.connection.stream.destroy(), timeout) : undefined;
      try {
        return await checkSession(this, check);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        this.off("error", noop);
      }
    }

    /** Opens a connection to the current host: its sslmode attempts, one after another. */
    #connectHost(attempts: readonly ConnectionAttempt[], target: HostPort, done: (error?: Error) => void): void {
      const self = this as unknown as ClientInternals;
      const connect = (pg.Client.prototype as unknown as ClientInternals)._connect;
      const timeout = self._connectionTimeoutMillis;
      const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY;
      let index = 0;
      const attempt = (): void => {
        const progress = watch(self.connection);
        connect.call(self, (error) => {
          if (error === null || error === undefined) {
            done();
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
          done(asConnectionError(error, secrets(), { ...config, host: target.host, port: target.port }));
        });
      };
      attempt();
    }

    /**
     * A fresh Connection with the next TLS setting (and, when `target` is given, to another host);
     * the previous one (failed, or connected to a host of the wrong kind) is silenced and destroyed.
     */
    #reset(ssl: ConnectionAttempt, remainingMs: number, target?: HostPort): void {
      const self = this as unknown as ClientInternals;
      const old = self.connection;
      old.removeAllListeners();
      old.on("error", noop);
      old.stream.destroy();
      if (target !== undefined) {
        self.host = target.host;
        self.port = target.port;
        self.connectionParameters.host = target.host;
        self.connectionParameters.port = target.port;
      }
      // State a completed connection (and its session check) leaves behind.
      self.readyForQuery = false;
      self.hasExecuted = false;
      self._txStatus = null;
      self._queryQueue = [];
      self._sentQueryQueue = [];
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
      self.password = password;
      self.connectionParameters.password = password;
      self.saslSession = null;
      self.processID = null;
      self.secretKey = null;
      self._connecting = false;
      self._connected = false;
      self._connectionError = false;
      self._ended = false;
      self._ending = false;
      self._queryable = true;
      self._connectionTimeoutMillis = Number.isFinite(remainingMs) && remainingMs > 0 ? Math.max(1, Math.ceil(remainingMs)) : 0;
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

/**
 * The error when no host gave a session of the wanted kind: each host and what happened there
 * (secrets scrubbed), the last connection error as cause.
 */
function noServerError(wanted: string, failures: readonly string[], cause: Error | undefined, secrets: readonly (string | undefined)[], code: string | undefined): Error {
  let message = `Could not connect to ${wanted} on any of the ${failures.length === 1 ? "host" : "hosts"}: ${failures.join("; ")}`;
  for (const secret of secrets) if (secret !== undefined && secret.length > 0) message = message.split(secret).join("***");
  return new ConnectionError(message, { ...(cause === undefined ? {} : { cause }), ...(code === undefined ? {} : { code }) });
}
