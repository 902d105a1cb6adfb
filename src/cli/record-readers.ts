/**
 * Streaming readers for `import`: JSON Lines through `readline`, CSV through csv-parse's stream
 * parser. Both yield one record at a time with its line number, so memory stays bounded whatever
 * the file's size, and a malformed line is reported as `FILE:LINE`.
 *
 * @module
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type CastingFunction, parse } from "csv-parse";
import type { Row } from "../dialect/dialect.js";
import { parseJson } from "./values.js";

/** The file formats `import` and `export` understand. */
export type DataFormat = "jsonl" | "csv";

/** Every {@link DataFormat}, for `--format`. */
export const DATA_FORMATS: readonly DataFormat[] = ["jsonl", "csv"];

/** The format a file name implies: `.jsonl`/`.ndjson` → jsonl, `.csv` → csv, otherwise undefined. */
export function formatFromPath(path: string): DataFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".csv") return "csv";
  return undefined;
}

/** A record of the file and the line it ends on (1-based). */
export interface SourceRecord {
  /** Column name → value (CSV: text, or null for an empty unquoted cell). */
  record: Row;
  /** Line number in the file. */
  line: number;
}

/** A line of the file that cannot be read as a record. */
export class MalformedRecordError extends Error {
  /** The line (1-based). */
  readonly line: number;

  /** Creates the error for `line` with the reason. */
  constructor(line: number, reason: string) {
    super(reason);
    this.line = line;
  }

  override get name(): string {
    return "MalformedRecordError";
  }
}

/** An open input file (or stdin) being read record by record. */
export interface RecordSource {
  /** The records, in file order; throws {@link MalformedRecordError} at the first bad line. */
  records: AsyncIterable<SourceRecord>;
  /** Bytes read from the input so far (for the progress bar). */
  bytesRead(): number;
  /** The input's size in bytes, when known (a file; not stdin). */
  totalBytes: number | undefined;
  /** Closes the input early (after an error). */
  close(): void;
  /** Stops reading at once, stdin included (Ctrl-C): a reader waiting for input ends. */
  interrupt(): void;
}

/** Largest CSV record accepted, in characters: an unclosed quote fails here instead of filling memory. */
const MAX_CSV_RECORD = 16 * 1024 * 1024;

/**
 * Opens `path` (or stdin when `path` is `-`) and reads it as `format`.
 *
 * @throws The file system's error when the file cannot be opened.
 */
export async function openRecordSource(path: string, format: DataFormat, stdin: Readable): Promise<RecordSource> {
  let input: Readable;
  let totalBytes: number | undefined;
  let bytesRead = (): number => 0;
  if (path === "-") {
    input = stdin;
  } else {
    const handle = await open(path, "r");
    totalBytes = (await handle.stat()).size;
    const file = handle.createReadStream();
    // No 'data' listener here: it would start the flow before a reader is attached, and lose data.
    bytesRead = () => file.bytesRead;
    input = file;
  }
  return {
    records: format === "csv" ? csvRecords(input) : jsonlRecords(input),
    bytesRead,
    totalBytes,
    close: () => {
      if (input !== stdin) input.destroy();
    },
    interrupt: () => {
      input.destroy();
    },
  };
}

async function* jsonlRecords(input: Readable): AsyncGenerator<SourceRecord> {
  let failure: Error | undefined;
  input.on("error", (error) => (failure ??= error));
  const lines = createInterface({ input, crlfDelay: Infinity });
  // A destroyed input (Ctrl-C) emits 'close' but not 'end': without this the reader waits forever.
  input.once("close", () => lines.close());
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const content = line === 1 ? text.replace(/^\uFEFF/, "") : text;
      if (content.trim() === "") continue;
      let value: unknown;
      try {
        value = parseJson(content);
      } catch (error) {
        throw new MalformedRecordError(line, `invalid JSON: ${(error as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new MalformedRecordError(line, `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
      }
      yield { record: value as Row, line };
    }
  } finally {
    lines.close();
  }
  if (failure !== undefined) throw failure;
}

/** csv-parse's messages end with the position, which `FILE:LINE` already gives. */
function csvReason(error: Error): string {
  return error.message.replace(/\s+(?:on|at) line \d+\s*$/, "").replace(/:\s*$/, "");
}

function checkHeader(header: string[]): string[] {
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name.trim() === "") throw new MalformedRecordError(1, `the header's column ${i + 1} has no name`);
    if (seen.has(name)) throw new MalformedRecordError(1, `the header names the column "${name}" twice`);
    seen.add(name);
  }
  return header;
}

async function* csvRecords(input: Readable): AsyncGenerator<SourceRecord> {
  // An empty unquoted cell is NULL; a quoted one ("") is the empty string.
  const cast: CastingFunction = (value, context) => (!context.header && value === "" && !context.quoting ? null : value);
  const parser = parse({ bom: true, columns: checkHeader, cast, info: true, skip_empty_lines: true, max_record_size: MAX_CSV_RECORD });
  const piped = pipeline(input, parser).catch(() => undefined);
  try {
    for await (const item of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
      yield { record: item.record, line: item.info.lines };
    }
  } catch (error) {
    if (error instanceof MalformedRecordError) throw error;
    const { lines, code } = error as { lines?: unknown; code?: unknown };
    if (typeof lines === "number" && typeof code === "string" && /^(?:CSV_|INVALID_)/.test(code)) throw new MalformedRecordError(lines, csvReason(error as Error));
    throw error;
  } finally {
    parser.destroy();
    await piped;
  }
}
