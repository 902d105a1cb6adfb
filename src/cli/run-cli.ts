/**
 * The `tablekit` command as a function: parses the arguments with commander, runs the command,
 * and turns the outcome into an exit code — 0 success, 1 a runtime error shown as one line
 * `tablekit: <message>` (the stack too with `--verbose`), 2 a usage error, 130 interrupted by Ctrl-C.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { type CliIo, InterruptedError, UsageError } from "./cli-io.js";
import { redactForOutput } from "./common.js";
import { registerExportCommand } from "./commands/export-command.js";
import { registerImportCommand } from "./commands/import-command.js";
import { registerKvCommands } from "./commands/kv-commands.js";
import { registerMigrateCommand } from "./commands/migrate-command.js";
import { registerSchemaCommands } from "./commands/schema-commands.js";
import { SqlStatementError } from "./commands/sql-command.js";

/** The package's version, read from package.json (two levels up from both src/cli and dist/cli). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Builds the commander program; its output goes to `io`, and it throws instead of exiting. */
export function buildProgram(io: CliIo, state: { verbose: boolean } = { verbose: false }): Command {
  const program = new Command("tablekit")
    .description("Inspect, query, import and export tablekit databases (embedded SQLite, PostgreSQL, CockroachDB).")
    .version(version(), "-V, --version", "print the version")
    .helpCommand("help [command]", "show help for a command")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText(
      "after",
      "\nEvery command takes --db URL, before or after the command (default: $TABLEKIT_DB, then\n" +
        "$DATABASE_URL, then ./tablekit.db), and --help.\n" +
        "Exit codes: 0 success, 1 runtime error, 2 usage error, 130 interrupted (Ctrl-C).",
    )
    .option("--db <url>", "database URL for the command that follows");
  program.hook("preAction", (_program, action) => {
    state.verbose = action.opts()["verbose"] === true;
    // `tablekit --db URL tables`: commander gives a --db anywhere on the line to the program.
    const db = program.opts()["db"] as string | undefined;
    if (db !== undefined && action.opts()["db"] === undefined) action.setOptionValue("db", db);
  });
  registerSchemaCommands(program, io);
  registerImportCommand(program, io);
  registerExportCommand(program, io);
  registerKvCommands(program, io);
  registerMigrateCommand(program, io);
  return program;
}

/** The error, its stack and its causes, for `--verbose`. */
function details(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push((depth === 0 ? "" : "Caused by: ") + (current instanceof Error ? (current.stack ?? String(current)) : String(current)));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join("\n");
}

/**
 * Runs the `tablekit` command with `argv` (the arguments after the program name) and returns its
 * exit code. Never throws and never calls `process.exit`: everything goes through `io`.
 *
 * ```ts
 * const code = await runCli(["sql", "SELECT 1 AS one", "--json"], { stdout, stderr, stdin, env: {}, isTTY: false });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state = { verbose: false };
  try {
    await buildProgram(io, state).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    // A reader that went away (`tablekit export t | head`) is not an error of ours.
    if ((error as { code?: unknown } | undefined)?.code === "EPIPE") return 0;
    const message = error instanceof Error ? error.message : String(error);
    const safe = (text: string): string => redactForOutput(text, argv, io.env);
    io.stderr.write(`tablekit: ${safe(message).replace(/\s*\r?\n\s*/g, " ").trim()}\n`);
    if (error instanceof SqlStatementError) for (const line of error.extraLines) io.stderr.write(safe(line) + "\n");
    if (state.verbose) io.stderr.write(safe(details(error)) + "\n");
    if (error instanceof InterruptedError) return 130;
    if (error instanceof UsageError) {
      io.stderr.write("(add --help for usage)\n");
      return 2;
    }
    return 1;
  }
}
