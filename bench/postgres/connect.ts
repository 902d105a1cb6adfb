/**
 * How each PostgreSQL contender connects: a pool (or client) of `poolSize` connections, SSL off,
 * opened fresh for every repetition (see bench/drivers.ts: postgres.js slows down as one client
 * ages under load, which would penalise whichever contender ran last on a shared client).
 *
 * @module
 */
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePjs } from "drizzle-orm/postgres-js";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import knexFactory, { type Knex } from "knex";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import postgres from "postgres";
import { Database } from "../../src/index.js";
import type { BenchConfig } from "../harness/config.js";

export function openTablekit(config: BenchConfig): Promise<Database> {
  return Database.open({ url: config.pgUrl, maxConnections: config.poolSize, minConnections: config.poolSize });
}

/**
 * A pg pool. An idle client whose connection the server ends (other sessions on a shared server
 * may terminate backends) emits "error" on the pool, which would crash the process without a
 * listener; a query on a broken connection still fails, and fails the run.
 */
export function openPg(config: BenchConfig): pg.Pool {
  const pool = new pg.Pool({ connectionString: config.pgUrl, max: config.poolSize, ssl: false });
  pool.on("error", () => {});
  return pool;
}

export function openPostgresJs(config: BenchConfig): postgres.Sql {
  return postgres(config.pgUrl, { max: config.poolSize, ssl: false, onnotice: () => {} });
}

export function openKysely(config: BenchConfig): Kysely<any> {
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: openPg(config), cursor: Cursor }) });
}

export function openKnex(config: BenchConfig): Knex {
  return knexFactory({ client: "pg", connection: { connectionString: config.pgUrl, ssl: false }, pool: { min: 0, max: config.poolSize } });
}

export function openDrizzlePg(config: BenchConfig) {
  const pool = openPg(config);
  return { db: drizzlePg({ client: pool }), close: () => pool.end() };
}

export function openDrizzlePjs(config: BenchConfig) {
  const sql = openPostgresJs(config);
  return { db: drizzlePjs({ client: sql }), close: () => sql.end({ timeout: 5 }) };
}

/** Drizzle's description of a bench table. */
export function pgRowsTable(name: string) {
  return pgTable(name, {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    age: integer("age").notNull(),
    score: integer("score").notNull(),
  });
}

/** Drizzle's description of the accounts table of the transfer workload. */
export function pgAccountsTable(name: string) {
  return pgTable(name, {
    id: integer("id").primaryKey(),
    balance: integer("balance").notNull(),
    moves: integer("moves").notNull(),
  });
}
