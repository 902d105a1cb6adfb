/**
 * The types of the Table API: options of each method, and the row types computed from the model,
 * the hidden columns, a `columns` selection and the included relations.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { Row } from "../dialect/dialect.js";
import type { LooseOrderBy, TableOrderBy } from "./order-types.js";
import type { Where } from "../sql/where.js";
import type { Model } from "./model.js";
import type { Table } from "./table.js";
import type { AnyRelation, Relation, RelationKind, RelationMap } from "./relations.js";

/** Flattens an intersection into one object type, for readable editor hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A primary key value: read, update and delete take one. */
export type TableKey = string | number | bigint;

/** A row without its hidden columns `H`. */
export type VisibleRow<R, H extends PropertyKey> = [H] extends [never] ? R : Omit<R, H>;

/** The row type for a `columns` selection `C`; without one, the visible columns. */
export type SelectedRow<R, H extends PropertyKey, C> = C extends readonly (infer K)[] ? Pick<R, Extract<K, keyof R>> : VisibleRow<R, H>;

type IsAny<T> = 0 extends 1 & T ? true : false;

/** The Table a relation's `"~target"` function returns (`unknown` for relations made without one). */
type LazyTable<Rl> = Rl extends { readonly "~target"?: infer F } ? (F extends () => infer T ? T : unknown) : unknown;

/** What a relation's target is typed as: its row, relations and hidden columns. */
type TargetTypes<Rl> =
  IsAny<Rl> extends true
    ? { row: Row; relations: RelationMap; hidden: never }
    : LazyTable<Rl> extends Table<infer T, infer TR, infer TH, any>
      ? { row: IsAny<T> extends true ? Row : T; relations: IsAny<TR> extends true ? RelationMap : TR; hidden: IsAny<TH> extends true ? never : TH }
      : Rl extends Relation<any, infer T, infer TR, infer TH>
        ? { row: IsAny<T> extends true ? Row : T; relations: IsAny<TR> extends true ? RelationMap : TR; hidden: IsAny<TH> extends true ? never : TH }
        : { row: Row; relations: RelationMap; hidden: never };

/** The row type of a relation's target. */
export type RelationRow<Rl> = TargetTypes<Rl>["row"];

/** The relations of a relation's target (for nested includes). */
export type RelationRelations<Rl> = TargetTypes<Rl>["relations"];

type RelationHidden<Rl> = TargetTypes<Rl>["hidden"];
type RelationKindOf<Rl> = IsAny<Rl> extends true ? RelationKind : Rl extends Relation<infer K, any, any, any> ? K : RelationKind;

/**
 * The `include` option: relation name → `true`, or options for that relation's rows (filter,
 * ordering, columns and nested includes).
 *
 * ```ts
 * const include = { team: true, posts: { where: { published: true }, orderBy: "created_at DESC", include: { comments: true } } };
 * ```
 */
export type Include<Rels> = { readonly [K in keyof Rels]?: boolean | IncludeOptions<Rels[K]> };

/** Options for one included relation. */
export interface IncludeOptions<Rl = AnyRelation> {
  /** Filter on the related rows (ANDed with the relation's key). */
  where?: Where<RelationRow<Rl>>;
  /** Order of the related rows in each parent's array (hasMany, manyToMany) or which one wins (hasOne); the first column of a string is checked. */
  orderBy?: LooseOrderBy<keyof RelationRow<Rl> & string>;
  /** Columns of the related rows; default their visible columns. */
  columns?: readonly (keyof RelationRow<Rl> & string)[];
  /** Relations of the related rows to load too, batched the same way. */
  include?: Include<RelationRelations<Rl>>;
}

type IncludedRow<Rl, Spec> = Simplify<
  SelectedRow<RelationRow<Rl>, RelationHidden<Rl>, Spec extends { columns: infer C } ? C : undefined> &
    (Spec extends { include: infer NI } ? WithIncludes<RelationRelations<Rl>, NI> : {})
>;

type IncludedValue<Rl, Spec> = [RelationKindOf<Rl>] extends ["hasMany" | "manyToMany"]
  ? IncludedRow<Rl, Spec>[]
  : [RelationKindOf<Rl>] extends ["belongsTo" | "hasOne"]
    ? IncludedRow<Rl, Spec> | null
    : IncludedRow<Rl, Spec> | IncludedRow<Rl, Spec>[] | null;

/** The properties an `include` adds to each row: an array for hasMany/manyToMany, a row or null for belongsTo/hasOne. */
export type WithIncludes<Rels, Inc> = {
  -readonly [K in keyof Inc & keyof Rels & string as Inc[K] extends false | undefined ? never : K]: IncludedValue<Rels[K], Inc[K]>;
};

/** A returned row: the selected (or visible) columns plus the included relations. */
export type ResultRow<R, H extends PropertyKey, Rels, C, Inc> = Simplify<SelectedRow<R, H, C> & WithIncludes<Rels, Inc>>;

/** A `columns` option: column names of the row. */
export type Columns<R> = readonly (keyof R & string)[] | undefined;

/**
 * Options of `new Table(name, options)`. With a `model`, the row type is the model's output and
 * `create` takes the model's input.
 */
export interface TableOptions<R extends object = Row, Rels extends RelationMap = RelationMap, H extends string = never, I extends object = Partial<R>> {
  /** The Database. Default: `new Database()` (DATABASE_URL, else ./tablekit.db), closed by the Table's dispose. */
  db?: Database | undefined;
  /** Column definitions for `CREATE TABLE IF NOT EXISTS` (portable PostgreSQL-style SQL). Without it, the table must exist. */
  schema?: Readonly<Record<string, string>> | undefined;
  /**
   * `"add"`: on first use, add the `schema` columns the live table lacks (with their defaults);
   * never drops or changes a column. Without it, a missing column is a `SchemaMismatchError`
   * naming it. For prototyping; use migrations in production (docs/migrations.md).
   */
  sync?: "add" | undefined;
  /** A Standard Schema validator for create/update/upsert/batch input; rows are typed from its output. */
  model?: Model<I, R> | undefined;
  /** Relations available to `include`. */
  relations?: Rels | undefined;
  /** Columns left out of returned rows unless a call names them in `columns`. */
  hidden?: readonly H[] | undefined;
  /** The key column of read/update/delete/paginate. Default: the table's single-column primary key. */
  primaryKey?: (keyof R & string) | undefined;
}

/** Options of `read` and the shared part of the reading methods. */
export interface FindOptions<C, Inc> {
  /** Columns to return (hidden columns too, when named). Default: every visible column. */
  columns?: C;
  /** Relations to load with the rows; see {@link Include}. */
  include?: Inc;
}

/** Options of `findOne`. */
export interface FindOneOptions<C, Inc, Cols extends string = string, O extends string = never> extends FindOptions<C, Inc> {
  /** Which matching row comes first. */
  orderBy?: TableOrderBy<Cols, O> | undefined;
}

/** Options of `list`. */
export interface ListOptions<R extends object, C, Inc, O extends string = never> extends FindOptions<C, Inc> {
  /** Filter; see {@link Where}. */
  where?: Where<R> | undefined;
  /** Ordering: `"name, created_at DESC"`, `{ name: "asc" }` or `[["name", "asc"]]`. */
  orderBy?: TableOrderBy<keyof R & string, O> | undefined;
  /** Maximum number of rows. */
  limit?: number | undefined;
  /** Rows to skip. */
  offset?: number | undefined;
}

/** Options of page-number pagination: `paginate({ page, perPage })`. */
export interface PageOptions<R extends object, C, Inc, O extends string = never> extends FindOptions<C, Inc> {
  /** Filter. */
  where?: Where<R> | undefined;
  /** Ordering. Default: the primary key, so pages neither overlap nor skip rows. */
  orderBy?: TableOrderBy<keyof R & string, O> | undefined;
  /** 1-based page number. Default 1. */
  page?: number | undefined;
  /** Rows per page. Default 20. */
  perPage?: number | undefined;
  /** Not with page numbers: `after` belongs to keyset pagination. */
  after?: never;
  /** Not with page numbers: `limit` belongs to keyset pagination. */
  limit?: never;
}

/** Options of keyset pagination: `paginate({ orderBy, after, limit })`. */
export interface KeysetOptions<R extends object, C, Inc, O extends string = never> extends FindOptions<C, Inc> {
  /** Filter. */
  where?: Where<R> | undefined;
  /** Ordering; the primary key is added as the final tiebreaker. Default: the primary key. */
  orderBy?: TableOrderBy<keyof R & string, O> | undefined;
  /** The `nextCursor` of the previous page; omit (or null) for the first page. */
  after?: string | null | undefined;
  /** Rows per page. */
  limit: number;
  /** Not with keyset pagination. */
  page?: never;
  /** Not with keyset pagination. */
  perPage?: never;
}

/** A page of page-number pagination. */
export interface Page<T> {
  /** The rows of this page. */
  items: T[];
  /** Rows matching the filter, on every page. */
  total: number;
  /** This page's number (1-based). */
  page: number;
  /** Rows per page. */
  perPage: number;
  /** Number of pages (0 when nothing matches). */
  pages: number;
}

/** A page of keyset pagination. */
export interface KeysetPage<T> {
  /** The rows of this page. */
  items: T[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** Options of `Table.stream`. */
export interface TableStreamOptions<R extends object, C, Inc, O extends string = never> extends FindOptions<C, Inc> {
  /** Filter. */
  where?: Where<R> | undefined;
  /** Ordering; the primary key is added as the final tiebreaker. Default: the primary key. */
  orderBy?: TableOrderBy<keyof R & string, O> | undefined;
  /** Rows read per query (and per batch of relation queries). Default 1000. */
  batchSize?: number | undefined;
}

/** Options of `batchCreate`. */
export interface BatchCreateOptions {
  /** Return the created rows (default true). With false, the count: memory stays bounded however many records. */
  returning?: boolean | undefined;
  /** Called as rows are written, with the records done so far and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Rows per INSERT statement (capped under the backend's parameter limit). Default 500. */
  chunkSize?: number | undefined;
}

/** Options of `Table.batchUpdate`. */
export interface TableBatchUpdateOptions {
  /** The column identifying each record's row. Default: the primary key. */
  keyColumn?: string | undefined;
  /** Return the updated rows (default true); with false, the count. */
  returning?: boolean | undefined;
  /** Called after each chunk of records with the records done so far and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Options of `Table.upsert`. */
export interface TableUpsertOptions<R> {
  /** Unique columns identifying an existing row. Default: the primary key. */
  conflict?: readonly (keyof R & string)[] | undefined;
  /** Columns overwritten when the row exists. Default: every given column outside `conflict`. */
  update?: readonly (keyof R & string)[] | undefined;
}

/** What `getOrCreate` returns. */
export interface GetOrCreateResult<T> {
  /** The existing or new row. */
  row: T;
  /** Whether this call created it. */
  created: boolean;
}
