/**
 * libpq's password file (`.pgpass`): `hostname:port:database:username:password` lines, `*`
 * matching anything in the first four fields, `\:` and `\\` escapes, `#` comments, first match
 * wins; the file is ignored when it is not a regular file or is group- or world-accessible.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** What a password-file line is matched against. */
export interface PgpassTarget {
  /** Host name, IP address, or Unix-socket directory. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Database name. */
  readonly database: string;
  /** User name. */
  readonly user: string;
}

/** Socket directories for which libpq matches the host name `localhost` (its compiled-in defaults). */
const DEFAULT_SOCKET_DIRS = new Set(["/tmp", "/var/run/postgresql", "/run/postgresql"]);

/** The default password file: `PGPASSFILE` is resolved into the config; this is `~/.pgpass`. */
export function defaultPassfile(): string {
  const home = process.env["HOME"];
  return join(home !== undefined && home.length > 0 ? home : homedir(), ".pgpass");
}

/** A field: its unescaped text, and whether it was an unescaped `*` (matches anything). */
interface Field {
  readonly text: string;
  readonly wildcard: boolean;
}

/** Splits a line into fields at unescaped colons, resolving `\x` escapes; the password ends at the next unescaped colon. */
function splitFields(line: string): Field[] {
  const fields: Field[] = [];
  let current = "";
  let raw = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\" && i + 1 < line.length) {
      current += line[++i];
      raw += ch + line[i];
    } else if (ch === ":" && fields.length < 4) {
      fields.push({ text: current, wildcard: raw === "*" });
      current = "";
      raw = "";
    } else if (ch === ":") {
      break;
    } else {
      current += ch;
      raw += ch;
    }
  }
  fields.push({ text: current, wildcard: false });
  return fields;
}

/** libpq's field match: an unescaped `*` matches anything; otherwise the unescaped text, literally. */
function matches(field: Field | undefined, value: string): boolean {
  return field !== undefined && (field.wildcard || field.text === value);
}

/**
 * The password for `target` from the password file at `path`, or `undefined` when the file does
 * not exist, cannot be read, is not a regular file, is group- or world-accessible (as libpq,
 * which warns and ignores it), or has no matching line.
 *
 * The host field matches the host as configured; for a Unix socket in a default socket directory
 * (`/tmp`, `/var/run/postgresql`) it matches `localhost`, as libpq does.
 *
 * @param path - The password file.
 * @param target - The connection's host, port, database and user.
 * @returns The password of the first matching line.
 */
export function passwordFromFile(path: string, target: PgpassTarget): string | undefined {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return undefined;
    if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) return undefined;
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const host = target.host.startsWith("/") && DEFAULT_SOCKET_DIRS.has(target.host.replace(/\/+$/, "")) ? "localhost" : target.host;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.length === 0 || line.startsWith("#")) continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (matches(fields[0], host) && matches(fields[1], String(target.port)) && matches(fields[2], target.database) && matches(fields[3], target.user)) {
      return fields[4]!.text;
    }
  }
  return undefined;
}
