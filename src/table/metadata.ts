/**
 * A Table's metadata (columns, primary key, hidden columns) as it is loaded and kept: created from
 * `schema` and read once on first use (concurrent first calls share one load), read again inside
 * a transaction that may still roll back, and refreshed when a column turns out to be stale.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { ColumnInfo } from "../queryable.js";
import { QueryError } from "../errors/errors.js";
import { formatForMessage } from "../sql/identifiers.js";
import type { TxScope } from "../transaction/transaction.js";
import { currentScope } from "../transaction/context.js";
import { syncColumns } from "../migrate/table-sync.js";
import { type TableMeta, buildMeta, dialectOf } from "./internal.js";

/** @internal What a Table's metadata is loaded from. */
export interface MetadataSource {
  /** The table name. */
  readonly name: string;
  /** The Database the columns are read from. */
  readonly db: Database;
  /** The column definitions to create the table from, if any. */
  readonly schema: Readonly<Record<string, string>> | undefined;
  /** The `sync` option: add the schema's missing columns. */
  readonly sync: "add" | undefined;
  /** The `primaryKey` option. */
  readonly primaryKey: string | undefined;
  /** The hidden columns. */
  readonly hidden: readonly string[];
}

/** @internal One Table's metadata: loaded once, shared by concurrent first calls, refreshed on demand. */
export class TableMetadata {
  readonly #source: MetadataSource;
  #meta: TableMeta | undefined;
  /** Loaded inside a transaction that may still roll back: load again outside one. */
  #tentative = false;
  #loading: Promise<TableMeta> | undefined;

  /** Metadata of the table `source` describes; nothing is read until {@link TableMetadata.ready}. */
  constructor(source: MetadataSource) {
    this.#source = source;
  }

  /** The metadata last loaded, tentative or not (undefined before the first load). */
  get known(): TableMeta | undefined {
    return this.#meta;
  }

  /** Whether the columns were read at least once. */
  loaded(): boolean {
    return this.#meta !== undefined;
  }

  /** The metadata when it can be used without waiting: loaded, and not tentative. */
  current(): TableMeta | undefined {
    return this.#tentative ? undefined : this.#meta;
  }

  /** Whether a transaction is open on the Database in the current async context. */
  inTransaction(): boolean {
    return currentScope<TxScope>(this.#source.db)?.active === true;
  }

  /**
   * The metadata, loaded first when there is none yet, or when it was loaded inside a
   * transaction and this call is outside one.
   */
  ready(): Promise<TableMeta> {
    const meta = this.#meta;
    if (meta !== undefined && (!this.#tentative || this.inTransaction())) return Promise.resolve(meta);
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<TableMeta> {
    const { name, db, schema, sync } = this.#source;
    const inTransaction = this.inTransaction();
    if (schema !== undefined) await db.createTable(name, schema);
    let infos = await db.columns(name);
    if (infos.length === 0) {
      throw new QueryError(`Table ${formatForMessage(name)} does not exist; pass a schema to create it`);
    }
    if (schema !== undefined) infos = [...(await syncColumns(db, name, schema, infos, sync))];
    const meta = this.#build(infos);
    this.#meta = meta;
    this.#tentative = inTransaction;
    return meta;
  }

  #build(infos: readonly ColumnInfo[]): TableMeta {
    const { name, db, primaryKey, hidden } = this.#source;
    return buildMeta(name, infos, dialectOf(db), { primaryKey, hidden });
  }

  /**
   * Reads the table's columns again (after ALTER TABLE, here or elsewhere); returns whether they
   * differ from the ones known before.
   */
  async refresh(): Promise<boolean> {
    const before = this.#meta;
    const infos = await this.#source.db.columns(this.#source.name);
    if (infos.length === 0) return false;
    const meta = this.#build(infos);
    this.#meta = meta;
    this.#tentative = this.inTransaction();
    return before === undefined || before.columnNames.join("\u0000") !== meta.columnNames.join("\u0000") || before.keyKind !== meta.keyKind;
  }
}
