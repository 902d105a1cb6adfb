/**
 * Compares a declared schema (`{ column: "TYPE ..." }`, as `Table` takes it) with the live table:
 * the SQL that adds the missing columns, and comment lines for what cannot be done safely by an
 * ADD COLUMN. Used by `db.schemaDiff` and by `Table`'s `sync: "add"`.
 *
 * @module
 */
import { createTableSql, createTableStatements } from "../crud/ddl.js";
import { ValidationError } from "../errors/errors.js";
import { type Queryable, dialectOf } from "../queryable.js";
import { assertIdentifier, quoteIdentifier } from "../sql/identifiers.js";

/** @internal The result of comparing a declared schema with the live table. */
export interface SchemaComparison {
  /** Whether the table exists. */
  exists: boolean;
  /** Declared columns the live table lacks, in declaration order. */
  missing: string[];
  /** `ALTER TABLE … ADD COLUMN …` (or `CREATE TABLE …` and its indexes, see `createTableStatements`, when the table does not exist). */
  statements: string[];
  /** `-- …` lines: what the statements do not do (drops, changes, columns SQLite cannot add). */
  notes: string[];
}

/** The definition of `column` as `dialect` reads it (SQLite: translated like `createTable` does). */
function columnDefinition(db: Queryable, table: string, column: string, definition: string): string {
  const statement = createTableSql(db[dialectOf](), table, { [column]: definition }, { ifNotExists: false });
  const match = /^CREATE TABLE \S+ \(([\s\S]*)\)$/.exec(statement);
  if (match === null) throw new ValidationError(`Cannot read the definition of column "${column}"`);
  return match[1] as string;
}

/** @internal Compares `schema` with the live table `table`. */
export async function compareSchema(db: Queryable, table: string, schema: Readonly<Record<string, string>>): Promise<SchemaComparison> {
  assertIdentifier(table, "table");
  if (schema === null || typeof schema !== "object" || Array.isArray(schema) || Object.keys(schema).length === 0) {
    throw new ValidationError("schemaDiff needs a schema: { column: \"TYPE ...\" }", [{ message: "must be an object of column definitions", path: ["schema"] }]);
  }
  const live = await db.columns(table);
  if (live.length === 0) {
    return { exists: false, missing: Object.keys(schema), statements: createTableStatements(db[dialectOf](), table, schema, { ifNotExists: false }), notes: [] };
  }
  const liveNames = new Set(live.map((c) => c.name));
  const missing: string[] = [];
  const statements: string[] = [];
  const notes: string[] = [];
  for (const [column, definition] of Object.entries(schema)) {
    assertIdentifier(column, "column");
    if (liveNames.has(column)) continue;
    missing.push(column);
    const def = columnDefinition(db, table, column, definition);
    if (!db[dialectOf]().addColumnWithKeys && /\b(PRIMARY\s+KEY|UNIQUE)\b/i.test(def)) {
      notes.push(
        `-- column "${column}" (${definition}): SQLite cannot ADD a PRIMARY KEY or UNIQUE column; it needs a table rebuild ` +
          "(SQLite's 12-step ALTER procedure), which tablekit does not do: write that migration by hand",
      );
      continue;
    }
    statements.push(`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${def}`);
    if (/\bNOT\s+NULL\b/i.test(def) && !/\bDEFAULT\b/i.test(def)) {
      notes.push(`-- column "${column}" is NOT NULL without a DEFAULT: adding it fails if the table has rows; give it a DEFAULT, or add it nullable, fill it, then add NOT NULL`);
    }
  }
  const declared = new Set(Object.keys(schema));
  for (const c of live) {
    if (!declared.has(c.name)) notes.push(`-- column "${c.name}" is in the table but not in the schema: never dropped automatically; DROP it in a migration if that is intended`);
  }
  if (statements.length > 0 || notes.length > 0) {
    notes.push("-- types, defaults and constraints of existing columns are not compared: change them in a migration");
  }
  return { exists: true, missing, statements, notes };
}

/** @internal The text `db.schemaDiff` returns: statements ending in `;`, then the notes. Empty when nothing differs. */
export function diffText(comparison: SchemaComparison): string {
  return [...comparison.statements.map((s) => `${s};`), ...comparison.notes].join("\n");
}
