/**
 * Streaming readers for `import`: JSON Lines through `readline`, CSV and TSV through csv-parse's
 * stream parser (the separator given, or sniffed from the header line among `,` `;` tab `|`), and
 * a JSON array through a small incremental splitter. Every reader yields one record at a time with
 * its line number, so memory stays bounded whatever the file's size, and a malformed line is
 * reported as `FILE:LINE`. gzip input (told by its magic bytes, on stdin too) is gunzipped; `--encoding` decodes other
 * encodings than UTF-8 (a UTF-8 BOM is dropped; CRLF line ends are read like LF).
 *
 * @module
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { TextDecoder } from "node:util";
import { createGunzip } from "node:zlib";
import { type CastingFunction, parse } from "csv-parse";
import type { Row } from "../backends/contract.js";
import { parseJson } from "./values.js";

/** The file formats `import` and `export` understand: JSON Lines, CSV, TSV (CSV with tabs) and a JSON array. */
export type DataFormat = "jsonl" | "csv" | "tsv" | "json";

/** Every {@link DataFormat}, for `--format`. */
export const DATA_FORMATS: readonly DataFormat[] = ["jsonl", "csv", "tsv", "json"];

/** Whether a format carries text cells (CSV, TSV) rather than typed JSON values. */
export function isTextFormat(format: DataFormat): boolean {
  return format === "csv" || format === "tsv";
}

/** Whether a path names a gzip file (`.gz`): `import` gunzips it, `export --out` gzips it. */
export function isGzipPath(path: string): boolean {
  return extname(path).toLowerCase() === ".gz";
}

/**
 * The format a file name implies, a trailing `.gz` aside: `.jsonl`/`.ndjson` → jsonl, `.csv` → csv,
 * `.tsv`/`.tab` → tsv, `.json` → json, otherwise undefined.
 */
export function formatFromPath(path: string): DataFormat | undefined {
  const bare = isGzipPath(path) ? path.slice(0, -3) : path;
  const ext = extname(bare).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".csv") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".json") return "json";
  return undefined;
}

/** How to read the input beyond its format. */
export interface ReadOptions {
  /** CSV field separator (one character); default: `\t` for tsv, else sniffed from the header line. */
  delimiter?: string | undefined;
  /** Text encoding, any label `TextDecoder` knows (`latin1`, `windows-1252`, `utf-16le`…). Default UTF-8. */
  encoding?: string | undefined;
  /** Gunzip the input (default: when it starts with the gzip magic bytes `1f 8b`). */
  gzip?: boolean | undefined;
  /**
   * Ctrl-C: while the first bytes are awaited (stdin that has sent nothing yet) an abort stops the
   * wait and closes the input, so the import ends as interrupted instead of waiting on.
   */
  signal?: AbortSignal | undefined;
}

/** Separators sniffed from a CSV header line, in order of preference on a tie. */
const SNIFFED = [",", ";", "\t", "|"];

/**
 * The separator of a CSV file from its first line: the candidate among `,` `;` tab `|` that occurs
 * most often outside double quotes (`,` when none does).
 */
export function sniffDelimiter(firstLine: string): string {
  const counts = new Map(SNIFFED.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  for (const c of SNIFFED) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

/** A stream of text decoded from `encoding`, without a leading BOM. */
function decode(input: Readable, encoding: string): Readable {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: false });
  } catch {
    throw new RangeError(`unknown encoding "${encoding}"`);
  }
  const transform = new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, decoder.decode(chunk, { stream: true }));
    },
    flush(callback) {
      callback(null, decoder.decode());
    },
  });
  input.on("error", (error) => transform.destroy(error));
  input.on("close", () => {
    if (!input.readableEnded) transform.destroy();
  });
  return input.pipe(transform);
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

/** The first two bytes of every gzip stream (RFC 1952). */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Whether `head` starts with the gzip magic bytes. */
export function isGzipMagic(head: Uint8Array): boolean {
  return head.length >= GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * The first `n` bytes of a stream (fewer when it ends sooner), without consuming them: what was
 * read is put back with `unshift`, so the stream's reader still sees every byte.
 */
async function peekBytes(input: Readable, n: number, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n && signal?.aborted !== true) {
    const chunk = input.read() as Buffer | string | null;
    if (chunk !== null) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.length;
      continue;
    }
    if (input.readableEnded || input.destroyed) break;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        input.off("readable", done);
        input.off("end", done);
        input.off("close", done);
        input.off("error", done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      input.on("readable", done);
      input.on("end", done);
      input.on("close", done);
      input.on("error", done);
      signal?.addEventListener("abort", done);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) input.unshift(head);
  return head;
}

/** Largest CSV record accepted, in characters: an unclosed quote fails here instead of filling memory. */
const MAX_CSV_RECORD = 16 * 1024 * 1024;

/**
 * Opens `path` (or stdin when `path` is `-`) and reads it as `format`.
 *
 * @throws The file system's error when the file cannot be opened.
 */
export async function openRecordSource(path: string, format: DataFormat, stdin: Readable, read: ReadOptions = {}): Promise<RecordSource> {
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
  const raw = input;
  let text = input;
  // gzip is told by its first two bytes, whatever the name (stdin, a download without .gz).
  const head = read.gzip === undefined ? await peekBytes(raw, GZIP_MAGIC.length, read.signal) : undefined;
  // Interrupted before the input said anything: close it, so the reader ends and the import stops.
  if (read.signal?.aborted === true) raw.destroy();
  if (read.gzip ?? isGzipMagic(head!)) {
    const gunzip = createGunzip();
    raw.on("error", (error) => gunzip.destroy(error));
    raw.on("close", () => {
      if (!raw.readableEnded) gunzip.destroy();
    });
    text = raw.pipe(gunzip);
  }
  const encoding = read.encoding ?? "utf-8";
  if (!/^utf-?8$/i.test(encoding) || text !== raw) text = decode(text, encoding);
  const records =
    format === "jsonl"
      ? jsonlRecords(text)
      : format === "json"
        ? jsonArrayRecords(text)
        : csvRecords(text, read.delimiter ?? (format === "tsv" ? "\t" : undefined));
  return {
    records,
    bytesRead,
    totalBytes,
    close: () => {
      if (raw !== stdin) raw.destroy();
      if (text !== raw) text.destroy();
    },
    interrupt: () => {
      raw.destroy();
      if (text !== raw) text.destroy();
    },
  };
}

/** A JSON array `[{…}, …]` read element by element: each top-level element is parsed on its own. */
async function* jsonArrayRecords(input: Readable): AsyncGenerator<SourceRecord> {
  let line = 1;
  type State = "before" | "element" | "done";
  let state = "before" as State;
  let started = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = "";
  let elementLine = 1;
  let first = true;
  const finishElement = function* (): Generator<SourceRecord> {
    let value: unknown;
    try {
      value = parseJson(element);
    } catch (error) {
      throw new MalformedRecordError(elementLine, `invalid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new MalformedRecordError(elementLine, `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
    }
    element = "";
    started = false;
    yield { record: value as Row, line: elementLine };
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    let piece = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (first) {
      piece = piece.replace(/^\uFEFF/, "");
      first = false;
    }
    let start = 0;
    for (let i = 0; i < piece.length; i++) {
      const ch = piece[i]!;
      if (ch === "\n") line++;
      if (state === "element") {
        if (!started && !/\s/.test(ch)) {
          started = true;
          elementLine = line;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (ch === "\\") escaped = true;
          else if (ch === '"') inString = false;
          continue;
        }
        if (ch === '"') inString = true;
        else if (ch === "{" || ch === "[") depth++;
        else if (ch === "}" || ch === "]") {
          if (depth === 0) {
            // The closing bracket of the array.
            element += piece.slice(start, i);
            if (element.trim() !== "") yield* finishElement();
            state = "done";
            continue;
          }
          depth--;
        } else if (ch === "," && depth === 0) {
          element += piece.slice(start, i);
          if (element.trim() === "") throw new MalformedRecordError(line, "invalid JSON: an empty element in the array");
          yield* finishElement();
          start = i + 1;
        }
        continue;
      }
      if (/\s/.test(ch)) continue;
      if (state === "before" && ch === "[") {
        state = "element";
        start = i + 1;
        continue;
      }
      throw new MalformedRecordError(line, state === "done" ? "unexpected text after the JSON array" : "expected a JSON array of objects (\"[\")");
    }
    if (state === "element") element += piece.slice(start);
  }
  if (state === "before") return;
  if (state !== "done") throw new MalformedRecordError(line, "the JSON array is not closed (\"]\" missing)");
}

async function* jsonlRecords(input: Readable): AsyncGenerator<SourceRecord> {
  // Anything but raw bytes reaching readline here is text already decoded (gzip, --encoding).
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

/** Reads until the first line break (or the end), returning what was read; the caller replays it. */
async function firstChunk(input: Readable): Promise<{ head: string; rest: AsyncIterator<Buffer | string> }> {
  const rest = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head = "";
  while (!/[\r\n]/.test(head) && head.length < MAX_CSV_RECORD) {
    const next = await rest.next();
    if (next.done === true) break;
    head += typeof next.value === "string" ? next.value : next.value.toString("utf8");
  }
  return { head, rest };
}

async function* csvRecords(input: Readable, delimiter: string | undefined): AsyncGenerator<SourceRecord> {
  // An empty unquoted cell is NULL; a quoted one ("") is the empty string.
  const cast: CastingFunction = (value, context) => (!context.header && value === "" && !context.quoting ? null : value);
  let source: Readable = input;
  let separator = delimiter;
  if (separator === undefined) {
    const { head, rest } = await firstChunk(input);
    separator = sniffDelimiter(head.replace(/^\uFEFF/, "").split(/\r?\n|\r/)[0] ?? "");
    source = Readable.from(
      (async function* () {
        if (head.length > 0) yield Buffer.from(head);
        for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      })(),
    );
    input.once("close", () => {
      if (!input.readableEnded) source.destroy();
    });
  }
  const parser = parse({ bom: true, delimiter: separator, columns: checkHeader, cast, info: true, skip_empty_lines: true, max_record_size: MAX_CSV_RECORD });
  const piped = pipeline(source, parser).catch(() => undefined);
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
