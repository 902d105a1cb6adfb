/**
 * What every command shares: the `--db`, `--json`, `--verbose`, `--quiet` and `--no-progress` options, choosing and opening
 * the Database, and keeping passwords out of everything the command prints.
 *
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_SQLITE_FILENAME, type Int64Mode } from "../config/connection-config.js";
import { redactSecrets, redactUrl, urlSecrets } from "../util/redact.js";
import { Database } from "../database.js";
import { ConnectionError } from "../errors/errors.js";
import { CliError, type CliIo, stderrInteractive } from "./cli-io.js";
import { parseJson } from "./values.js";

/** Options every command accepts. */
export interface CommonOptions {
  /** `--db URL` (before or after the subcommand): the database; default `TABLEKIT_DB`, then `DATABASE_URL`, then `./tablekit.db`. */
  db?: string;
  /** `--json`: machine-readable output. */
  json?: boolean;
  /** `--verbose`: print the stack trace of a runtime error. */
  verbose?: boolean;
}

/**
 * Adds `--db`, `--verbose` and `--json` to a command. `json` is the help text of `--json`
 * (default "print JSON instead of a table"), or false for a command without it.
 */
export function addCommonOptions(command: Command, json: string | false = "print JSON instead of a table"): Command {
  command.option("--db <url>", "database URL (default: $TABLEKIT_DB, then $DATABASE_URL, then ./tablekit.db)");
  if (json !== false) command.option("--json", json);
  return command.option("--verbose", "print the stack trace of errors");
}

/**
 * The database a command uses: `--db`, else `TABLEKIT_DB`, else `DATABASE_URL` from the command's
 * environment (an empty variable counts as unset), else the library's embedded default
 * `./tablekit.db` — the same final choice as `new Database()`.
 */
export function databaseTarget(options: CommonOptions, env: CliIo["env"]): string {
  if (options.db !== undefined) return options.db;
  for (const name of ["TABLEKIT_DB", "DATABASE_URL"]) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") return value;
  }
  return DEFAULT_SQLITE_FILENAME;
}

/** Options of the commands that show progress: `--quiet` and `--no-progress`. */
export interface ProgressFlags {
  /** `--quiet`: no progress bar and no summary line (errors are still printed). */
  quiet?: boolean;
  /** `--no-progress` sets this to false: no progress bar. */
  progress?: boolean;
}

/** Adds `-q, --quiet` and `--no-progress` to a command. */
export function addProgressOptions(command: Command): Command {
  return command.option("-q, --quiet", "print no progress bar and no summary (errors still go to stderr)").option("--no-progress", "do not draw the progress bar");
}

/** Whether the summary line may be printed (on stderr): stderr is a terminal and not `--quiet`. */
export function showSummary(flags: ProgressFlags, io: CliIo): boolean {
  return flags.quiet !== true && stderrInteractive(io);
}

/** The progress bar settings for {@link createProgress}: on only when stderr is a terminal and neither `--quiet` nor `--no-progress`. */
export function progressSettings(flags: ProgressFlags, io: CliIo): { enabled: boolean; stream: CliIo["stderr"]; width: number | undefined; plain: boolean } {
  const noColor = io.env["NO_COLOR"];
  return {
    enabled: flags.quiet !== true && flags.progress !== false && stderrInteractive(io),
    stream: io.stderr,
    width: io.columns,
    plain: noColor !== undefined && noColor !== "",
  };
}

/**
 * Opens the command's Database, runs `fn`, and closes it. A failure to connect names the database
 * by its safe description (no password).
 */
export async function withDatabase<T>(options: CommonOptions, io: CliIo, fn: (db: Database) => Promise<T>, int64: Int64Mode = "bigint"): Promise<T> {
  const target = databaseTarget(options, io.env);
  const db = new Database({ url: target, int64 });
  try {
    try {
      await db.connect();
    } catch (error) {
      if (error instanceof ConnectionError) throw new CliError(`cannot connect to ${String(db).slice("Database(".length, -1)}: ${error.message}`, { cause: error });
      throw error;
    }
    return await fn(db);
  } finally {
    await db.close().catch(() => undefined);
  }
}

/**
 * Makes a text safe to print: hides the passwords of every URL in `argv` and `DATABASE_URL`,
 * `PGPASSWORD`, and any password inside a URL in the text itself.
 */
export function redactForOutput(text: string, argv: readonly string[], env: CliIo["env"]): string {
  const secrets = [...urlSecrets([...argv, env["TABLEKIT_DB"], env["DATABASE_URL"]]), env["PGPASSWORD"]];
  return redactUrl(redactSecrets(text, secrets));
}

/** A commander argument parser for a positive integer option (`--batch 500`). */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** A commander argument parser for a JSON option (`--where '{"age":{"gte":18}}'`) whose value must be an object. */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJson(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError("must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A commander argument parser for a JSON array option (`--params '[1,"a"]'`). */
export function jsonArray(value: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = parseJson(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new InvalidArgumentError("must be a JSON array");
  return parsed;
}
