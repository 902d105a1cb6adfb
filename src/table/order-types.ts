/**
 * Typed `orderBy` for tables, at compile time only: `"name"`, `"name DESC"`,
 * `"created_at DESC NULLS LAST, id"`, `{ name: "desc" }` and `[["name", "desc"], "id"]` are checked
 * against the row's columns, so a misspelled column is a compile error. The runtime check
 * (`parseOrderBy` against the table's columns) stays: this only moves the error earlier.
 *
 * A string ordering is read by template literal types, term by term: a column, then optionally
 * `ASC`/`DESC` and `NULLS FIRST`/`NULLS LAST` in any case, separated by commas, with any
 * whitespace. Past {@link MAX_ORDER_TERMS} terms, or for a `string` that is not a literal, the
 * rest is left to the runtime check.
 *
 * @module
 */
import type { OrderDirection } from "../sql/order-by.js";

/** How many comma-separated terms a string ordering is checked for; later terms are checked at runtime only. */
export type MAX_ORDER_TERMS = 32;

type Spaced<S extends string> = S extends `${infer A}\n${infer B}`
  ? Spaced<`${A} ${B}`>
  : S extends `${infer A}\t${infer B}`
    ? Spaced<`${A} ${B}`>
    : S extends `${infer A}\r${infer B}`
      ? Spaced<`${A} ${B}`>
      : S;

type Words<S extends string, Acc extends string[] = []> = S extends `${infer W} ${infer Rest}`
  ? Words<Rest, W extends "" ? Acc : [...Acc, W]>
  : S extends ""
    ? Acc
    : [...Acc, S];

/** The words after a column that a term may end with. */
type TermTail<W extends string[]> = W extends []
  ? true
  : W extends [infer D extends string]
    ? Uppercase<D> extends "ASC" | "DESC"
      ? true
      : false
    : W extends [infer N extends string, infer P extends string]
      ? Uppercase<N> extends "NULLS"
        ? Uppercase<P> extends "FIRST" | "LAST"
          ? true
          : false
        : false
      : W extends [infer D extends string, infer N extends string, infer P extends string]
        ? Uppercase<D> extends "ASC" | "DESC"
          ? TermTail<[N, P]>
          : false
        : false;

/** `true`, or the message for the first bad term. */
type CheckTerm<T extends string, Cols extends string> =
  Words<T> extends [infer C extends string, ...infer Rest extends string[]]
    ? C extends Cols
      ? TermTail<Rest> extends true
        ? true
        : `orderBy: expected ASC, DESC, NULLS FIRST or NULLS LAST after "${C}" in "${T}"`
      : `orderBy: unknown column "${C}"`
    : `orderBy: empty term in an ordering`;

type CheckTerms<S extends string, Cols extends string, N extends unknown[] = []> = N["length"] extends MAX_ORDER_TERMS
  ? true
  : S extends `${infer T},${infer Rest}`
    ? CheckTerm<T, Cols> extends true
      ? CheckTerms<Rest, Cols, [...N, unknown]>
      : CheckTerm<T, Cols>
    : CheckTerm<S, Cols>;

/**
 * `O` when it is a well-formed ordering of the columns `Cols` (or not a literal), else a string
 * type naming the problem, so the compiler's error message says what is wrong.
 */
export type CheckOrderString<O extends string, Cols extends string> = string extends O
  ? O
  : string extends Cols
    ? O
    : CheckTerms<Spaced<O>, Cols> extends infer R
      ? R extends true
        ? O
        : R
      : never;

/** One term of an array ordering: a column, a column with its direction or nulls (checked at runtime), or `[column, direction]`. */
export type OrderArrayTerm<Cols extends string> = Cols | `${Cols} ${string}` | readonly [Cols, OrderDirection?];

/**
 * The `orderBy` of a table whose columns are `Cols`, with `O` the string given (inferred by the
 * method): a checked string, `{ column: "asc" | "desc" }`, or an array of terms.
 */
export type TableOrderBy<Cols extends string, O extends string = never> = [O] extends [never]
  ? OrderObjectOrArray<Cols>
  : string extends O
    ? // Not a literal (or an object or array was given, and O fell back to string).
      string | OrderObjectOrArray<Cols>
    : // A literal string: only the checked string, so the error message names the problem.
      CheckOrderString<O, Cols>;

/** The object and array forms of an ordering of the columns `Cols`. */
export type OrderObjectOrArray<Cols extends string> = { readonly [K in Cols]?: OrderDirection } | readonly OrderArrayTerm<Cols>[];

/** An `orderBy` checked by its first column only (where the string cannot be inferred, e.g. `db.select<R>`). */
export type LooseOrderBy<Cols extends string> = string extends Cols
  ? string | Readonly<Record<string, OrderDirection>> | readonly (string | readonly [string, OrderDirection?])[]
  : Cols | `${Cols} ${string}` | `${Cols},${string}` | `${Cols} ,${string}` | { readonly [K in Cols]?: OrderDirection } | readonly OrderArrayTerm<Cols>[];
