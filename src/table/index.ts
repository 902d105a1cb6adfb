/**
 * The Table API: typed CRUD tables with models, pagination, streaming, batches and relations.
 *
 * @module
 */
export { Table } from "./table.js";
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
