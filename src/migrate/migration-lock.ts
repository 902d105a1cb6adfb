/**
 * The locks that make two application instances apply each migration exactly once.
 *
 * - Inside each migration's transaction (every backend): SQLite's `BEGIN IMMEDIATE` (what
 *   `db.transaction` sends) takes the database's write lock; PostgreSQL takes
 *   `pg_advisory_xact_lock`, released by COMMIT or ROLLBACK. Under that lock the migrator reads the
 *   migrations table again and skips a migration another instance applied meanwhile. The lock lives
 *   and dies with the transaction, so a lost connection can never leave it held, nor let a
 *   migration run unlocked.
 * - For the whole run (PostgreSQL, when the pool has two connections or more): a session-level
 *   `pg_advisory_lock` on a connection held for the run, so a second instance waits for the first
 *   one's whole run and then finds nothing to do, instead of interleaving with it.
 *   Behind a transaction-mode pooler (PgBouncer `pool_mode = transaction`) each statement outside
 *   a transaction may run in another server session, so a session lock would be taken in one
 *   session, stay held in the pooler's pool, and be released (or not) in another: there the run
 *   lock is `pg_advisory_xact_lock` in a transaction left open for the run, which keeps its server
 *   session (the pooler then needs two server connections or more for the database, as its
 *   default of 20 gives).
 * - CockroachDB: no advisory locks (see docs/migrations.md); the recording INSERT on the table's
 *   primary key, in the same serializable transaction as the migration, lets only one commit.
 *
 * @module
 */
import type { Driver, ReservedConnection } from "../backends/contract.js";
import { type Queryable, dialectOf } from "../queryable.js";

/**
 * @internal What migrations and table sync need from a Database: its query API, and its driver
 * (the run lock holds a connection of its own). A Database is one; migrate does not import it.
 */
export interface MigrationDatabase extends Queryable {
  /** Connects (idempotent). */
  connect(): Promise<void>;
  /** The connected driver. */
  driver(): Promise<Driver>;
}
import { sql } from "../sql/sql-tag.js";
import { MigrationLockTimeoutError } from "./migration-errors.js";

/** The default of `lockTimeoutMs`: how long to wait for another instance's migrations. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15 * 60_000;

/** Turns PostgreSQL's lock_timeout (SQLSTATE 55P03) into a {@link MigrationLockTimeoutError}. */
function lockTimeout(error: unknown, timeoutMs: number): unknown {
  if ((error as { code?: unknown } | null | undefined)?.code !== "55P03") return error;
  return new MigrationLockTimeoutError(
    `Waited ${timeoutMs} ms for the migration lock, held by another instance's migrations; nothing more was run. Try again once it is done (option lockTimeoutMs).`,
    timeoutMs,
    { cause: error, code: "55P03" },
  );
}

/** The advisory lock key text of a migrations table (hashed by PostgreSQL's `hashtext`). */
function key(table: string, what: "run" | "step"): string {
  return `tablekit.migrate.${what}:${table}`;
}

/** Takes the per-migration lock inside `tx` where the backend has advisory locks (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds it. */
export async function lockStep(tx: Queryable, table: string, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): Promise<void> {
  if (!tx[dialectOf]().advisoryLocks) return;
  // lock_timeout bounds the wait for the lock only: reset to the session's value right after.
  await tx.execute(sql.raw(`SET LOCAL lock_timeout = ${Math.trunc(timeoutMs)}`));
  try {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${key(table, "step")}))`);
  } catch (error) {
    throw lockTimeout(error, timeoutMs);
  }
  await tx.execute(sql.raw("SET LOCAL lock_timeout TO DEFAULT"));
}

/**
 * Takes the run lock (PostgreSQL with a pool of two or more connections) and returns the function
 * that releases it; a no-op elsewhere. Waits while another instance's run holds it.
 */
export async function lockRun(db: MigrationDatabase, table: string, poolSize: number, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): Promise<() => Promise<void>> {
  if (!db[dialectOf]().advisoryLocks || poolSize < 2) return async () => undefined;
  const driver = await db.driver();
  // Connected, the dialect is known for sure (a postgres:// URL may reach CockroachDB).
  if (!db[dialectOf]().advisoryLocks) return async () => undefined;
  const connection = await driver.acquire();
  if (driver.transactionPooler === true) return lockRunInTransaction(connection, table, timeoutMs);
  try {
    await connection.query(`SET lock_timeout = ${Math.trunc(timeoutMs)}`, []);
    await connection.query("SELECT pg_advisory_lock(hashtext($1))", [key(table, "run")]);
    await connection.query("RESET lock_timeout", []);
  } catch (error) {
    connection.release(true);
    throw lockTimeout(error, timeoutMs);
  }
  return async () => {
    try {
      await connection.query("SELECT pg_advisory_unlock(hashtext($1))", [key(table, "run")]);
      connection.release();
    } catch {
      // Closing the session releases its advisory locks.
      connection.release(true);
    }
  };
}

/**
 * The run lock behind a transaction-mode pooler: a transaction held open for the run, so that its
 * statements and the lock stay in one server session. COMMIT (or the end of the connection)
 * releases it.
 */
async function lockRunInTransaction(connection: ReservedConnection, table: string, timeoutMs: number): Promise<() => Promise<void>> {
  try {
    await connection.query("BEGIN", []);
    await connection.query(`SET LOCAL lock_timeout = ${Math.trunc(timeoutMs)}`, []);
    await connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key(table, "run")]);
    await connection.query("SET LOCAL lock_timeout TO DEFAULT", []);
  } catch (error) {
    // Dropping the connection ends the transaction (the pooler rolls its server session back).
    connection.release(true);
    throw lockTimeout(error, timeoutMs);
  }
  return async () => {
    try {
      await connection.query("COMMIT", []);
      connection.release();
    } catch {
      connection.release(true);
    }
  };
}
