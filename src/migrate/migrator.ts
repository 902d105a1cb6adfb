/**
 * `db.migrate`: applies pending migrations in name order, each in its own transaction, records
 * each in the migrations table, and refuses to run when an applied migration changed or vanished.
 * `db.migrate.status()` and `db.migrate.down()` live here too.
 *
 * @module
 */
import { ValidationError } from "../errors/errors.js";
import { type Queryable, dialectOf } from "../queryable.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { sql } from "../sql/sql-tag.js";
import { DEFAULT_LOCK_TIMEOUT_MS, type MigrationDatabase, lockRun, lockStep } from "./migration-lock.js";
import {
  MigrationChecksumError,
  MigrationFailedError,
  MigrationIrreversibleError,
  MigrationLockTimeoutError,
  MigrationMissingError,
  MigrationSourceError,
} from "./migration-errors.js";
import { type LoadedMigration, type Migration, type MigrationStep, loadDirectory, loadList } from "./sources.js";

/** Where the migrations come from, and where they are recorded. */
export interface MigrateOptions {
  /** A directory of `.sql` files and `.js`/`.mjs`/`.ts` modules exporting `up(db)` / `down(db)`. */
  dir?: string;
  /** Migrations given in code, instead of `dir`. */
  migrations?: readonly Migration[];
  /** The table recording applied migrations. Default `"tablekit_migrations"`. */
  table?: string;
  /**
   * How long to wait for the migration lock while another instance migrates (PostgreSQL), in ms;
   * then {@link MigrationLockTimeoutError}. Default 900000 (15 minutes). On SQLite the wait is
   * bounded by the Database's `busyTimeoutMs` and transaction retries.
   */
  lockTimeoutMs?: number;
}

/** Options of `db.migrate.down`. */
export interface MigrateDownOptions extends MigrateOptions {
  /**
   * Rolls back every applied migration after this one (it stays applied). Omitted: only the last
   * applied migration. `null`: every applied migration.
   */
  to?: string | null;
}

/** What `db.migrate()` did. */
export interface MigrateResult {
  /** The migrations this call applied, in order (empty when another instance applied them). */
  applied: string[];
}

/** What `db.migrate.down()` did. */
export interface MigrateDownResult {
  /** The migrations rolled back, in the order they were rolled back. */
  reverted: string[];
}

/** A migration recorded as applied. */
export interface AppliedMigration {
  /** Its name. */
  name: string;
  /** The SHA-256 recorded for its file (null for migrations given in code). */
  checksum: string | null;
  /** When it was applied (ISO 8601, UTC). */
  appliedAt: string;
}

/** What `db.migrate.status()` reports. */
export interface MigrationStatus {
  /** Migrations recorded as applied, in name order. */
  applied: AppliedMigration[];
  /** Migrations not applied yet, in the order `db.migrate()` would apply them. */
  pending: string[];
  /** Applied migrations whose file changed since (checksum mismatch): `db.migrate()` refuses to run. */
  changed: string[];
  /** Applied migrations whose file is gone: `db.migrate()` refuses to run. */
  missing: string[];
}

/**
 * `db.migrate`: call it to apply pending migrations; `.status()` and `.down()` inspect and roll back.
 *
 * ```ts
 * await db.migrate({ dir: "migrations" });
 * const { pending } = await db.migrate.status({ dir: "migrations" });
 * await db.migrate.down({ dir: "migrations", to: "001_create_users" });
 * ```
 */
export interface Migrate {
  /** Applies every pending migration in name order, each in its own transaction. */
  (options: MigrateOptions): Promise<MigrateResult>;
  /** Lists applied and pending migrations (and changed or missing files). Creates nothing. */
  status(options: MigrateOptions): Promise<MigrationStatus>;
  /** Rolls back applied migrations with their `down`, newest first, each in its own transaction. */
  down(options: MigrateDownOptions): Promise<MigrateDownResult>;
}

/** @internal What the migrator needs from a Database besides its public API. */
export interface MigrateHost {
  readonly db: MigrationDatabase;
  /** Connections the pool may open (the run lock needs one of its own). */
  readonly poolSize: number;
}

const DEFAULT_TABLE = "tablekit_migrations";
const OPTION_KEYS = new Set(["dir", "migrations", "table", "to", "lockTimeoutMs"]);

function tableOf(options: MigrateOptions): string {
  return assertIdentifier(options.table ?? DEFAULT_TABLE, "table");
}

function checkOptions(options: unknown, down: boolean): MigrateDownOptions {
  if (options === null || typeof options !== "object") throw new ValidationError("migrate needs options: { dir } or { migrations }", [{ message: "must be an object", path: [] }]);
  const given = options as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!OPTION_KEYS.has(k) || (k === "to" && !down)) throw new ValidationError(`Unknown migrate option "${k}"`, [{ message: "unknown option", path: [k] }]);
  }
  if ((given["dir"] === undefined) === (given["migrations"] === undefined)) {
    throw new ValidationError("migrate needs exactly one of dir or migrations", [{ message: "give dir or migrations", path: [] }]);
  }
  if (given["dir"] !== undefined && (typeof given["dir"] !== "string" || given["dir"] === "")) {
    throw new ValidationError("dir must be a non-empty string", [{ message: "must be a string", path: ["dir"] }]);
  }
  const timeout = given["lockTimeoutMs"];
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > 2_147_483_647)) {
    throw new ValidationError("lockTimeoutMs must be a whole number of ms, at least 1", [{ message: "must be a positive integer", path: ["lockTimeoutMs"] }]);
  }
  if (given["to"] !== undefined && given["to"] !== null && typeof given["to"] !== "string") {
    throw new ValidationError("to must be a migration name or null", [{ message: "must be a string or null", path: ["to"] }]);
  }
  return given as MigrateDownOptions;
}

async function load(db: MigrationDatabase, options: MigrateOptions): Promise<LoadedMigration[]> {
  if (options.dir !== undefined) {
    await db.connect();
    return loadDirectory(options.dir, db[dialectOf]().sqlFlavor);
  }
  return loadList(options.migrations);
}

async function readApplied(q: Queryable, table: string): Promise<AppliedMigration[]> {
  const rows = await q.execute<{ name: string; checksum: string | null; applied_at: string }>(
    sql`SELECT name, checksum, applied_at FROM ${sql.id(table)} ORDER BY name`,
  );
  return rows.map((r) => ({ name: String(r.name), checksum: r.checksum === null ? null : String(r.checksum), appliedAt: String(r.applied_at) }));
}

async function ensureTable(db: MigrationDatabase, table: string, timeoutMs: number): Promise<void> {
  if (await db.tableExists(table)) return;
  // Under the step lock, so two instances creating it at once do not collide (PostgreSQL's
  // CREATE TABLE IF NOT EXISTS is not safe against a concurrent one).
  await db.transaction(async (tx) => {
    await lockStep(tx, table, timeoutMs);
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table)} (name TEXT PRIMARY KEY, checksum TEXT, applied_at TEXT NOT NULL)`,
    );
  });
}

function compare(migrations: readonly LoadedMigration[], applied: readonly AppliedMigration[]): MigrationStatus {
  const known = new Map(migrations.map((m) => [m.name, m]));
  const done = new Set(applied.map((a) => a.name));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const a of applied) {
    const m = known.get(a.name);
    if (m === undefined) missing.push(a.name);
    else if (m.checksum !== undefined && a.checksum !== null && m.checksum !== a.checksum) changed.push(a.name);
  }
  return { applied: [...applied], pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name), changed, missing };
}

function refuseProblems(status: MigrationStatus, migrations: readonly LoadedMigration[]): void {
  if (status.changed.length > 0) {
    const name = status.changed[0] as string;
    const file = migrations.find((m) => m.name === name)?.file ?? name;
    throw new MigrationChecksumError(
      `Migration ${name} was applied, but its file ${file} has changed since (checksum mismatch); nothing was run. ` +
        "Restore the file, and put new changes in a new migration.",
      name,
    );
  }
  if (status.missing.length > 0) {
    throw new MigrationMissingError(
      `Applied migration${status.missing.length > 1 ? "s" : ""} ${status.missing.join(", ")} ${status.missing.length > 1 ? "have" : "has"} no file any more; nothing was run. Restore the file${status.missing.length > 1 ? "s" : ""}.`,
      status.missing,
    );
  }
}

/** Where a step failed: set while it runs. */
interface Position {
  statementIndex?: number | undefined;
  line?: number | undefined;
}

async function runStep(tx: Queryable, step: MigrationStep, position: Position): Promise<void> {
  if (step.kind === "function") {
    await step.run(tx);
    return;
  }
  for (const statement of step.statements) {
    position.statementIndex = statement.index;
    position.line = statement.line;
    await tx.execute(sql.raw(statement.sql));
  }
  position.statementIndex = undefined;
  position.line = undefined;
}

function failure(verb: string, m: LoadedMigration, position: Position, error: unknown, applied: readonly string[]): unknown {
  if (error instanceof MigrationLockTimeoutError) return error;
  const where = m.file ?? m.name;
  const at = position.statementIndex !== undefined ? `, statement ${position.statementIndex} (line ${position.line})` : "";
  const reason = error instanceof Error ? error.message : String(error);
  return new MigrationFailedError(
    `Migration ${m.name} failed to ${verb} (${where}${at}): ${reason}. Its transaction was rolled back and it is not recorded; the run stopped.`,
    { migration: m.name, file: m.file, statementIndex: position.statementIndex, line: position.line, applied },
    { cause: error, code: typeof (error as { code?: unknown } | null | undefined)?.code === "string" ? (error as { code: string }).code : undefined },
  );
}

/** @internal `db.migrate(options)`. */
export async function migrateUp(host: MigrateHost, given: MigrateOptions): Promise<MigrateResult> {
  const options = checkOptions(given, false);
  const { db } = host;
  const table = tableOf(options);
  const migrations = await load(db, options);
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const release = await lockRun(db, table, host.poolSize, timeoutMs);
  const applied: string[] = [];
  try {
    await ensureTable(db, table, timeoutMs);
    const status = compare(migrations, await readApplied(db, table));
    refuseProblems(status, migrations);
    for (const m of migrations) {
      if (!status.pending.includes(m.name)) continue;
      const position: Position = {};
      let ran: boolean;
      try {
        ran = await db.transaction(async (tx) => {
          await lockStep(tx, table, timeoutMs);
          // Another instance may have applied it since the status was read.
          const again = await tx.fetchOne(sql`SELECT name FROM ${sql.id(table)} WHERE name = ${m.name}`);
          if (again !== null) return false;
          await runStep(tx, m.up, position);
          await tx.execute(sql`INSERT INTO ${sql.id(table)} (name, checksum, applied_at) VALUES (${m.name}, ${m.checksum ?? null}, ${new Date().toISOString()})`);
          return true;
        });
      } catch (error) {
        throw failure("apply", m, position, error, applied);
      }
      if (ran) applied.push(m.name);
    }
  } finally {
    await release();
  }
  return { applied };
}

/** @internal `db.migrate.status(options)`. */
export async function migrateStatus(host: MigrateHost, given: MigrateOptions): Promise<MigrationStatus> {
  const options = checkOptions(given, false);
  const table = tableOf(options);
  const migrations = await load(host.db, options);
  const applied = (await host.db.tableExists(table)) ? await readApplied(host.db, table) : [];
  return compare(migrations, applied);
}

/** @internal `db.migrate.down(options)`. */
export async function migrateDown(host: MigrateHost, given: MigrateDownOptions): Promise<MigrateDownResult> {
  const options = checkOptions(given, true);
  const { db } = host;
  const table = tableOf(options);
  const migrations = await load(db, options);
  if (!(await db.tableExists(table))) return { reverted: [] };
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const release = await lockRun(db, table, host.poolSize, timeoutMs);
  const reverted: string[] = [];
  try {
    const status = compare(migrations, await readApplied(db, table));
    refuseProblems(status, migrations);
    const appliedNames = status.applied.map((a) => a.name);
    let targets: string[];
    if (options.to === undefined) targets = appliedNames.slice(-1);
    else if (options.to === null) targets = appliedNames;
    else {
      const to = options.to;
      if (!appliedNames.includes(to)) {
        throw new MigrationSourceError(`Cannot roll back to ${to}: it is not an applied migration (applied: ${appliedNames.join(", ") || "none"})`, to);
      }
      targets = appliedNames.filter((n) => n > to);
    }
    targets.reverse();
    const byName = new Map(migrations.map((m) => [m.name, m]));
    const irreversible = targets.filter((n) => byName.get(n)?.down === undefined);
    if (irreversible.length > 0) {
      throw new MigrationIrreversibleError(
        `Cannot roll back: ${irreversible.join(", ")} ${irreversible.length > 1 ? "have" : "has"} no down (export down(db), or add a NAME.down.sql file); nothing was rolled back`,
        irreversible,
      );
    }
    for (const name of targets) {
      const m = byName.get(name) as LoadedMigration;
      const position: Position = {};
      try {
        const ran = await db.transaction(async (tx) => {
          await lockStep(tx, table, timeoutMs);
          const again = await tx.fetchOne(sql`SELECT name FROM ${sql.id(table)} WHERE name = ${name}`);
          if (again === null) return false;
          await runStep(tx, m.down as MigrationStep, position);
          await tx.execute(sql`DELETE FROM ${sql.id(table)} WHERE name = ${name}`);
          return true;
        });
        if (ran) reverted.push(name);
      } catch (error) {
        throw failure("roll back", m, position, error, reverted);
      }
    }
  } finally {
    await release();
  }
  return { reverted };
}

/** @internal Builds `db.migrate` for a Database. */
export function createMigrate(host: () => MigrateHost): Migrate {
  return Object.assign((options: MigrateOptions) => migrateUp(host(), options), {
    status: (options: MigrateOptions) => migrateStatus(host(), options),
    down: (options: MigrateDownOptions) => migrateDown(host(), options),
  });
}
