/**
 * The typed `Table` constructor: which row and insert types a `new Table(name, options)` gets.
 *
 * - An explicit row type wins: `new Table<User>("users", …)`.
 * - Else a `model` (any Standard Schema): rows from its output, `create` takes its input; with a
 *   `schema` as well, the columns the database fills (keys, defaults, NOT NULL) are present and
 *   non-null on rows read back, so no `user.id!`.
 * - Else a literal `schema`: rows and inserts read from the column definitions
 *   (see {@link SchemaRow} and {@link SchemaInsert}).
 * - Else `Row` (`Record<string, unknown>`), as for a schema of non-literal strings.
 *
 * The class itself (table.ts) keeps plain type parameters; this module only types construction.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Int64Mode } from "../config/connection-config.js";
import type { Database } from "../database.js";
import type { Row } from "../dialect/dialect.js";
import type { RelationMap } from "./relations.js";
import type { ModelRow, SchemaInsert, SchemaRow, SchemaShape } from "./schema-types.js";
import { Table as TableClass } from "./table.js";
import type { Model } from "./model.js";

declare const FROM_OPTIONS: unique symbol;

/** The default of a Table's row type argument: the row type comes from the options (model or schema). */
export type FromOptions = {
  /** Type-level only: marks the default. */
  readonly [FROM_OPTIONS]: true;
};

/** Any model. */
type AnyModel = Model<any, any>;

/** The key column a model-only table's rows always hold: the `primaryKey` option, else `id` when the model has one. */
type KeyOf<O, PK extends string> = [PK] extends [never] ? ("id" extends keyof O ? "id" : never) : PK;

/**
 * The row type of a Table made with these type arguments: `R` when given, else the model's output
 * (adjusted by the schema), else the schema's row.
 */
export type TableRowOf<R extends object, S, Mo, M extends Int64Mode, PK extends string> = [Mo] extends [never]
  ? [R] extends [FromOptions]
    ? [S] extends [SchemaShape]
      ? SchemaRow<S, M>
      : Row
    : R
  : Mo extends StandardSchemaV1<any, infer O extends object>
    ? ModelRow<O, S, KeyOf<O, PK>, M>
    : Row;

/** The input type of `create` of a Table made with these type arguments. */
export type TableInsertOf<R extends object, I extends object, S, Mo, M extends Int64Mode> = [Mo] extends [never]
  ? [R] extends [FromOptions]
    ? [S] extends [SchemaShape]
      ? SchemaInsert<S, M>
      : Partial<Row>
    : I
  : Mo extends StandardSchemaV1<infer In extends object, any>
    ? In
    : Partial<Row>;

/** The column names of the row type, never a source of inference. */
type ColumnNames<R extends object, S, Mo, M extends Int64Mode, PK extends string> = NoInfer<keyof TableRowOf<R, S, Mo, M, PK> & string>;

/**
 * The options of `new Table(name, options)` as the constructor reads them; the same fields as
 * {@link TableOptions}, with the type arguments they are inferred into.
 */
export interface TableInit<R extends object, Rels extends RelationMap, H extends string, S, Mo, M extends Int64Mode, PK extends string, I extends object = Partial<R>> {
  /** The Database. Default: `new Database()` (DATABASE_URL, else ./tablekit.db), closed by the Table's dispose. */
  db?: Database<M> | undefined;
  /**
   * Column definitions for `CREATE TABLE IF NOT EXISTS` (portable PostgreSQL-style SQL). Without
   * it, the table must exist. Given as a literal, it types the rows (see docs/table.md, "Types").
   */
  schema?: S | undefined;
  /** `"add"`: on first use, add the `schema` columns the live table lacks. */
  sync?: "add" | undefined;
  /** A Standard Schema validator for create/update/upsert/batch input; rows are typed from its output. */
  model?: Mo | NoInfer<[R] extends [FromOptions] ? never : Model<I, R>> | undefined;
  /** Relations available to `include`. */
  relations?: Rels | undefined;
  /** Columns left out of returned rows unless a call names them in `columns`. */
  hidden?: readonly (H extends ColumnNames<R, S, Mo, M, PK> ? H : ColumnNames<R, S, Mo, M, PK>)[] | undefined;
  /** The key column of read/update/delete/paginate. Default: the table's single-column primary key. */
  primaryKey?: ([R] extends [FromOptions] ? (PK extends ColumnNames<R, S, Mo, M, PK> ? PK : ColumnNames<R, S, Mo, M, PK>) : NoInfer<keyof R & string>) | undefined;
}

/**
 * The type of `Table` as a value: its construct signature infers the row type from the options, and
 * {@link TableConstructor.open} does the same.
 */
export interface TableConstructor {
  /**
   * Describes a table; nothing runs until `initialize()` or the first call. Options are checked
   * here: a malformed name, model or relation throws at once.
   *
   * ```ts
   * const users = new Table("users", {
   *   db,
   *   schema: { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL", age: "INTEGER" },
   * });
   * // rows: { id: string; name: string; age: number | null }; create takes { id?: string; name: string; age?: number | bigint | null }
   * ```
   */
  new <
    R extends object = FromOptions,
    Rels extends RelationMap = RelationMap,
    const H extends string = never,
    I extends object = Partial<R>,
    const S extends SchemaShape = SchemaShape,
    Mo extends AnyModel = never,
    M extends Int64Mode = "number",
    const PK extends string = never,
  >(
    name: string,
    options?: TableInit<R, Rels, H, S, Mo, M, PK, I>,
  ): TableClass<TableRowOf<R, S, Mo, M, PK>, Rels, H, TableInsertOf<R, I, S, Mo, M>>;
  /** @internal */
  readonly prototype: TableClass<any, any, any, any>;
  /**
   * Creates a Table and initializes it; with `await using`, the end of the scope disposes it
   * (closing the Database only if the Table created it).
   *
   * ```ts
   * await using users = await Table.open("users", { schema: { id: "INTEGER PRIMARY KEY", name: "TEXT" } });
   * ```
   */
  open<
    R extends object = FromOptions,
    Rels extends RelationMap = RelationMap,
    const H extends string = never,
    I extends object = Partial<R>,
    const S extends SchemaShape = SchemaShape,
    Mo extends AnyModel = never,
    M extends Int64Mode = "number",
    const PK extends string = never,
  >(
    name: string,
    options?: TableInit<R, Rels, H, S, Mo, M, PK, I>,
  ): Promise<TableClass<TableRowOf<R, S, Mo, M, PK>, Rels, H, TableInsertOf<R, I, S, Mo, M>>>;
}

/**
 * A database table with typed CRUD, validation, pagination, streaming, batches and relations; see
 * the class documentation in table.ts and docs/table.md. `Table<R, Rels, H, I>`: `R` the row type,
 * `Rels` the relations, `H` the hidden columns, `I` the input type of `create`.
 */
export type Table<R extends object = Row, Rels extends RelationMap = RelationMap, H extends string = never, I extends object = Partial<R>> = TableClass<R, Rels, H, I>;

/** The Table class, typed by {@link TableConstructor}: `new Table(name, options)` infers the row type from the options. */
export const Table: TableConstructor = TableClass as unknown as TableConstructor;
