/**
 * Declared column types as SQLite reports them, read the same way wherever tablekit needs them:
 * how a column's values are kinded ({@link valueKindOfDeclaredType}), the scale of a
 * `DECIMAL(p,s)` ({@link decimalScale}, {@link formatDecimal}) and the element type of an array
 * column ({@link arrayElementType}). The SQLite backend decodes values with them
 * (backends/sqlite/sqlite-types.ts), and the declared-type value checks of crud/column-values.ts
 * (dialects with `checksValuesByDeclaredType`) check written values and filters with them; kept
 * here so the core never reaches into a backend's folder.
 *
 * @module
 */
/** How a value read from a SQLite column must be decoded to match PostgreSQL's JavaScript types. */
export type ValueKind = "boolean" | "json" | "timestamp" | "decimal" | "bytes" | "integer" | "date" | "text" | "other";

const kindCache = new Map<string, ValueKind>();
const KIND_CACHE_LIMIT = 1024;

const INTEGER_WORD = /^(?:INT\d*|INTEGER|BIGINT|SMALLINT|TINYINT|MEDIUMINT|[A-Z]*SERIAL\d*)$/;
const TEXT_FIRST_WORDS: ReadonlySet<string> = new Set([
  "UUID",
  "TIME",
  "TIMETZ",
  "INET",
  "CIDR",
  "MACADDR",
  "MACADDR8",
  "STRING",
]);

function computeKind(declared: string): ValueKind {
  const upper = declared.toUpperCase();
  if (upper.includes("[]")) return "json";
  const paren = upper.indexOf("(");
  const words = (paren < 0 ? upper : upper.slice(0, paren)).trim().split(/\s+/);
  const first = words[0] ?? "";
  if (first === "") return "other";
  if (first.endsWith("_ARRAY")) return "json";
  for (const w of words) if (w === "JSON" || w === "JSONB" || w === "ARRAY") return "json";
  switch (first) {
    case "BOOL":
    case "BOOLEAN":
      return "boolean";
    case "TIMESTAMPTZ":
    case "TIMESTAMP":
    case "DATETIME":
      return "timestamp";
    case "DATE":
      return "date";
    case "DECIMAL":
    case "DEC":
    case "NUMERIC":
      return "decimal";
    case "BYTEA":
    case "BYTES":
    case "BLOB":
      return "bytes";
  }
  for (const w of words) if (INTEGER_WORD.test(w)) return "integer";
  if (TEXT_FIRST_WORDS.has(first)) return "text";
  if (upper.includes("CHAR") || upper.includes("CLOB") || upper.includes("TEXT")) return "text";
  return "other";
}

/**
 * Maps the declared type of a result column, as better-sqlite3 reports it, to how its values must
 * be decoded. Case-insensitive; results are cached per declared-type string.
 *
 * @param declared - The declared type text (e.g. `"DECIMAL TEXT(10,2)"`), or `null` for an expression column.
 * @returns The value kind; `"other"` for `null`, an empty type or an unknown type.
 */
export function valueKindOfDeclaredType(declared: string | null): ValueKind {
  if (declared === null) return "other";
  let kind = kindCache.get(declared);
  if (kind === undefined) {
    kind = computeKind(declared);
    if (kindCache.size >= KIND_CACHE_LIMIT) kindCache.clear();
    kindCache.set(declared, kind);
  }
  return kind;
}

const DECIMAL_TEXT_RE = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Writes decimal text with exactly `scale` fraction digits, rounding half away from zero as
 * PostgreSQL's NUMERIC does: `formatDecimal("7", 2)` is `"7.00"`, `formatDecimal("0.125", 2)` is
 * `"0.13"`. Text that is not a plain decimal (NaN, exponents) is returned unchanged.
 */
export function formatDecimal(text: string, scale: number): string {
  const match = DECIMAL_TEXT_RE.exec(text.trim());
  if (match === null || (match[2] === "" && (match[3] ?? "") === "")) return text;
  const negative = match[1] === "-";
  const whole = match[2] === "" ? "0" : match[2]!;
  let fraction = match[3] ?? "";
  let digits = BigInt(whole + fraction.slice(0, scale).padEnd(scale, "0"));
  if (fraction.length > scale && fraction.charCodeAt(scale) >= 53 /* "5" */) digits += 1n;
  fraction = "";
  let body = digits.toString();
  if (scale > 0) {
    body = body.padStart(scale + 1, "0");
    fraction = "." + body.slice(body.length - scale);
    body = body.slice(0, body.length - scale);
  }
  const result = body + fraction;
  return negative && /[1-9]/.test(result) ? "-" + result : result;
}

/**
 * The scale of a declared `DECIMAL TEXT(p,s)` / `NUMERIC(p,s)` type; 0 for a precision alone
 * (`NUMERIC(p)`, which PostgreSQL reads as `NUMERIC(p,0)`); undefined when it has none (unscaled).
 */
export function decimalScale(declared: string | null): number | undefined {
  const match = declared === null ? null : /\(\s*\d+\s*(?:,\s*(\d+)\s*)?\)/.exec(declared);
  return match === null ? undefined : Number(match[1] ?? 0);
}

/** Element words of array declared types (see `sqlite-schema.ts`) → the element's own declared type. */
const ARRAY_ELEMENT_TYPES: ReadonlyMap<string, string> = new Map([
  ["BOOLEAN", "BOOLEAN"],
  ["I16", "SMALLINT"],
  ["I32", "INTEGER"],
  ["I64", "BIGINT"],
  ["REAL", "REAL"],
  ["DOUBLE", "DOUBLE PRECISION"],
  ["DECIMAL", "DECIMAL"],
  ["TEXT", "TEXT"],
  ["VARCHAR", "VARCHAR"],
  ["CHAR", "CHAR"],
  ["UUID", "UUID"],
  ["DATE", "DATE"],
  ["TIMESTAMP", "TIMESTAMP"],
  ["TIMESTAMPTZ", "TIMESTAMPTZ"],
  ["BYTEA", "BYTEA"],
  ["JSON", "JSON"],
  ["JSONB", "JSONB"],
]);

const ARRAY_DECLARED_RE = /^\s*(\w+)\s+ARRAY\s+JSON\s+TEXT\s*(\(\s*\d+\s*(?:,\s*\d+\s*)?\))?\s*$/i;

/**
 * The element type of an array column's SQLite declared type as `sqlite-schema.ts` writes it
 * (`TIMESTAMPTZ ARRAY JSON TEXT` → `TIMESTAMPTZ`, `I64 ARRAY JSON TEXT` → `BIGINT`,
 * `DECIMAL ARRAY JSON TEXT(10,2)` → `DECIMAL(10,2)`, `CHAR ARRAY JSON TEXT(3)` → `CHAR(3)`,
 * `VARCHAR ARRAY JSON TEXT(2)` → `VARCHAR(2)`), or undefined when the declared type names
 * none (`ARRAY JSON TEXT`, tables created before element types were kept, other spellings).
 */
export function arrayElementType(declared: string | null): string | undefined {
  if (declared === null) return undefined;
  const m = ARRAY_DECLARED_RE.exec(declared);
  if (m === null) return undefined;
  const element = ARRAY_ELEMENT_TYPES.get(m[1]!.toUpperCase());
  if (element === undefined) return undefined;
  return m[2] !== undefined && (element === "DECIMAL" || element === "VARCHAR" || element === "CHAR") ? element + m[2].replace(/\s+/g, "") : element;
}

/**
 * The word SQLite's schema translation puts in the declared type of an unscaled DECIMAL column that
 * is a member of a UNIQUE or PRIMARY KEY constraint (`NUMERIC KEYED TEXT`): the constraint also has
 * a unique index by numeric value (`backends/sqlite/decimal-unique.ts`), which `upsert` targets.
 */
export const VALUE_KEYED_WORD = "KEYED";

/** Whether a declared type carries {@link VALUE_KEYED_WORD} (`NUMERIC KEYED TEXT`). */
export function isValueKeyedDecimal(declared: string): boolean {
  return valueKindOfDeclaredType(declared) === "decimal" && /\bKEYED\b/i.test(declared);
}
