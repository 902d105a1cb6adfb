/**
 * tablekit: async data access for TypeScript on embedded SQLite, PostgreSQL and CockroachDB.
 *
 * @packageDocumentation
 */
// FIRST: fails at once, with a clear message, on an unsupported Node.js, before any module that
// loads better-sqlite3 is evaluated (modules are evaluated in import order).
import "./node-version.js";
export { Database } from "./database.js";
export {
  Queryable,
  type BatchInsertOptions,
  type BatchUpdateOptions,
  type ColumnInfo,
  type StreamOptions,
  type TransactionOptions,
  type WriteData,
} from "./queryable.js";
export { Transaction } from "./transaction/transaction.js";
export {
  Table,
  belongsTo,
  hasOne,
  hasMany,
  manyToMany,
  type Model,
  type Relation,
  type RelationKind,
  type RelationMap,
  type RelationTarget,
  type AnyRelation,
  type BelongsToOptions,
  type HasOptions,
  type ManyToManyOptions,
  type TableOptions,
  type TableKey,
  type FindOptions,
  type FindOneOptions,
  type ListOptions,
  type PageOptions,
  type KeysetOptions,
  type Page,
  type KeysetPage,
  type TableStreamOptions,
  type BatchCreateOptions,
  type TableBatchUpdateOptions,
  type TableUpsertOptions,
  type GetOrCreateResult,
  type Include,
  type IncludeOptions,
  type WithIncludes,
  type ResultRow,
  type SelectedRow,
  type VisibleRow,
  type RelationRow,
  type RelationRelations,
  type Columns,
  type LazyRelation,
  type TableConstructor,
  type TableInit,
  type TableRowOf,
  type TableInsertOf,
  type FromOptions,
  typedColumn,
  type TypedColumn,
  type SchemaShape,
  type SchemaRow,
  type SchemaInsert,
  type ModelRow,
  type Int64Value,
  type IsLiteralSchema,
  type SchemaFilledColumns,
  type TableOrderBy,
  type CheckOrderString,
  type OrderArrayTerm,
  type LooseOrderBy,
  type OrderObjectOrArray,
  type MAX_ORDER_TERMS,
} from "./table/index.js";
export type { RetryOptions, RetryListener } from "./transaction/retry.js";
export { KVStore, type KVStoreOptions, type KVSetOptions, type KVScanOptions, type KVClearOptions, type KVCacheStats } from "./kv/kv-store.js";
export { KeyNotFoundError, DecryptionError, EncryptionKeyError } from "./kv/kv-errors.js";
export type { KVEncryptionOptions } from "./kv/encryption.js";
export type { KVRotateOptions, KVRotateProgress } from "./kv/rotation.js";
export type { KVQueryOptions, KVRawWhere, KVSqlHelpers } from "./kv/raw-sql.js";
export type { SelectOptions, UpsertOptions } from "./crud/statements.js";
export type { CreateIndexOptions, CreateTableOptions } from "./crud/ddl.js";
export type { DatabaseOptions, DialectName, HostOption, HostPort, Int64Mode, ReplicaOption, SqliteSynchronous, SslMode, TargetSessionAttrs } from "./config/connection-config.js";
export type { ReplicaHealth, ReplicaReport, ReplicaStats } from "./replicas/replica-set.js";
export type { IsolationLevel, Row } from "./backends/contract.js";
export type { QueryEvent, QueryListener } from "./events.js";
export { ListenerWarning } from "./events.js";
export { TRACING_CHANNELS, jsonSafeParams } from "./diagnostics/tracing.js";
export type {
  ConnectTraceContext,
  QueryTraceContext,
  RetryTraceContext,
  TraceTarget,
  TransactionTraceContext,
} from "./diagnostics/tracing.js";
export type { DatabaseStats, PoolStats, ReplicaPoolStats } from "./diagnostics/pool-stats.js";
export { STREAM_IDLE_GRACE_MS } from "./lifecycle/open-streams.js";
export { sql, SqlFragment, type SqlTag, type RenderedSql } from "./sql/sql-tag.js";
export type { Where, Operators } from "./sql/where.js";
export type { OrderBy, OrderDirection, OrderTerm } from "./sql/order-by.js";
export {
  TablekitError,
  ConfigError,
  ConnectionError,
  QueryTimeoutError,
  QueryError,
  StatementTimeoutError,
  UnsafeIntegerError,
  ReadOnlyError,
  ConstraintError,
  UniqueViolationError,
  ForeignKeyViolationError,
  NotNullViolationError,
  CheckViolationError,
  SerializationError,
  TransactionRetryError,
  AmbiguousCommitError,
  CommittedButUnreadableError,
  IdentifierError,
  ValidationError,
  SchemaChangedError,
  LimitError,
  type TablekitErrorOptions,
  type ConstraintDetails,
  type ValidationIssue,
} from "./errors/errors.js";
export {
  MigrationError,
  MigrationSourceError,
  MigrationChecksumError,
  MigrationMissingError,
  MigrationFailedError,
  MigrationIrreversibleError,
  MigrationLockTimeoutError,
  SchemaMismatchError,
} from "./migrate/migration-errors.js";
export type {
  Migrate,
  MigrateOptions,
  MigrateDownOptions,
  MigrateResult,
  MigrateDownResult,
  MigrationStatus,
  AppliedMigration,
} from "./migrate/migrator.js";
export type { Migration } from "./migrate/sources.js";
