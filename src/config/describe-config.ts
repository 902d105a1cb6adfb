/**
 * The display form of a config, for logs and `String(db)`: never a password.
 *
 * @module
 */
import { urlSchemeOf } from "../backends/registry.js";
import type { ResolvedConfig } from "./resolved-config.js";
import { DEFAULT_SYNCHRONOUS } from "./defaults.js";


/**
 * A display form of a config, safe for logs: never contains a password.
 *
 * - SQLite: `sqlite:` + filename, e.g. `"sqlite:./tablekit.db"`, `"sqlite::memory:"`, with
 *   `?mode=ro` when opened read-only and `synchronous=normal` (or `extra`) when not the default `full`;
 * - servers: `dialect://user@host:port/database`, e.g. `"postgres://root@localhost:26257/mydb"`
 *   (user and database percent-encoded, IPv6 hosts in brackets, socket directories percent-encoded).
 *
 * @param config - A resolved config.
 * @returns The display string.
 */
export function describeConfig(config: ResolvedConfig): string {
  if ("filename" in config) {
    // Shown in the URL's own parameters: read-only, and a durability level other than the default.
    const query = [config.readonly ? "mode=ro" : "", config.synchronous !== DEFAULT_SYNCHRONOUS ? `synchronous=${config.synchronous}` : ""].filter((p) => p !== "");
    return `${urlSchemeOf(config.dialect)}:${config.filename}${query.length > 0 ? `?${query.join("&")}` : ""}`;
  }
  const shown = (config.hosts ?? [{ host: config.host, port: config.port }])
    .map(({ host, port }) => `${host.startsWith("/") ? encodeURIComponent(host) : host.includes(":") ? `[${host}]` : host}:${port}`)
    .join(",");
  return `${config.dialect}://${encodeURIComponent(config.user)}@${shown}/${encodeURIComponent(config.database)}`;
}
