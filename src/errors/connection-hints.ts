/**
 * Messages for connections that could not be made: where tablekit tried (host, port, database,
 * user — never the password) and what to check, as libpq does:
 *
 * ```text
 * Cannot connect to PostgreSQL at 127.0.0.1:5999 (database "app", user "postgres"): connect ECONNREFUSED 127.0.0.1:5999.
 * Is the server running and accepting TCP connections on 127.0.0.1:5999?
 * ```
 *
 * @module
 */

/** Where a connection was attempted. */
export interface ConnectTarget {
  /** `"postgres"` or `"cockroachdb"`. */
  readonly dialect: "postgres" | "cockroachdb";
  /** Host name, address, or Unix-socket directory (starts with `/`). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The TLS mode, for TLS advice. */
  readonly sslmode?: string;
}

/** Node's TLS error codes (OpenSSL's and Node's own), and the certificate checks. */
export function isTlsErrorCode(code: string): boolean {
  return (
    code.startsWith("ERR_SSL_") ||
    code.startsWith("ERR_TLS_") ||
    code.startsWith("CERT_") ||
    code === "EPROTO" ||
    code === "HOSTNAME_MISMATCH" ||
    /SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT|DECODE)|INVALID_CA|INVALID_PURPOSE|CRL_/.test(code)
  );
}

/** `host:port`, `[v6]:port`, or the socket file of a Unix-socket directory. */
export function endpoint(target: Pick<ConnectTarget, "host" | "port">): string {
  if (target.host.startsWith("/")) return `${target.host.replace(/\/$/, "")}/.s.PGSQL.${target.port}`;
  return target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** What to check after a connection failure with this code and message, or undefined when there is no useful advice. */
export function connectAdvice(target: ConnectTarget, code: string, message: string): string | undefined {
  const where = endpoint(target);
  const socket = target.host.startsWith("/");
  switch (code) {
    case "ECONNREFUSED":
    case "ENOENT": // Unix socket file missing
      return socket
        ? `Is the server running locally and accepting connections on Unix socket "${where}"?`
        : `Is the server running and accepting TCP connections on ${where}?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Is the host name "${target.host}" right? It could not be resolved${code === "EAI_AGAIN" ? " (DNS did not answer)" : ""}.`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `Is ${where} reachable from here (network, firewall, security group), and is the port right?`;
    case "ECONNRESET":
      return `The server at ${where} closed the connection during the handshake: is it a PostgreSQL server, and does its sslmode match (sslmode=${target.sslmode ?? "prefer"})?`;
    case "28P01":
      return `Check the user ("${target.user}") and its password (the URL, the password option, PGPASSWORD or ~/.pgpass).`;
    case "28000":
      return `The server's pg_hba.conf refuses this user, database or address${/SSL|encryption/i.test(message) ? ", or this TLS setting (sslmode)" : ""}: check pg_hba.conf on the server, or sslmode.`;
    case "08P01":
      // PgBouncer (1.18) reports a database the server does not have as a protocol violation
      // with the server's message, not as 3D000.
      if (!/database ".*" does not exist/.test(message)) break;
      return `Does the database "${target.database}" exist? Create it (createdb, or db.createDatabase from another database) or fix the name in the URL.`;
    case "3D000":
      return `Does the database "${target.database}" exist? Create it (createdb, or db.createDatabase from another database) or fix the name in the URL.`;
    case "53300":
      return "The server has no connection slots left: lower maxConnections, close other clients, or put a pooler (PgBouncer) in front.";
    case "57P03":
      return "The server is starting up, shutting down or in recovery: try again in a moment.";
  }
  if (isTlsErrorCode(code) || /SSL|TLS|certificate/i.test(message)) {
    if (/does not support SSL/i.test(message)) return `The server at ${where} does not accept TLS: use sslmode=disable or prefer, or turn ssl on in the server.`;
    return `TLS failed: check sslmode (${target.sslmode ?? "prefer"}), sslrootcert (the CA that signed the server's certificate), and that the host name matches the certificate (verify-full).`;
  }
  if (/timeout/i.test(message)) {
    return `Is ${where} reachable from here (network, firewall), and is the server answering? Raise connectTimeoutMs if it is just slow.`;
  }
  return undefined;
}

/**
 * The message of a failed connection: the target, the driver's message, and the advice.
 *
 * @param target - Where the connection was attempted.
 * @param code - The error's code ("" when none).
 * @param message - The driver's message (secrets already scrubbed).
 * @returns The full message.
 */
export function connectFailureMessage(target: ConnectTarget, code: string, message: string): string {
  const name = target.dialect === "cockroachdb" ? "CockroachDB" : "PostgreSQL";
  const advice = connectAdvice(target, code, message);
  const base = `Cannot connect to ${name} at ${endpoint(target)} (database "${target.database}", user "${target.user}"): ${message.replace(/\.?$/, ".")}`;
  return advice === undefined ? base : `${base}\n${advice}`;
}
