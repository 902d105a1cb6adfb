/**
 * The parts of a PostgreSQL error that say what happened — DETAIL, HINT and the position in the
 * statement — kept on tablekit's errors and written into their messages, psql-style:
 *
 * ```text
 * duplicate key value violates unique constraint "users_email_key"
 * DETAIL:  Key (email)=(***) already exists. (values hidden; open the Database with logParameters: true to show them)
 * ```
 *
 * DETAIL of an integrity error (SQLSTATE class 23) holds row values: they are shown only when the
 * Database was opened with `logParameters: true` (the one opt-in to user data in logs and
 * messages), and never a password (the scrubbing of `redactSecrets` applies to every line).
 *
 * @module
 */
import { REDACTED, redactSecrets } from "../../util/redact.js";

/** What the message of an error gains from the server's fields. */
export interface ServerDetails {
  /** DETAIL, with row values hidden unless shown (see the module documentation). */
  detail?: string;
  /** HINT. */
  hint?: string;
  /** 1-based character position in the statement (PostgreSQL's `position`). */
  position?: number;
  /** The lines to append to the message: `LINE n: …` and a caret, `DETAIL:  …`, `HINT:  …`. */
  lines: string[];
}

/** How to render the server's fields. */
export interface DetailOptions {
  /** The statement as sent (placeholders only), for the caret excerpt. */
  sql?: string | undefined;
  /** Whether row values may appear (`logParameters: true`). */
  showValues?: boolean | undefined;
  /** Secrets to scrub. */
  secrets?: readonly (string | undefined)[] | undefined;
}

/** The longest excerpt of a statement line shown around the position. */
const EXCERPT = 80;

const HIDDEN_NOTE = "(values hidden; open the Database with logParameters: true to show them)";

/** `Key (cols)=(values) <tail>` as PostgreSQL writes unique, foreign key and exclusion details. */
const KEY_DETAIL = /^Key \((.*?)\)=\((.*)\) (already exists\.|is not present in table ".*"\.|is still referenced from table ".*"\.|conflicts with existing key .*)$/s;

/** The DETAIL of an integrity error without its row values. */
function hideValues(code: string, detail: string): string {
  if (!code.startsWith("23")) return detail;
  const key = KEY_DETAIL.exec(detail);
  if (key !== null) {
    let tail = key[3]!;
    if (tail.startsWith("conflicts with existing key")) tail = "conflicts with an existing key.";
    return `Key (${key[1]!})=(${REDACTED}) ${tail} ${HIDDEN_NOTE}`;
  }
  if (detail.startsWith("Failing row contains")) return `Failing row contains (${REDACTED}). ${HIDDEN_NOTE}`;
  return `(detail hidden: it may show row values; open the Database with logParameters: true to show it)`;
}

/** 1-based line and column of a 1-based character position. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const index = Math.min(Math.max(position - 1, 0), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** psql's two lines: `LINE n: <the line>` and a caret under the position (long lines cut around it). */
function caretLines(sql: string, position: number): string[] {
  if (position < 1 || position > sql.length + 1) return [];
  const { line, column } = lineAndColumn(sql, position);
  const lineStart = position - column;
  const lineEnd = sql.indexOf("\n", lineStart);
  let text = sql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  let caret = column - 1;
  if (text.length > EXCERPT) {
    const from = Math.max(0, Math.min(caret - EXCERPT / 2, text.length - EXCERPT));
    const before = from > 0 ? "…" : "";
    const after = from + EXCERPT < text.length ? "…" : "";
    text = before + text.slice(from, from + EXCERPT) + after;
    caret = caret - from + before.length;
  }
  const prefix = `LINE ${line}: `;
  return [prefix + text, " ".repeat(prefix.length + caret) + "^"];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The server's DETAIL, HINT and position of a node-postgres error, and the message lines they
 * make (see the module documentation).
 *
 * @param error - The driver's error (pg's DatabaseError has `detail`, `hint`, `position`).
 * @param code - Its SQLSTATE ("" when none).
 * @param options - The statement, whether values may show, the secrets.
 * @returns The fields, and the lines to append to the message.
 */
export function serverDetails(error: unknown, code: string, options: DetailOptions = {}): ServerDetails {
  const e = (typeof error === "object" && error !== null ? error : {}) as { detail?: unknown; hint?: unknown; position?: unknown };
  const secrets = options.secrets ?? [];
  const rawDetail = str(e.detail);
  const detail = rawDetail === undefined ? undefined : redactSecrets(options.showValues === true ? rawDetail : hideValues(code, rawDetail), secrets);
  const hint = str(e.hint) === undefined ? undefined : redactSecrets(str(e.hint)!, secrets);
  const position = Number(e.position);
  const result: ServerDetails = { lines: [] };
  if (Number.isInteger(position) && position > 0) {
    result.position = position;
    if (options.sql !== undefined) result.lines.push(...caretLines(options.sql, position));
  }
  if (detail !== undefined) {
    result.detail = detail;
    result.lines.push(`DETAIL:  ${detail}`);
  }
  if (hint !== undefined) {
    result.hint = hint;
    result.lines.push(`HINT:  ${hint}`);
  }
  return result;
}
