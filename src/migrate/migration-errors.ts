/**
 * The errors of `db.migrate`: every one is a {@link MigrationError}, itself a
 * {@link TablekitError}.
 *
 * @module
 */
import { TablekitError, type TablekitErrorOptions } from "../errors/errors.js";

/** Base class of the errors raised by `db.migrate`, `db.migrate.down` and `db.migrate.status`. */
export class MigrationError extends TablekitError {}

/**
 * A migration cannot be read or loaded: a file that is not valid SQL (an unterminated string,
 * identifier or comment), a module without an `up` function, two migrations with the same name, a
 * bad option. Raised before anything runs.
 */
export class MigrationSourceError extends MigrationError {
  /** The migration's name (the file name without extension), when known. */
  readonly migration: string | undefined;

  constructor(message: string, migration?: string, options: TablekitErrorOptions = {}) {
    super(message, options);
    this.migration = migration;
  }
}

/**
 * An applied migration's file has changed since it was applied (its SHA-256 checksum differs from
 * the one recorded). Nothing was run: restore the file, or (if the change is intended and already
 * reflected in the database) update the recorded checksum by hand.
 */
export class MigrationChecksumError extends MigrationError {
  /** The migration whose file changed. */
  readonly migration: string;

  constructor(message: string, migration: string) {
    super(message);
    this.migration = migration;
  }
}

/**
 * A migration recorded as applied has no file (or no entry in `migrations`) any more. Nothing was
 * run: restore the file.
 */
export class MigrationMissingError extends MigrationError {
  /** The names recorded as applied that are missing. */
  readonly migrations: readonly string[];

  constructor(message: string, migrations: readonly string[]) {
    super(message);
    this.migrations = migrations;
  }
}

/**
 * A migration failed. Its transaction was rolled back and it was not recorded as applied; the run
 * stopped there (the migrations before it stay applied). `cause` is the database's error.
 */
export class MigrationFailedError extends MigrationError {
  /** The migration that failed. */
  readonly migration: string;
  /** Its file, when it came from a directory. */
  readonly file: string | undefined;
  /** For a `.sql` file: which statement failed (from 1). */
  readonly statementIndex: number | undefined;
  /** For a `.sql` file: the line (from 1) on which the failed statement starts. */
  readonly line: number | undefined;
  /** Migrations this run applied before the failure. */
  readonly applied: readonly string[];

  constructor(
    message: string,
    details: { migration: string; file?: string | undefined; statementIndex?: number | undefined; line?: number | undefined; applied: readonly string[] },
    options: TablekitErrorOptions = {},
  ) {
    super(message, options);
    this.migration = details.migration;
    this.file = details.file;
    this.statementIndex = details.statementIndex;
    this.line = details.line;
    this.applied = details.applied;
  }
}

/**
 * `db.migrate.down` was asked to roll back migrations some of which have no `down` (no `down`
 * export, no `.down.sql` file). Nothing was rolled back.
 */
export class MigrationIrreversibleError extends MigrationError {
  /** The migrations that have no `down`. */
  readonly migrations: readonly string[];

  constructor(message: string, migrations: readonly string[]) {
    super(message);
    this.migrations = migrations;
  }
}

/**
 * A {@link Table}'s declared schema has columns the live table lacks, and the Table was not
 * opened with `sync: "add"`. Nothing was written.
 */
export class SchemaMismatchError extends TablekitError {
  /** The table. */
  readonly table: string;
  /** The declared columns missing from the live table. */
  readonly missingColumns: readonly string[];

  constructor(message: string, table: string, missingColumns: readonly string[]) {
    super(message);
    this.table = table;
    this.missingColumns = missingColumns;
  }
}

/**
 * The migration lock could not be taken within `lockTimeoutMs` (PostgreSQL): another instance
 * has been migrating (or holding the lock) that long. Nothing was run by this call after the
 * wait began; run it again once the other instance is done.
 */
export class MigrationLockTimeoutError extends MigrationError {
  /** The limit that was exceeded, in ms. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options: TablekitErrorOptions = {}) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}
