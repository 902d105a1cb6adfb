/**
 * A transaction: one held connection, its failure state, and SAVEPOINT-based nesting. The
 * top-level BEGIN/COMMIT and the retry loop live in `Database.transaction`.
 *
 * @module
 */
import type { DialectName, Int64Mode } from "../config/connection-config.js";
import type { QueryResult, ReservedConnection, Row, SqlDialect, StatementText } from "../backends/contract.js";
import { ConnectionError, QueryError, SerializationError, TablekitError } from "../errors/errors.js";
import { Queryable, type TransactionOptions } from "../queryable.js";
import type { BatchSource } from "../lifecycle/open-streams.js";
import { runInScope } from "./context.js";
import type { TransactionTraceContext } from "../diagnostics/tracing.js";

/** @internal The state of one transaction level (the root or a savepoint). */
export class TxScope {
  /** Whether statements may still run at this level. */
  active = true;
  /** The first statement failure at this level; the level can then only roll back. */
  failure: TablekitError | undefined;
  /** The `tablekit:transaction` context of the root level, when that channel is traced. */
  trace: TransactionTraceContext | undefined;
  #savepoints = 0;

  constructor(
    readonly connection: ReservedConnection,
    readonly parent: TxScope | undefined,
  ) {}

  /** The outermost level. */
  get root(): TxScope {
    let scope: TxScope = this;
    while (scope.parent !== undefined) scope = scope.parent;
    return scope;
  }

  /** A savepoint name unique within the root transaction. */
  nextSavepoint(): string {
    return `tablekit_sp_${++this.root.#savepoints}`;
  }

  /** Records a failed statement. Conflicts and broken connections doom every enclosing level too. */
  fail(error: TablekitError): void {
    const wholeTransaction = error instanceof SerializationError || error instanceof ConnectionError;
    for (let scope: TxScope | undefined = this; scope !== undefined; scope = wholeTransaction ? scope.parent : undefined) {
      scope.failure ??= error;
    }
  }
}

/** @internal What a transaction needs from its Database. */
export interface TransactionHost {
  /** The Database, which keys the ambient transaction. */
  readonly owner: object;
  readonly dialectName: DialectName;
  readonly sqlDialect: SqlDialect;
  /** The Database's int64 policy. */
  readonly int64: Int64Mode;
  /** Runs a statement on the scope's connection, with query events; no state checks. */
  execRaw(scope: TxScope, sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult>;
  /** Runs statements in order on the scope's connection (each with its query events); no state checks. */
  execRawMany(scope: TxScope, statements: readonly StatementText[]): Promise<QueryResult[]>;
  /** Bulk-loads COPY text lines on the scope's connection, with a query event. */
  copyIn(scope: TxScope, sql: string, lines: Iterable<string>): Promise<number>;
  /** Streams on the scope's connection. */
  stream(scope: TxScope, sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]>;
}

/** Refuses a statement in a transaction that has finished, or that an earlier failure aborted. */
function assertUsable(scope: TxScope): void {
  if (!scope.active) {
    throw new QueryError("This transaction has already finished; run statements inside its callback");
  }
  if (scope.failure !== undefined) {
    throw new QueryError(
      "The transaction is aborted because an earlier statement failed; use a nested transaction (savepoint) to recover from expected errors",
      { cause: scope.failure, code: scope.failure.code },
    );
  }
}

/** @internal Runs a statement at `scope`, refusing when the level is finished or has failed, and recording failures. */
export async function execInScope(
  host: TransactionHost,
  scope: TxScope,
  sql: string,
  params: readonly unknown[],
  single?: boolean,
): Promise<QueryResult> {
  assertUsable(scope);
  try {
    return await host.execRaw(scope, sql, params, single);
  } catch (error) {
    if (error instanceof TablekitError) scope.fail(error);
    throw error;
  }
}

/** @internal {@link execInScope} for statements run in order (a batch's): the same checks, and a failure recorded the same way. */
export async function execManyInScope(host: TransactionHost, scope: TxScope, statements: readonly StatementText[]): Promise<QueryResult[]> {
  assertUsable(scope);
  try {
    return await host.execRawMany(scope, statements);
  } catch (error) {
    if (error instanceof TablekitError) scope.fail(error);
    throw error;
  }
}

/**
 * A running transaction, passed to the callback of `db.transaction`. It has the whole query API
 * of {@link Queryable}; calls made on the Database inside the callback join it too.
 */
export class Transaction extends Queryable {
  readonly #host: TransactionHost;
  readonly #scope: TxScope;

  /** @internal */
  constructor(host: TransactionHost, scope: TxScope) {
    super();
    this.#host = host;
    this.#scope = scope;
  }

  /** The backend. */
  get dialect(): DialectName {
    return this.#host.dialectName;
  }

  /** @internal */
  protected get sqlDialect(): SqlDialect {
    return this.#host.sqlDialect;
  }

  /** @internal */
  protected override get schemaOwner(): object {
    return this.#host.owner;
  }

  /** @internal */
  protected override get int64Mode(): Int64Mode {
    return this.#host.int64;
  }

  /** @internal */
  protected runStatement(sql: string, params: readonly unknown[], single?: boolean): Promise<QueryResult> {
    return execInScope(this.#host, this.#scope, sql, params, single);
  }

  /** @internal */
  protected override runStatements(statements: readonly StatementText[]): Promise<QueryResult[]> {
    return execManyInScope(this.#host, this.#scope, statements);
  }

  /** @internal */
  protected streamStatement(sql: string, params: readonly unknown[], batchSize: number): BatchSource {
    if (!this.#scope.active) throw new QueryError("This transaction has already finished; run statements inside its callback");
    return this.#host.stream(this.#scope, sql, params, batchSize);
  }

  /** @internal */
  protected override async copyRows(sql: string, lines: Iterable<string>): Promise<number> {
    const scope = this.#scope;
    if (!scope.active) throw new QueryError("This transaction has already finished; run statements inside its callback");
    if (scope.failure !== undefined) {
      throw new QueryError("The transaction is aborted because an earlier statement failed", { cause: scope.failure, code: scope.failure.code });
    }
    try {
      return await this.#host.copyIn(scope, sql, lines);
    } catch (error) {
      if (error instanceof TablekitError) scope.fail(error);
      throw error;
    }
  }

  /** Whether this transaction can still run statements. */
  get isActive(): boolean {
    return this.#scope.active && this.#scope.failure === undefined;
  }

  /**
   * A nested transaction: a SAVEPOINT. If `fn` throws, only the nested work is rolled back and the
   * error propagates; catch it to carry on with the outer transaction. Retry options apply to the
   * outermost transaction only.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    const host = this.#host;
    const parent = this.#scope;
    const name = parent.nextSavepoint();
    await execInScope(host, parent, `SAVEPOINT ${name}`, []);
    const child = new TxScope(parent.connection, parent);
    const tx = new Transaction(host, child);
    let result: T;
    try {
      result = await runInScope(host.owner, child, () => fn(tx));
      if (child.failure !== undefined) throw child.failure;
    } catch (error) {
      child.active = false;
      if (!(parent.root.failure instanceof ConnectionError)) {
        try {
          await host.execRaw(parent, `ROLLBACK TO SAVEPOINT ${name}`, []);
          await host.execRaw(parent, `RELEASE SAVEPOINT ${name}`, []);
        } catch (rollbackError) {
          if (rollbackError instanceof TablekitError) parent.fail(rollbackError);
        }
      }
      throw error;
    }
    child.active = false;
    await execInScope(host, parent, `RELEASE SAVEPOINT ${name}`, []);
    return result;
  }
}
