/**
 * File URLs (SQLite's): the path after the scheme, and the `mode` and `synchronous` parameters.
 *
 * @module
 */
import { SQLITE_SYNCHRONOUS_LEVELS, type DialectName, type SqliteSynchronous } from "./option-values.js";
import { urlError } from "./url-errors.js";

/** What a file URL (or a bare path) says. */
export interface ParsedFileUrl {
  /** A file backend's URL. */
  readonly family: "file";
  /** The dialect its scheme selects. */
  readonly dialect: DialectName;
  /** The file name, percent-decoded when it decodes. */
  readonly filename: string;
  /** `?mode=ro` (true) or `?mode=rwc` (false), when given. */
  readonly readonly?: boolean;
  /** `?synchronous=`, when given. */
  readonly synchronous?: SqliteSynchronous;
}

/**
 * Parses a file URL (`sqlite:data/app.db`, `sqlite:///abs.db`, `file://localhost/abs.db`,
 * `sqlite::memory:`) of `dialect` after its `scheme:` (`schemeLength` characters).
 */
export function parseFileUrl(raw: string, schemeLength: number, dialect: DialectName, source: string): ParsedFileUrl {
  let path = raw.slice(schemeLength);
  if (path.startsWith("//localhost/")) path = path.slice("//localhost".length);
  else if (path.startsWith("//")) path = path.slice(2);
  let readonly: boolean | undefined;
  let synchronous: SqliteSynchronous | undefined;
  const question = path.indexOf("?");
  if (question >= 0) {
    // The SQLite URL parameters: mode=ro (read-only) or mode=rwc (read-write, created if
    // missing), and synchronous=full|extra|normal.
    for (const pair of path.slice(question + 1).split("&")) {
      const [name, value] = pair.split("=", 2) as [string, string | undefined];
      if (name === "mode") {
        if (value !== "ro" && value !== "rwc") urlError(source, raw, `mode must be "ro" (read-only) or "rwc" (read-write), got "${value ?? ""}"`);
        if (readonly !== undefined) urlError(source, raw, "mode is given twice");
        readonly = value === "ro";
      } else if (name === "synchronous") {
        if (!(SQLITE_SYNCHRONOUS_LEVELS as readonly (string | undefined)[]).includes(value)) {
          urlError(source, raw, `synchronous must be one of ${SQLITE_SYNCHRONOUS_LEVELS.join(", ")}, got "${value ?? ""}"`);
        }
        if (synchronous !== undefined) urlError(source, raw, "synchronous is given twice");
        synchronous = value as SqliteSynchronous;
      } else {
        urlError(source, raw, `unknown SQLite URL parameter "${name}"; the parameters are mode=ro (read-only) or mode=rwc, and synchronous=full|extra|normal`);
      }
    }
    path = path.slice(0, question);
  }
  if (path.length === 0) urlError(source, raw, "the SQLite file name is empty");
  let filename = path;
  try {
    filename = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: take the path literally (e.g. "50%.db").
  }
  return { family: "file", dialect, filename, ...(readonly === undefined ? {} : { readonly }), ...(synchronous === undefined ? {} : { synchronous }) };
}
