/**
 * The host list of a server config: the `host` or `hosts` fields, else the URL's hosts, each with
 * its port (its own, else the `port` field, else the dialect's default from the backend registry).
 *
 * @module
 */
import { serverDefaultsOf } from "../backends/registry.js";
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import type { DialectName, HostPort } from "./option-values.js";
import type { ParsedServerUrl } from "./server-url.js";

/**
 * The hosts to try, in order (at least one). Fields override the URL: `host` (with `port`)
 * replaces the URL's hosts, `hosts` too; a lone `port` applies to every URL host.
 *
 * @throws {ConfigError} When both `host` and `hosts` are given.
 */
export function serverHosts(options: DatabaseOptions, dialect: DialectName, parsed: ParsedServerUrl | undefined): HostPort[] {
  if (options.hosts !== undefined && options.host !== undefined) throw new ConfigError("Give either host or hosts, not both");
  const dialectPort = serverDefaultsOf(dialect).port;
  const defaultPort = options.port ?? dialectPort;
  if (options.hosts !== undefined) return options.hosts.map((h) => ({ host: h.host, port: h.port ?? defaultPort }));
  if (options.host !== undefined) return [{ host: options.host, port: defaultPort }];
  return (parsed?.hosts ?? [{ host: undefined, port: undefined }]).map((h) => ({
    host: h.host ?? "localhost",
    port: options.port ?? h.port ?? dialectPort,
  }));
}
