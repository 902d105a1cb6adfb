#!/usr/bin/env node
/**
 * The `tablekit` executable (package.json `bin`): runs {@link runCli} on the process's arguments
 * and streams, and sets the exit code.
 *
 * @module
 */
import "../node-version.js"; // FIRST: the Node.js version check, before better-sqlite3 is evaluated.
import { runCli } from "./run-cli.js";

// A reader that went away (`tablekit export t | head`) is not an error; anything else still is.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});
