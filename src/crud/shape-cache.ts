/**
 * The rendered form of a statement's fragment, memoized per call shape at the edge. Point
 * operations (`selectOne(t, { where: { id } })`, `insert`, `update`, `delete`) repeat the same
 * shape with new values; for those, the statement's fragment is built, validated and rendered
 * (sql/render.ts) once, and later calls only collect and encode the values. The key is (kind,
 * table, shape), never the statement's text. Returning the same string object also lets the
 * driver find its prepared statement without rehashing the text.
 *
 * A shape is "simple" when every filter value is a scalar (string, number, boolean, bigint, Date):
 * anything else (operators, NULL, AND/OR/NOT) takes the general path.
 *
 * @module
 */
import type { SqlDialect } from "../backends/contract.js";
import { type Statement, hasOtherKeys } from "./statements.js";
import { SqlFragment } from "../sql/sql-tag.js";
import { renderStatement } from "../sql/render.js";

const MAX_SHAPES = 2000;

function isScalar(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean" || type === "bigint" || value instanceof Date;
}

/**
 * The shape key of a filter whose values are all scalars (its keys in order), or undefined when
 * the filter needs the general compiler. Key order matters and matches the compiler's.
 */
export function simpleWhereShape(where: unknown): string | undefined {
  if (typeof where !== "object" || where === null || Object.getPrototypeOf(where) !== Object.prototype) return undefined;
  // Own enumerable string keys only; a filter with any other key (a symbol, a non-enumerable
  // property) takes the general compiler, which refuses it.
  const keys = Object.keys(where);
  if (hasOtherKeys(where, keys.length)) return undefined;
  let shape: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === "AND" || key === "OR" || key === "NOT" || !isScalar((where as Record<string, unknown>)[key])) return undefined;
    shape = shape === undefined ? key : shape + "," + key;
  }
  return shape;
}

/**
 * The keys of `data` whose values are defined, joined, or undefined when `data` is not a plain
 * object or has keys other than own enumerable strings (the general path explains the problem).
 */
export function dataShape(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || Object.getPrototypeOf(data) !== Object.prototype) return undefined;
  const keys = Object.keys(data);
  if (hasOtherKeys(data, keys.length)) return undefined;
  let shape = "";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if ((data as Record<string, unknown>)[key] === undefined) continue;
    shape = shape === "" ? key : shape + "," + key;
  }
  return shape;
}

/** Pushes the encoded values of `object` for the keys of a shape (its own keys), in shape order. */
function pushValues(dialect: SqlDialect, params: unknown[], object: Record<string, unknown>): void {
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const value = object[keys[i]!];
    if (value !== undefined) params.push(dialect.encodeValue(value));
  }
}

/** One dialect's cache of rendered statement texts by operation, table and shape. */
export class ShapeCache {
  readonly #dialect: SqlDialect;
  // kind → table → shape → SQL. Nested maps look up the caller's own (interned) strings, whose
  // hashes V8 keeps, instead of hashing a freshly concatenated key on every call.
  readonly #sql = new Map<string, Map<string, Map<string, string>>>();
  #size = 0;

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
  }

  /** The remembered text of a shape, or (on a miss) the statement `build` gives, rendered, its text remembered. */
  #textOr(kind: string, table: string, shape: string, build: () => SqlFragment): string | Statement {
    const sql = this.#sql.get(kind)?.get(table)?.get(shape);
    if (sql !== undefined) return sql;
    const built = renderStatement(build(), this.#dialect);
    this.#remember(kind, table, shape, built.sql);
    return built;
  }

  /**
   * The statement for `kind` on `table` with the given shape, rendered for the driver: from the
   * cache when seen before (values taken from `first` then `second`, in key order), else the
   * fragment `build` returns, rendered and its text remembered.
   */
  statement(
    kind: string,
    table: string,
    shape: string,
    first: Record<string, unknown> | undefined,
    second: Record<string, unknown> | undefined,
    build: () => SqlFragment,
  ): Statement {
    const sql = this.#textOr(kind, table, shape, build);
    if (typeof sql !== "string") return sql;
    const params: unknown[] = [];
    if (first !== undefined) pushValues(this.#dialect, params, first);
    if (second !== undefined) pushValues(this.#dialect, params, second);
    return { sql, params };
  }

  /**
   * Like {@link ShapeCache.statement}, for a statement whose values after `first`'s are already
   * encoded (a compiled filter's, `encoded`): on a hit they follow `first`'s values as they are.
   */
  statementWithEncoded(
    kind: string,
    table: string,
    shape: string,
    first: Record<string, unknown> | undefined,
    encoded: readonly unknown[],
    build: () => SqlFragment,
  ): Statement {
    const sql = this.#textOr(kind, table, shape, build);
    if (typeof sql !== "string") return sql;
    const params: unknown[] = [];
    if (first !== undefined) pushValues(this.#dialect, params, first);
    for (let i = 0; i < encoded.length; i++) params.push(encoded[i]);
    return { sql, params };
  }

  #remember(kind: string, table: string, shape: string, sql: string): void {
    if (this.#size >= MAX_SHAPES) {
      this.#sql.clear();
      this.#size = 0;
    }
    let byTable = this.#sql.get(kind);
    if (byTable === undefined) this.#sql.set(kind, (byTable = new Map()));
    let byShape = byTable.get(table);
    if (byShape === undefined) byTable.set(table, (byShape = new Map()));
    byShape.set(shape, sql);
    this.#size++;
  }
}

const caches = new Map<string, ShapeCache>();

/**
 * The shape key of a filter compiled by `compileWhereFragment` (a `CompiledWhere`'s fragment):
 * its text pieces, which with the statement's kind, table and data keys determine the statement's
 * text; `""` for no filter; undefined when the fragment nests other fragments (then it takes the
 * general path). Compiled filter text never holds a NUL, so the pieces are joined with one.
 */
export function compiledWhereShape(fragment: SqlFragment | undefined): string | undefined {
  if (fragment === undefined) return "";
  const values = fragment.values;
  for (let i = 0; i < values.length; i++) if (values[i] instanceof SqlFragment) return undefined;
  return fragment.strings.join("\u0000");
}

/** The shared shape cache of a dialect. */
export function shapeCacheFor(dialect: SqlDialect): ShapeCache {
  let cache = caches.get(dialect.name);
  if (cache === undefined) {
    cache = new ShapeCache(dialect);
    caches.set(dialect.name, cache);
  }
  return cache;
}
