/**
 * One `host[:port]` item of a server URL's host list (or of its `replicas` parameter).
 *
 * @module
 */
import { INVALID_HOST, isValidHost } from "./host-names.js";
import { decodePart, urlError } from "./url-errors.js";

/** A host and port as a URL gives them; either may be absent. */
export interface UrlHostPort {
  /** Host name, IP address or socket directory, decoded; absent when the URL leaves it empty. */
  host: string | undefined;
  /** Port, 1..65535, when given. */
  port: number | undefined;
}

/** One `host[:port]` (or `[IPv6][:port]`) of a URL's host list; either part may be empty. */
export function parseHostPort(hostport: string, source: string, raw: string, secrets: readonly string[]): UrlHostPort {
  let encodedHost: string;
  let portText: string | undefined;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close === -1) urlError(source, raw, "unterminated [IPv6 address]", secrets);
    encodedHost = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(":")) urlError(source, raw, "unexpected text after the [IPv6 address]", secrets);
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(":");
    encodedHost = colon === -1 ? hostport : hostport.slice(0, colon);
    portText = colon === -1 ? undefined : hostport.slice(colon + 1);
    if (portText?.includes(":")) urlError(source, raw, "IPv6 addresses must be written in brackets, e.g. [::1]", secrets);
  }
  const decodedHost = decodePart(source, raw, encodedHost, "host", secrets);
  const host = decodedHost.length > 0 ? decodedHost : undefined;
  // Never echo it: with an unencoded "/" in a password, it may hold part of the password.
  if (host !== undefined && !isValidHost(host)) urlError(source, raw, `a host ${INVALID_HOST}`, secrets);
  let port: number | undefined;
  if (portText !== undefined && portText.length > 0) {
    port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      urlError(source, raw, "the port must be an integer from 1 to 65535", secrets);
    }
  }
  return { host, port };
}
