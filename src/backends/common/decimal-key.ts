/**
 * Exact order of DECIMAL/NUMERIC values on SQLite (issue 17, item 4).
 *
 * SQLite stores DECIMAL values as their exact decimal text (see `column-values.ts`), which sorts
 * as text (`"10" < "9"`), and `CAST(… AS NUMERIC)` turns it into a double (exact to ~15
 * significant digits; `12345678901234567890` and `…891` compare equal). PostgreSQL's NUMERIC is
 * exact. {@link decimalKey} maps decimal text to a key whose text order (SQLite's BINARY) is the
 * numbers' order, exactly, for any number of digits: filters, `orderBy` and keyset pagination
 * compare `tablekit_decimal_key(column)` (a deterministic SQL function registered on every SQLite
 * connection, see `backends/sqlite/sqlite-functions.ts`) with the key of the bound value.
 *
 * Key layout: negative numbers `0`, zero `1`, positive numbers `2`, then the decimal exponent
 * (position of the point relative to the first significant digit) as six digits, then the
 * significant digits without leading or trailing zeros; for negative numbers the exponent and the
 * digits are complemented (9 − d) and `:` (above every digit) ends the key, so a larger magnitude
 * sorts lower. Equal numbers have equal keys (`10`, `10.00`, `1e1`). PostgreSQL's special values
 * order as PostgreSQL orders them: `-Infinity` is `/` (below every number), `Infinity` is `2:`
 * (above every finite number) and `NaN` is `2;` (above `Infinity`; NaN equals NaN), in any spelling
 * PostgreSQL's NUMERIC input accepts (`nan`, `inf`, `+Infinity`, `-inf`). Text that is not a decimal
 * number (only raw SQL can store it) gets `3` + the text: after every number, in text order.
 *
 * @module
 */

const DECIMAL_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?\s*$/;
const EXPONENT_BIAS = 500_000;
const SPECIAL_RE = /^\s*(?:(nan)|([+-]?)inf(?:inity)?)\s*$/i;

/** The keys of PostgreSQL's special NUMERIC values (see the module documentation). */
const NEGATIVE_INFINITY_KEY = "/";
const INFINITY_KEY = "2:";
const NAN_KEY = "2;";

function complement(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i++) out += String.fromCharCode(105 - digits.charCodeAt(i)); // "9" + "0" − d
  return out;
}

/**
 * The order key of a DECIMAL value: text whose code-point order is the numbers' order.
 *
 * @example
 * decimalKey("9") < decimalKey("10") // true
 * decimalKey("-1.5") < decimalKey("-1.45") // true
 * decimalKey("10.00") === decimalKey("1e1") // true
 * decimalKey("Infinity") < decimalKey("NaN") // true
 *
 * @param value - Decimal text (`"-12.50"`, `"1e3"`), a number or a bigint; `null`/`undefined` give `null`.
 * @returns The key, or `null` for `null`/`undefined`.
 */
export function decimalKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (value instanceof Uint8Array) return "4" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  else text = String(value);
  const m = DECIMAL_RE.exec(text);
  if (m === null) {
    const special = SPECIAL_RE.exec(text);
    if (special !== null) return special[1] !== undefined ? NAN_KEY : special[2] === "-" ? NEGATIVE_INFINITY_KEY : INFINITY_KEY;
  }
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return "3" + text;
  const whole = m[2]!;
  let digits = whole + (m[3] ?? "");
  let point = whole.length + Number(m[4] ?? 0);
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  point -= start;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(start, end);
  if (digits === "") return "1";
  const exponent = String(Math.min(999_999, Math.max(0, point + EXPONENT_BIAS))).padStart(6, "0");
  if (m[1] !== "-") return "2" + exponent + digits;
  return "0" + complement(exponent) + complement(digits) + ":";
}

/** The name of the SQL function that computes {@link decimalKey} on SQLite. */
export const DECIMAL_KEY_FUNCTION = "tablekit_decimal_key";

/**
 * SQL for the double a DECIMAL value stored as text (SQLite) is compared by before its key:
 * `CAST(x AS NUMERIC)`, except for PostgreSQL's special values, which that CAST reads as 0:
 * `-Infinity` is −∞, and text that starts with a letter (`NaN`, `Infinity`; only raw SQL stores
 * other text) is +∞, so a strict order of these doubles is still the order of the numbers and
 * equal doubles are decided by {@link decimalKey} (NaN above Infinity). Text sorts after numbers
 * in SQLite, so a stored number never takes the letter branch.
 *
 * @param expr - An SQL expression evaluated more than once (a column, not a placeholder; see {@link decimalNumberOfParameterSql}).
 */
export function decimalNumberSql(expr: string): string {
  return `CASE WHEN ${expr} >= 'A' THEN 9e999 WHEN ${expr} = '-Infinity' THEN -9e999 ELSE CAST(${expr} AS NUMERIC) END`;
}

/** {@link decimalNumberSql} of a bound parameter, which is bound once (a one-row subquery SQLite evaluates once per statement). */
export function decimalNumberOfParameterSql(placeholder: string): string {
  return `(SELECT ${decimalNumberSql("tablekit_v")} FROM (SELECT ${placeholder} AS tablekit_v))`;
}

/**
 * SQL for the value key of an unscaled DECIMAL stored as text in PostgreSQL's output form (SQLite):
 * the text without trailing fraction zeros (`"1.00"` → `"1"`, `"-2.50"` → `"-2.5"`, `"NaN"`
 * unchanged). Stored text is canonical (no `+`, no leading zeros, no exponent, zero never
 * negative), so two values have the same key exactly when they are equal numbers. Built-in
 * functions only, so that an index on it works in every SQLite tool (see
 * `backends/sqlite/decimal-unique.ts`, whose unique indexes and upsert targets use it verbatim).
 *
 * @param quoted - A quoted column name.
 */
export function decimalValueKeySql(quoted: string): string {
  return `(CASE WHEN instr(${quoted}, '.') THEN rtrim(rtrim(${quoted}, '0'), '.') ELSE ${quoted} END)`;
}

/** SQLite: a table's `CREATE UNIQUE INDEX` texts (parameter: the table), for {@link columnsKeyedByValue}. */
export const UNIQUE_INDEX_TEXTS_SQL = "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql LIKE 'CREATE UNIQUE INDEX%'";

/**
 * The columns of `names` that one of the table's unique indexes (`indexSql`: their `CREATE UNIQUE
 * INDEX` texts from `sqlite_schema`) compares by {@link decimalValueKeySql}: the index
 * `createTable` and `createIndex` make for an unscaled DECIMAL.
 */
export function columnsKeyedByValue(indexSql: readonly string[], names: readonly string[]): ReadonlySet<string> {
  const keyed = new Set<string>();
  if (indexSql.length === 0) return keyed;
  for (const name of names) {
    const expression = decimalValueKeySql(`"${name.replaceAll('"', '""')}"`);
    if (indexSql.some((sql) => sql.includes(expression))) keyed.add(name);
  }
  return keyed;
}
