/**
 * A server config's TLS settings, with libpq's defaults and rules: `sslmode` from the field, the
 * URL (`sslmode`, or node-postgres's `ssl=true|false`), `PGSSLMODE`, else `verify-full` with
 * `sslrootcert=system`, `disable` when every host is local, else `prefer`; certificate and key
 * files from the fields, the URL or `PGSSL*`. The files themselves are read by the driver
 * (backends/postgres/tls.ts) when it connects.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import { nonEmpty } from "./environment.js";
import { isLocalHost } from "./host-names.js";
import { SSL_MODES, type HostPort, type SslMode } from "./option-values.js";
import type { UrlParams } from "./url-query.js";

/** The resolved TLS settings. */
export interface TlsSettings {
  /** TLS mode. */
  readonly sslmode: SslMode;
  /** CA file path, or `"system"`, when given. */
  readonly sslrootcert: string | undefined;
  /** Client certificate file path, when given. */
  readonly sslcert: string | undefined;
  /** Client key file path, when given. */
  readonly sslkey: string | undefined;
  /** Passphrase of the client key, when given (a secret). */
  readonly sslpassword: string | undefined;
}

/**
 * Resolves the TLS settings for `hosts`; `fromEnv` reads libpq's variables (undefined for each
 * when the dialect does not read them).
 *
 * @throws {ConfigError} For an invalid sslmode (from the URL or `PGSSLMODE`), `sslrootcert=system`
 *   with a mode weaker than `verify-full`, or only one of `sslcert` and `sslkey`.
 */
export function tlsSettings(options: DatabaseOptions, params: UrlParams, fromEnv: (name: string) => string | undefined, hosts: readonly HostPort[]): TlsSettings {
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
  return { sslmode: sslmode as SslMode, sslrootcert, sslcert, sslkey, sslpassword };
}
