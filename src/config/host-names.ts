/**
 * What a server host may be: a host name, an IP address (IPv6 without brackets) or a Unix-socket
 * directory (a path starting with `/`); and which hosts are local (where TLS is pointless).
 *
 * @module
 */
import { isIP } from "node:net";

/** The problem reported for a host that {@link isValidHost} refuses (never with the host itself: it may hold a password). */
export const INVALID_HOST = 'is not a valid host name, IP address or Unix-socket directory (a path starting with "/")';

/** One label of a host name: letters, digits, `_` and inner `-`, at most 63 characters. */
const LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?$/u;

/**
 * Whether `host` is a host name (dot-separated labels, an optional final dot, at most 253
 * characters), an IP address (IPv6 without brackets, a zone allowed) or a Unix-socket directory.
 * Refuses what a mistyped option gives: `"u:pw@h"`, `"h:5432"`, `"[::1]"`, spaces, URLs.
 */
export function isValidHost(host: string): boolean {
  if (host.startsWith("/")) return !host.includes("\0");
  if (isIP(host) !== 0) return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name.length > 0 && name.length <= 253 && name.split(".").every((label) => LABEL.test(label));
}

/** Whether `host` is a loopback address or a Unix-socket directory (where TLS is pointless). */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith("/")) return true;
  if (h === "localhost" || h === "localhost." || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (isIP(h) === 4 && h.startsWith("127.")) return true;
  return false;
}
