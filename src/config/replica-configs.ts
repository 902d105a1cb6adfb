/**
 * The read replicas' configs: each a server config of the primary's dialect, inheriting the
 * primary's fields except those that name the primary or the topology.
 *
 * @module
 */
import { urlSchemeOf } from "../backends/registry.js";
import { ConfigError } from "../errors/errors.js";
import type { DatabaseOptions } from "./database-options.js";
import type { Environment } from "./environment.js";
import type { ReplicaOption } from "./option-values.js";
import { parseUrl } from "./parse-url.js";
import type { ServerConfig } from "./resolved-config.js";
import { serverConfig } from "./server-config.js";
import type { ParsedServerUrl } from "./server-url.js";

/** Fields of the primary's options that replicas do not inherit (they name the primary or the topology). */
const NOT_INHERITED = new Set(["url", "host", "hosts", "port", "replicas", "maxReplicaLagMs", "targetSessionAttrs", "dialect"]);

/**
 * The replicas' configs: a URL entry is parsed like `url` (it must name the same backend) with the
 * primary's other fields applied to it; a `{ host, port }` entry (or the URL's `replicas=h:p,…`)
 * is the primary's config on another host. Replicas keep any host (`target_session_attrs`
 * `any`, unless a replica URL says otherwise); `PGTARGETSESSIONATTRS` does not apply to them.
 */
export function replicaConfigs(
  options: DatabaseOptions,
  dialect: ServerConfig["dialect"],
  parsed: ParsedServerUrl | undefined,
  env: Environment,
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
        throw new ConfigError(`replicas[${i}] must be a ${urlSchemeOf(dialect)}:// URL like the primary's`);
      }
      return serverConfig(inherited, dialect, replica, replicaEnv);
    }
    const base = parsed === undefined ? undefined : { ...parsed, params: { ...parsed.params, targetSessionAttrs: undefined, replicas: undefined, maxReplicaLagMs: undefined } };
    return serverConfig({ ...inherited, host: entry.host, ...(entry.port === undefined ? {} : { port: entry.port }) }, dialect, base, replicaEnv);
  });
}
