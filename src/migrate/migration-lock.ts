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
import type { AdvisoryLocks, Driver, ReservedConnection } from "../backends/contract.js";
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
import { MigrationLockTimeoutError } from "./migration-errors.js";

/** The default of `lockTimeoutMs`: how long to wait for another instance's migrations. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15 * 60_000;

/** Turns the backend's lock timeout (PostgreSQL's lock_timeout, SQLSTATE 55P03) into a {@link MigrationLockTimeoutError}. */
function lockTimeout(locks: AdvisoryLocks, error: unknown, timeoutMs: number): unknown {
  if (!locks.isLockTimeout(error)) return error;
  const code = (error as { code?: unknown }).code;
  return new MigrationLockTimeoutError(
    `Waited ${timeoutMs} ms for the migration lock, held by another instance's migrations; nothing more was run. Try again once it is done (option lockTimeoutMs).`,
    timeoutMs,
    { cause: error, code: typeof code === "string" ? code : undefined },
  );
}

/** The advisory lock key text of a migrations table (hashed by PostgreSQL's `hashtext`). */
function key(table: string, what: "run" | "step"): string {
  return `tablekit.migrate.${what}:${table}`;
}

/** Takes the per-migration lock inside `tx` where the backend has advisory locks (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds it. */
export async function lockStep(tx: Queryable, table: string, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): Promise<void> {
  const locks = tx[dialectOf]().advisoryLocks;
  if (locks === undefined) return;
  // The timeout bounds the wait for the lock only: reset to the session's value right after.
  await tx.execute(locks.lockTimeout(timeoutMs, true));
  try {
    await tx.execute(locks.transactionLock, [key(table, "step")]);
  } catch (error) {
    throw lockTimeout(locks, error, timeoutMs);
  }
  await tx.execute(locks.resetLockTimeout(true));
}

/**
 * Takes the run lock (PostgreSQL with a pool of two or more connections) and returns the function
 * that releases it; a no-op elsewhere. Waits while another instance's run holds it.
 */
export async function lockRun(db: MigrationDatabase, table: string, poolSize: number, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): Promise<() => Promise<void>> {
  if (db[dialectOf]().advisoryLocks === undefined || poolSize < 2) return async () => undefined;
  const driver = await db.driver();
  // Connected, the dialect is known for sure (a postgres:// URL may reach CockroachDB).
  const locks = db[dialectOf]().advisoryLocks;
  if (locks === undefined) return async () => undefined;
  const connection = await driver.acquire();
  if (driver.transactionPooler === true) return lockRunInTransaction(locks, connection, table, timeoutMs);
  try {
    await connection.query(locks.lockTimeout(timeoutMs, false), []);
    await connection.query(locks.lock, [key(table, "run")]);
    await connection.query(locks.resetLockTimeout(false), []);
  } catch (error) {
    connection.release(true);
    throw lockTimeout(locks, error, timeoutMs);
  }
  return async () => {
    try {
      await connection.query(locks.unlock, [key(table, "run")]);
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
async function lockRunInTransaction(locks: AdvisoryLocks, connection: ReservedConnection, table: string, timeoutMs: number): Promise<() => Promise<void>> {
  try {
    await connection.query("BEGIN", []);
    await connection.query(locks.lockTimeout(timeoutMs, true), []);
    await connection.query(locks.transactionLock, [key(table, "run")]);
    await connection.query(locks.resetLockTimeout(true), []);
  } catch (error) {
    // Dropping the connection ends the transaction (the pooler rolls its server session back).
    connection.release(true);
    throw lockTimeout(locks, error, timeoutMs);
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
