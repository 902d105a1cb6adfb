/**
 * Server URLs, libpq's form: user info, a host list, one database, and query parameters.
 *
 * @module
 */
import type { ServerConfig } from "./resolved-config.js";
import { querySecrets } from "../util/redact.js";
import { ENCODING_HINT, decodePart, urlError } from "./url-errors.js";
import { parseHostPort, type UrlHostPort } from "./url-host-port.js";
import { parseQuery, type UrlParams } from "./url-query.js";

/** What a server URL says. */
export interface ParsedServerUrl {
  /** A server backend's URL. */
  readonly family: "server";
  /** The dialect its scheme selects. */
  readonly dialect: ServerConfig["dialect"];
  /** The hosts in order (one entry, possibly empty, for a single host). */
  readonly hosts: readonly UrlHostPort[];
  /** The user name, decoded, when given. */
  readonly user: string | undefined;
  /** The password, decoded, when given. */
  readonly password: string | undefined;
  /** The database name, decoded, when given. */
  readonly database: string | undefined;
  /** The query parameters. */
  readonly params: UrlParams;
}

/**
 * Parses a server URL (`scheme://user:password@host:port,host2/database?parameters`, libpq's form)
 * of `dialect` after its `scheme:` (`schemeLength` characters). No message shows a password.
 */
export function parseServerUrl(raw: string, schemeLength: number, dialect: ServerConfig["dialect"], source: string): ParsedServerUrl {
  if (!raw.startsWith("//", schemeLength)) {
    urlError(source, raw, `expected ${raw.slice(0, schemeLength)}//user:password@host:port/database`);
  }
  const rest = raw.slice(schemeLength + 2);
  const secrets: string[] = [];
  // Know every query password before anything can fail, so that no message shows one
  // (matched by the decoded key: "pass%77ord" is "password").
  secrets.push(...querySecrets(rest));

  // User info ends at the last "@" before the first "/" (libpq style; "@" in passwords tolerated).
  const firstSlash = rest.indexOf("/");
  const region = firstSlash === -1 ? rest : rest.slice(0, firstSlash);
  const at = region.lastIndexOf("@");
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = region.slice(0, at);
    const colon = userinfo.indexOf(":");
    const encodedUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const encodedPassword = colon === -1 ? undefined : userinfo.slice(colon + 1);
    if (encodedPassword !== undefined && encodedPassword.length > 0) {
      secrets.push(encodedPassword);
      password = decodePart(source, raw, encodedPassword, "password", secrets);
      secrets.push(password);
    }
    const decodedUser = decodePart(source, raw, encodedUser, "user name", secrets);
    if (decodedUser.length > 0) user = decodedUser;
  }

  const afterUser = rest.slice(at + 1);
  // An "@" past the host means an unencoded "/" in the password (or an unencoded "@" elsewhere):
  // refuse, rather than risk showing pieces of the password as a host, database or parameter.
  if (afterUser.includes("@")) urlError(source, raw, `unexpected "@" after the host; ${ENCODING_HINT} and query values`, secrets);
  const hostEnd = afterUser.search(/[/?#]/);
  const hostport = hostEnd === -1 ? afterUser : afterUser.slice(0, hostEnd);
  let tail = hostEnd === -1 ? "" : afterUser.slice(hostEnd);
  const hash = tail.indexOf("#");
  if (hash >= 0) tail = tail.slice(0, hash);
  const question = tail.indexOf("?");
  const path = question === -1 ? tail : tail.slice(0, question);
  const query = question === -1 ? "" : tail.slice(question + 1);

  // Hosts and ports. Never echo them: with an unencoded "/" in a password they may hold part of it.
  const hosts = hostport.split(",").map((item) => parseHostPort(item, source, raw, secrets));
  // Database: one path segment.
  let database: string | undefined;
  const encodedDatabase = path.startsWith("/") ? path.slice(1) : path;
  if (encodedDatabase.includes("/")) {
    urlError(source, raw, 'the database name must be a single path segment (percent-encode "/" as %2F)', secrets);
  }
  if (encodedDatabase.length > 0) database = decodePart(source, raw, encodedDatabase, "database name", secrets);

  const params = parseQuery(query, raw, source, secrets);
  const listed = params.hosts ?? hosts;
  if (params.ports !== undefined && params.ports.length !== 1 && params.ports.length !== listed.length) {
    urlError(source, raw, `port lists ${params.ports.length} ports for ${listed.length} hosts; give one port, or one per host`, secrets);
  }
  const withPorts = params.ports === undefined ? listed : listed.map((h, i) => ({ host: h.host, port: params.ports![params.ports!.length === 1 ? 0 : i] ?? h.port }));
  return { family: "server", dialect, hosts: withPorts, user, password, database, params };
}
