/**
 * Decimal text in PostgreSQL's NUMERIC output form, shared by the value checks of
 * crud/column-values.ts (values tablekit writes) and the SQLite DDL translation (DEFAULT literals
 * in backends/sqlite/sqlite-schema.ts), so a default stores what an explicit write would.
 *
 * @module
 */

/** A decimal or float literal as text: sign, digits with an optional point, optional exponent; blanks around allowed. */
export const FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Plain decimal text of a numeric literal (exponent expanded), or undefined: in PostgreSQL's
 * NUMERIC output form (no `+`, no leading zeros, `0.5` not `.5`, `5` not `5.`, zero never
 * negative), so that `"007"` and `"7"` are the same stored text, as they are on PostgreSQL.
 */
export function decimalText(text: string): string | undefined {
  const plain = expandedDecimal(text);
  if (plain === undefined) return undefined;
  const negative = plain.startsWith("-");
  let out = plain.replace(/^[+-]/, "").replace(/\.$/, "").replace(/^0+(?=\d)/, "");
  if (out.startsWith(".")) out = "0" + out;
  return negative && /[1-9]/.test(out) ? "-" + out : out;
}

function expandedDecimal(text: string): string | undefined {
  const s = text.trim();
  if (!FLOAT_TEXT.test(s)) return undefined;
  const e = s.search(/[eE]/);
  if (e < 0) return s;
  const negative = s.startsWith("-");
  const mantissa = s.slice(/^[+-]/.test(s) ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined;
  const dot = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, "");
  return negative ? "-" + out : out;
}

const DECIMAL_SPECIAL_TEXT = /^\s*(?:(nan)|([+-]?)inf(?:inity)?)\s*$/i;

/**
 * PostgreSQL's special NUMERIC values in its output form (`"NaN"`, `"Infinity"`, `"-Infinity"`),
 * for the spellings its input accepts (`nan`, `inf`, `+infinity`, `-Inf` …, any case, trimmed;
 * not `-NaN`) and for the JS numbers NaN and ±Infinity (sent as `String(n)`); undefined otherwise.
 */
export function decimalSpecial(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : value === Infinity ? "Infinity" : value === -Infinity ? "-Infinity" : undefined;
  if (typeof value !== "string") return undefined;
  const m = DECIMAL_SPECIAL_TEXT.exec(value);
  if (m === null) return undefined;
  return m[1] !== undefined ? "NaN" : m[2] === "-" ? "-Infinity" : "Infinity";
}
