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

/**
 * A `key=value` pair of a query string, with the separator before it. Keys never contain
 * `/ : @ ? #`, so that a user-info password with a `?` in it is not taken for a query key.
 */
const QUERY_PAIR = /([?&])([^=&?#\s/:@]*)=([^&\s]*)/g;

function decodeKey(encodedKey: string): string | undefined {
  try {
    return decodeURIComponent(encodedKey);
  } catch {
    return undefined;
  }
}

/** Whether a query key is, once decoded, `password` or `sslpassword` (any case): a value {@link redactUrl} hides. */
function isPasswordKey(encodedKey: string): boolean {
  const key = decodeKey(encodedKey)?.toLowerCase();
  return key === "password" || key === "sslpassword";
}

/**
 * Whether a query key names a secret, judged by its **decoded** name (`pass%77ord` is
 * `password`), ignoring case. Any key containing `pass`, `pwd`, `secret` or `token` counts (so
 * `password`, `sslpassword` and misspellings such as `passwrd`); a key that cannot be decoded
 * counts too. Hiding a harmless value (`passfile`) is the price of never showing a secret one.
 *
 * @param encodedKey - The key as written in the URL.
 * @returns Whether its value must be hidden.
 */
export function isSecretQueryKey(encodedKey: string): boolean {
  const key = decodeKey(encodedKey);
  return key === undefined || /pass|pwd|secret|token/i.test(key);
}

/**
 * The values of the secret query parameters (see {@link isSecretQueryKey}) of every URL-looking
 * part of `text`, as written and decoded, e.g. `["s%40cret", "s@cret"]` for
 * `postgres://h/db?pass%77ord=s%40cret`.
 *
 * @param text - A URL or a text containing URLs.
 * @returns The secrets, for {@link redactSecrets}.
 */
export function querySecrets(text: string): string[] {
  const found: string[] = [];
  for (const [, , key, value] of text.matchAll(QUERY_PAIR)) {
    if (value === undefined || value.length === 0 || !isSecretQueryKey(key ?? "")) continue;
    found.push(value);
    try {
      found.push(decodeURIComponent(value));
    } catch {
      // undecodable: the raw form is hidden
    }
  }
  return found;
}

/**
 * Every password in the connection URLs of `texts`: the user-info password and the secret query
 * values (see {@link querySecrets}), as written and decoded.
 *
 * @param texts - Texts that may contain URLs (command lines, `DATABASE_URL`); `undefined` is skipped.
 * @returns The secrets, for {@link redactSecrets}.
 */
export function urlSecrets(texts: readonly (string | undefined)[]): string[] {
  const found: string[] = [];
  for (const text of texts) {
    if (text === undefined) continue;
    for (const [, rest] of text.matchAll(/:\/\/(\S*)/g)) {
      const at = rest!.lastIndexOf("@");
      const userinfo = at >= 0 ? rest!.slice(0, at) : "";
      const colon = userinfo.indexOf(":");
      if (colon >= 0 && colon < userinfo.length - 1) {
        const secret = userinfo.slice(colon + 1);
        found.push(secret);
        try {
          found.push(decodeURIComponent(secret));
        } catch {
          // undecodable: the raw form is hidden
        }
      }
      found.push(...querySecrets(rest!));
    }
  }
  return found;
}

/**
 * Hides the password of a connection URL: the one in the user-info part (`user:password@`) and
 * the value of every `password` and `sslpassword` query parameter, judged by the decoded name
 * and ignoring case (`password=`, `PASSWORD=`, `pass%77ord=`). (Error messages about a URL also
 * hide the values {@link querySecrets} finds, e.g. of a misspelled `passwrd=`.)
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
  const rest = token
    .slice(start)
    .replace(QUERY_PAIR, (pair: string, separator: string, key: string) => (isPasswordKey(key) ? `${separator}${key}=${REDACTED}` : pair));
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
