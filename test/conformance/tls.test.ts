/**
 * sslmode against a real TLS handshake. .ci/run turns TLS on for the test server with a
 * self-signed certificate for localhost/127.0.0.1 and exports its path as TABLEKIT_TEST_PG_CA.
 * Without that variable these tests cannot run; under CI (TABLEKIT_REQUIRE_BACKENDS=1) its
 * absence is a failure, not a skip.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ConnectionError, Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames } from "../support/backends.js";

const CA = process.env["TABLEKIT_TEST_PG_CA"];
const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";

const url = new URL(PG_URL);
const base = `postgres://${url.username || "postgres"}@127.0.0.1:${url.port || 5432}${url.pathname}`;

async function sslInUse(db: Database): Promise<boolean> {
  const rows = await db.execute<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  return rows[0]!.ssl;
}

describe.runIf(selectedBackendNames().includes("postgres"))("TLS (sslmode) against the real server [postgres]", () => {
  it("has the test server's certificate (set up by .ci/run)", () => {
    if (REQUIRED) expect(CA, "TABLEKIT_TEST_PG_CA must be set in CI").toBeTruthy();
  });

  it.runIf(CA !== undefined)("sslmode=disable connects without TLS; require encrypts", async () => {
    for (const [mode, expected] of [
      ["disable", false],
      ["require", true],
    ] as const) {
      const db = new Database(`${base}?sslmode=${mode}`);
      try {
        expect(await sslInUse(db)).toBe(expected);
      } finally {
        await db.close();
      }
    }
  });

  it.runIf(CA !== undefined)("verify-ca and verify-full accept the server's certificate given as sslrootcert", async () => {
    for (const mode of ["verify-ca", "verify-full"]) {
      const db = new Database({ url: `${base}?sslmode=${mode}`, sslrootcert: CA! });
      try {
        expect(await sslInUse(db)).toBe(true);
      } finally {
        await db.close();
      }
    }
  });

  it.runIf(CA !== undefined)("verify-full refuses a server whose certificate another CA signed, with ConnectionError", async () => {
    // A real, valid certificate authority that did not sign the server's certificate.
    const dir = mkdtempSync(join(tmpdir(), "tablekit-tls-"));
    const other = join(dir, "other-ca.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=not-the-ca", "-keyout", join(dir, "k.pem"), "-out", other], { stdio: "ignore" });
    const db = new Database({ url: `${base}?sslmode=verify-full`, sslrootcert: other, connectTimeoutMs: 3000 });
    try {
      const error = await db.execute("SELECT 1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/certificate/i);
    } finally {
      await db.close();
    }
  });

  it.runIf(CA !== undefined)("verify-full checks the host name: the certificate names localhost and 127.0.0.1, not 127.0.0.2", async () => {
    const db = new Database({ url: `postgres://${url.username || "postgres"}@127.0.0.2:${url.port || 5432}${url.pathname}?sslmode=verify-full`, sslrootcert: CA!, connectTimeoutMs: 3000 });
    try {
      await expect(db.execute("SELECT 1")).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      await db.close();
    }
  });

  it("a missing sslrootcert file is a ConfigError naming the file", async () => {
    const db = new Database({ url: `${base}?sslmode=verify-full`, sslrootcert: "/nonexistent/ca.crt" });
    const error = await db.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("/nonexistent/ca.crt");
    await db.close();
  });
});
