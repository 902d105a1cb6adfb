/**
 * Where migrations come from: a directory of `.sql` and `.js`/`.mjs`/`.cjs`/`.ts` files, or a
 * list given in code. Each becomes a {@link LoadedMigration}, sorted by name.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SqlFlavor } from "../sql/sql-tokens.js";
import type { Queryable } from "../queryable.js";
import { MigrationSourceError } from "./migration-errors.js";
import { type ScriptStatement, ScriptSyntaxProblem, splitStatements } from "../sql/split-statements.js";

/** A migration given in code: `db.migrate({ migrations: [{ name, up, down }] })`. */
export interface Migration {
  /** Unique name; migrations run in name order (`"001_create_users"`, `"2026-01-05_add_color"`). */
  name: string;
  /** Applies the migration. Statements run on `db` (or the Database) join its transaction. */
  up: (db: Queryable) => Promise<unknown> | unknown;
  /** Reverts it, for `db.migrate.down`; without it the migration cannot be rolled back. */
  down?: ((db: Queryable) => Promise<unknown> | unknown) | undefined;
}

/** A migration's step (up or down), ready to run. */
export type MigrationStep =
  | { kind: "sql"; statements: readonly ScriptStatement[] }
  | { kind: "function"; run: (db: Queryable) => Promise<unknown> | unknown };

/** @internal A migration, loaded. */
export interface LoadedMigration {
  readonly name: string;
  /** The file, for migrations read from a directory. */
  readonly file: string | undefined;
  /** SHA-256 (hex) of the file's bytes; undefined for migrations given in code. */
  readonly checksum: string | undefined;
  readonly up: MigrationStep;
  readonly down: MigrationStep | undefined;
}

/** Statements that would end or nest the migration's own transaction. */
const TRANSACTION_CONTROL = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK", "START", "ABORT"]);
const MODULE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts", ".mts"]);

/** The checksum recorded for a file. */
export function checksumOf(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function parseSql(text: string, flavor: SqlFlavor, name: string, file: string): MigrationStep {
  const result = splitStatements(text, flavor);
  if (result instanceof ScriptSyntaxProblem) {
    throw new MigrationSourceError(`Migration file ${file} cannot be split into statements: ${result.message} at line ${result.line}`, name);
  }
  for (const statement of result) {
    const first = /^[A-Za-z]+/.exec(statement.sql)?.[0]?.toUpperCase() ?? "";
    if (TRANSACTION_CONTROL.has(first) && !/^ROLLBACK\s+TO\b/i.test(statement.sql)) {
      throw new MigrationSourceError(
        `Migration file ${file}, statement ${statement.index} (line ${statement.line}): ${first} is not allowed: each migration already runs in its own transaction`,
        name,
      );
    }
  }
  return { kind: "sql", statements: result };
}

function functionStep(value: unknown, what: string, name: string): MigrationStep | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw new MigrationSourceError(`Migration ${name}: ${what} must be a function`, name);
  return { kind: "function", run: value as (db: Queryable) => unknown };
}

/** @internal Loads the migrations of a directory, sorted by name (code-point order). */
export async function loadDirectory(dir: string, flavor: SqlFlavor): Promise<LoadedMigration[]> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    throw new MigrationSourceError(`Cannot read the migrations directory ${root}: ${(error as Error).message}`, undefined, { cause: error });
  }
  const downFiles = new Set(entries.filter((e) => e.endsWith(".down.sql")));
  const migrations: LoadedMigration[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries.sort()) {
    if (entry.startsWith(".") || entry.endsWith(".d.ts") || entry.endsWith(".down.sql")) continue;
    const ext = extname(entry);
    if (ext !== ".sql" && !MODULE_EXTENSIONS.has(ext)) continue;
    const name = entry.slice(0, -ext.length);
    const file = join(root, entry);
    const other = seen.get(name);
    if (other !== undefined) throw new MigrationSourceError(`Two migration files have the name ${name}: ${other} and ${entry}`, name);
    seen.set(name, entry);
    const bytes = await readFile(file);
    if (ext === ".sql") {
      const downEntry = `${name}.down.sql`;
      const down = downFiles.has(downEntry) ? parseSql(await readFile(join(root, downEntry), "utf8"), flavor, name, join(root, downEntry)) : undefined;
      migrations.push({ name, file, checksum: checksumOf(bytes), up: parseSql(bytes.toString("utf8"), flavor, name, file), down });
    } else {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (error) {
        throw new MigrationSourceError(`Cannot load migration module ${file}: ${(error as Error).message}`, name, { cause: error });
      }
      const exported = (typeof mod["up"] === "function" ? mod : ((mod["default"] ?? {}) as Record<string, unknown>)) as Record<string, unknown>;
      const up = functionStep(exported["up"], "the exported up", name);
      if (up === undefined) throw new MigrationSourceError(`Migration module ${file} exports no up(db) function`, name);
      migrations.push({ name, file, checksum: checksumOf(bytes), up, down: functionStep(exported["down"], "the exported down", name) });
    }
  }
  return migrations;
}

/** @internal Checks and sorts migrations given in code. */
export function loadList(list: unknown): LoadedMigration[] {
  if (!Array.isArray(list)) throw new MigrationSourceError("migrations must be an array of { name, up, down? }");
  const seen = new Set<string>();
  const migrations = list.map((item: unknown, index): LoadedMigration => {
    if (item === null || typeof item !== "object") throw new MigrationSourceError(`migrations[${index}] must be an object { name, up, down? }`);
    const { name, up, down } = item as Record<string, unknown>;
    if (typeof name !== "string" || name === "" || name.length > 200) throw new MigrationSourceError(`migrations[${index}].name must be a non-empty string (at most 200 characters)`);
    if (seen.has(name)) throw new MigrationSourceError(`Two migrations have the name ${name}`, name);
    seen.add(name);
    const upStep = functionStep(up, "up", name);
    if (upStep === undefined) throw new MigrationSourceError(`Migration ${name} has no up function`, name);
    return { name, file: undefined, checksum: undefined, up: upStep, down: functionStep(down, "down", name) };
  });
  return migrations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
