/**
 * Password authentication (issue 15, item 8) against a private server that requires
 * SCRAM-SHA-256 for every TCP connection: the password from the URL, the fields, PGPASSWORD and a
 * libpq password file; a wrong one fails with a ConnectionError that nowhere holds the password.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConnectionError, Database, type DatabaseOptions } from "../../src/index.js";
import { connectFailure, selectedBackendNames, tempDir } from "../support/backends.js";
import { PgCluster, canStartClusters } from "../support/pg-cluster.js";

const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";
const RUN = selectedBackendNames().includes("postgres") && (canStartClusters() || REQUIRED);

const USER = "app_user";
// Reserved URL characters, a .pgpass field separator and a backslash: every way of passing it must cope.
const PASSWORD = "Pa:ss@w/rd%?#\\x-9";
const WRONG = "Wr0ng-Pa55w0rd-zz";

let server: PgCluster;
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => {
  escaped.push(error);
};

/** The message, stack and inspect() of an error and every error in its cause chain. */
function everything(error: unknown): string {
  const parts = [inspect(error, { depth: 10, showHidden: true })];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), String((e as Error).stack), String((e as Error).message), JSON.stringify(e));
  }
  return parts.join("\n");
}

async function whoAmI(options: DatabaseOptions): Promise<string> {
  const db = new Database({ connectTimeoutMs: 5_000, minConnections: 1, ...options });
  try {
    const rows = await db.execute<{ user: string; method: string }>("SELECT current_user AS user");
    return rows[0]!.user;
  } finally {
    await db.close();
  }
}


const host = (): DatabaseOptions => ({ host: "127.0.0.1", port: server.port, database: "test", user: USER });

/** Writes a password file with mode 0600 (or `mode`) and returns its path. */
function passfile(lines: string[], mode = 0o600): string {
  const path = join(tempDir(), "pgpass");
  writeFileSync(path, lines.join("\n") + "\n", { mode });
  chmodSync(path, mode);
  return path;
}

/** A .pgpass field with ":" and "\" escaped. */
const esc = (text: string): string => text.replace(/\\/g, "\\\\").replace(/:/g, "\\:");

describe.runIf(RUN)("passwords: SCRAM-SHA-256 on a private server [postgres]", () => {
  beforeAll(async () => {
    if (!canStartClusters()) throw new Error("PostgreSQL server binaries are needed for the password tests");
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    server = await PgCluster.start({
      config: { password_encryption: "scram-sha-256" },
      hba: ["host all all 127.0.0.1/32 scram-sha-256"],
      setupSql: [`CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`, `GRANT ALL ON DATABASE test TO ${USER}`],
    });
    expect(server.psql(`SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = '${USER}'`).trim()).toBe("t");
  }, 60_000);

  afterAll(async () => {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    await server?.destroy();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    expect(escaped).toEqual([]);
  });

  it("the right password works from the URL (user info and ?password=) and from the fields", async () => {
    expect(await whoAmI({ url: server.url({ user: USER, password: PASSWORD }) })).toBe(USER);
    expect(await whoAmI({ url: `${server.url({ user: USER })}?password=${encodeURIComponent(PASSWORD)}` })).toBe(USER);
    expect(await whoAmI({ ...host(), password: PASSWORD })).toBe(USER);
  });

  it("the right password works from PGPASSWORD", async () => {
    vi.stubEnv("PGPASSWORD", PASSWORD);
    vi.stubEnv("PGPASSFILE", "/nonexistent");
    expect(await whoAmI(host())).toBe(USER);
  });

  it("a wrong password is a ConnectionError whose message, stack, causes and inspect() hold no password", async () => {
    for (const options of [{ ...host(), password: WRONG }, { url: server.url({ user: USER, password: WRONG }) }, { url: `${server.url({ user: USER })}?pass%77ord=${WRONG}` }]) {
      const error = await connectFailure(options);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).code).toBe("28P01");
      expect((error as Error).message).toMatch(/password authentication failed/);
      const text = everything(error);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it("no password at all is a ConnectionError", async () => {
    vi.stubEnv("PGPASSFILE", "/nonexistent");
    vi.stubEnv("PGPASSWORD", "");
    expect(await connectFailure(host())).toBeInstanceOf(ConnectionError);
  });

  it("reads the password file named by PGPASSFILE or passfile: wildcards, escapes, comments, first match wins", async () => {
    const file = passfile([
      "# comment line",
      `otherhost:*:*:*:nope`,
      `127.0.0.1:${server.port}:test:${USER}:${esc(PASSWORD)}`,
      `*:*:*:*:${esc(WRONG)}`,
    ]);
    vi.stubEnv("PGPASSFILE", file);
    expect(await whoAmI(host())).toBe(USER);
    vi.unstubAllEnvs();
    expect(await whoAmI({ ...host(), passfile: file })).toBe(USER);
    expect(await whoAmI({ url: `${server.url({ user: USER })}?passfile=${encodeURIComponent(file)}` })).toBe(USER);
    const wildcards = passfile([`*:${server.port}:*:${USER}:${esc(PASSWORD)}`, `*:*:*:*:${esc(WRONG)}`]);
    expect(await whoAmI({ ...host(), passfile: wildcards })).toBe(USER);
    // First match wins: the wrong password comes first.
    const wrongFirst = passfile([`*:*:*:*:${esc(WRONG)}`, `127.0.0.1:${server.port}:test:${USER}:${esc(PASSWORD)}`]);
    expect(await connectFailure({ ...host(), passfile: wrongFirst })).toBeInstanceOf(ConnectionError);
  });

  it("reads ~/.pgpass by default; the configured password and PGPASSWORD win over it", async () => {
    const home = tempDir();
    writeFileSync(join(home, ".pgpass"), `*:*:*:${USER}:${esc(PASSWORD)}\n`, { mode: 0o600 });
    vi.stubEnv("HOME", home);
    vi.stubEnv("PGPASSFILE", "");
    expect(await whoAmI(host())).toBe(USER);
    vi.stubEnv("PGPASSWORD", WRONG);
    expect(await connectFailure(host())).toBeInstanceOf(ConnectionError);
    vi.stubEnv("PGPASSWORD", "");
    expect(await connectFailure({ ...host(), password: WRONG })).toBeInstanceOf(ConnectionError);
  });

  it("ignores a group- or world-readable password file, as libpq does", async () => {
    const file = passfile([`*:*:*:*:${esc(PASSWORD)}`], 0o644);
    vi.stubEnv("PGPASSWORD", "");
    expect(await connectFailure({ ...host(), passfile: file })).toBeInstanceOf(ConnectionError);
    chmodSync(file, 0o600);
    expect(await whoAmI({ ...host(), passfile: file })).toBe(USER);
  });

  it("allow and prefer against this plaintext server still authenticate once, with one error for a wrong password", async () => {
    for (const sslmode of ["allow", "prefer"] as const) {
      expect(await whoAmI({ ...host(), password: PASSWORD, sslmode })).toBe(USER);
      const error = await connectFailure({ ...host(), password: WRONG, sslmode });
      expect(error).toBeInstanceOf(ConnectionError);
      expect(everything(error)).not.toContain(WRONG);
    }
  });
});

describe.runIf(selectedBackendNames().includes("postgres") && !canStartClusters())("password tests [postgres]", () => {
  it("need the PostgreSQL server binaries", () => {
    if (REQUIRED) throw new Error("PostgreSQL server binaries are needed for the password tests");
  });
});
