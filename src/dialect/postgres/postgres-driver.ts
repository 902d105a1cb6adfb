/**
 * The PostgreSQL/CockroachDB driver over postgres.js: a pool whose statements are prepared once
 * per SQL text and connection, reserved connections for transactions (with an optional acquire
 * timeout), cursors for streaming, and type parsers that give the same JavaScript values as the
 * SQLite driver (int8 per the int64 policy, DATE as "YYYY-MM-DD", TIMESTAMP as UTC).
 *
 * @module
 */
import postgres from "postgres";
import type { ServerConfig } from "../../config/connection-config.js";
import { tlsOptions } from "../../config/connection-config.js";
import { ConnectionError } from "../../errors/errors.js";
import { mapPostgresError } from "../../errors/map-error.js";
import type { Driver, QueryResult, ReservedConnection, Row } from "../dialect.js";
import { int64FromText } from "../int64.js";

type Sql = postgres.Sql<Record<string, unknown>>;

/**
 * prepare: one named statement per SQL text and connection. simple: false keeps the extended
 * protocol even without parameters, so one call runs one statement, as on SQLite
 * ("…; DROP TABLE x" is refused, not run).
 */
const STATEMENT_OPTIONS = { prepare: true, simple: false } as postgres.UnsafeQueryOptions;
type Runner = Pick<Sql, "unsafe">;

/** `TIMESTAMP` (without time zone) values are read as UTC, as on SQLite. */
function parseTimestamp(text: string): Date | string {
  const date = new Date(text.replace(" ", "T") + "Z");
  return Number.isNaN(date.getTime()) ? text : date;
}

/** The flavour of a server, from what its `version()` says. */
export function dialectFromVersion(version: string): "postgres" | "cockroachdb" {
  return /cockroachdb/i.test(version) ? "cockroachdb" : "postgres";
}

/** The postgres.js type table: the same JavaScript value types as on SQLite. */
function typeParsers(config: ServerConfig) {
  return {
    int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: int64FromText(config.int64) },
    dateOnly: { to: 1082, from: [1082], serialize: (x: unknown) => (x instanceof Date ? x.toISOString().slice(0, 10) : String(x)), parse: (x: string) => x },
    timestamp: { to: 1114, from: [1114], serialize: (x: unknown) => (x instanceof Date ? x.toISOString() : String(x)), parse: parseTimestamp },
  };
}

/** The PostgreSQL/CockroachDB driver. See the module documentation. */
export class PostgresDriver implements Driver {
  readonly #config: ServerConfig;
  #dialect: "postgres" | "cockroachdb";
  #sql: Sql | undefined;
  #closed = false;

  constructor(config: ServerConfig) {
    this.#config = config;
    this.#dialect = config.dialect;
  }

  get dialect(): "postgres" | "cockroachdb" {
    return this.#dialect;
  }

  #map(error: unknown) {
    return mapPostgresError(error, [this.#config.password]);
  }

  #pool(): Sql {
    if (this.#closed) throw new ConnectionError("The database is closed");
    if (this.#sql === undefined) {
      const c = this.#config;
      this.#sql = postgres({
        host: c.host,
        port: c.port,
        database: c.database,
        username: c.user,
        ...(c.password === undefined ? {} : { password: c.password }),
        ssl: tlsOptions(c) as postgres.Options<{}>["ssl"],
        max: c.maxConnections,
        idle_timeout: c.idleTimeoutMs / 1000,
        connect_timeout: c.connectTimeoutMs / 1000, // 0: no limit
        prepare: true,
        onnotice: () => undefined,
        types: typeParsers(c),
        connection: {
          application_name: c.applicationName,
          ...(c.options === undefined ? {} : { options: c.options }),
        },
      } as postgres.Options<{}>) as unknown as Sql;
    }
    return this.#sql;
  }

  async connect(): Promise<void> {
    const sql = this.#pool();
    const { rows } = await this.#run(sql, "SELECT version() AS version", []);
    if (dialectFromVersion(String(rows[0]?.["version"] ?? "")) === "cockroachdb") this.#dialect = "cockroachdb";
    // Open the minimum number of connections now, so the first requests do not pay for them.
    const warm = Math.min(this.#config.minConnections, this.#config.maxConnections);
    if (warm > 1) {
      const reserved = await Promise.all(Array.from({ length: warm }, () => sql.reserve()));
      for (const connection of reserved) connection.release();
    }
  }

  async #run(runner: Runner, text: string, params: readonly unknown[]): Promise<QueryResult> {
    try {
      const result = await runner.unsafe(text, params as never[], STATEMENT_OPTIONS);
      // A plain array, not postgres.js's Result subclass, so rows look the same on every backend.
      const rows = Array.from(result) as Row[];
      return { rows, rowCount: result.count ?? rows.length };
    } catch (error) {
      throw this.#map(error);
    }
  }

  async *#cursor(runner: Runner, text: string, params: readonly unknown[], batchSize: number): AsyncGenerator<Row[]> {
    try {
      for await (const batch of runner.unsafe(text, params as never[], STATEMENT_OPTIONS).cursor(batchSize)) {
        yield Array.from(batch) as Row[];
      }
    } catch (error) {
      throw this.#map(error);
    }
  }

  query(sql: string, params: readonly unknown[], _single?: boolean): Promise<QueryResult> {
    let pool: Sql;
    try {
      pool = this.#pool();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(pool, sql, params);
  }

  stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]> {
    return this.#cursor(this.#pool(), sql, params, batchSize);
  }

  async acquire(): Promise<ReservedConnection> {
    const pool = this.#pool();
    const timeout = this.#config.acquireTimeoutMs;
    let reserved: postgres.ReservedSql<{}>;
    try {
      if (timeout > 0) {
        const pending = pool.reserve();
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // Hand a connection that arrives too late straight back to the pool.
            pending.then((late) => late.release(), () => undefined);
            reject(
              new ConnectionError(
                `No database connection became free within acquireTimeoutMs (${timeout} ms); all ${this.#config.maxConnections} connections are busy`,
              ),
            );
          }, timeout);
        });
        try {
          reserved = await Promise.race([pending, expired]);
        } finally {
          clearTimeout(timer);
        }
      } else {
        reserved = await pool.reserve();
      }
    } catch (error) {
      throw this.#map(error);
    }
    let released = false;
    const runner = (): Runner => {
      if (released) throw new ConnectionError("This transaction's connection was already released");
      return reserved as unknown as Runner;
    };
    return {
      query: async (sql, params) => this.#run(runner(), sql, params),
      stream: (sql, params, batchSize) => this.#cursor(runner(), sql, params, batchSize),
      release: () => {
        if (released) return;
        released = true;
        reserved.release();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const sql = this.#sql;
    this.#sql = undefined;
    await sql?.end({ timeout: 5 });
  }
}
