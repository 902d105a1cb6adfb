/**
 * Errors about a connection URL: a ConfigError that shows the URL only with its secrets hidden,
 * and percent-decoding that fails with one.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.js";
import { redactSecrets, redactUrl } from "../util/redact.js";

/** The advice given when a URL's parts look unencoded. */
export const ENCODING_HINT = "percent-encode reserved characters (:/?#[]@%) in the user name, password, database name";

/**
 * Throws a ConfigError about a URL, showing it only with secrets hidden.
 *
 * @param source - What the URL was given as (`url`, `DATABASE_URL`, `replicas[0]`).
 * @param raw - The URL as given.
 * @param problem - What is wrong.
 * @param secrets - Texts (passwords) to hide wherever they appear in the message.
 */
export function urlError(source: string, raw: string, problem: string, secrets: readonly (string | undefined)[] = []): never {
  // Without "://" the user info cannot be located reliably: then show no text that has an "@".
  const shown = raw.includes("://") ? ` ${redactUrl(raw)}` : raw.includes("@") ? "" : ` ${raw}`;
  throw new ConfigError(redactSecrets(`Invalid ${source}${shown}: ${problem}`, secrets));
}

/** Percent-decodes one part of a URL (`what` names it in the error), or throws a ConfigError hiding `secrets`. */
export function decodePart(source: string, raw: string, encoded: string, what: string, secrets: readonly string[]): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return urlError(source, raw, `malformed percent-encoding in the ${what}`, secrets);
  }
}
