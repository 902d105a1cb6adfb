/**
 * libpq's multi-host rules (`target_session_attrs`): which hosts to try, in which passes, and
 * whether a freshly opened session is the kind the caller asked for. Used by the connecting
 * client (connecting-client.ts) for every new pooled connection, so a pool whose primary died and
 * whose standby was promoted finds the new primary by itself.
 *
 * The checks are libpq's (fe-connect.c): `read-write` and `read-only` ask
 * `SHOW transaction_read_only`; `primary` and `standby` ask `SELECT pg_is_in_recovery()`;
 * `prefer-standby` makes a first pass over the hosts for a standby and, when none is found, a
 * second pass that takes any host. Hosts are tried in the order given; a host that fails (cannot
 * be reached, refuses, or is the wrong kind) is skipped.
 *
 * @module
 */
import type pg from "pg";
import type { HostPort, ServerConfig, TargetSessionAttrs } from "../../config/connection-config.js";

/** What one pass over the hosts accepts. */
export type SessionCheck = "any" | "read-write" | "read-only" | "primary" | "standby";

/** The passes libpq makes over the host list for `attrs`. */
export function passesFor(attrs: TargetSessionAttrs): readonly SessionCheck[] {
  return attrs === "prefer-standby" ? ["standby", "any"] : [attrs];
}

/** The hosts of a config, in order (one entry for a one-host config). */
export function hostsOf(config: ServerConfig): readonly HostPort[] {
  return config.hosts ?? [{ host: config.host, port: config.port }];
}

/** `host:port` as shown in messages (IPv6 in brackets, socket directories as given). */
export function hostLabel(target: HostPort): string {
  return `${target.host.includes(":") && !target.host.startsWith("/") ? `[${target.host}]` : target.host}:${target.port}`;
}

function truthy(value: unknown): boolean {
  return value === true || value === "t" || value === "true" || value === "on";
}

/**
 * Whether the session on `client` (connected, idle) passes `check`; when it does not, the reason
 * (for the error that lists every host). Rejects when the query fails (the connection broke).
 */
export async function checkSession(client: pg.ClientBase, check: SessionCheck): Promise<string | undefined> {
  switch (check) {
    case "any":
      return undefined;
    case "read-write":
    case "read-only": {
      const result = await client.query({ text: "SHOW transaction_read_only", rowMode: "array" });
      const readOnly = truthy(result.rows[0]?.[0]);
      if (check === "read-write") return readOnly ? "the session is read-only (transaction_read_only = on)" : undefined;
      return readOnly ? undefined : "the session is read-write (transaction_read_only = off)";
    }
    case "primary":
    case "standby": {
      const result = await client.query({ text: "SELECT pg_is_in_recovery()", rowMode: "array" });
      const standby = truthy(result.rows[0]?.[0]);
      if (check === "primary") return standby ? "the server is a standby (in recovery)" : undefined;
      return standby ? undefined : "the server is not a standby (not in recovery)";
    }
  }
}

/** The wording of a check in the error when no host passed it. */
export function describeCheck(attrs: TargetSessionAttrs): string {
  switch (attrs) {
    case "any":
      return "any server";
    case "read-write":
      return "a read-write server";
    case "read-only":
      return "a read-only server";
    case "primary":
      return "a primary server";
    case "standby":
      return "a standby server";
    case "prefer-standby":
      return "a server (standby preferred)";
  }
}
