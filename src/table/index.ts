/**
 * The Table API: typed CRUD tables with models, pagination, streaming, batches and relations.
 *
 * @module
 */
export { Table, type TableConstructor, type TableInit, type TableRowOf, type TableInsertOf, type FromOptions } from "./table-constructor.js";
export {
  typedColumn,
  type TypedColumn,
  type SchemaShape,
  type SchemaRow,
  type SchemaInsert,
  type ModelRow,
  type Int64Value,
  type IsLiteralSchema,
  type SchemaFilledColumns,
} from "./schema-types.js";
export { type TableOrderBy, type CheckOrderString, type OrderArrayTerm, type LooseOrderBy, type OrderObjectOrArray, type MAX_ORDER_TERMS } from "./order-types.js";
export {
  belongsTo,
  hasOne,
  hasMany,
  manyToMany,
  IN_LIST_CHUNK,
  type Relation,
  type RelationKind,
  type RelationMap,
  type RelationTarget,
  type AnyRelation,
  type LazyRelation,
  type BelongsToOptions,
  type HasOptions,
  type ManyToManyOptions,
} from "./relations.js";
export type { Model } from "./model.js";
export type {
  TableOptions,
  TableKey,
  FindOptions,
  FindOneOptions,
  ListOptions,
  PageOptions,
  KeysetOptions,
  Page,
  KeysetPage,
  TableStreamOptions,
  BatchCreateOptions,
  TableBatchUpdateOptions,
  TableUpsertOptions,
  GetOrCreateResult,
  Include,
  IncludeOptions,
  WithIncludes,
  ResultRow,
  SelectedRow,
  VisibleRow,
  RelationRow,
  RelationRelations,
  Columns,
  Simplify,
} from "./types.js";
