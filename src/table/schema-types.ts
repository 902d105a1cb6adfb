/**
 * Row types inferred from a Table's `schema` strings, at compile time only: the column
 * definitions (`"UUID PRIMARY KEY DEFAULT gen_random_uuid()"`, `"TEXT NOT NULL"`, …) are read by
 * template literal types, so `new Table("users", { schema })` types its rows with no type argument
 * and no model. Two types come out of a schema, as Drizzle's `$inferSelect` / `$inferInsert`:
 *
 * - the **row** (what reads return): every column present; `T | null` unless the column is
 *   `NOT NULL`, a `PRIMARY KEY`, or has a `DEFAULT` / generated value (and no explicit `NULL`);
 * - the **insert** (what `create` takes): columns with a default or a generated key (an integer
 *   `PRIMARY KEY`, `SERIAL`, `GENERATED … AS IDENTITY`) and nullable columns are optional;
 *   `GENERATED ALWAYS` columns are left out.
 *
 * The JavaScript type of each column follows docs/database.md ("Values and types"), with 64-bit
 * integers by the Database's `int64` option. Nothing here exists at runtime.
 *
 * @module
 */
import type { Int64Mode } from "../config/connection-config.js";
import type { Row } from "../backends/contract.js";
import type { Simplify } from "./types.js";

/** A `schema` option: column name → SQL column definition. */
export type SchemaShape = { readonly [column: string]: string };

declare const COLUMN_TYPE: unique symbol;

/**
 * A column definition with its JavaScript type given: what {@link typedColumn} returns. The
 * nullability, defaults and keys still come from the definition.
 */
export type TypedColumn<T, D extends string = string> = D & {
  /** Type-level only: the column's JavaScript type. Never set at runtime. */
  readonly [COLUMN_TYPE]?: T;
};

/**
 * Gives a column's JavaScript type where the definition alone cannot (JSON documents, a string
 * union for a TEXT column). At runtime it returns the definition unchanged.
 *
 * ```ts
 * interface Prefs { theme: "dark" | "light" }
 * const users = new Table("users", {
 *   db,
 *   schema: { id: "INTEGER PRIMARY KEY", prefs: typedColumn<Prefs>()("JSONB NOT NULL") },
 * });
 * // rows: { id: number; prefs: Prefs }
 * ```
 */
export function typedColumn<T>(): <const D extends string>(definition: D) => TypedColumn<T, D> {
  return (definition) => definition as TypedColumn<never, never>;
}

// ------------------------------------------------------------------ lexing

/** Whitespace made single spaces, upper-cased. */
type Normalize<S extends string> = S extends `${infer A}\n${infer B}`
  ? Normalize<`${A} ${B}`>
  : S extends `${infer A}\t${infer B}`
    ? Normalize<`${A} ${B}`>
    : S extends `${infer A}\r${infer B}`
      ? Normalize<`${A} ${B}`>
      : Uppercase<S>;

/** Space-separated words, empty ones dropped (tail-recursive). */
type Words<S extends string, Acc extends string[] = []> = S extends `${infer W} ${infer Rest}`
  ? Words<Rest, W extends "" ? Acc : [...Acc, W]>
  : S extends ""
    ? Acc
    : [...Acc, S];

/** The words that start a constraint: the type name ends before the first of them. */
type ConstraintWord = "NOT" | "NULL" | "PRIMARY" | "UNIQUE" | "DEFAULT" | "CHECK" | "REFERENCES" | "CONSTRAINT" | "GENERATED" | "COLLATE";

/** The words naming the type: up to the first constraint word. */
type TypeWords<W extends string[], Acc extends string[] = []> = W extends [infer H extends string, ...infer T extends string[]]
  ? H extends ConstraintWord
    ? Acc
    : TypeWords<T, [...Acc, H]>
  : Acc;

/** The base type name: the first word without its `(…)` or `[…]`. */
type BaseName<W extends string> = W extends `${infer B}(${string}` ? BaseName<B> : W extends `${infer B}[${string}` ? B : W;

type IsArray<W extends string[]> = W extends [infer H extends string, ...infer T extends string[]]
  ? H extends `${string}[${string}` | "ARRAY" | `${string}_ARRAY`
    ? true
    : IsArray<T>
  : false;

// ------------------------------------------------------------------ constraints

interface Flags {
  notNull: boolean;
  primaryKey: boolean;
  default: boolean;
  explicitNull: boolean;
  generatedAlways: boolean;
}

type NoFlags = { notNull: false; primaryKey: false; default: false; explicitNull: false; generatedAlways: false };

type Set<F extends Flags, K extends keyof Flags> = { [P in keyof Flags]: P extends K ? true : F[P] };

/** Reads the constraints word by word (tail-recursive); `P` is the previous word. */
type ScanFlags<W extends string[], F extends Flags = NoFlags, P extends string = ""> = W extends [infer H extends string, ...infer T extends string[]]
  ? H extends "NOT"
    ? T extends ["NULL", ...infer U extends string[]]
      ? ScanFlags<U, P extends "IS" ? F : Set<F, "notNull">, "NULL">
      : ScanFlags<T, F, H>
    : H extends "PRIMARY"
      ? ScanFlags<T, Set<F, "primaryKey">, H>
      : H extends "DEFAULT"
        ? T extends ["NULL" | "NULL)", ...infer U extends string[]]
          ? ScanFlags<U, F, "NULL">
          : ScanFlags<T, Set<F, "default">, H>
        : H extends "GENERATED"
          ? T extends ["ALWAYS", ...infer U extends string[]]
            ? ScanFlags<U, U extends ["AS", "IDENTITY", ...string[]] ? Set<F, "default" | "generatedAlways"> : Set<F, "generatedAlways">, "ALWAYS">
            : ScanFlags<T, Set<F, "default">, H>
          : H extends "NULL"
            ? ScanFlags<T, P extends "IS" ? F : Set<F, "explicitNull">, H>
            : ScanFlags<T, F, H>
  : F;

// ------------------------------------------------------------------ types

type IntegerName = "INT" | "INTEGER" | "INT2" | "INT4" | "SMALLINT" | "TINYINT" | "MEDIUMINT" | "SERIAL" | "SERIAL2" | "SERIAL4" | "SMALLSERIAL";
type Int64Name = "BIGINT" | "INT8" | "INT64" | "BIGSERIAL" | "SERIAL8";
type FloatName = "REAL" | "DOUBLE" | "FLOAT" | "FLOAT4" | "FLOAT8";
type DecimalName = "DECIMAL" | "DEC" | "NUMERIC";
type TextName = "UUID" | "TIME" | "TIMETZ" | "INET" | "CIDR" | "MACADDR" | "MACADDR8" | "STRING" | "NAME" | `${string}CHAR${string}` | `${string}TEXT${string}` | `${string}CLOB${string}`;
type TimestampName = "TIMESTAMPTZ" | "TIMESTAMP" | "DATETIME";
type BytesName = "BYTEA" | "BYTES" | "BLOB";

/** A 64-bit integer under an `int64` policy. */
export type Int64Value<M extends Int64Mode> = M extends "bigint" ? bigint : M extends "string" ? string : number;

/** The JavaScript value read back from a column of base type `B` (not an array). */
type ScalarType<B extends string, M extends Int64Mode> = B extends IntegerName
  ? number
  : B extends Int64Name
    ? Int64Value<M>
    : B extends FloatName
      ? number
      : B extends DecimalName
        ? string
        : B extends "BOOLEAN" | "BOOL"
          ? boolean
          : B extends TimestampName
            ? Date
            : B extends "DATE"
              ? string
              : B extends "JSON" | "JSONB"
                ? unknown
                : B extends BytesName
                  ? Buffer
                  : B extends TextName
                    ? string
                    : unknown;

/** Array elements whose JavaScript type is the same on SQLite and PostgreSQL; others are `unknown`. */
type ElementType<B extends string> = B extends IntegerName | FloatName ? number : B extends "BOOLEAN" | "BOOL" ? boolean : B extends TextName ? string : unknown;

/** What writes accept besides the type read back. */
type WriteExtra<B extends string> = B extends IntegerName | Int64Name
  ? number | bigint
  : B extends DecimalName
    ? number | bigint
    : B extends TimestampName
      ? string
      : B extends "DATE"
        ? Date
        : B extends BytesName
          ? Uint8Array
          : never;

/** Everything the type level knows about one column definition. */
interface ColumnInfo {
  read: unknown;
  write: unknown;
  nullable: boolean;
  optional: boolean;
  writable: boolean;
}

type Analyze<D extends string, M extends Int64Mode, W extends string[] = Words<Normalize<D>>> = AnalyzeWith<
  TypeWords<W>,
  W extends [infer First extends string, ...string[]] ? BaseName<First> : "",
  ScanFlags<W>,
  M
>;

type AnalyzeWith<TW extends string[], B extends string, F extends Flags, M extends Int64Mode> = {
  read: IsArray<TW> extends true ? ElementType<B>[] : ScalarType<B, M>;
  write: IsArray<TW> extends true ? ElementType<B>[] : ScalarType<B, M> | WriteExtra<B>;
  nullable: F["explicitNull"] extends true ? true : F["notNull"] | F["primaryKey"] | F["default"] extends false ? true : false;
  // An integer key (SERIAL included) generates its values on every backend; a SERIAL that is not
  // the key is a plain INTEGER on SQLite (NULL unless written), so it is typed as one.
  optional: F["default"] extends true
    ? true
    : F["primaryKey"] extends true
      ? B extends IntegerName | Int64Name
        ? true
        : false
      : F["notNull"] extends true
        ? false
        : true;
  writable: F["generatedAlways"] extends true ? false : true;
};

/** The definition without the type a {@link typedColumn} gave it. */
type Unbrand<D extends string> = D extends TypedColumn<any, infer L> ? (string extends L ? D : L) : D;

type IsBranded<D> = D extends { readonly [COLUMN_TYPE]?: infer O } ? (unknown extends O ? false : true) : false;

type Override<D, T> = D extends { readonly [COLUMN_TYPE]?: infer O } ? (unknown extends O ? T : O) : T;

type ColumnOf<D extends string, M extends Int64Mode> = Analyze<Unbrand<D>, M> extends infer C extends ColumnInfo
  ? { read: Override<D, C["read"]>; write: Override<D, C["write"]>; nullable: C["nullable"]; optional: C["optional"]; writable: C["writable"] }
  : never;

/** Whether every definition of `S` is a string literal (a `const` schema), so types can be read from it. */
export type IsLiteralSchema<S> = [S] extends [SchemaShape]
  ? [keyof S] extends [never]
    ? false
    : string extends keyof S
      ? false
      : // A definition that is `string` or a pattern (`${string} PRIMARY KEY`) has an index-signature Record.
        [{ [K in keyof S]: IsBranded<S[K]> extends true ? never : {} extends Record<S[K] & string, 1> ? K : never }[keyof S]] extends [never]
        ? true
        : false
  : false;

// Per column, distributed over a union of definitions (`${type} PRIMARY KEY` with a union `type`).
type ReadOf<D, M extends Int64Mode> = D extends string ? (ColumnOf<D, M> extends infer C extends ColumnInfo ? (C["nullable"] extends true ? C["read"] | null : C["read"]) : never) : never;
type WriteOf<D, M extends Int64Mode> = D extends string ? (ColumnOf<D, M> extends infer C extends ColumnInfo ? (C["nullable"] extends true ? C["write"] | null : C["write"]) : never) : never;
type OptionalOf<D> = true extends (D extends string ? ColumnOf<D, "number">["optional"] : never) ? true : false;
type WritableOf<D> = false extends (D extends string ? ColumnOf<D, "number">["writable"] : never) ? false : true;
type NullableOf<D> = true extends (D extends string ? ColumnOf<D, "number">["nullable"] : never) ? true : false;

/** The row a schema's table returns: every column, `| null` where the column may hold NULL. */
export type SchemaRow<S extends SchemaShape, M extends Int64Mode = "number"> =
  IsLiteralSchema<S> extends true ? Simplify<{ -readonly [K in keyof S & string]: ReadOf<S[K], M> }> : Row;

/**
 * What `create` takes for a schema's table: columns without a default that are NOT NULL are
 * required, the others optional; `GENERATED ALWAYS` columns cannot be written.
 */
export type SchemaInsert<S extends SchemaShape, M extends Int64Mode = "number"> =
  IsLiteralSchema<S> extends true
    ? Simplify<
        { -readonly [K in keyof S & string as WritableOf<S[K]> extends true ? (OptionalOf<S[K]> extends true ? never : K) : never]: WriteOf<S[K], M> } & {
          -readonly [K in keyof S & string as WritableOf<S[K]> extends true ? (OptionalOf<S[K]> extends true ? K : never) : never]?: WriteOf<S[K], M>;
        }
      >
    : Partial<Row>;

/** The columns of a schema whose values the database always provides on rows read back (never NULL). */
export type SchemaFilledColumns<S extends SchemaShape> = IsLiteralSchema<S> extends true
  ? { [K in keyof S & string]: NullableOf<S[K]> extends false ? K : never }[keyof S & string]
  : never;

/**
 * A model's output as rows read back: every column of a schema is present (read rows hold every
 * column), non-null where the schema says the database fills it, `| null` where it may be NULL;
 * without a schema, the key column `PK` is present and non-null.
 */
export type ModelRow<O extends object, S, PK extends string, M extends Int64Mode = "number"> =
  IsLiteralSchema<S> extends true
    ? S extends SchemaShape
      ? Simplify<
          {
            -readonly [K in keyof O as K extends keyof S ? K : never]-?: K extends SchemaFilledColumns<S> ? Exclude<O[K], undefined | null> : Exclude<O[K], undefined> | null;
          } & { [K in keyof O as K extends keyof S ? never : K]: O[K] } & Omit<SchemaRow<S, M>, keyof O>
        >
      : never
    : [PK] extends [never]
      ? O
      : Simplify<Omit<O, PK> & { [K in keyof O & PK]-?: Exclude<O[K], undefined | null> }>;
