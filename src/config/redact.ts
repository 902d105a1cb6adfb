/**
 * Helpers that keep secrets (passwords) out of error messages, stack traces and logs.
 *
 * Both functions err on the side of hiding too much: when a text is ambiguous, more of it is
 * replaced by `***`, never less.
 *
 * @module
 */

/** What every hidden secret is replaced with. */
export const REDACTED = "***";

/**
 * Replaces every occurrence of each non-empty secret in `text` with `***`.
 *
 * Besides the secret itself, its percent-encoded form (`encodeURIComponent`) is replaced too, as
 * passwords often appear inside connection URLs. `undefined` and empty secrets are ignored. Longer
 * secrets are replaced first, so a secret that contains another one is hidden whole.
 *
 * Matching is literal and case-sensitive; a very short secret (one character, say) hides every
 * occurrence of that text, which is the price of never showing it.
 *
 * @param text - Any text: an error message, a stack trace, a log line.
 * @param secrets - The values to hide, typically `[config.password]`.
 * @returns `text` with every secret replaced by `***`.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form === REDACTED) continue;
    result = result.split(form).join(REDACTED);
  }
  return result;
}

/** A URL-looking token: a scheme, `://`, then everything up to the next whitespace. */
const URL_TOKEN = /[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*/g;

/** Query parameters whose values are secrets. */
const SECRET_QUERY_PARAM = /([?&](?:password|sslpassword)=)[^&\s]*/gi;

/**
 * Hides the password of a connection URL: the one in the user-info part (`user:password@`) and
 * the value of a `password=` (or `sslpassword=`) query parameter.
 *
 * ```ts
 * redactUrl("postgres://u:pw@h/db?password=x&sslmode=require");
 * // → "postgres://u:***@h/db?password=***&sslmode=require"
 * ```
 *
 * Every URL-looking token (`scheme://…` up to whitespace) in the argument is scrubbed, so a
 * message that merely contains a URL can be passed too. The function never throws and does not
 * need a well-formed URL: the password is taken to run from `://user:` to the **last** `@` of
 * the token, which also covers passwords with unencoded `/`, `?`, `#` or `@`. When a query
 * value itself contains `@`, this hides more than the password (never less). Text without
 * `://` is returned unchanged.
 *
 * @param url - A connection URL, or a text containing connection URLs.
 * @returns The same text with passwords replaced by `***`.
 */
export function redactUrl(url: string): string {
  return url.replace(URL_TOKEN, redactUrlToken);
}

function redactUrlToken(token: string): string {
  const start = token.indexOf("://") + 3;
  // Query passwords first: an "@" inside one must not be taken for the end of the user info.
  const rest = token.slice(start).replace(SECRET_QUERY_PARAM, `$1${REDACTED}`);
  const at = rest.lastIndexOf("@");
  let head = "";
  let tail = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(":");
    head = colon >= 0 && colon < userinfo.length - 1 ? `${userinfo.slice(0, colon + 1)}${REDACTED}@` : `${userinfo}@`;
    tail = rest.slice(at + 1);
  }
  return token.slice(0, start) + head + tail;
}
