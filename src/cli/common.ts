/**
 * What every command shares: the `--db`, `--json` and `--verbose` options, choosing and opening
 * the Database, and keeping passwords out of everything the command prints.
 *
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_SQLITE_FILENAME, type Int64Mode } from "../config/connection-config.js";
import { redactSecrets, redactUrl, urlSecrets } from "../config/redact.js";
import { Database } from "../database.js";
import { ConnectionError } from "../errors/errors.js";
import { CliError, type CliIo } from "./cli-io.js";
import { parseJson } from "./values.js";

/** Options every command accepts. */
export interface CommonOptions {
  /** `--db URL`: the database; default `DATABASE_URL`, then `./tablekit.db`. */
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
  command.option("--db <url>", "database URL (default: $DATABASE_URL, then ./tablekit.db)");
  if (json !== false) command.option("--json", json);
  return command.option("--verbose", "print the stack trace of errors");
}

/**
 * The database a command uses: `--db`, else `DATABASE_URL` from the command's environment, else
 * the library's embedded default `./tablekit.db` — the same choice as `new Database()`.
 */
export function databaseTarget(options: CommonOptions, env: CliIo["env"]): string {
  const fromEnv = env["DATABASE_URL"]?.trim();
  return options.db ?? (fromEnv === undefined || fromEnv === "" ? DEFAULT_SQLITE_FILENAME : fromEnv);
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
  const secrets = [...urlSecrets([...argv, env["DATABASE_URL"]]), env["PGPASSWORD"]];
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
