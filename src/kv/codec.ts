/**
 * The stored format of {@link KVStore} values: one TEXT column holding JSON.
 *
 * - A value made only of JSON types (null, booleans, finite numbers other than -0, strings,
 *   arrays, plain objects) is stored as its plain JSON text, so SQL can read it
 *   (`json_extract(value, '$.name')` on SQLite, `value::jsonb ->> 'name'` on PostgreSQL).
 * - Anything else is wrapped in an envelope, `{"$tk":1,"v":…}`, where each non-JSON value is a
 *   tagged object `{"$t":"<tag>","v":…}`:
 *
 * | value                              | tagged form                                   |
 * | ---------------------------------- | --------------------------------------------- |
 * | `Date`                             | `{"$t":"Date","v":"2024-01-02T03:04:05.678Z"}` (`v: null` for an invalid Date) |
 * | `bigint`                           | `{"$t":"BigInt","v":"123456789012345678901"}`  |
 * | `Uint8Array`                       | `{"$t":"Bytes","v":"<base64>"}`               |
 * | `Buffer`                           | `{"$t":"Buffer","v":"<base64>"}`              |
 * | `Map`                              | `{"$t":"Map","v":[[key, value], …]}`          |
 * | `Set`                              | `{"$t":"Set","v":[value, …]}`                 |
 * | `NaN`, `±Infinity`, `-0`           | `{"$t":"Number","v":"NaN"}` (`"Infinity"`, `"-Infinity"`, `"-0"`) |
 * | `undefined` in an array (or a hole) | `{"$t":"undefined"}`                          |
 * | a plain object with a `"$t"` key   | `{"$t":"Object","v":{…}}`                     |
 *
 * A plain-JSON object whose top level has a `"$tk"` key is stored in an envelope too, so reading
 * never mistakes user data for an envelope. Object properties whose value is `undefined` are left
 * out, as JSON does. Functions, symbols, class instances other than the types above, and cycles are
 * refused with a {@link ValidationError} before anything is written.
 *
 * @module
 */
import { QueryError, ValidationError } from "../errors/errors.js";
import { isPlainObject } from "../util/is-plain-object.js";

/** The key that marks an envelope at the top level of a stored value. */
export const ENVELOPE_KEY = "$tk";
/** The key that marks a tagged value inside an envelope. */
export const TAG_KEY = "$t";
/** The envelope format version written by this codec. */
export const FORMAT_VERSION = 1;

const MAX_DEPTH = 1000;

function refuse(message: string, path: readonly (string | number)[]): never {
  throw new ValidationError(`${message}${path.length === 0 ? "" : ` (at ${formatPath(path)})`}`, [{ message, path }]);
}

function formatPath(path: readonly (string | number)[]): string {
  let text = "value";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  return text;
}

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object of an unsupported type";
}

/**
 * Whether a value needs the envelope (true) or is plain JSON (false); throws {@link ValidationError}
 * for anything that cannot be stored. The fast walk keeps no path; on a problem, {@link explain}
 * walks again to say where.
 */
function needsEnvelope(value: unknown): boolean {
  const ancestors = STACK;
  const base = ancestors.length;
  try {
    return walk(value, ancestors, base);
  } catch (error) {
    ancestors.length = base;
    if (error !== UNSTORABLE) throw error;
    return explain(value, [], []);
  }
}

/** Reused stack of the objects being walked (cycle detection without allocating a Set per call). */
const STACK: object[] = [];
const UNSTORABLE = Symbol("unstorable");

function walk(value: unknown, ancestors: object[], base: number): boolean {
  if (typeof value !== "object") return primitiveNeedsTag(value);
  if (value === null) return false;
  const depth = ancestors.length;
  for (let i = base; i < depth; i++) if (ancestors[i] === value) throw UNSTORABLE;
  if (depth - base >= MAX_DEPTH) throw UNSTORABLE;
  let tagged = false;
  if (Array.isArray(value)) {
    ancestors.push(value);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Strings and booleans, the common leaves, are settled here without a call.
      if (typeof item === "string" || typeof item === "boolean") continue;
      if (item === undefined || walk(item, ancestors, base)) tagged = true;
    }
    ancestors.pop();
    return tagged;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    ancestors.push(value);
    for (const key in value) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (typeof item === "string" || typeof item === "boolean" || item === undefined) continue;
      if (walk(item, ancestors, base)) tagged = true;
    }
  } else if (value instanceof Date || value instanceof Uint8Array) {
    return true;
  } else if (value instanceof Map) {
    ancestors.push(value);
    for (const [k, v] of value) {
      walk(k, ancestors, base);
      walk(v, ancestors, base);
    }
    tagged = true;
  } else if (value instanceof Set) {
    ancestors.push(value);
    for (const v of value) walk(v, ancestors, base);
    tagged = true;
  } else {
    throw UNSTORABLE;
  }
  // pop(), not `length = depth`: setting an array's length is a slow runtime call.
  ancestors.pop();
  return tagged;
}

/** Whether a non-object value needs a tag; throws {@link UNSTORABLE} for functions and symbols. */
function primitiveNeedsTag(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value) || (value === 0 && 1 / value < 0);
    case "bigint":
    case "undefined":
      return true;
    default:
      throw UNSTORABLE;
  }
}

/** The slow walk: the same checks as {@link walk}, throwing a {@link ValidationError} that names the path. */
function explain(value: unknown, ancestors: object[], path: (string | number)[]): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value) || (value === 0 && 1 / value < 0);
    case "bigint":
    case "undefined":
      return true;
    case "object":
      break;
    default:
      return refuse(`${describe(value)} cannot be stored`, path);
  }
  if (value === null) return false;
  if (value instanceof Date || value instanceof Uint8Array) return true;
  if (ancestors.includes(value)) return refuse("a value that contains itself (a cycle) cannot be stored", path);
  if (ancestors.length >= MAX_DEPTH) return refuse(`values nested deeper than ${MAX_DEPTH} levels cannot be stored`, path);
  ancestors.push(value);
  let tagged = false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      if (!(i in value) || explain(value[i], ancestors, path)) tagged = true;
      path.pop();
    }
  } else if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      path.push(`<Map entry ${i++}>`);
      explain(k, ancestors, path);
      explain(v, ancestors, path);
      path.pop();
    }
    tagged = true;
  } else if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      path.push(`<Set entry ${i++}>`);
      explain(v, ancestors, path);
      path.pop();
    }
    tagged = true;
  } else if (isPlainObject(value)) {
    const record = value;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined) continue;
      path.push(key);
      if (explain(item, ancestors, path)) tagged = true;
      path.pop();
    }
  } else {
    return refuse(`${describe(value)} cannot be stored; use plain objects, arrays, Map, Set, Date, bigint, Uint8Array or JSON values`, path);
  }
  ancestors.pop();
  return tagged;
}

/** The tagged (envelope-internal) form of a value already checked by {@link needsEnvelope}. */
function tag(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return value === 0 && 1 / value < 0 ? { $t: "Number", v: "-0" } : value;
      return { $t: "Number", v: String(value) };
    case "bigint":
      return { $t: "BigInt", v: value.toString() };
    case "undefined":
      return { $t: "undefined" };
    case "object":
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Date) {
    const time = value.getTime();
    return { $t: "Date", v: Number.isNaN(time) ? null : value.toISOString() };
  }
  if (value instanceof Uint8Array) {
    const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
    return { $t: Buffer.isBuffer(value) ? "Buffer" : "Bytes", v: base64 };
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = i in value ? tag(value[i]) : { $t: "undefined" };
    return out;
  }
  if (value instanceof Map) {
    const pairs: unknown[] = [];
    for (const [k, v] of value) pairs.push([tag(k), tag(v)]);
    return { $t: "Map", v: pairs };
  }
  if (value instanceof Set) {
    const items: unknown[] = [];
    for (const v of value) items.push(tag(v));
    return { $t: "Set", v: items };
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let escape = false;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item === undefined) continue;
    if (key === TAG_KEY) escape = true;
    // defineProperty, not assignment: a "__proto__" key must stay an own property.
    Object.defineProperty(out, key, { value: tag(item), enumerable: true, writable: true, configurable: true });
  }
  return escape ? { $t: "Object", v: out } : out;
}

/**
 * Encodes a value for the `value` column. Plain JSON values become their JSON text; others an
 * envelope (see the module documentation). Throws {@link ValidationError} for `undefined`,
 * functions, symbols, unsupported objects and cycles, before anything is written.
 *
 * ```ts
 * encodeValue({ name: "Nana" });        // '{"name":"Nana"}'
 * encodeValue(new Set([1n]));           // '{"$tk":1,"v":{"$t":"Set","v":[{"$t":"BigInt","v":"1"}]}}'
 * ```
 */
export function encodeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (Number.isFinite(value) && !(value === 0 && 1 / value < 0)) return JSON.stringify(value);
      break;
    case "undefined":
      throw new ValidationError("undefined cannot be stored as a value; store null, or delete the key", [
        { message: "undefined is not a storable value", path: [] },
      ]);
    case "object":
      if (value === null) return "null";
      break;
  }
  const tagged = needsEnvelope(value);
  const collides = !tagged && typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, ENVELOPE_KEY);
  if (!tagged && !collides) return JSON.stringify(value);
  return `{"${ENVELOPE_KEY}":${FORMAT_VERSION},"v":${JSON.stringify(tag(value))}}`;
}

function corrupt(detail: string): QueryError {
  return new QueryError(`A stored KVStore value cannot be decoded: ${detail}`);
}

/** Turns the tagged form back into values, in place where possible. */
function untag(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = untag(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, TAG_KEY)) {
    const v = record["v"];
    switch (record[TAG_KEY]) {
      case "Date":
        return new Date(v === null ? Number.NaN : String(v));
      case "BigInt":
        return BigInt(String(v));
      case "Bytes":
        return new Uint8Array(Buffer.from(String(v), "base64"));
      case "Buffer":
        return Buffer.from(String(v), "base64");
      case "Number":
        return v === "-0" ? -0 : Number(v);
      case "undefined":
        return undefined;
      case "Map": {
        if (!Array.isArray(v)) throw corrupt("a Map tag without an array of pairs");
        const map = new Map<unknown, unknown>();
        for (const pair of v) {
          if (!Array.isArray(pair) || pair.length !== 2) throw corrupt("a Map entry that is not a pair");
          map.set(untag(pair[0]), untag(pair[1]));
        }
        return map;
      }
      case "Set": {
        if (!Array.isArray(v)) throw corrupt("a Set tag without an array");
        const set = new Set<unknown>();
        for (const item of v) set.add(untag(item));
        return set;
      }
      case "Object": {
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw corrupt("an Object tag without an object");
        const inner = v as Record<string, unknown>;
        for (const key of Object.keys(inner)) inner[key] = untag(inner[key]);
        return inner;
      }
      default:
        throw corrupt(`unknown tag ${JSON.stringify(record[TAG_KEY])}`);
    }
  }
  for (const key of Object.keys(record)) record[key] = untag(record[key]);
  return record;
}

/**
 * Decodes the text of the `value` column (see {@link encodeValue}). Text that is not JSON, or an
 * envelope of an unknown version, is a {@link QueryError}.
 *
 * ```ts
 * decodeValue('{"name":"Nana"}');   // { name: "Nana" }
 * ```
 */
export function decodeValue(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new QueryError("A stored KVStore value is not valid JSON; was the row written by other SQL?", { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !Object.hasOwn(parsed, ENVELOPE_KEY)) return parsed;
  const envelope = parsed as Record<string, unknown>;
  if (envelope[ENVELOPE_KEY] !== FORMAT_VERSION) {
    throw corrupt(`envelope version ${JSON.stringify(envelope[ENVELOPE_KEY])} is not supported (this version reads ${FORMAT_VERSION})`);
  }
  return untag(envelope["v"]);
}

/** Whether a decoded value can be shared without copying: primitives cannot be mutated. */
export function isImmutable(value: unknown): boolean {
  return typeof value !== "object" || value === null;
}
