/**
 * SQLite's error mapping: better-sqlite3's extended result codes become tablekit's error classes
 * (src/errors/errors.ts), the same classes PostgreSQL's SQLSTATEs map to.
 *
 * @module
 */
import {
  CheckViolationError,
  ConnectionError,
  ConstraintError,
  ForeignKeyViolationError,
  NotNullViolationError,
  QueryError,
  ReadOnlyError,
  SerializationError,
  TablekitError,
  UniqueViolationError,
} from "../../errors/errors.js";
import { asRecord, str } from "../../errors/driver-error.js";

/**
 * Finds the name of the unique index behind a SQLite UNIQUE/PRIMARY KEY failure, from the table
 * and the columns SQLite's message lists (see `sqliteUniqueConstraint` in the SQLite driver).
 */
export type SqliteConstraintLookup = (table: string, columns: readonly string[], primaryKey: boolean) => string | undefined;

/** Parses "UNIQUE constraint failed: users.email, users.org" into its table and columns. */
function sqliteConstraintTarget(message: string): { table?: string; columns: string[] } {
  const colon = message.indexOf(": ");
  if (colon < 0) return { columns: [] };
  const columns: string[] = [];
  let table: string | undefined;
  for (const part of message.slice(colon + 2).split(",")) {
    const item = part.trim();
    const dot = item.indexOf(".");
    if (dot > 0 && /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(item)) {
      table ??= item.slice(0, dot);
      columns.push(item.slice(dot + 1));
    }
  }
  return table === undefined ? { columns } : { table, columns };
}

/**
 * Maps a better-sqlite3 error (or anything thrown while using SQLite) to a {@link TablekitError}.
 * `lookup` names the unique index of a UNIQUE/PRIMARY KEY failure (none: `constraint` stays unset).
 */
export function mapSqliteError(error: unknown, lookup?: SqliteConstraintLookup): TablekitError {
  if (error instanceof TablekitError) return error;
  const e = asRecord(error);
  const code = str(e.code) ?? "";
  const message = str(e.message) ?? String(error);
  const options = { cause: error, code: code || undefined };
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    const target = sqliteConstraintTarget(message);
    const details = { ...options, table: target.table, columns: target.columns };
    switch (code) {
      case "SQLITE_CONSTRAINT_UNIQUE":
      case "SQLITE_CONSTRAINT_PRIMARYKEY": {
        // An index on expressions is named by SQLite itself: "UNIQUE constraint failed: index 'name'".
        const named = /constraint failed: index '([^']+)'/.exec(message)?.[1];
        let constraint = named;
        if (constraint === undefined && lookup !== undefined && target.table !== undefined && target.columns.length > 0) {
          try {
            constraint = lookup(target.table, target.columns, code === "SQLITE_CONSTRAINT_PRIMARYKEY");
          } catch {
            // The name is a courtesy: a failed lookup leaves it unset.
          }
        }
        return new UniqueViolationError(message, { ...details, constraint });
      }
      case "SQLITE_CONSTRAINT_FOREIGNKEY":
        return new ForeignKeyViolationError(message, details);
      case "SQLITE_CONSTRAINT_NOTNULL":
        return new NotNullViolationError(message, details);
      case "SQLITE_CONSTRAINT_CHECK": {
        const constraint = message.slice(message.indexOf(": ") + 2);
        return new CheckViolationError(message, { ...options, constraint });
      }
      default:
        return new ConstraintError(message, details);
    }
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new SerializationError(`The database is busy: ${message}`, options);
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return new ReadOnlyError(`The database is read-only: ${message}`, options);
  }
  if (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_NOTADB") || code.startsWith("SQLITE_IOERR")) {
    return new ConnectionError(message, options);
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    // better-sqlite3 raises these for bad bindings (wrong parameter count, unsupported value types).
    return new QueryError(message, options);
  }
  return new QueryError(message, options);
}

