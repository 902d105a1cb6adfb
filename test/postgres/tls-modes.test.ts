/**
 * sslmode against real handshakes (issue 15, item 1), on private servers this file starts:
 * - a TLS server (a CA and a server certificate for localhost/127.0.0.1 made here with openssl,
 *   listening on 127.0.0.1 and 127.0.0.2), whose pg_hba.conf also has a TLS-only role
 *   (`hostssl` trust, `hostnossl` reject), a plaintext-only role (`hostssl` reject) and a role
 *   that must present a client certificate (`hostssl … cert`);
 * - a plaintext server (ssl off).
 * Every mode is tried against each; what each did is the table in docs/production.md. No
 * connection failure may escape as an uncaught exception or unhandled rejection.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, ConnectionError, Database, type DatabaseOptions, type SslMode } from "../../src/index.js";
import { connectFailure, selectedBackendNames, tempDir } from "../support/backends.js";
import { PgCluster, canStartClusters } from "../support/pg-cluster.js";
import { type TestCertificates, makeTestCertificates } from "../support/tls-certs.js";

const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";
const RUN = selectedBackendNames().includes("postgres") && (canStartClusters() || REQUIRED);

const CERT_USER = "cert_user";
const TLS_ONLY = "tls_only";
const PLAIN_ONLY = "plain_only";

let certs: TestCertificates;
let tlsServer: PgCluster;
let plainServer: PgCluster;
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => {
  escaped.push(error);
};

type Outcome = "TLS" | "plaintext" | "ConnectionError" | "ConfigError" | "other error";

/** Connects, and says whether the session is encrypted, or which error the connection failed with. */
async function outcome(options: DatabaseOptions): Promise<Outcome> {
  const db = new Database({ connectTimeoutMs: 5_000, minConnections: 1, ...options });
  try {
    const rows = await db.execute<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    return rows[0]!.ssl ? "TLS" : "plaintext";
  } catch (error) {
    if (error instanceof ConnectionError) return "ConnectionError";
    if (error instanceof ConfigError) return "ConfigError";
    return "other error";
  } finally {
    await db.close();
  }
}


const url = (server: PgCluster, user = "postgres", host = "127.0.0.1"): string => `postgres://${user}@${host}:${server.port}/test`;

describe.runIf(RUN)("TLS (sslmode) against private servers [postgres]", () => {
  beforeAll(async () => {
    if (!canStartClusters()) throw new Error("PostgreSQL server binaries are needed for the TLS tests (apt-get install postgresql)");
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    certs = makeTestCertificates(CERT_USER);
    [tlsServer, plainServer] = await Promise.all([
      PgCluster.start({
        config: { ssl: "on", ssl_cert_file: "server.crt", ssl_key_file: "server.key", ssl_ca_file: "ca.crt", listen_addresses: "127.0.0.1,127.0.0.2" },
        files: { "server.crt": certs.pem.serverCert, "server.key": certs.pem.serverKey, "ca.crt": certs.pem.caCert },
        hba: [
          `hostssl all ${CERT_USER} 127.0.0.0/8 cert`,
          `hostnossl all ${CERT_USER} 127.0.0.0/8 reject`,
          `hostnossl all ${TLS_ONLY} 127.0.0.0/8 reject`,
          `hostssl all ${PLAIN_ONLY} 127.0.0.0/8 reject`,
          "host all all 127.0.0.0/8 trust",
        ],
        setupSql: [`CREATE ROLE ${CERT_USER} LOGIN`, `CREATE ROLE ${TLS_ONLY} LOGIN`, `CREATE ROLE ${PLAIN_ONLY} LOGIN`],
      }),
      PgCluster.start({ config: { ssl: "off" } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    await Promise.all([tlsServer?.destroy(), plainServer?.destroy()]);
    if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    expect(escaped, "no connection failure may escape as an uncaught exception").toEqual([]);
  });

  it("the default for a non-loopback host (prefer) connects to a TLS server and to a plaintext one; never an uncaught error", async () => {
    // What a new user does: a host that is not loopback, no sslmode. The private servers listen
    // on loopback, whose default is disable, so the test checks the default and then uses it.
    const { resolveConfig } = await import("../../src/config/connection-config.js");
    expect(resolveConfig({ host: "db.internal" }, {})).toMatchObject({ sslmode: "prefer" });
    expect(await outcome({ url: url(tlsServer), sslmode: "prefer" })).toBe("TLS");
    expect(await outcome({ url: url(plainServer), sslmode: "prefer" })).toBe("plaintext");
  });

  it("measures every mode against a TLS server, a plaintext server and a TLS-only role (the docs table)", async () => {
    const modes: SslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
    const table: Record<string, Record<string, Outcome>> = {};
    for (const sslmode of modes) {
      const ca = sslmode.startsWith("verify") ? { sslrootcert: certs.caCert } : {};
      table[sslmode] = {
        tls: await outcome({ url: url(tlsServer), sslmode, ...ca }),
        plain: await outcome({ url: url(plainServer), sslmode, ...ca }),
        tlsOnly: await outcome({ url: url(tlsServer, TLS_ONLY), sslmode, ...ca }),
        plainOnly: await outcome({ url: url(tlsServer, PLAIN_ONLY), sslmode, ...ca }),
      };
    }
    expect(table).toEqual({
      disable: { tls: "plaintext", plain: "plaintext", tlsOnly: "ConnectionError", plainOnly: "plaintext" },
      allow: { tls: "plaintext", plain: "plaintext", tlsOnly: "TLS", plainOnly: "plaintext" },
      prefer: { tls: "TLS", plain: "plaintext", tlsOnly: "TLS", plainOnly: "plaintext" },
      require: { tls: "TLS", plain: "ConnectionError", tlsOnly: "TLS", plainOnly: "ConnectionError" },
      "verify-ca": { tls: "TLS", plain: "ConnectionError", tlsOnly: "TLS", plainOnly: "ConnectionError" },
      "verify-full": { tls: "TLS", plain: "ConnectionError", tlsOnly: "TLS", plainOnly: "ConnectionError" },
    });
  });

  it("allow and prefer decide per pooled connection: a pool of several connections works in both", async () => {
    for (const [target, sslmode, expected] of [
      [url(tlsServer, TLS_ONLY), "allow", true],
      [url(plainServer), "prefer", false],
    ] as const) {
      const db = new Database({ url: target, sslmode, minConnections: 3, maxConnections: 3, connectTimeoutMs: 5_000 });
      try {
        await db.connect();
        const results = await Promise.all(
          Array.from({ length: 6 }, () => db.transaction(async (tx) => (await tx.execute<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))[0]!.ssl)),
        );
        expect(results.every((ssl) => ssl === expected)).toBe(true);
      } finally {
        await db.close();
      }
    }
  });

  it("verify-ca refuses a certificate another CA signed; require with that sslrootcert too (libpq: require + root cert = verify-ca)", async () => {
    for (const sslmode of ["verify-ca", "verify-full", "require"] as const) {
      const error = await connectFailure({ url: url(tlsServer), sslmode, sslrootcert: certs.otherCaCert });
      expect(error, sslmode).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/certificate/i);
    }
    // prefer with a root certificate verifies too; a failed handshake falls back to plaintext (libpq).
    expect(await outcome({ url: url(tlsServer), sslmode: "prefer", sslrootcert: certs.otherCaCert })).toBe("plaintext");
  });

  it("verify-full checks the host name; verify-ca does not: the certificate names localhost and 127.0.0.1, not 127.0.0.2", async () => {
    const wrongName = url(tlsServer, "postgres", "127.0.0.2");
    const error = await connectFailure({ url: wrongName, sslmode: "verify-full", sslrootcert: certs.caCert });
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/127\.0\.0\.2|altname|host/i);
    expect(await outcome({ url: wrongName, sslmode: "verify-ca", sslrootcert: certs.caCert })).toBe("TLS");
    expect(await outcome({ url: url(tlsServer, "postgres", "localhost"), sslmode: "verify-full", sslrootcert: certs.caCert })).toBe("TLS");
  });

  it("sslrootcert=system: verify-full against the system CAs, which did not sign the test CA; weaker modes are refused", async () => {
    expect(await outcome({ url: `${url(tlsServer)}?sslrootcert=system` })).toBe("ConnectionError");
    expect(() => new Database({ url: url(tlsServer), sslrootcert: "system", sslmode: "require" })).toThrow(ConfigError);
  });

  it("client certificates: sslcert/sslkey authenticate a `cert` role; an encrypted key needs sslpassword", async () => {
    const asCertUser = { url: url(tlsServer, CERT_USER), sslmode: "verify-full" as const, sslrootcert: certs.caCert };
    expect(await outcome({ ...asCertUser, sslcert: certs.clientCert, sslkey: certs.clientKey })).toBe("TLS");
    expect(await outcome(asCertUser)).toBe("ConnectionError");
    expect(await outcome({ ...asCertUser, sslcert: certs.clientCert, sslkey: certs.encryptedClientKey, sslpassword: certs.clientKeyPassphrase })).toBe("TLS");
    const wrong = await connectFailure({ ...asCertUser, sslcert: certs.clientCert, sslkey: certs.encryptedClientKey, sslpassword: "Not-The-Passphrase-91" });
    expect(wrong).toBeInstanceOf(ConfigError);
    expect(String((wrong as Error).stack)).not.toContain("Not-The-Passphrase-91");
    expect(await outcome({ ...asCertUser, sslcert: certs.clientCert, sslkey: certs.encryptedClientKey })).toBe("ConfigError");
  });

  it("a group-readable sslkey is refused, as libpq does", async () => {
    const dir = tempDir();
    const key = join(dir, "client.key");
    writeFileSync(key, "unused", { mode: 0o644 });
    const error = await connectFailure({ url: url(tlsServer, CERT_USER), sslmode: "require", sslcert: certs.clientCert, sslkey: key });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/group or world access/);
  });

  it("reads PGSSLMODE, PGSSLROOTCERT, PGSSLCERT and PGSSLKEY", async () => {
    vi.stubEnv("PGSSLMODE", "verify-full");
    vi.stubEnv("PGSSLROOTCERT", certs.caCert);
    vi.stubEnv("PGSSLCERT", certs.clientCert);
    vi.stubEnv("PGSSLKEY", certs.clientKey);
    expect(await outcome({ url: url(tlsServer, CERT_USER) })).toBe("TLS");
    vi.stubEnv("PGSSLROOTCERT", certs.otherCaCert);
    expect(await outcome({ url: url(tlsServer, CERT_USER) })).toBe("ConnectionError");
    vi.stubEnv("PGSSLMODE", "require");
    expect(await outcome({ url: url(plainServer) })).toBe("ConnectionError");
  });

  it("uses libpq's default files: ~/.postgresql/root.crt makes require verify the chain; postgresql.crt/.key are the client certificate", async () => {
    const home = tempDir();
    mkdirSync(join(home, ".postgresql"));
    vi.stubEnv("HOME", home);
    writeFileSync(join(home, ".postgresql", "root.crt"), certs.pem.caCert);
    expect(await outcome({ url: url(tlsServer), sslmode: "require" })).toBe("TLS");
    expect(await outcome({ url: url(tlsServer), sslmode: "verify-ca" })).toBe("TLS");
    writeFileSync(join(home, ".postgresql", "root.crt"), await import("node:fs").then((fs) => fs.readFileSync(certs.otherCaCert, "utf8")));
    expect(await outcome({ url: url(tlsServer), sslmode: "require" })).toBe("ConnectionError");
    rmSync(join(home, ".postgresql", "root.crt"));
    expect(await outcome({ url: url(tlsServer), sslmode: "require" })).toBe("TLS");
    expect(await outcome({ url: url(tlsServer), sslmode: "verify-ca" })).toBe("ConfigError");
    const fs = await import("node:fs");
    fs.copyFileSync(certs.clientCert, join(home, ".postgresql", "postgresql.crt"));
    fs.copyFileSync(certs.clientKey, join(home, ".postgresql", "postgresql.key"));
    fs.chmodSync(join(home, ".postgresql", "postgresql.key"), 0o600);
    expect(await outcome({ url: url(tlsServer, CERT_USER), sslmode: "require" })).toBe("TLS");
  });

  it("a missing sslrootcert file is a ConfigError naming the file", async () => {
    const error = await connectFailure({ url: url(tlsServer), sslmode: "verify-full", sslrootcert: "/nonexistent/ca.crt" });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("/nonexistent/ca.crt");
  });

  it("a server that goes away during the handshake, or an unreachable one, fails with ConnectionError for every mode", async () => {
    const { createServer } = await import("node:net");
    // A "server" that answers the SSLRequest with garbage and hangs up.
    const rude = createServer((socket) => socket.end("X"));
    await new Promise<void>((resolve) => rude.listen(0, "127.0.0.1", resolve));
    const port = (rude.address() as { port: number }).port;
    try {
      for (const sslmode of ["disable", "allow", "prefer", "require", "verify-full"] as const) {
        const ca = sslmode === "verify-full" ? { sslrootcert: certs.caCert } : {};
        expect(await outcome({ url: `postgres://postgres@127.0.0.1:${port}/test`, sslmode, ...ca }), sslmode).toBe("ConnectionError");
      }
    } finally {
      rude.close();
    }
  });

  it("connectTimeoutMs bounds both attempts together: a server that never answers fails in time, in every mode", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      for (const sslmode of ["disable", "allow", "prefer", "require"] as const) {
        const started = Date.now();
        expect(await outcome({ url: `postgres://postgres@127.0.0.1:${port}/test`, sslmode, connectTimeoutMs: 400 }), sslmode).toBe("ConnectionError");
        expect(Date.now() - started, sslmode).toBeLessThan(2_000);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe.runIf(selectedBackendNames().includes("postgres") && !canStartClusters())("TLS tests [postgres]", () => {
  it("need the PostgreSQL server binaries", () => {
    if (REQUIRED) throw new Error("PostgreSQL server binaries are needed for the TLS tests");
  });
});
