/**
 * The Node.js version check, evaluated before anything else of tablekit. Both entry points (the
 * package's `index.js` and the CLI's `cli/main.js`) import this module FIRST: ECMAScript modules
 * are evaluated in import order, depth first, so this check runs before better-sqlite3 (whose
 * native addon crashes the process with a segmentation fault on unsupported Node versions) is
 * evaluated. Keep this module free of imports.
 *
 * @module
 */

/** The oldest Node.js major version tablekit supports (package.json `engines.node`: `>=22`). */
export const MINIMUM_NODE_MAJOR = 22;

/**
 * Throws a plain `Error` (code `ERR_TABLEKIT_UNSUPPORTED_NODE`) when `version` (default: the running
 * Node's `process.versions.node`) is older than {@link MINIMUM_NODE_MAJOR}. A plain Error, not a
 * TablekitError: it is thrown while the package is being imported, before its error classes exist
 * for the caller.
 */
export function assertSupportedNode(version: string | undefined = globalThis.process?.versions?.node): void {
  if (version === undefined) return; // Not Node (a bundler or another runtime): nothing to check.
  const major = Number.parseInt(version, 10);
  if (Number.isInteger(major) && major >= MINIMUM_NODE_MAJOR) return;
  const error = new Error(
    `tablekit requires Node.js ${MINIMUM_NODE_MAJOR} or newer (package.json engines: ">=${MINIMUM_NODE_MAJOR}"), ` +
      `but this is Node.js ${version}. Its SQLite driver (better-sqlite3) crashes on older versions; ` +
      `please upgrade Node.js to version ${MINIMUM_NODE_MAJOR} or later.`,
  );
  (error as Error & { code: string }).code = "ERR_TABLEKIT_UNSUPPORTED_NODE";
  throw error;
}

assertSupportedNode();
