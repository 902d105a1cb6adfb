/**
 * `tablekit migrate [up|down|status|new NAME]`: applies, rolls back and lists the migrations of a
 * directory (default `./migrations`), or creates a new migration file. Exit codes as everywhere:
 * 0 success, 1 runtime error (a failed or refused migration; `status` with changed or missing
 * files), 2 usage error.
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError, type CliIo, UsageError } from "../cli-io.js";
import { type CommonOptions, addCommonOptions, withDatabase } from "../common.js";
import { toJson } from "../values.js";

/** Options of the `migrate` subcommands. */
interface MigrateCliOptions extends CommonOptions {
  dir: string;
  table?: string;
  to?: string;
  all?: boolean;
  ext?: string;
}

const TEMPLATES: Record<string, string> = {
  sql: "-- Write the statements of this migration, separated by ';'. They run in one transaction.\n",
  mjs: "/** @param {import(\"tablekit\").Queryable} db */\nexport async function up(db) {\n}\n\n/** @param {import(\"tablekit\").Queryable} db */\nexport async function down(db) {\n}\n",
  ts: 'import type { Queryable } from "tablekit";\n\nexport async function up(db: Queryable): Promise<void> {\n}\n\nexport async function down(db: Queryable): Promise<void> {\n}\n',
};

function withDir(command: Command, json: string): Command {
  return addCommonOptions(command.option("--dir <dir>", "the migrations directory", "migrations").option("--table <name>", "the table recording applied migrations", "tablekit_migrations"), json);
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Registers `migrate` and its subcommands on the program. */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  const migrate = program.command("migrate").description("apply, roll back, list or create schema migrations (docs/migrations.md)");
  const say = (text: string): void => void io.stdout.write(text);

  withDir(
    migrate
      .command("up", { isDefault: true })
      .description("apply every pending migration, in name order, each in its own transaction")
      .addHelpText("after", "\nExamples:\n  tablekit migrate\n  tablekit migrate up --dir db/migrations --db postgres://app@localhost/app"),
    "print JSON",
  ).action(async (options: MigrateCliOptions) => {
    const result = await withDatabase(options, io, (db) => db.migrate({ dir: resolve(options.dir), ...(options.table ? { table: options.table } : {}) }));
    if (options.json === true) say(toJson(result, 2) + "\n");
    else say(result.applied.length === 0 ? "nothing to apply\n" : result.applied.map((n) => `applied ${n}\n`).join(""));
  });

  withDir(
    migrate
      .command("down")
      .description("roll back the last applied migration (or every one after --to NAME, or --all)")
      .option("--to <name>", "roll back every migration applied after this one")
      .option("--all", "roll back every applied migration")
      .addHelpText("after", "\nExamples:\n  tablekit migrate down\n  tablekit migrate down --to 20260105120000_create_users"),
    "print JSON",
  ).action(async (options: MigrateCliOptions) => {
    if (options.to !== undefined && options.all === true) throw new UsageError("give --to or --all, not both");
    const to = options.all === true ? null : options.to;
    const result = await withDatabase(options, io, (db) =>
      db.migrate.down({ dir: resolve(options.dir), ...(options.table ? { table: options.table } : {}), ...(to !== undefined ? { to } : {}) }),
    );
    if (options.json === true) say(toJson(result, 2) + "\n");
    else say(result.reverted.length === 0 ? "nothing to roll back\n" : result.reverted.map((n) => `rolled back ${n}\n`).join(""));
  });

  withDir(
    migrate.command("status").description("list applied and pending migrations; exit code 1 when an applied migration's file changed or is missing"),
    "print JSON",
  ).action(async (options: MigrateCliOptions) => {
    const status = await withDatabase(options, io, (db) => db.migrate.status({ dir: resolve(options.dir), ...(options.table ? { table: options.table } : {}) }));
    if (options.json === true) say(toJson(status, 2) + "\n");
    else {
      const changed = new Set(status.changed);
      const missing = new Set(status.missing);
      const lines = status.applied.map((a) => `${missing.has(a.name) ? "missing" : changed.has(a.name) ? "changed" : "applied"}  ${a.name}  ${a.appliedAt}\n`);
      for (const name of status.pending) lines.push(`pending  ${name}\n`);
      say(lines.length === 0 ? "no migrations\n" : lines.join(""));
    }
    if (status.changed.length > 0 || status.missing.length > 0) {
      throw new CliError(`applied migrations whose file changed (${status.changed.join(", ") || "none"}) or is missing (${status.missing.join(", ") || "none"}): migrate up refuses to run`);
    }
  });

  migrate
    .command("new")
    .description("create an empty migration file named <timestamp>_NAME in the directory")
    .argument("<name>", "what the migration does: letters, digits, _ and -")
    .option("--dir <dir>", "the migrations directory", "migrations")
    .option("--ext <ext>", "sql, mjs or ts", "sql")
    .addHelpText("after", "\nExamples:\n  tablekit migrate new create_users\n  tablekit migrate new backfill_colors --ext mjs")
    .action((name: string, options: MigrateCliOptions) => {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(name)) throw new UsageError(`migration name "${name}" must be letters, digits, _ and - only`);
      const ext = options.ext ?? "sql";
      const template = TEMPLATES[ext];
      if (template === undefined) throw new UsageError(`--ext must be sql, mjs or ts, not "${ext}"`);
      const dir = resolve(options.dir);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${timestamp(new Date())}_${name}.${ext}`);
      if (existsSync(file)) throw new CliError(`${file} already exists`);
      writeFileSync(file, template, { flag: "wx" });
      say(file + "\n");
    });
}
