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
 * - CockroachDB: no advisory locks (see docs/migrations.md); the recording INSERT on the table's
 *   primary key, in the same serializable transaction as the migration, lets only one commit.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { Queryable } from "../queryable.js";
import { sql } from "../sql/sql-tag.js";

/** The advisory lock key text of a migrations table (hashed by PostgreSQL's `hashtext`). */
function key(table: string, what: "run" | "step"): string {
  return `tablekit.migrate.${what}:${table}`;
}

/** Takes the per-migration lock inside `tx` (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds it. */
export async function lockStep(tx: Queryable, table: string): Promise<void> {
  if (tx.dialect === "postgres") await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${key(table, "step")}))`);
}

/**
 * Takes the run lock (PostgreSQL with a pool of two or more connections) and returns the function
 * that releases it; a no-op elsewhere. Waits while another instance's run holds it.
 */
export async function lockRun(db: Database, table: string, poolSize: number): Promise<() => Promise<void>> {
  if (db.dialect !== "postgres" || poolSize < 2) return async () => undefined;
  const driver = await db.driver();
  if (driver.dialect !== "postgres") return async () => undefined;
  const connection = await driver.acquire();
  try {
    await connection.query("SELECT pg_advisory_lock(hashtext($1))", [key(table, "run")]);
  } catch (error) {
    connection.release(true);
    throw error;
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
