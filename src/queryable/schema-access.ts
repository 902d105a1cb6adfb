/**
 * What the schema caches and value checks of a {@link Queryable} need from it: the object whose
 * caches it shares (the Database), its dialect and driver, and ways to run catalog reads. A
 * Queryable makes one per instance, on first use.
 *
 * @module
 */
import type { Driver, QueryResult, Row, SqlDialect } from "../backends/contract.js";
import type { ColumnInfo } from "./options.js";

/** A Queryable as its schema caches see it. */
export interface SchemaAccess {
  /** The object whose schema caches this context shares: the Database. */
  readonly owner: object;
  /** The SQL dialect statements are built for. */
  readonly dialect: SqlDialect;
  /** The driver whose schema this context follows (the Database's); undefined before it connected. */
  driver(): Driver | undefined;
  /** Runs SQL text (with `?` placeholders) as `execute` does. */
  execute(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** The columns of a table, as `columns` gives them. */
  columns(table: string): Promise<ColumnInfo[]>;
  /** Runs one statement already in the dialect's form, in this context. */
  run(sql: string, params: readonly unknown[]): Promise<QueryResult>;
}
