import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Console } from "node:console";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { inspect } from "node:util";

import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import {
  DEFAULT_SQLITE_FILENAME,
  SSL_MODES,
  describeConfig,
  resolveConfig,
  OPTION_NAMES,
  URL_QUERY_PARAMETERS,
  type DatabaseOptions,
  type ResolvedConfig,
  type ServerConfig,
  type SqliteConfig,
} from "../../src/config/connection-config.js";
import { connectionAttempts, tlsOptions } from "../../src/backends/postgres/tls.js";
import { ConfigError } from "../../src/errors/errors.js";
import { Database } from "../../src/database.js";

const NO_ENV: Readonly<Record<string, string | undefined>> = Object.freeze({});

function sqlite(input?: DatabaseOptions | string, env = NO_ENV): SqliteConfig {
  const config = resolveConfig(input, env);
  if (config.dialect !== "sqlite") throw new Error(`expected sqlite, got ${config.dialect}`);
  return config;
}

function server(input?: DatabaseOptions | string, env = NO_ENV): ServerConfig {
  const config = resolveConfig(input, env);
  if (config.dialect === "sqlite") throw new Error("expected a server config, got sqlite");
  return config;
}

/** The ConfigError thrown by `fn` (fails the test when nothing or something else is thrown). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

function errorMessage(input: DatabaseOptions | string | undefined, env = NO_ENV): string {
  return configError(() => resolveConfig(input, env)).message;
}

const SERVER_DEFAULTS = {
  minConnections: 2,
  maxConnections: 10,
  applicationName: "tablekit",
  connectTimeoutMs: 10_000,
  acquireTimeoutMs: 0,
  idleTimeoutMs: 30_000,
  queryTimeoutMs: 300_000,
  statementTimeoutMs: 0,
  idleInTransactionTimeoutMs: 0,
  keepAlive: true,
  keepAliveInitialDelayMs: 30_000,
  pooler: "auto",
  int64: "number",
  logParameters: false,
} as const;

const SQLITE_DEFAULTS = { busyTimeoutMs: 5_000, int64: "number", logParameters: false, readonly: false, synchronous: "full" } as const;

describe("resolveConfig: choosing the target", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("defaults to the embedded SQLite file ./tablekit.db", () => {
    expect(DEFAULT_SQLITE_FILENAME).toBe("./tablekit.db");
    expect(resolveConfig(undefined, NO_ENV)).toEqual({ dialect: "sqlite", filename: "./tablekit.db", ...SQLITE_DEFAULTS });
    expect(resolveConfig({}, NO_ENV)).toEqual({ dialect: "sqlite", filename: "./tablekit.db", ...SQLITE_DEFAULTS });
  });

  it("uses DATABASE_URL when nothing else is given", () => {
    const config = server(undefined, { DATABASE_URL: "postgres://app:pw@db.example.com:6543/shop" });
    expect(config).toEqual({
      dialect: "postgres",
      host: "db.example.com",
      port: 6543,
      database: "shop",
      user: "app",
      sslmode: "prefer",
      ...SERVER_DEFAULTS,
    });
    expect(config.password).toBe("pw");
    expect(sqlite({}, { DATABASE_URL: "sqlite::memory:" }).filename).toBe(":memory:");
  });

  it("reads process.env by default", () => {
    vi.stubEnv("DATABASE_URL", "sqlite:from-env.db");
    expect(resolveConfig()).toEqual({ dialect: "sqlite", filename: "from-env.db", ...SQLITE_DEFAULTS });
  });

  it("ignores an empty or blank DATABASE_URL and trims it", () => {
    expect(sqlite(undefined, { DATABASE_URL: "" }).filename).toBe("./tablekit.db");
    expect(sqlite(undefined, { DATABASE_URL: "   " }).filename).toBe("./tablekit.db");
    expect(server(undefined, { DATABASE_URL: " postgres://h/db\n" }).host).toBe("h");
  });

  it("applies option fields on top of DATABASE_URL", () => {
    const config = server({ maxConnections: 4, applicationName: "worker" }, { DATABASE_URL: "postgres://h/db" });
    expect(config.host).toBe("h");
    expect(config.maxConnections).toBe(4);
    expect(config.applicationName).toBe("worker");
  });

  it("ignores DATABASE_URL when url, filename or host is given", () => {
    const env = { DATABASE_URL: "postgres://envhost/envdb" };
    expect(sqlite({ url: "sqlite::memory:" }, env).filename).toBe(":memory:");
    expect(sqlite({ filename: "mine.db" }, env).filename).toBe("mine.db");
    expect(server({ host: "other" }, env)).toMatchObject({ host: "other", database: "postgres" });
  });

  it("ignores DATABASE_URL of the other family when dialect is forced", () => {
    expect(sqlite({ dialect: "sqlite" }, { DATABASE_URL: "postgres://h/db" }).filename).toBe("./tablekit.db");
    expect(server({ dialect: "postgres" }, { DATABASE_URL: "sqlite:x.db" })).toMatchObject({
      dialect: "postgres",
      host: "localhost",
      port: 5432,
    });
    expect(server({ dialect: "cockroachdb" }, { DATABASE_URL: "postgres://crdb.local:26257/bank" })).toMatchObject({
      dialect: "cockroachdb",
      host: "crdb.local",
      port: 26257,
      database: "bank",
      user: "root",
    });
  });

  it("connects to a local server when only a server dialect is given", () => {
    expect(server({ dialect: "postgres" })).toEqual({
      dialect: "postgres",
      host: "localhost",
      port: 5432,
      database: "postgres",
      user: "postgres",
      sslmode: "disable",
      ...SERVER_DEFAULTS,
    });
    expect(server({ dialect: "cockroachdb" })).toEqual({
      dialect: "cockroachdb",
      host: "localhost",
      port: 26257,
      database: "defaultdb",
      user: "root",
      sslmode: "disable",
      ...SERVER_DEFAULTS,
    });
  });

  it("treats a string input as a URL", () => {
    expect(resolveConfig("postgres://h/db", NO_ENV)).toEqual(resolveConfig({ url: "postgres://h/db" }, NO_ENV));
    expect(resolveConfig("sqlite::memory:", NO_ENV)).toEqual({ dialect: "sqlite", filename: ":memory:", ...SQLITE_DEFAULTS });
  });
});

describe("resolveConfig: SQLite", () => {
  it.each([
    ["sqlite:data/app.db", "data/app.db"],
    ["sqlite::memory:", ":memory:"],
    ["sqlite:///abs/x.db", "/abs/x.db"],
    ["sqlite://rel.db", "rel.db"],
    ["sqlite://./data/rel.db", "./data/rel.db"],
    ["sqlite://:memory:", ":memory:"],
    ["SQLite:Data/App.db", "Data/App.db"],
    ["sqlite:my%20app.db", "my app.db"],
    ["sqlite:50%.db", "50%.db"],
    ["file:data/app.db", "data/app.db"],
    ["file:///abs/x.db", "/abs/x.db"],
    ["file://localhost/abs/x.db", "/abs/x.db"],
    ["file::memory:", ":memory:"],
    ["data/app.db", "data/app.db"],
    ["./x.sqlite", "./x.sqlite"],
    ["/var/lib/app/x.sqlite3", "/var/lib/app/x.sqlite3"],
    ["APP.DB", "APP.DB"],
    [":memory:", ":memory:"],
    ["C:\\data\\app.db", "C:\\data\\app.db"],
    ["  sqlite:spaced.db\n", "spaced.db"],
  ])("%j → filename %j", (url, filename) => {
    expect(resolveConfig(url, NO_ENV)).toEqual({ dialect: "sqlite", filename, ...SQLITE_DEFAULTS });
    expect(resolveConfig({ url }, NO_ENV)).toEqual({ dialect: "sqlite", filename, ...SQLITE_DEFAULTS });
  });

  it("accepts filename, including :memory:, and implies sqlite", () => {
    expect(resolveConfig({ filename: "app.data" }, NO_ENV)).toEqual({ dialect: "sqlite", filename: "app.data", ...SQLITE_DEFAULTS });
    expect(sqlite({ filename: ":memory:", dialect: "sqlite" }).filename).toBe(":memory:");
  });

  it("takes busyTimeoutMs, int64 and logParameters", () => {
    expect(sqlite({ filename: "x.db", busyTimeoutMs: 250, int64: "bigint", logParameters: true })).toEqual({
      dialect: "sqlite",
      filename: "x.db",
      busyTimeoutMs: 250,
      int64: "bigint",
      logParameters: true,
      readonly: false,
      synchronous: "full",
    });
    expect(sqlite({ url: "sqlite::memory:", int64: "string", busyTimeoutMs: 0 })).toMatchObject({ int64: "string", busyTimeoutMs: 0 });
  });

  it("ignores (validated) server-only options", () => {
    const config = sqlite({
      url: "sqlite::memory:",
      maxConnections: 3,
      minConnections: 1,
      sslmode: "require",
      user: "u",
      password: "never-stored",
      applicationName: "x",
    });
    expect(config).toEqual({ dialect: "sqlite", filename: ":memory:", ...SQLITE_DEFAULTS });
    expect("password" in config).toBe(false);
    expect(Object.getOwnPropertyNames(config).sort()).toEqual(["busyTimeoutMs", "dialect", "filename", "int64", "logParameters", "readonly", "synchronous"]);
  });

  it("is frozen", () => {
    const config = sqlite("sqlite::memory:");
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { filename: string }).filename = "other.db";
    }).toThrow(TypeError);
  });
});

describe("resolveConfig: PostgreSQL URLs", () => {
  it("reads every part and every accepted query parameter", () => {
    const config = server(
      "postgres://alice:s3cret@db.example.com:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslcert=/etc/client.pem" +
        "&sslkey=/etc/client.key&application_name=web%20api&connect_timeout=5&options=-c%20search_path%3Dapp" +
        "&min_connections=1&max_connections=20",
    );
    expect(config).toEqual({
      dialect: "postgres",
      host: "db.example.com",
      port: 6543,
      database: "shop",
      user: "alice",
      sslmode: "verify-full",
      sslrootcert: "/etc/ca.pem",
      sslcert: "/etc/client.pem",
      sslkey: "/etc/client.key",
      options: "-c search_path=app",
      minConnections: 1,
      maxConnections: 20,
      applicationName: "web api",
      connectTimeoutMs: 5_000,
      acquireTimeoutMs: 0,
      idleTimeoutMs: 30_000,
      queryTimeoutMs: 300_000,
      statementTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
      keepAlive: true,
      keepAliveInitialDelayMs: 30_000,
      pooler: "auto",
      int64: "number",
      logParameters: false,
    });
    expect(config.password).toBe("s3cret");
  });

  it("accepts postgresql:// and any scheme case", () => {
    expect(server("postgresql://u@h/d")).toMatchObject({ dialect: "postgres", user: "u", host: "h", database: "d" });
    expect(server("POSTGRES://u@h/d")).toMatchObject({ dialect: "postgres", user: "u", host: "h", database: "d" });
  });

  it("defaults port 5432, user PGUSER or postgres, database = user, no password", () => {
    const config = server("postgres://db.example.com");
    expect(config).toEqual({
      dialect: "postgres",
      host: "db.example.com",
      port: 5432,
      database: "postgres",
      user: "postgres",
      sslmode: "prefer",
      ...SERVER_DEFAULTS,
    });
    expect(config.password).toBeUndefined();
    expect(server("postgres://db.example.com", { PGUSER: "bob" })).toMatchObject({ user: "bob", database: "bob" });
    expect(server("postgres://carol@db.example.com/")).toMatchObject({ user: "carol", database: "carol" });
    expect(server("postgres://:@db.example.com")).toMatchObject({ user: "postgres", database: "postgres" });
  });

  it("defaults an empty host to localhost", () => {
    expect(server("postgres:///db")).toMatchObject({ host: "localhost", port: 5432, database: "db", sslmode: "disable" });
  });

  it("percent-decodes user name, password, database and host", () => {
    const config = server("postgres://al%40ice:p%40ss%3Aw%2Frd%25@h/my%20db");
    expect(config.user).toBe("al@ice");
    expect(config.password).toBe("p@ss:w/rd%");
    expect(config.database).toBe("my db");
  });

  it("tolerates unencoded '@', '?' and '#' in the password", () => {
    expect(server("postgres://u:p@ss@h/db")).toMatchObject({ user: "u", host: "h", database: "db" });
    expect(server("postgres://u:p@ss@h/db").password).toBe("p@ss");
    expect(server("postgres://u:p?ss@h").password).toBe("p?ss");
    expect(server("postgres://u:p#ss@h:5433/x")).toMatchObject({ host: "h", port: 5433, database: "x" });
    expect(server("postgres://u:p#ss@h:5433/x").password).toBe("p#ss");
    expect(server("postgres://u:a:b@h").password).toBe("a:b");
  });

  it("takes the password from ?password=, overriding the user-info one", () => {
    expect(server("postgres://u@h/db?password=q%26w").password).toBe("q&w");
    expect(server("postgres://u:a@h/db?password=b").password).toBe("b");
    expect(server("postgres://u:a@h/db?password=").password).toBe("a");
  });

  it("falls back to PGPASSWORD for postgres only", () => {
    expect(server("postgres://u@h/db", { PGPASSWORD: "envpw" }).password).toBe("envpw");
    expect(server("postgres://u:urlpw@h/db", { PGPASSWORD: "envpw" }).password).toBe("urlpw");
    expect(server({ host: "h", password: "field" }, { PGPASSWORD: "envpw" }).password).toBe("field");
    expect(server("cockroachdb://u@h/db", { PGPASSWORD: "envpw" }).password).toBeUndefined();
    expect(server("cockroachdb://h", { PGUSER: "bob" }).user).toBe("root");
  });

  it("parses IPv6 hosts in brackets", () => {
    expect(server("postgresql://[::1]:5433/x")).toMatchObject({ host: "::1", port: 5433, database: "x", sslmode: "disable" });
    expect(server("postgres://u@[2001:db8::1]/x")).toMatchObject({ host: "2001:db8::1", port: 5432, sslmode: "prefer" });
  });

  it("reads a percent-encoded socket directory as host", () => {
    expect(server("postgres://u@%2Fvar%2Frun%2Fpostgresql/db")).toMatchObject({
      host: "/var/run/postgresql",
      port: 5432,
      database: "db",
      sslmode: "disable",
    });
  });

  it("converts connect_timeout from seconds", () => {
    expect(server("postgres://h/db?connect_timeout=2.5").connectTimeoutMs).toBe(2_500);
    expect(server("postgres://h/db?connect_timeout=0").connectTimeoutMs).toBe(0);
  });

  it("ignores a fragment and empty query pairs", () => {
    expect(server("postgres://h/db?&sslmode=require&#frag")).toMatchObject({ host: "h", database: "db", sslmode: "require" });
  });

  it("lets option fields override URL values", () => {
    const config = server({
      url: "postgres://urluser:urlpw@urlhost:1111/urldb?sslmode=require&application_name=a&connect_timeout=1&min_connections=1&max_connections=2&sslrootcert=/url/ca.pem",
      host: "fieldhost",
      port: 2222,
      database: "fielddb",
      user: "fielduser",
      password: "fieldpw",
      sslmode: "verify-full",
      sslrootcert: "/field/ca.pem",
      applicationName: "b",
      connectTimeoutMs: 3_000,
      minConnections: 3,
      maxConnections: 4,
      acquireTimeoutMs: 500,
      idleTimeoutMs: 1_000,
      int64: "bigint",
      logParameters: true,
    });
    expect(config).toEqual({
      dialect: "postgres",
      host: "fieldhost",
      port: 2222,
      database: "fielddb",
      user: "fielduser",
      sslmode: "verify-full",
      sslrootcert: "/field/ca.pem",
      minConnections: 3,
      maxConnections: 4,
      applicationName: "b",
      connectTimeoutMs: 3_000,
      acquireTimeoutMs: 500,
      idleTimeoutMs: 1_000,
      queryTimeoutMs: 300_000,
      statementTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
      keepAlive: true,
      keepAliveInitialDelayMs: 30_000,
      pooler: "auto",
      int64: "bigint",
      logParameters: true,
    });
    expect(config.password).toBe("fieldpw");
  });

  it("caps the default minConnections at maxConnections", () => {
    expect(server({ host: "h", maxConnections: 1 })).toMatchObject({ minConnections: 1, maxConnections: 1 });
    expect(server("postgres://h/db?max_connections=1")).toMatchObject({ minConnections: 1, maxConnections: 1 });
    expect(server({ host: "h", minConnections: 0 })).toMatchObject({ minConnections: 0, maxConnections: 10 });
  });
});

describe("resolveConfig: CockroachDB", () => {
  it("reads cockroachdb:// with its defaults", () => {
    expect(server("cockroachdb://localhost")).toEqual({
      dialect: "cockroachdb",
      host: "localhost",
      port: 26257,
      database: "defaultdb",
      user: "root",
      sslmode: "disable",
      ...SERVER_DEFAULTS,
    });
  });

  it("accepts cockroach:// and a full URL with cluster options", () => {
    const config = server(
      "cockroach://maxroach:pw@free-tier.gcp-us-central1.cockroachlabs.cloud:26258/bank?sslmode=verify-full&options=--cluster%3Dmy-cluster-123",
    );
    expect(config).toEqual({
      dialect: "cockroachdb",
      host: "free-tier.gcp-us-central1.cockroachlabs.cloud",
      port: 26258,
      database: "bank",
      user: "maxroach",
      sslmode: "verify-full",
      options: "--cluster=my-cluster-123",
      ...SERVER_DEFAULTS,
    });
    expect(config.password).toBe("pw");
  });

  it("is selected by dialect on a postgres URL (CockroachDB's own URL form) or with a host", () => {
    expect(server({ url: "postgresql://root@localhost:26257/defaultdb?sslmode=disable", dialect: "cockroachdb" })).toMatchObject({
      dialect: "cockroachdb",
      port: 26257,
      user: "root",
      database: "defaultdb",
    });
    expect(server({ url: "postgres://h", dialect: "cockroachdb" })).toMatchObject({ port: 26257, user: "root", database: "defaultdb" });
    expect(server({ host: "crdb", dialect: "cockroachdb" })).toMatchObject({ dialect: "cockroachdb", host: "crdb", port: 26257 });
  });

  it("can be forced back to postgres", () => {
    expect(server({ url: "cockroachdb://h", dialect: "postgres" })).toMatchObject({
      dialect: "postgres",
      port: 5432,
      user: "postgres",
      database: "postgres",
    });
  });
});

describe("resolveConfig: field form", () => {
  it("means postgres when a host is given", () => {
    expect(server({ host: "db.internal" })).toEqual({
      dialect: "postgres",
      host: "db.internal",
      port: 5432,
      database: "postgres",
      user: "postgres",
      sslmode: "prefer",
      ...SERVER_DEFAULTS,
    });
  });

  it("takes every field", () => {
    const config = server({
      host: "10.1.2.3",
      port: 6000,
      database: "d",
      user: "u",
      password: "p",
      sslmode: "require",
      sslcert: "/c.pem",
      sslkey: "/k.pem",
      applicationName: "",
    });
    expect(config).toMatchObject({ host: "10.1.2.3", port: 6000, database: "d", user: "u", sslmode: "require", sslcert: "/c.pem", sslkey: "/k.pem", applicationName: "" });
    expect(config.password).toBe("p");
  });
});

describe("resolveConfig: sslmode defaults", () => {
  it.each(["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "/tmp", "/var/run/postgresql"])("%s → disable", (host) => {
    expect(server({ host }).sslmode).toBe("disable");
  });

  it.each(["db.example.com", "10.0.0.1", "128.0.0.1", "localhost.example.com", "2001:db8::1"])("%s → prefer", (host) => {
    expect(server({ host }).sslmode).toBe("prefer");
  });

  it("allows verify-ca/verify-full without sslrootcert", () => {
    expect(server("postgres://h/db?sslmode=verify-ca")).not.toHaveProperty("sslrootcert");
    expect(server({ host: "h", sslmode: "verify-full" }).sslmode).toBe("verify-full");
  });
});

describe("resolveConfig: the password is never shown", () => {
  const password = "Sup3r$ecret!";
  const configs: [string, () => ServerConfig][] = [
    ["from the URL", () => server(`postgres://app:${encodeURIComponent(password)}@db.example.com/app`)],
    ["from ?password=", () => server(`postgres://app@db.example.com/app?password=${encodeURIComponent(password)}`)],
    ["from the field", () => server({ host: "db.example.com", password })],
    ["from PGPASSWORD", () => server({ host: "db.example.com" }, { PGPASSWORD: password })],
  ];

  describe.each(configs)("%s", (_label, make) => {
    it("is readable as config.password", () => {
      const config = make();
      expect(config.password).toBe(password);
      expect("password" in config).toBe(true);
      expect(Object.getOwnPropertyDescriptor(config, "password")).toEqual({
        value: password,
        enumerable: false,
        writable: false,
        configurable: false,
      });
    });

    it("is absent from JSON.stringify", () => {
      const json = JSON.stringify(make());
      expect(json).not.toContain(password);
      expect(json).not.toContain("password");
      expect((JSON.parse(json) as { host: string }).host).toBe("db.example.com");
    });

    it("is absent from util.inspect", () => {
      for (const options of [{ depth: 10 }, { showHidden: true }, { showHidden: true, getters: true, depth: null }]) {
        const text = inspect(make(), options);
        expect(text).toContain("db.example.com");
        expect(text).not.toContain(password);
        expect(text).not.toContain("password");
      }
    });

    it("is absent from console.log", () => {
      let out = "";
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          out += chunk.toString();
          done();
        },
      });
      const console = new Console({ stdout: sink, stderr: sink, colorMode: false });
      console.log(make());
      console.log("config: %o / %s / %j", make(), make(), make());
      expect(out).toContain("db.example.com");
      expect(out).not.toContain(password);
      expect(out).not.toContain(encodeURIComponent(password));
    });

    it("is absent from spread, Object.keys/entries and String()", () => {
      const config = make();
      const copy = { ...config };
      expect("password" in copy).toBe(false);
      expect(Object.keys(config)).not.toContain("password");
      expect(JSON.stringify(Object.entries(config))).not.toContain(password);
      expect(String(config)).toBe("[object Object]");
      expect(`${describeConfig(config)}`).not.toContain(password);
    });

    it("cannot be changed", () => {
      const config = make();
      expect(Object.isFrozen(config)).toBe(true);
      expect(() => {
        (config as { password: string | undefined }).password = "other";
      }).toThrow(TypeError);
      expect(config.password).toBe(password);
    });
  });
});

describe("resolveConfig: errors", () => {
  it("rejects unknown schemes, naming them without the password", () => {
    expect(errorMessage("mysql://u:hunter2@h/db")).toBe(
      'Invalid url mysql://u:***@h/db: unsupported scheme "mysql:"; expected sqlite:, file:, postgres:, postgresql:, cockroachdb: or cockroach:',
    );
    expect(errorMessage({ url: "redis://h/app.db" })).toContain('unsupported scheme "redis:"');
  });

  it("rejects text that is not a URL or SQLite path", () => {
    expect(errorMessage("localhost")).toBe(
      "Invalid url localhost: not a database URL; expected sqlite:…, postgres://…, postgresql://…, cockroachdb://…, or a file path ending in .db, .sqlite or .sqlite3",
    );
    expect(errorMessage({ url: "" })).toBe("Invalid url: it is empty");
  });

  it("requires // after a server scheme", () => {
    expect(errorMessage("postgres:h/db")).toBe("Invalid url postgres:h/db: expected postgres://user:password@host:port/database");
    expect(errorMessage("postgres:u:hunter2@h/db")).toBe("Invalid url: expected postgres://user:password@host:port/database");
    expect(errorMessage("u:hunter2@h/db")).toBe(
      "Invalid url: not a database URL; expected sqlite:…, postgres://…, postgresql://…, cockroachdb://…, or a file path ending in .db, .sqlite or .sqlite3",
    );
    expect(errorMessage("mysql:u:hunter2@h")).toBe(
      'Invalid url: unsupported scheme "mysql:"; expected sqlite:, file:, postgres:, postgresql:, cockroachdb: or cockroach:',
    );
  });

  it("rejects bad SQLite URLs", () => {
    expect(errorMessage("sqlite:")).toBe("Invalid url sqlite:: the SQLite file name is empty");
    expect(errorMessage("sqlite://")).toBe("Invalid url sqlite://: the SQLite file name is empty");
    expect(errorMessage("sqlite:x.db?mode=rw")).toBe('Invalid url sqlite:x.db?mode=rw: mode must be "ro" (read-only) or "rwc" (read-write), got "rw"');
    expect(errorMessage("sqlite:x.db?cache=shared")).toBe(
      'Invalid url sqlite:x.db?cache=shared: unknown SQLite URL parameter "cache"; the parameters are mode=ro (read-only) or mode=rwc, and synchronous=full|extra|normal',
    );
    expect(errorMessage("sqlite:x.db?mode=ro&mode=ro")).toBe("Invalid url sqlite:x.db?mode=ro&mode=ro: mode is given twice");
  });

  it("takes SQLite's synchronous level from the option or ?synchronous= (the field overrides the URL); default full", () => {
    expect(sqlite("sqlite:a.db").synchronous).toBe("full");
    expect(sqlite("sqlite:a.db?synchronous=normal").synchronous).toBe("normal");
    expect(sqlite("file:a.db?mode=ro&synchronous=extra")).toMatchObject({ readonly: true, synchronous: "extra" });
    expect(sqlite({ filename: "a.db", synchronous: "normal" }).synchronous).toBe("normal");
    expect(sqlite({ url: "sqlite:a.db?synchronous=normal", synchronous: "full" }).synchronous).toBe("full");
    expect(errorMessage({ filename: "a.db", synchronous: "off" as never })).toBe('synchronous must be one of "full", "extra", "normal", got "off"');
    expect(errorMessage("sqlite:a.db?synchronous=0")).toBe('Invalid url sqlite:a.db?synchronous=0: synchronous must be one of full, extra, normal, got "0"');
    expect(errorMessage("sqlite:a.db?synchronous=full&synchronous=full")).toBe("Invalid url sqlite:a.db?synchronous=full&synchronous=full: synchronous is given twice");
    // Validated, and ignored, for server backends (like busyTimeoutMs).
    expect(errorMessage({ url: "postgres://u@h/db", synchronous: "OFF" as never })).toBe('synchronous must be one of "full", "extra", "normal", got "OFF"');
    expect(server({ url: "postgres://u@h/db", synchronous: "normal" })).not.toHaveProperty("synchronous");
  });

  it("opens SQLite read-only with ?mode=ro or readonly: true (the field overrides the URL)", () => {
    expect(resolveConfig("sqlite:///data/app.db?mode=ro", NO_ENV)).toEqual({ dialect: "sqlite", filename: "/data/app.db", ...SQLITE_DEFAULTS, readonly: true });
    expect(sqlite("file:rel.db?mode=ro").readonly).toBe(true);
    expect(sqlite("sqlite:rel.db?mode=rwc").readonly).toBe(false);
    expect(sqlite({ filename: "a.db", readonly: true }).readonly).toBe(true);
    expect(sqlite({ url: "sqlite:a.db?mode=ro", readonly: false }).readonly).toBe(false);
    expect(sqlite({ url: "sqlite:a.db", readonly: true }).readonly).toBe(true);
    expect(sqlite("sqlite:a.db").readonly).toBe(false);
    expect(sqlite("sqlite:a%3Fb.db").filename).toBe("a?b.db");
    expect(describeConfig(sqlite("sqlite:/d/a.db?mode=ro"))).toBe("sqlite:/d/a.db?mode=ro");
    expect(errorMessage({ filename: "a.db", readonly: "yes" as never })).toBe('readonly must be a boolean, got "yes"');
    expect(errorMessage({ filename: ":memory:", readonly: true })).toBe(
      "readonly needs a database file; an in-memory database cannot be opened read-only",
    );
    expect(errorMessage({ url: "postgres://u@h/db", readonly: true })).toBe(
      "readonly is supported for SQLite only; for postgres use a role without write privileges or default_transaction_read_only",
    );
    expect(server({ url: "postgres://u@h/db", readonly: false }).dialect).toBe("postgres");
  });

  it("rejects unknown query parameters, naming the closest known one and listing the accepted ones", () => {
    const accepted = `accepted: ${URL_QUERY_PARAMETERS.join(", ")}`;
    expect(URL_QUERY_PARAMETERS).toEqual(expect.arrayContaining(["sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "passfile", "password"]));
    expect(errorMessage("postgres://u:hunter2@h/db?sslmode=require&foo=1")).toBe(
      `Invalid url postgres://u:***@h/db?sslmode=require&foo=***: unknown query parameter "foo"; did you mean "host"? ${accepted}`,
    );
    expect(errorMessage("postgres://h/db?password=hunter2&hots=x")).toBe(
      `Invalid url postgres://h/db?password=***&hots=***: unknown query parameter "hots"; did you mean "host"? ${accepted}`,
    );
    expect(errorMessage("postgres://h/db?sslmdoe=require")).toContain('unknown query parameter "sslmdoe"; did you mean "sslmode"?');
    expect(errorMessage("postgres://h/db?connectTimeoutMs=5")).toContain('did you mean "connect_timeout"?');
    expect(errorMessage("postgres://h/db?application-name=x")).toContain('did you mean "application_name"?');
  });

  it("hides the value of a misspelled or percent-encoded password key in the message", () => {
    for (const url of ["postgres://h/db?passwrd=hunter2", "postgres://h/db?pass%77ord=hunter2&sslmode=bogus", "postgres://h/db?PASSWORD=hunter2", "postgres://h/db?pass%zzord=hunter2"]) {
      const message = errorMessage(url);
      expect(message, url).not.toContain("hunter2");
    }
  });

  it("every listed URL parameter is parsed (the list and the parser agree)", () => {
    const values: Record<string, string> = { sslmode: "require", pooler: "transaction", target_session_attrs: "read-write" };
    for (const key of URL_QUERY_PARAMETERS) {
      const query = `${key}=${values[key] ?? "1"}`;
      const extra = key === "sslcert" ? "&sslkey=k" : key === "sslkey" ? "&sslcert=c" : "";
      expect(() => resolveConfig(`postgres://h/db?${query}${extra}`, NO_ENV), key).not.toThrow();
    }
  });

  it("pooler: auto by default, from the URL or the option (the option wins), validated; session timeouts refused with transaction pooling", () => {
    expect(server("postgres://h/db").pooler).toBe("auto");
    expect(server("postgres://h/db?pooler=transaction").pooler).toBe("transaction");
    expect(server({ url: "postgres://h/db?pooler=transaction", pooler: "session" }).pooler).toBe("session");
    expect(server({ host: "h", pooler: "none" }).pooler).toBe("none");
    expect(errorMessage("postgres://h/db?pooler=pgbouncer")).toBe('Invalid pooler "pgbouncer" in the URL; valid values: auto, transaction, session, none');
    expect(errorMessage({ host: "h", pooler: "txn" as never })).toContain("pooler");
    expect(errorMessage({ host: "h", pooler: "transaction", statementTimeoutMs: 5000 })).toMatch(/^statementTimeoutMs \(statement_timeout\) cannot be used with pooler "transaction".*ALTER ROLE <user> SET statement_timeout/);
    expect(errorMessage("postgres://h/db?pooler=transaction&idle_in_transaction_session_timeout=10")).toMatch(/ALTER ROLE <user> SET idle_in_transaction_session_timeout/);
    // Without transaction pooling (or with auto) they stay allowed.
    expect(server({ host: "h", pooler: "session", statementTimeoutMs: 5000 }).statementTimeoutMs).toBe(5000);
    expect(server({ host: "h", statementTimeoutMs: 5000 }).statementTimeoutMs).toBe(5000);
  });

  it("rejects unknown options, naming the closest known one, never the value", () => {
    expect(errorMessage({ host: "h", sslMode: "require" } as DatabaseOptions)).toBe('Unknown option "sslMode"; did you mean "sslmode"?');
    expect(errorMessage({ host: "h", connect_timeout: 5 } as DatabaseOptions)).toBe('Unknown option "connect_timeout"; did you mean "connectTimeoutMs"?');
    expect(errorMessage({ host: "h", maxConnection: 5 } as DatabaseOptions)).toBe('Unknown option "maxConnection"; did you mean "maxConnections"?');
    expect(errorMessage({ filename: "x.db", busyTimeout: 5 } as DatabaseOptions)).toBe('Unknown option "busyTimeout"; did you mean "busyTimeoutMs"?');
    const message = errorMessage({ host: "h", passwrod: "hunter2" } as DatabaseOptions);
    expect(message).toBe('Unknown option "passwrod"; did you mean "password"?');
    expect(() => new Database({ url: "sqlite::memory:", logParams: true } as DatabaseOptions)).toThrow(ConfigError);
    // Every known option is accepted.
    expect(OPTION_NAMES).toContain("sslpassword");
  });

  it("rejects invalid sslmodes, listing the valid ones", () => {
    expect(SSL_MODES).toEqual(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);
    expect(errorMessage("postgres://h/db?sslmode=on")).toBe(
      'Invalid sslmode "on" in the URL; valid modes: disable, allow, prefer, require, verify-ca, verify-full',
    );
    expect(errorMessage({ host: "h", sslmode: "strict" as never })).toBe(
      'sslmode must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full", got "strict"',
    );
  });

  it.each([
    ["postgres://u:hunter2@h:abc/db", "Invalid url postgres://u:***@h:abc/db: the port must be an integer from 1 to 65535"],
    ["postgres://u:hunter2@h:0/db", "Invalid url postgres://u:***@h:0/db: the port must be an integer from 1 to 65535"],
    ["postgres://u:hunter2@h:65536/db", "Invalid url postgres://u:***@h:65536/db: the port must be an integer from 1 to 65535"],
    ["postgres://u:hunter2@h:-1/db", "Invalid url postgres://u:***@h:-1/db: the port must be an integer from 1 to 65535"],
  ])("rejects the URL port in %s", (url, message) => {
    expect(errorMessage(url)).toBe(message);
  });

  it.each([0, 65536, 1.5, -1, Number.NaN, "5432"])("rejects port %j", (port) => {
    expect(errorMessage({ host: "h", port: port as number })).toBe(`port must be an integer from 1 to 65535, got ${typeof port === "string" ? `"${port}"` : String(port)}`);
  });

  it("rejects URLs whose password has an unencoded '/' without showing any of it", () => {
    const message = errorMessage("postgres://u:Xy7/Qz9@h/db");
    expect(message).toBe(
      'Invalid url postgres://u:***@h/db: unexpected "@" after the host; percent-encode reserved characters (:/?#[]@%) in the user name, password, database name and query values',
    );
    expect(errorMessage("postgres://u:12/34?zz@h:5432/db?bogus=1")).toBe(
      'Invalid url postgres://u:***@h:5432/db?bogus=1: unexpected "@" after the host; percent-encode reserved characters (:/?#[]@%) in the user name, password, database name and query values',
    );
  });

  it("rejects other malformed server URLs", () => {
    expect(errorMessage("postgres://h/db/extra")).toBe('Invalid url postgres://h/db/extra: the database name must be a single path segment (percent-encode "/" as %2F)');
    expect(errorMessage("postgres://h1,h2:0/db")).toBe("Invalid url postgres://h1,h2:0/db: the port must be an integer from 1 to 65535");
    expect(errorMessage("postgres://h1,fe80::1/db")).toBe("Invalid url postgres://h1,fe80::1/db: IPv6 addresses must be written in brackets, e.g. [::1]");
    expect(errorMessage("postgres://fe80::1/db")).toBe("Invalid url postgres://fe80::1/db: IPv6 addresses must be written in brackets, e.g. [::1]");
    expect(errorMessage("postgres://[::1/db")).toBe("Invalid url postgres://[::1/db: unterminated [IPv6 address]");
    expect(errorMessage("postgres://[::1]x/db")).toBe("Invalid url postgres://[::1]x/db: unexpected text after the [IPv6 address]");
    expect(errorMessage("postgres://u:hunter2@h/db?application_name=me@home")).toContain('unexpected "@" after the host');
  });

  it("rejects malformed percent-encoding, never showing the password", () => {
    expect(errorMessage("postgres://u:hun%zzter2@h/db")).toBe("Invalid url postgres://u:***@h/db: malformed percent-encoding in the password");
    expect(errorMessage("postgres://u%zz:hunter2@h/db")).toBe("Invalid url postgres://u%zz:***@h/db: malformed percent-encoding in the user name");
    expect(errorMessage("postgres://h%zz/db")).toBe("Invalid url postgres://h%zz/db: malformed percent-encoding in the host");
    expect(errorMessage("postgres://h/d%zz")).toBe("Invalid url postgres://h/d%zz: malformed percent-encoding in the database name");
    expect(errorMessage("postgres://h/db?password=a%zz")).toBe('Invalid url postgres://h/db?password=***: malformed percent-encoding in the value of the "password" query parameter');
  });

  it("rejects bad numeric query parameters", () => {
    expect(errorMessage("postgres://h/db?connect_timeout=abc")).toBe('Invalid url postgres://h/db?connect_timeout=abc: connect_timeout must be a non-negative number of seconds, got "abc"');
    expect(errorMessage("postgres://h/db?connect_timeout=-1")).toContain('connect_timeout must be a non-negative number of seconds, got "-1"');
    expect(errorMessage("postgres://h/db?min_connections=x")).toContain('min_connections must be a non-negative integer, got "x"');
    expect(errorMessage("postgres://h/db?max_connections=1.5")).toContain('max_connections must be a non-negative integer, got "1.5"');
    expect(errorMessage("postgres://h/db?max_connections=0")).toBe("maxConnections (max_connections) must be an integer ≥ 1, got 0");
    expect(errorMessage("postgres://h/db?min_connections=5&max_connections=4")).toBe("minConnections (5) must not exceed maxConnections (4)");
  });

  it("rejects bad pool sizes", () => {
    expect(errorMessage({ host: "h", minConnections: -1 })).toBe("minConnections must be an integer ≥ 0, got -1");
    expect(errorMessage({ host: "h", minConnections: 1.5 })).toBe("minConnections must be an integer ≥ 0, got 1.5");
    expect(errorMessage({ host: "h", maxConnections: 0 })).toBe("maxConnections must be an integer ≥ 1, got 0");
    expect(errorMessage({ host: "h", maxConnections: Number.POSITIVE_INFINITY })).toBe("maxConnections must be an integer ≥ 1, got Infinity");
    expect(errorMessage({ host: "h", minConnections: 5, maxConnections: 3 })).toBe("minConnections (5) must not exceed maxConnections (3)");
    expect(errorMessage({ host: "h", minConnections: 11 })).toBe("minConnections (11) must not exceed maxConnections (10)");
  });

  it.each(["connectTimeoutMs", "acquireTimeoutMs", "idleTimeoutMs", "busyTimeoutMs"] as const)("rejects bad %s", (name) => {
    for (const [value, shown] of [
      [-1, "-1"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [Number.NaN, "NaN"],
      ["100", '"100"'],
    ] as const) {
      expect(errorMessage({ host: "h", [name]: value })).toBe(`${name} must be a finite number of milliseconds ≥ 0, got ${shown}`);
    }
  });

  it("rejects bad int64, dialect and other field types", () => {
    expect(errorMessage({ int64: "long" as never })).toBe('int64 must be one of "number", "bigint", "string", got "long"');
    expect(errorMessage({ dialect: "mysql" as never })).toBe('dialect must be one of "sqlite", "postgres", "cockroachdb", got "mysql"');
    expect(errorMessage({ host: "" })).toBe("host must not be empty");
    expect(errorMessage({ host: 42 as never })).toBe("host must be a string, got 42");
    expect(errorMessage({ filename: "" })).toBe("filename must not be empty");
    expect(errorMessage({ host: "h", user: "" })).toBe("user must not be empty");
    expect(errorMessage({ host: "h", database: "" })).toBe("database must not be empty");
    expect(errorMessage({ host: "h", applicationName: 5 as never })).toBe("applicationName must be a string, got 5");
    expect(errorMessage({ logParameters: "yes" as never })).toBe('logParameters must be a boolean, got "yes"');
    expect(errorMessage({ url: {} as never })).toBe("url must be a string, got object");
    expect(errorMessage({ host: "h", password: 12345678 as never })).toBe("password must be a string");
    expect(errorMessage(42 as never)).toBe("Database options must be an object or a URL string, got 42");
    expect(errorMessage(null as never)).toBe("Database options must be an object or a URL string, got null");
  });

  it("rejects contradicting options", () => {
    expect(errorMessage({ url: "sqlite:a.db", filename: "b.db" })).toBe("Give either url or filename, not both");
    expect(errorMessage({ host: "h", filename: "b.db" })).toBe("Give either host or filename, not both");
    expect(errorMessage({ filename: "b.db", dialect: "postgres" })).toBe('filename is for SQLite, but dialect is "postgres"');
    expect(errorMessage({ url: "sqlite:a.db", dialect: "cockroachdb" })).toBe('The URL is a SQLite URL, but dialect is "cockroachdb"');
    expect(errorMessage({ url: "sqlite:a.db", host: "h" })).toBe("host cannot be combined with a SQLite URL");
    expect(errorMessage({ url: "postgres://h/db", dialect: "sqlite" })).toBe('The URL is a server URL, but dialect is "sqlite"');
    expect(errorMessage({ host: "h", dialect: "sqlite" })).toBe('host cannot be used with dialect "sqlite"');
    expect(errorMessage({ host: "h", sslcert: "/c.pem" })).toBe("sslcert and sslkey must be given together");
    expect(errorMessage("postgres://h/db?sslkey=/k.pem")).toBe("sslcert and sslkey must be given together");
  });

  it("names DATABASE_URL when it is the bad URL, without its password", () => {
    expect(errorMessage(undefined, { DATABASE_URL: "mysql://root:hunter2@h/db" })).toBe(
      'Invalid DATABASE_URL mysql://root:***@h/db: unsupported scheme "mysql:"; expected sqlite:, file:, postgres:, postgresql:, cockroachdb: or cockroach:',
    );
  });

  it("never includes the password in any URL error", () => {
    const broken = [
      (pw: string) => `postgres://u:${pw}@h/db?bogus=1`,
      (pw: string) => `postgres://u:${pw}@h:99999/db`,
      (pw: string) => `postgres://u:${pw}@h/db?sslmode=nope`,
      (pw: string) => `postgres://u:${pw}@h/db?connect_timeout=x`,
      (pw: string) => `postgres://u:${pw}@h/db?max_connections=0`,
      (pw: string) => `postgres://u:${pw}@h1,h2/db`,
      (pw: string) => `mysql://u:${pw}@h/db`,
      (pw: string) => `postgres://u@h/db?password=${pw}&bogus=1`,
      (pw: string) => `postgres://u@h/db?password=${pw}&connect_timeout=${pw}`,
    ];
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9!$'()*+,;=~._:/?#@%-]{8,24}$/),
        fc.boolean(),
        fc.constantFrom(...broken),
        (password, encode, makeUrl) => {
          const url = makeUrl(encode ? encodeURIComponent(password) : password);
          let message = "";
          try {
            resolveConfig(url, NO_ENV);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            message = (error as Error).message;
          }
          expect(message.includes(password)).toBe(false);
          expect(message.includes(encodeURIComponent(password))).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("describeConfig", () => {
  it.each<[DatabaseOptions | string, string]>([
    [{}, "sqlite:./tablekit.db"],
    ["sqlite::memory:", "sqlite::memory:"],
    ["sqlite:///abs/x.db", "sqlite:/abs/x.db"],
    ["sqlite:./a.db?synchronous=full", "sqlite:./a.db"],
    ["sqlite:./a.db?synchronous=normal", "sqlite:./a.db?synchronous=normal"],
    [{ url: "sqlite:./a.db?mode=ro", synchronous: "extra" }, "sqlite:./a.db?mode=ro&synchronous=extra"],
    [{ url: "postgres://root:pw@localhost:26257/mydb" }, "postgres://root@localhost:26257/mydb"],
    ["postgres://db.example.com", "postgres://postgres@db.example.com:5432/postgres"],
    ["cockroachdb://maxroach:pw@crdb:26257/bank?sslmode=require", "cockroachdb://maxroach@crdb:26257/bank"],
    ["postgres://al%40ice:pw@[::1]:5433/my%20db", "postgres://al%40ice@[::1]:5433/my%20db"],
    ["postgres://u@%2Fvar%2Frun%2Fpostgresql/db", "postgres://u@%2Fvar%2Frun%2Fpostgresql:5432/db"],
  ])("%j → %s", (input, expected) => {
    const config: ResolvedConfig = resolveConfig(input, NO_ENV);
    expect(describeConfig(config)).toBe(expected);
  });

  it("never shows the password", () => {
    const config = server({ host: "h", user: "u", password: "hunter2" });
    expect(describeConfig(config)).toBe("postgres://u@h:5432/u");
  });
});

describe("tlsOptions and connectionAttempts", () => {
  let dir = "";
  let home = "";
  let ca = "";
  let cert = "";
  let key = "";
  let keyPem = "";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tablekit-tls-"));
    home = mkdtempSync(join(tmpdir(), "tablekit-home-"));
    ca = join(dir, "ca.pem");
    cert = join(dir, "client.pem");
    key = join(dir, "client.key");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
    writeFileSync(cert, "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n");
    keyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(key, keyPem, { mode: 0o600 });
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const cfg = (options: DatabaseOptions): ServerConfig => server({ host: "db.example.com", ...options });
  const tls = (config: ServerConfig) => tlsOptions(config, home);

  it("plans libpq's attempts: disable plaintext; allow plaintext then TLS; prefer TLS then plaintext; the rest TLS only", () => {
    const unverified = { rejectUnauthorized: false };
    expect(connectionAttempts(cfg({ sslmode: "disable" }), home)).toEqual([false]);
    expect(connectionAttempts(cfg({ sslmode: "allow" }), home)).toEqual([false, unverified]);
    expect(connectionAttempts(cfg({ sslmode: "prefer" }), home)).toEqual([unverified, false]);
    expect(connectionAttempts(cfg({}), home)).toEqual([unverified, false]);
    expect(connectionAttempts(cfg({ sslmode: "require" }), home)).toEqual([unverified]);
    expect(connectionAttempts(server({ host: "localhost" }), home)).toEqual([false]);
    // No TLS over Unix sockets in allow/prefer, as libpq.
    expect(connectionAttempts(server({ host: "/var/run/postgresql", sslmode: "prefer" }), home)).toEqual([false]);
    expect(tls(cfg({ sslmode: "disable" }))).toBe(false);
  });

  it("maps require to an unverified TLS connection, unless a root certificate is given (then the chain is verified, as libpq)", () => {
    expect(tls(cfg({ sslmode: "require" }))).toEqual({ rejectUnauthorized: false });
    const withRoot = tls(cfg({ sslmode: "require", sslrootcert: ca }));
    if (withRoot === false) throw new Error("expected options");
    expect(Object.keys(withRoot).sort()).toEqual(["ca", "checkServerIdentity", "rejectUnauthorized"]);
    expect(withRoot.rejectUnauthorized).toBe(true);
    expect(tls(cfg({ sslmode: "require", sslcert: cert, sslkey: key }))).toEqual({
      rejectUnauthorized: false,
      cert: Buffer.from("-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n"),
      key: Buffer.from(keyPem),
    });
  });

  it("maps verify-ca to CA verification without host name check; without a root certificate it is refused", () => {
    const options = tls(cfg({ sslmode: "verify-ca", sslrootcert: ca }));
    if (options === false) throw new Error("expected an object");
    expect(Object.keys(options).sort()).toEqual(["ca", "checkServerIdentity", "rejectUnauthorized"]);
    expect(options.ca).toEqual(Buffer.from("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"));
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.checkServerIdentity?.("other.example.com", {} as never)).toBeUndefined();
    expect(configError(() => tls(cfg({ sslmode: "verify-ca" }))).message).toMatch(/^sslmode verify-ca needs a root certificate/);
  });

  it("maps verify-full to full verification with the host as server name; without a root certificate, the system CAs", () => {
    expect(tls(cfg({ sslmode: "verify-full", sslrootcert: ca, sslcert: cert, sslkey: key }))).toEqual({
      ca: Buffer.from("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"),
      rejectUnauthorized: true,
      servername: "db.example.com",
      cert: Buffer.from("-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n"),
      key: Buffer.from(keyPem),
    });
    expect(tls(cfg({ sslmode: "verify-full" }))).toEqual({ rejectUnauthorized: true, servername: "db.example.com" });
    expect(tls(cfg({ sslrootcert: "system" }))).toEqual({ rejectUnauthorized: true, servername: "db.example.com" });
  });

  it("uses host instead of servername for IP addresses (no IP SNI)", () => {
    expect(tls(server({ host: "10.0.0.5", sslmode: "verify-full" }))).toEqual({ rejectUnauthorized: true, host: "10.0.0.5" });
    expect(tls(server({ host: "2001:db8::1", sslmode: "verify-full" }))).toEqual({ rejectUnauthorized: true, host: "2001:db8::1" });
  });

  it("throws ConfigError naming a missing file, not its contents", () => {
    const missing = join(dir, "nope.pem");
    const rootError = configError(() => tls(cfg({ sslmode: "verify-full", sslrootcert: missing })));
    expect(rootError.message).toBe(`sslrootcert file not found: ${missing}`);
    expect((rootError.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(configError(() => tls(cfg({ sslmode: "require", sslcert: cert, sslkey: missing }))).message).toBe(`sslkey file not found: ${missing}`);
    expect(configError(() => tls(cfg({ sslmode: "verify-full", sslcert: missing, sslkey: key }))).message).toBe(`sslcert file not found: ${missing}`);
  });

  it("reports an unreadable path with its error code", () => {
    const message = configError(() => tls(cfg({ sslmode: "verify-ca", sslrootcert: dir }))).message;
    expect(message).toBe(`sslrootcert file cannot be read (EISDIR): ${dir}`);
  });

  it("does not read files for disable", () => {
    const missing = join(dir, "absent.pem");
    expect(tls(cfg({ sslmode: "disable", sslrootcert: missing, sslcert: missing, sslkey: missing }))).toBe(false);
  });

  it("reads PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY and PGPASSFILE (postgres only); options and the URL win", () => {
    const env = { PGSSLMODE: "verify-ca", PGSSLROOTCERT: "/env/ca.pem", PGSSLCERT: "/env/c.pem", PGSSLKEY: "/env/k.pem", PGPASSFILE: "/env/pgpass" };
    expect(server({ host: "h" }, env)).toMatchObject({ sslmode: "verify-ca", sslrootcert: "/env/ca.pem", sslcert: "/env/c.pem", sslkey: "/env/k.pem", passfile: "/env/pgpass" });
    expect(server({ url: "postgres://h/db?sslmode=require", sslrootcert: "/mine.pem" }, env)).toMatchObject({ sslmode: "require", sslrootcert: "/mine.pem" });
    expect(server({ host: "h", dialect: "cockroachdb" }, env)).not.toHaveProperty("sslrootcert");
    expect(errorMessage({ host: "h" }, { PGSSLMODE: "on" })).toBe('Invalid sslmode "on" in PGSSLMODE; valid modes: disable, allow, prefer, require, verify-ca, verify-full');
  });

  it("sslrootcert=system defaults sslmode to verify-full and refuses weaker modes (libpq 16)", () => {
    expect(server({ host: "localhost", sslrootcert: "system" }).sslmode).toBe("verify-full");
    expect(errorMessage({ host: "h", sslrootcert: "system", sslmode: "verify-ca" })).toMatch(/^sslrootcert "system" requires sslmode verify-full/);
  });

  it("keeps sslpassword hidden like the password", () => {
    const config = server({ host: "h", sslpassword: "key-pass-123" });
    expect(config.sslpassword).toBe("key-pass-123");
    expect(JSON.stringify(config)).not.toContain("key-pass-123");
    expect(inspect(config, { showHidden: true })).not.toContain("key-pass-123");
    expect(server("postgres://h/db?sslpassword=key-pass-123").sslpassword).toBe("key-pass-123");
  });

  it("refuses a group-readable key, and an encrypted key without (or with a wrong) sslpassword", () => {
    const loose = join(dir, "loose.key");
    writeFileSync(loose, keyPem, { mode: 0o640 });
    chmodSync(loose, 0o640);
    expect(configError(() => tls(cfg({ sslmode: "require", sslcert: cert, sslkey: loose }))).message).toMatch(/^sslkey has group or world access \(mode 640\)/);
    const encrypted = join(dir, "encrypted.key");
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(encrypted, pair.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "right" }), { mode: 0o600 });
    expect(configError(() => tls(cfg({ sslmode: "require", sslcert: cert, sslkey: encrypted }))).message).toMatch(/is encrypted: give its passphrase as sslpassword/);
    const wrong = configError(() => tls(cfg({ sslmode: "require", sslcert: cert, sslkey: encrypted, sslpassword: "WRONG-pass" })));
    expect(wrong.message).not.toContain("WRONG-pass");
    const decrypted = tls(cfg({ sslmode: "require", sslcert: cert, sslkey: encrypted, sslpassword: "right" }));
    if (decrypted === false) throw new Error("expected options");
    expect(decrypted).not.toHaveProperty("passphrase");
    expect(String(decrypted.key)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("uses ~/.postgresql/root.crt, postgresql.crt and postgresql.key when present (postgres dialect only)", () => {
    const pgdir = join(home, ".postgresql");
    mkdirSync(pgdir, { recursive: true });
    writeFileSync(join(pgdir, "root.crt"), "-----BEGIN CERTIFICATE-----\nHOME CA\n-----END CERTIFICATE-----\n");
    writeFileSync(join(pgdir, "postgresql.crt"), "-----BEGIN CERTIFICATE-----\nHOME CLIENT\n-----END CERTIFICATE-----\n");
    writeFileSync(join(pgdir, "postgresql.key"), keyPem, { mode: 0o600 });
    try {
      const options = tls(cfg({ sslmode: "verify-ca" }));
      if (options === false) throw new Error("expected options");
      expect(String(options.ca)).toContain("HOME CA");
      expect(String(options.cert)).toContain("HOME CLIENT");
      expect(tls(cfg({ sslmode: "require" }))).toMatchObject({ rejectUnauthorized: true });
      expect(tls(server({ host: "h", dialect: "cockroachdb", sslmode: "require" }))).toEqual({ rejectUnauthorized: false });
    } finally {
      rmSync(pgdir, { recursive: true, force: true });
    }
  });
});
