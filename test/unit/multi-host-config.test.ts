/** Multi-host URLs and fields, target_session_attrs and replicas: how they resolve (issue #18, parts 2 and 3). */
import { describe, expect, it } from "vitest";
import { type ServerConfig, describeConfig, resolveConfig } from "../../src/config/connection-config.js";
import { ConfigError } from "../../src/errors/errors.js";

const NO_ENV = Object.freeze({});

function server(input: Parameters<typeof resolveConfig>[0], env: Record<string, string | undefined> = NO_ENV): ServerConfig {
  const config = resolveConfig(input, env);
  if (config.dialect === "sqlite") throw new Error("expected a server config");
  return config;
}

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("multi-host URLs and fields", () => {
  it("reads a host list with a port each, and target_session_attrs", () => {
    const config = server("postgres://u:pw@h1:5432,h2:5433,[::1]/app?target_session_attrs=read-write");
    expect(config).toMatchObject({ host: "h1", port: 5432, targetSessionAttrs: "read-write", database: "app", user: "u" });
    expect(config.hosts).toEqual([
      { host: "h1", port: 5432 },
      { host: "h2", port: 5433 },
      { host: "::1", port: 5432 },
    ]);
    expect(config.password).toBe("pw");
    expect(describeConfig(config)).toBe("postgres://u@h1:5432,h2:5433,[::1]:5432/app");
  });

  it("keeps one-host configs as they were: no hosts list, no target attrs", () => {
    const config = server("postgres://u@h/app");
    expect(config.hosts).toBeUndefined();
    expect(config.targetSessionAttrs).toBeUndefined();
    expect(config.replicas).toBeUndefined();
  });

  it("accepts every libpq target_session_attrs value and refuses others", () => {
    for (const value of ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]) {
      const config = server(`postgres://h1,h2/db?target_session_attrs=${value}`);
      expect(config.targetSessionAttrs ?? "any").toBe(value);
    }
    expect(configError(() => server("postgres://h1,h2/db?target_session_attrs=writable"))).toContain("target_session_attrs must be one of any, read-write");
    expect(configError(() => server({ host: "h", targetSessionAttrs: "master" as never }))).toContain("targetSessionAttrs must be one of");
    expect(server("postgres://h/db", { PGTARGETSESSIONATTRS: "primary" }).targetSessionAttrs).toBe("primary");
  });

  it("takes hosts as fields, each port defaulting to port", () => {
    const config = server({ hosts: [{ host: "a" }, { host: "b", port: 6000 }], port: 7000, targetSessionAttrs: "primary", database: "d" });
    expect(config.hosts).toEqual([
      { host: "a", port: 7000 },
      { host: "b", port: 6000 },
    ]);
    expect(config).toMatchObject({ host: "a", port: 7000, targetSessionAttrs: "primary" });
    // Fields override the URL's hosts.
    expect(server({ url: "postgres://x,y/d", hosts: [{ host: "z" }] }).host).toBe("z");
    expect(configError(() => server({ host: "a", hosts: [{ host: "b" }] }))).toBe("Give either host or hosts, not both");
    expect(configError(() => server({ hosts: [] }))).toContain("hosts must be a non-empty array");
    expect(configError(() => server({ hosts: [{ host: "a", prot: 1 } as never] }))).toContain('unknown field "prot"');
    expect(configError(() => server({ hosts: [{ host: "a", port: 0 }] }))).toContain("hosts[0].port must be an integer from 1 to 65535");
  });

  it("turns TLS off by default only when every host is local", () => {
    expect(server("postgres://127.0.0.1:5432,localhost:5433/db").sslmode).toBe("disable");
    expect(server("postgres://127.0.0.1:5432,db.example.com/db").sslmode).toBe("prefer");
  });
});

describe("libpq's host and port parameters, node-postgres's ssl", () => {
  it("host= replaces the URL's hosts (a socket directory, or a list); port= gives one port or one per host", () => {
    expect(server("postgres:///app?host=/var/run/postgresql")).toMatchObject({ host: "/var/run/postgresql", port: 5432, database: "app", sslmode: "disable" });
    const config = server("postgres://u@ignored/app?host=h1,h2&port=5433,5434&target_session_attrs=primary");
    expect(config.hosts).toEqual([
      { host: "h1", port: 5433 },
      { host: "h2", port: 5434 },
    ]);
    expect(server("postgres://u@/app?host=h1,h2&port=6000").hosts).toEqual([
      { host: "h1", port: 6000 },
      { host: "h2", port: 6000 },
    ]);
    expect(configError(() => server("postgres://u@/app?host=h1,h2,h3&port=1,2"))).toContain("port lists 2 ports for 3 hosts");
    expect(configError(() => server("postgres://u@/app?port=99999"))).toContain("the port must be an integer from 1 to 65535");
  });

  it("ssl=true is verify-full (what node-postgres does with it), ssl=false is disable; sslmode wins", () => {
    expect(server("postgres://db.example.com/app?ssl=true").sslmode).toBe("verify-full");
    expect(server("postgres://db.example.com/app?ssl=false").sslmode).toBe("disable");
    expect(server("postgres://db.example.com/app?ssl=true&sslmode=require").sslmode).toBe("require");
    expect(configError(() => server("postgres://h/app?ssl=yes"))).toContain("ssl must be true or false");
  });
});

describe("replicas", () => {
  it("reads replica URLs, which inherit the fields given next to url", () => {
    const config = server({ url: "postgres://u:pw@primary/app", replicas: ["postgres://u:pw@r1:5433/app", { host: "r2" }], maxConnections: 4, maxReplicaLagMs: 2000 });
    expect(config.maxReplicaLagMs).toBe(2000);
    expect(config.replicas?.map((r) => [r.host, r.port, r.database, r.maxConnections, r.password])).toEqual([
      ["r1", 5433, "app", 4, "pw"],
      ["r2", 5432, "app", 4, "pw"],
    ]);
    expect(config.replicas?.[0]?.replicas).toBeUndefined();
  });

  it("reads replicas=host:port,… and max_replica_lag from the URL, sharing the primary's settings", () => {
    const config = server("postgres://u:pw@primary:5432/app?replicas=r1:5433,r2&max_replica_lag=500&sslmode=require&target_session_attrs=read-write");
    expect(config.maxReplicaLagMs).toBe(500);
    expect(config.replicas?.map((r) => [r.host, r.port, r.user, r.password, r.sslmode, r.targetSessionAttrs])).toEqual([
      ["r1", 5433, "u", "pw", "require", undefined],
      ["r2", 5432, "u", "pw", "require", undefined],
    ]);
  });

  it("refuses a replica of another backend and malformed entries", () => {
    expect(configError(() => server({ url: "postgres://p/db", replicas: ["sqlite::memory:"] }))).toContain("replicas[0] must be a postgres:// URL");
    expect(configError(() => server({ url: "postgres://p/db", replicas: [42 as never] }))).toContain("replicas[0] must be a URL or { host, port? }");
    expect(configError(() => server({ url: "postgres://p/db", maxReplicaLagMs: -1 }))).toContain("maxReplicaLagMs must be an integer");
    expect(configError(() => server("postgres://p/db?max_replica_lag=soon"))).toContain("max_replica_lag must be a non-negative integer");
    expect(configError(() => server({ url: "postgres://p/db", replics: [] } as never))).toContain('did you mean "replicas"');
  });
});

describe("host shapes", () => {
  const INVALID = 'is not a valid host name, IP address or Unix-socket directory (a path starting with "/")';

  it("refuses a host that is not a host name, IP address or socket directory, without showing it", () => {
    const cases: [string, () => unknown][] = [
      ["replicas[0].host", () => server({ url: "postgres://u@p/db", replicas: [{ host: "u:s3cret@h" }] })],
      ["replicas[1].host", () => server({ url: "postgres://u@p/db", replicas: [{ host: "r1" }, { host: "h:5432" }] })],
      ["hosts[0].host", () => server({ hosts: [{ host: "u:s3cret@h" }] })],
      ["host", () => server({ host: "db.example.com/app" })],
      ["host", () => server({ host: "[::1]" })],
      ["host", () => server({ host: "two words" })],
      ["host", () => server({ host: "postgres://u:s3cret@h/db" })],
    ];
    for (const [name, run] of cases) {
      const message = configError(run);
      expect(message).toBe(`${name} ${INVALID}`);
      expect(message).not.toContain("s3cret");
    }
  });

  it("refuses such a host in a URL (the host list, host= and replicas=)", () => {
    for (const url of ["postgres://u@h%40x/db", "postgres://u@h1,bad%20host/db", "postgres://u@p/db?host=h%3Ax", "postgres://u@p/db?replicas=a%40x:5432"]) {
      expect(configError(() => server(url))).toContain(`a host ${INVALID}`);
    }
    // The URL's password stays hidden in that message, as in every URL error.
    expect(configError(() => server("postgres://u:s3cret@h%2Cx/db"))).not.toContain("s3cret");
  });

  it("accepts host names, IPv4 and IPv6 addresses, and socket directories", () => {
    const hosts = ["localhost", "db", "db.example.com", "db.example.com.", "my_db-1.internal", "10.0.0.7", "::1", "fe80::1%eth0", "/var/run/postgresql", "bücher.example"];
    for (const host of hosts) {
      expect(server({ host }).host).toBe(host);
      expect(server({ url: "postgres://u@p/db", replicas: [{ host }] }).replicas?.[0]?.host).toBe(host);
    }
    expect(server("postgres://u@[::1]:5433,db.example.com/app").hosts?.map((h) => h.host)).toEqual(["::1", "db.example.com"]);
    expect(server("postgres://u@%2Fvar%2Frun%2Fpostgresql/app").host).toBe("/var/run/postgresql");
  });
});
