/**
 * Scenario 6, secrets: passwords and full connection strings never appear in error messages,
 * stacks, query events, String(db) or util.inspect(db).
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, ConnectionError, Database, type QueryEvent } from "../../src/index.js";
import { PG_URL, selectedBackendNames } from "../support/backends.js";

const SECRET = "Sup3r-s3cret%pw";
const ENCODED = encodeURIComponent(SECRET);

function assertClean(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(ENCODED);
}

function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), String((e as Error).stack), (e as Error).message ?? "");
  }
  return parts.join("\n");
}

describe("reliability: secrets", () => {
  it("String(db) and util.inspect(db) never show the password, whatever way it was given", () => {
    for (const db of [
      new Database(`postgres://app:${ENCODED}@db.example.com:5432/prod?sslmode=require`),
      new Database({ host: "db.example.com", user: "app", password: SECRET, database: "prod" }),
      new Database({ url: `cockroachdb://app@db.example.com:26257/prod?password=${ENCODED}` }),
    ]) {
      assertClean(String(db));
      assertClean(inspect(db));
      assertClean(inspect(db, { showHidden: true, depth: 10 }));
      assertClean(JSON.stringify(db));
      assertClean(`${db}`);
    }
  });

  it("configuration errors do not echo the password or the full URL", () => {
    for (const url of [`postgres://app:${ENCODED}@db.example.com:5432/prod?sslmode=bogus`, `postgres://app:${ENCODED}@db.example.com:99999/prod`]) {
      let caught: unknown;
      try {
        new Database(url);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      assertClean(everything(caught));
    }
  });

  it("connection errors, their stacks and causes, and query events do not contain the password", async () => {
    const db = new Database({ url: `postgres://app:${ENCODED}@127.0.0.1:5999/prod`, connectTimeoutMs: 2_000 });
    const events: QueryEvent[] = [];
    db.on("query", (e) => events.push(e));
    const error = await db.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    assertClean(everything(error));
    assertClean(inspect(error, { depth: 10 }));
    assertClean(JSON.stringify(events));
    await db.close();
  });

  it.runIf(selectedBackendNames().includes("postgres"))("a wrong password on a real server does not leak the password", async () => {
    const url = new URL(PG_URL);
    url.username = "tablekit_nobody";
    url.password = ENCODED;
    const db = new Database({ url: url.toString(), logParameters: true });
    const events: QueryEvent[] = [];
    db.on("query", (e) => events.push(e));
    const error = await db.execute("SELECT ?", [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    assertClean(everything(error));
    assertClean(inspect(error, { depth: 10 }));
    assertClean(inspect(events, { depth: 10 }));
    await db.close();
  });
});

describe("reliability: secrets under percent-encoded and misspelled query keys (issue 15, item 6)", () => {
  // "pass%77ord" decodes to "password": tablekit uses it as the password, so it must hide it too.
  const urls = [
    `postgres://app@db.example.com/prod?pass%77ord=${ENCODED}&sslmode=bogus`,
    `postgres://app@db.example.com/prod?%70assword=${ENCODED}&sslmode=bogus`,
    `postgres://app@db.example.com/prod?PASSWORD=${ENCODED}&sslmode=require`,
    `postgres://app@db.example.com/prod?passwrd=${ENCODED}`,
    `postgres://app@db.example.com/prod?sslpass%77ord=${ENCODED}&sslmode=bogus`,
    `postgres://app@db.example.com/prod?pass%zzord=${ENCODED}`,
  ];

  it("ConfigError messages and stacks never show the value", () => {
    for (const url of urls) {
      let caught: unknown;
      try {
        new Database(url);
      } catch (error) {
        caught = error;
      }
      expect(caught, url).toBeInstanceOf(ConfigError);
      assertClean(everything(caught));
      assertClean(inspect(caught, { depth: 10 }));
    }
  });

  it("a percent-encoded password key is used as the password, and String(db)/inspect(db) do not show it", () => {
    const db = new Database(`postgres://app@db.example.com/prod?pass%77ord=${ENCODED}`);
    assertClean(String(db));
    assertClean(inspect(db, { showHidden: true, depth: 10 }));
  });

  it("the CLI's error output never shows the value, with --db or DATABASE_URL, even with --verbose", async () => {
    const { tablekit } = await import("../cli/cli-harness.js");
    for (const url of urls) {
      const viaArg = await tablekit(["tables", "--db", url, "--verbose"]);
      expect(viaArg.code, url).not.toBe(0);
      assertClean(viaArg.stdout + viaArg.stderr);
      const viaEnv = await tablekit(["tables", "--verbose"], { env: { DATABASE_URL: url } });
      expect(viaEnv.code, url).not.toBe(0);
      assertClean(viaEnv.stdout + viaEnv.stderr);
    }
  });
});
