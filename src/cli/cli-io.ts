/**
 * What the `tablekit` command reads and writes, passed in so the whole command runs in-process in
 * tests: the streams, the environment, and whether a person is watching a terminal. Also the
 * command's two error classes and a writer that respects backpressure.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";

/**
 * The world the command runs in. `main.ts` passes the process's streams; tests pass collecting
 * streams and a fixed environment.
 */
export interface CliIo {
  /** Where results go (rows, exported data, summaries). */
  stdout: Writable;
  /** Where errors, and the progress bar on a terminal, go. */
  stderr: Writable;
  /** Read by `import … -`, `sql -` and `kv set KEY -`. */
  stdin: Readable;
  /** The environment: `DATABASE_URL` and `PGPASSWORD` are read from here, never from `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Whether stdout is an interactive terminal. On a terminal, rows are shown as an aligned table;
   * otherwise output is plain (tab-separated).
   */
  isTTY: boolean;
  /**
   * Whether stderr is an interactive terminal: the progress bar and the summary lines of `import`
   * and `export` are drawn there, so they are gated on this, never on stdout. Default false.
   */
  stderrIsTTY?: boolean;
  /** Width of the stderr terminal in columns (the progress bar is shortened to fit). Default: unknown, not shortened. */
  columns?: number | undefined;
  /**
   * Aborted when the user presses Ctrl-C (SIGINT). Commands that can stop cleanly (`import`,
   * `export`) listen to it, undo or report what they did, and end with {@link InterruptedError}
   * (exit code 130). `main.ts` exits at once on a SIGINT when no command listens.
   */
  signal?: AbortSignal;
}

/** Whether the progress bar and summaries may be drawn: stderr is a terminal and `TERM` is not `dumb`. */
export function stderrInteractive(io: CliIo): boolean {
  return io.stderrIsTTY === true && io.env["TERM"] !== "dumb";
}

/**
 * Temporary files being written (`export --out`): `main.ts` removes them synchronously when a
 * second Ctrl-C ends the process at once, so none is left behind.
 */
export const pendingTempFiles = new Set<string>();

/** A runtime failure the command reports as one line, `tablekit: <message>`, with exit code 1. */
export class CliError extends Error {
  /** Creates the error; `cause` is shown with `--verbose`. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  override get name(): string {
    return "CliError";
  }
}

/** A wrong invocation found after parsing (e.g. reading stdin without `--format`): exit code 2. */
export class UsageError extends CliError {
  override get name(): string {
    return "UsageError";
  }
}

/** The user pressed Ctrl-C: the command stopped cleanly and exits with code 130 (128 + SIGINT). */
export class InterruptedError extends CliError {
  override get name(): string {
    return "InterruptedError";
  }
}

/**
 * Writes text to a stream, waiting for `drain` when the stream's buffer is full, so exporting a
 * large table never holds more than a buffer's worth of output in memory. A stream that fails
 * (a closed pipe, a full disk) makes the next {@link OutputWriter.write} throw.
 */
export class OutputWriter {
  readonly #stream: Writable;
  #failure: Error | undefined;
  readonly #onError = (error: Error): void => {
    this.#failure ??= error;
  };

  /** Wraps `stream`; call {@link OutputWriter.release} when done to remove the error listener. */
  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on("error", this.#onError);
  }

  /** The first error the stream reported, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Writes `text`; resolves once the stream can take more. */
  async write(text: string): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (text.length === 0) return;
    if (this.#stream.write(text)) return;
    const stream = this.#stream;
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        stream.off("drain", done);
        stream.off("close", done);
        stream.off("error", fail);
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const fail = (error: Error): void => {
        cleanup();
        reject(error);
      };
      stream.on("drain", done);
      stream.on("close", done);
      stream.on("error", fail);
    });
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Stops listening to the stream's errors. */
  release(): void {
    this.#stream.off("error", this.#onError);
  }
}

/** Reads a whole readable stream as UTF-8 text (for `sql -` and `kv set KEY -`). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
