/**
 * What `Table` does when its declared schema has columns the live table lacks: with
 * `sync: "add"`, add them (with their defaults) under the migration lock; without it, a
 * {@link SchemaMismatchError} naming the columns and the two ways forward. Never drops or changes
 * a column.
 *
 * @module
 */
import { ValidationError } from "../errors/errors.js";
import type { ColumnInfo } from "../queryable.js";
import { formatForMessage } from "../sql/identifiers.js";
import { type MigrationDatabase, lockStep } from "./migration-lock.js";
import { SchemaMismatchError } from "./migration-errors.js";
import { compareSchema, diffText } from "./schema-diff.js";

/** Checks the `sync` option of a Table. */
export function checkSyncOption(sync: unknown): "add" | undefined {
  if (sync === undefined || sync === "add") return sync;
  throw new ValidationError(`sync must be "add" (add missing columns) or left out, not ${formatForMessage(sync)}`, [{ message: 'must be "add"', path: ["sync"] }]);
}

/**
 * Compares the live columns with `schema`; returns `live` when nothing is missing, else adds the
 * missing columns (`sync: "add"`) and returns the new columns, or throws {@link SchemaMismatchError}.
 */
export async function syncColumns(
  db: MigrationDatabase,
  table: string,
  schema: Readonly<Record<string, string>>,
  live: readonly ColumnInfo[],
  sync: "add" | undefined,
): Promise<readonly ColumnInfo[]> {
  const names = new Set(live.map((c) => c.name));
  const missing = Object.keys(schema).filter((c) => !names.has(c));
  if (missing.length === 0) return live;
  const list = missing.map((c) => `"${c}"`).join(", ");
  if (sync !== "add") {
    const diff = diffText(await compareSchema(db, table, schema));
    throw new SchemaMismatchError(
      `Table "${table}" lacks declared column${missing.length > 1 ? "s" : ""} ${list}: the table was created before ${missing.length > 1 ? "they were" : "it was"} added ` +
        `to the schema, and tablekit never alters a table by itself. Either open the Table with sync: "add" (adds missing columns with their defaults), ` +
        `or apply a migration (docs/migrations.md) with:\n${diff}`,
      table,
      missing,
    );
  }
  await db.transaction(async (tx) => {
    await lockStep(tx, `sync:${table}`);
    // Another instance may have added them meanwhile: compare again under the lock.
    const comparison = await compareSchema(tx, table, schema);
    const refused = comparison.notes.filter((n) => n.includes("cannot ADD"));
    if (refused.length > 0) throw new SchemaMismatchError(`Table "${table}" cannot be synced: ${refused.join("; ")}`, table, comparison.missing);
    for (const statement of comparison.statements) await tx.execute(statement);
  });
  return db.columns(table);
}
