/**
 * Fails the whole run, before any test, when a selected backend cannot be reached: a missing
 * PostgreSQL server must never turn into silently skipped tests.
 */
import pg from "pg";
import { PG_URL, selectedBackendNames } from "../support/backends.js";

export default async function setup(): Promise<void> {
  if (!selectedBackendNames().includes("postgres")) return;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL.replace(/:[^:@/]*@/, ":***@")} (${(error as Error).message}). ` +
        "Start it (see .ci/run), point TABLEKIT_TEST_PG_URL at a server, or run only SQLite with TABLEKIT_BACKENDS=sqlite.",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
