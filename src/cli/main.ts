#!/usr/bin/env node
/**
 * The `tablekit` executable (package.json `bin`): runs {@link runCli} on the process's arguments
 * and streams, and sets the exit code.
 *
 * Ctrl-C (SIGINT): a command that can stop cleanly (`import`, `export`) listens to `io.signal`
 * and ends itself with exit code 130; for any other command, or on a second Ctrl-C, the process
 * exits at once with 130, after removing the temporary files of `export --out`.
 *
 * @module
 */
import "../node-version.js"; // FIRST: the Node.js version check, before better-sqlite3 is evaluated.
import { unlinkSync } from "node:fs";
import { getEventListeners } from "node:events";
import { pendingTempFiles } from "./cli-io.js";
import { runCli } from "./run-cli.js";

// A reader that went away (`tablekit export t | head`) is not an error; anything else still is.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (!interrupt.signal.aborted && getEventListeners(interrupt.signal, "abort").length > 0) {
    interrupt.abort();
    return;
  }
  for (const file of pendingTempFiles) {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
  process.exit(130);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  // A pseudo-terminal that was never sized reports 0 columns: take 80, as terminals start.
  columns: process.stderr.isTTY === true ? process.stderr.columns || 80 : undefined,
  signal: interrupt.signal,
});
