/**
 * TLS for PostgreSQL connections, after libpq: the certificate and key files an `sslmode` uses
 * (with libpq's `~/.postgresql/` defaults and key-permission rule), the `node:tls` options they
 * become, and the attempts `allow`/`prefer` make (with and without TLS).
 *
 * @module
 */
import { type KeyObject, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import type { ServerConfig } from "../../config/connection-config.js";
import { ConfigError } from "../../errors/errors.js";

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function readTlsFile(option: "sslrootcert" | "sslcert" | "sslkey", path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const problem = code === "ENOENT" ? "file not found" : `file cannot be read${code === undefined ? "" : ` (${code})`}`;
    throw new ConfigError(`${option} ${problem}: ${path}`, { cause: error });
  }
}

/** libpq's rule for private key files: 0600 or less when owned by the current user, 0640 or less when owned by root. */
function checkKeyPermissions(path: string): void {
  if (process.platform === "win32") return;
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = statSync(path));
  } catch {
    return; // reading it reports the problem
  }
  const euid = process.geteuid?.() ?? -1;
  if ((uid === euid && (mode & 0o077) !== 0) || (uid === 0 && (mode & 0o037) !== 0)) {
    throw new ConfigError(
      `sslkey has group or world access (mode ${(mode & 0o777).toString(8)}): ${path}; it must be 0600 or less when owned by the current user, 0640 or less when owned by root (chmod 600)`,
    );
  }
}

/** The home directory libpq would use: `HOME`, else the account's home. */
function homeDirectory(): string {
  return nonEmpty(process.env["HOME"]) ?? homedir();
}

/**
 * The files a connection uses, after libpq's defaults: for the postgres dialect, without an
 * explicit value, `~/.postgresql/root.crt` when it exists, and `~/.postgresql/postgresql.crt` with
 * `postgresql.key` when both exist. CockroachDB configs use only what was given.
 */
function tlsFiles(config: ServerConfig, home: string): { root?: string; cert?: string; key?: string } {
  const files: { root?: string; cert?: string; key?: string } = {};
  const defaults = config.dialect === "postgres";
  const dir = join(home, ".postgresql");
  if (config.sslrootcert !== undefined) {
    if (config.sslrootcert !== "system") files.root = config.sslrootcert;
  } else if (defaults && existsSync(join(dir, "root.crt"))) {
    files.root = join(dir, "root.crt");
  }
  if (config.sslcert !== undefined && config.sslkey !== undefined) {
    files.cert = config.sslcert;
    files.key = config.sslkey;
  } else if (defaults && existsSync(join(dir, "postgresql.crt")) && existsSync(join(dir, "postgresql.key"))) {
    files.cert = join(dir, "postgresql.crt");
    files.key = join(dir, "postgresql.key");
  }
  return files;
}

/**
 * The Node TLS options of a connection's TLS attempt (libpq semantics), or `false` for
 * `sslmode=disable`:
 *
 * | situation                                              | options                                                   |
 * |--------------------------------------------------------|-----------------------------------------------------------|
 * | a root certificate file, `verify-full`                 | `{ ca, rejectUnauthorized: true, servername \| host }`     |
 * | a root certificate file, any other mode                | `{ ca, rejectUnauthorized: true, checkServerIdentity: () => undefined }` (chain verified, as libpq does: `require` behaves like `verify-ca`) |
 * | no root file, `verify-full` (or `sslrootcert=system`)  | `{ rejectUnauthorized: true, servername \| host }` (the system CAs) |
 * | no root file, `verify-ca`                              | `ConfigError` (as libpq: without a root certificate there is nothing to verify against) |
 * | no root file, `allow`, `prefer`, `require`             | `{ rejectUnauthorized: false }` (encrypted, not verified)  |
 *
 * The root certificate file is `sslrootcert`, else (postgres dialect) `~/.postgresql/root.crt`
 * when it exists. `sslcert`/`sslkey` (else `~/.postgresql/postgresql.crt`/`.key` when both exist)
 * add `cert`/`key` (a key encrypted with `sslpassword` is decrypted here, so no passphrase is passed on). For an IP address host, `host` is set
 * instead of `servername` (TLS forbids IP addresses as SNI names). Whether and when this TLS
 * attempt is made is {@link connectionAttempts}'s business.
 *
 * Reads the files synchronously on every call.
 *
 * @param config - A resolved server config.
 * @param home - The home directory for libpq's default files. Default: `HOME`, else the account's.
 * @param host - The host connected to (multi-host configs): the name verify-full checks. Default `config.host`.
 * @returns `false` or Node TLS connection options.
 * @throws {ConfigError} When a file is missing or unreadable, the key is group/world-accessible
 *   or cannot be decrypted with `sslpassword`, or `verify-ca` has no root certificate. Messages
 *   name the option and the path, never a file's contents or the passphrase.
 */
export function tlsOptions(config: ServerConfig, home: string = homeDirectory(), host: string = config.host): false | ConnectionOptions {
  if (config.sslmode === "disable") return false;
  const files = tlsFiles(config, home);
  const options: ConnectionOptions = {};
  if (files.root !== undefined) {
    options.ca = readTlsFile("sslrootcert", files.root);
    options.rejectUnauthorized = true;
    if (config.sslmode !== "verify-full") options.checkServerIdentity = () => undefined;
  } else if (config.sslmode === "verify-full") {
    options.rejectUnauthorized = true;
  } else if (config.sslmode === "verify-ca") {
    throw new ConfigError(
      'sslmode verify-ca needs a root certificate to verify against: give sslrootcert (a PEM file of the CA) or create ~/.postgresql/root.crt; for a server whose certificate a public CA signed, use sslmode verify-full with sslrootcert "system"',
    );
  } else {
    options.rejectUnauthorized = false;
  }
  if (config.sslmode === "verify-full") {
    if (isIP(host) === 0) options.servername = host;
    else options.host = host;
  }
  if (files.cert !== undefined && files.key !== undefined) {
    options.cert = readTlsFile("sslcert", files.cert);
    checkKeyPermissions(files.key);
    const key = readTlsFile("sslkey", files.key);
    const passphrase = config.sslpassword;
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(passphrase === undefined ? { key } : { key, passphrase });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const encrypted = code === "ERR_MISSING_PASSPHRASE" || /ENCRYPTED/.test(key.toString("latin1"));
      const problem =
        passphrase === undefined && encrypted
          ? "is encrypted: give its passphrase as sslpassword"
          : passphrase === undefined
            ? "is not a readable PEM private key"
            : "cannot be decrypted with sslpassword (wrong passphrase?) or is not a PEM private key";
      throw new ConfigError(`sslkey ${problem}: ${files.key}`);
    }
    // An encrypted key is handed to TLS decrypted, so the passphrase never travels further
    // (pg copies these options around; it hides `key`, not `passphrase`).
    options.key = passphrase === undefined ? key : Buffer.from(privateKey.export({ type: "pkcs8", format: "pem" }));
  }
  return options;
}

/** The TLS setting of one connection attempt: `false` for plaintext, else Node TLS options. */
export type ConnectionAttempt = false | ConnectionOptions;

/**
 * The connection attempts libpq makes for `config.sslmode`, in order; the next one is tried only
 * when the previous one failed in a way that allows it (see the PostgreSQL driver):
 * - `disable`: plaintext;
 * - `allow`: plaintext, then TLS when the server rejected the plaintext attempt;
 * - `prefer`: TLS, then plaintext when the server refused TLS (or rejected the TLS attempt);
 * - `require`, `verify-ca`, `verify-full`: TLS only.
 *
 * Unix-socket hosts never use TLS in `allow` and `prefer` (as libpq).
 *
 * @param config - A resolved server config.
 * @param home - The home directory for libpq's default files (see {@link tlsOptions}).
 * @param host - The host connected to (multi-host configs): its name is the one verify-full checks. Default `config.host`.
 * @returns One or two attempts.
 * @throws {ConfigError} As {@link tlsOptions}.
 */
export function connectionAttempts(config: ServerConfig, home: string = homeDirectory(), host: string = config.host): readonly ConnectionAttempt[] {
  const socket = host.startsWith("/");
  switch (config.sslmode) {
    case "disable":
      return [false];
    case "allow":
      return socket ? [false] : [false, tlsOptions(config, home, host)];
    case "prefer":
      return socket ? [false] : [tlsOptions(config, home, host), false];
    default:
      return [tlsOptions(config, home, host)];
  }
}
