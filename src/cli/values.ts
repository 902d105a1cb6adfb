/**
 * How the command writes database values as text — JSON, CSV cells and terminal cells — and
 * reads JSON back without losing 64-bit integers. One encoding everywhere, so whatever `export`
 * writes, `import` reads back to the same values:
 *
 * - 64-bit integers (`bigint`) are written as plain JSON numbers, digits exact;
 * - bytes are written as PostgreSQL's hex text, `\x0a0b…`;
 * - dates as ISO-8601 (`2024-05-01T12:00:00.000Z`);
 * - JSON values as JSON (in CSV, as JSON text in the cell).
 *
 * @module
 */

/** `JSON.rawJSON` (ES2025, Node ≥ 21): a JSON value whose text is written as it is. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Bytes as PostgreSQL's hex text: `\x` followed by two hex digits a byte. */
export function bytesToHex(bytes: Uint8Array): string {
  return "\\x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** The bytes of a `\x…` hex text, or `undefined` when `text` is not one. */
export function hexToBytes(text: string): Buffer | undefined {
  if (!/^\\x(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined;
  return Buffer.from(text.slice(2), "hex");
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // toJSON has already run on `value`; the holder still has the original (Buffer.toJSON is useless here).
  const original = (this as Record<string, unknown>)[key];
  if (typeof original === "bigint") return rawJSON(original.toString());
  if (original instanceof Uint8Array) return bytesToHex(original);
  if (original instanceof Map) return [...original.entries()];
  if (original instanceof Set) return [...original.values()];
  return value;
}

/**
 * A value as JSON text: bigints as exact numbers, bytes as `\x…` hex, Dates as ISO strings, Maps as
 * arrays of `[key, value]` pairs and Sets as arrays. `indent` pretty-prints.
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, replacer, indent) ?? "null";
}

/**
 * One table row as JSON, like {@link toJson} but faster for the flat rows of `export`: only the
 * row's own values are converted (bigints, bytes), and nested values (JSON columns) are written
 * as they are.
 */
export function rowJson(row: Readonly<Record<string, unknown>>): string {
  let copy: Record<string, unknown> | undefined;
  for (const key in row) {
    const value = row[key];
    if (typeof value === "bigint") {
      copy ??= { ...row };
      copy[key] = value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : rawJSON(value.toString());
    } else if (value instanceof Uint8Array) {
      copy ??= { ...row };
      copy[key] = bytesToHex(value);
    }
  }
  return JSON.stringify(copy ?? row);
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses JSON, reading integers beyond ±(2^53−1) as exact `bigint`s instead of rounded numbers.
 * Throws the `SyntaxError` of `JSON.parse`.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}

/**
 * A value as the text of one cell (CSV, tab-separated output, the terminal table), or `null` for
 * SQL NULL: strings as they are, numbers and bigints as digits, booleans as `true`/`false`, Dates
 * as ISO-8601, bytes as `\x…` hex, anything else as JSON.
 */
export function cellText(value: unknown): string | null {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return null;
    default:
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (value instanceof Uint8Array) return bytesToHex(value);
      return toJson(value);
  }
}
