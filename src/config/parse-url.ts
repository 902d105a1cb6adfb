/**
 * Parses a connection URL: the scheme picks the backend (asked of the backend registry, which owns
 * the list of schemes), then the file or server form is parsed. A string without a scheme is a
 * file backend's bare path (`app.db`, `:memory:`) when the registry says so.
 *
 * @module
 */
import { BARE_PATH_DESCRIPTIONS, URL_EXAMPLES, URL_SCHEMES, barePathDialect, schemeMeaning } from "../backends/registry.js";
import { ConfigError } from "../errors/errors.js";
import { type ParsedFileUrl, parseFileUrl } from "./file-url.js";
import type { ServerConfig } from "./resolved-config.js";
import { type ParsedServerUrl, parseServerUrl } from "./server-url.js";
import { urlError } from "./url-errors.js";

/** What a connection URL says: a file URL or a server URL. */
export type ParsedUrl = ParsedFileUrl | ParsedServerUrl;

/** `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)!}`;
}

/**
 * Parses `rawInput` (trimmed), given as `source` (named in errors: `url`, `DATABASE_URL`,
 * `replicas[0]`).
 *
 * @throws {ConfigError} For an empty string, an unknown scheme, or a malformed URL; the message
 *   never shows a password.
 */
export function parseUrl(rawInput: string, source: string): ParsedUrl {
  const raw = rawInput.trim();
  if (raw.length === 0) throw new ConfigError(`Invalid ${source}: it is empty`);
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  const meaning = scheme === undefined ? undefined : schemeMeaning(scheme);
  if (scheme !== undefined && meaning !== undefined) {
    return meaning.form === "file"
      ? parseFileUrl(raw, scheme.length + 1, meaning.dialect, source)
      : parseServerUrl(raw, scheme.length + 1, meaning.dialect as ServerConfig["dialect"], source);
  }
  // A bare file path; a one-letter "scheme" is a Windows drive letter.
  const bare = scheme === undefined || scheme.length === 1 ? barePathDialect(raw) : undefined;
  if (bare !== undefined) return { family: "file", dialect: bare, filename: raw };
  if (scheme !== undefined && scheme.length > 1) {
    urlError(source, raw, `unsupported scheme "${scheme}:"; expected ${orList(URL_SCHEMES.map((s) => `${s}:`))}`);
  }
  return urlError(source, raw, `not a database URL; expected ${[...URL_EXAMPLES, ...BARE_PATH_DESCRIPTIONS.map((d, i) => (i === 0 ? `or ${d}` : d))].join(", ")}`);
}
