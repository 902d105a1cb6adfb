/**
 * Runs the `tablekit` command in-process through `runCli`, with collecting streams, and gives
 * each backend's database URL for `--db`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { runCli } from "../../src/cli/run-cli.js";
import { Database } from "../../src/index.js";
import { type Backend, PG_URL, tempDir } from "../support/backends.js";

/** What one run of the command did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link tablekit}. */
export interface RunOptions {
  /** Pretend stdout is a terminal. Default false (piped). */
  isTTY?: boolean;
  /** Pretend stderr is a terminal (where the progress bar and summaries go). Default false. */
  stderrIsTTY?: boolean;
  /** Width of the stderr terminal. */
  columns?: number;
  /** Ctrl-C for the in-process command. */
  signal?: AbortSignal;
  /** Text (or bytes) on stdin. Default empty. */
  stdin?: string | Buffer;
  /** The environment. Default: none at all (so DATABASE_URL of the test process never leaks in). */
  env?: Record<string, string>;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** Runs `tablekit ...args` in-process. */
export async function tablekit(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(options.stdin === undefined ? [] : [typeof options.stdin === "string" ? Buffer.from(options.stdin) : options.stdin]),
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    columns: options.columns,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A database URL for `--db` on `backend`: a fresh SQLite file, or the test PostgreSQL server. */
export function databaseUrl(backend: Backend): string {
  return backend.name === "sqlite" ? join(tempDir(), "cli.db") : PG_URL;
}

/** A Database on `url`, for checking what the command did. */
export function openDb(url: string): Database {
  return new Database({ url });
}

/** Writes `text` to a new file named `name` in a temporary directory and returns its path. */
export function tempFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}
