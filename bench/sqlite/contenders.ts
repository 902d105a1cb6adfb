/**
 * The contenders on SQLite: tablekit, raw better-sqlite3 (prepared statements, awaited), Kysely,
 * Knex and Drizzle, each on its own better-sqlite3 connection to the same WAL file, opened fresh
 * for every repetition with the same `PRAGMA synchronous` as tablekit's (its `synchronous`
 * option; the run's `sqliteSynchronous`, `full` by default), so ratios compare like with like.
 *
 * @module
 */
import BetterSqlite3 from "better-sqlite3";
import { desc, eq, gte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import knexFactory from "knex";
import { Kysely, SqliteDialect } from "kysely";
import { Database } from "../../src/index.js";
import type { AgeUpdate, BenchRow, NewRow } from "../harness/data.js";
import { LIST_LIMIT } from "../harness/data.js";
import type { RowContender } from "../harness/row-workloads.js";

/** Rows per multi-row INSERT for the query builders (4 columns: 4,000 parameters). */
export const PEER_CHUNK = 1_000;

/** SQLite's `PRAGMA synchronous` level of the run. */
export type SyncLevel = "full" | "normal" | "extra";

/** A better-sqlite3 connection set up like tablekit's (WAL, the same synchronous level). */
export function openSqlite(file: string, sync: SyncLevel): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${sync.toUpperCase()}`);
  return db;
}

const chunks = <T>(rows: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let k = 0; k < rows.length; k += size) out.push(rows.slice(k, k + size));
  return out;
};

function tablekit(file: string, sync: SyncLevel): RowContender {
  return {
    key: "tablekit",
    contender: "tablekit",
    role: "tablekit",
    how: {
      insert: "db.insert(t, row)",
      read: "db.selectOne(t, { where: { id } })",
      update: "db.updateMany(t, { age }, { id })",
      list: 'db.select(t, { where: { age: { gte } }, orderBy: "score DESC", limit: 50 })',
      batchInsert: "db.batchInsert(t, rows, { returning: false })",
      batchUpdate: "db.batchUpdate(t, rows, { returning: false })",
    },
    open: async (t) => {
      const db = await Database.open({ filename: file, synchronous: sync });
      return {
        insert: (row) => db.insert<BenchRow>(t, row),
        read: async (id) => (await db.selectOne<BenchRow>(t, { where: { id } })) ?? undefined,
        update: (id, age) => db.updateMany<BenchRow>(t, { age }, { id }),
        list: (minAge) => db.select<BenchRow>(t, { where: { age: { gte: minAge } }, orderBy: "score DESC", limit: LIST_LIMIT }),
        batchInsert: async (rows) => {
          await db.batchInsert<BenchRow>(t, rows, { returning: false });
        },
        batchUpdate: async (rows) => {
          await db.batchUpdate<BenchRow>(t, rows, { returning: false });
        },
        close: () => db.close(),
      };
    },
  };
}

function raw(file: string, sync: SyncLevel): RowContender {
  return {
    key: "raw",
    contender: "better-sqlite3",
    role: "raw",
    how: {
      insert: "await Promise.resolve(stmt.all(...)[0]) with RETURNING *",
      read: "await Promise.resolve(stmt.get(id))",
      update: "await Promise.resolve(stmt.run(age, id))",
      list: "await Promise.resolve(stmt.all(minAge))",
      batchInsert: "stmt.run per row inside db.transaction()",
      batchUpdate: "stmt.run per row inside db.transaction()",
    },
    open: async (t) => {
      const db = openSqlite(file, sync);
      const ins = db.prepare<[string, string, number, number], BenchRow>(`INSERT INTO ${t} (name, email, age, score) VALUES (?, ?, ?, ?) RETURNING *`);
      const insPlain = db.prepare(`INSERT INTO ${t} (name, email, age, score) VALUES (?, ?, ?, ?)`);
      const get = db.prepare<[number], BenchRow>(`SELECT * FROM ${t} WHERE id = ?`);
      const upd = db.prepare(`UPDATE ${t} SET age = ? WHERE id = ?`);
      const list = db.prepare<[number], BenchRow>(`SELECT * FROM ${t} WHERE age >= ? ORDER BY score DESC LIMIT ${LIST_LIMIT}`);
      const bulk = db.transaction((rows: readonly NewRow[]) => {
        for (const r of rows) insPlain.run(r.name, r.email, r.age, r.score);
      });
      const bulkUpdate = db.transaction((rows: readonly AgeUpdate[]) => {
        for (const r of rows) upd.run(r.age, r.id);
      });
      return {
        // all(), not get(): get() resets the statement after the first row, and the autocommit
        // COMMIT's error (deferred foreign key, full disk) is then lost; all() steps to the end.
        insert: async (r) => await Promise.resolve(ins.all(r.name, r.email, r.age, r.score)[0]!),
        read: async (id) => await Promise.resolve(get.get(id)),
        update: async (id, age) => (await Promise.resolve(upd.run(age, id))).changes,
        list: async (minAge) => await Promise.resolve(list.all(minAge)),
        batchInsert: async (rows) => await Promise.resolve(bulk(rows)),
        batchUpdate: async (rows) => await Promise.resolve(bulkUpdate(rows)),
        close: async () => {
          db.close();
        },
      };
    },
  };
}

function kysely(file: string, sync: SyncLevel): RowContender {
  return {
    key: "kysely",
    contender: "Kysely",
    role: "peer",
    how: {
      insert: "insertInto(t).values(row).returningAll().executeTakeFirst()",
      read: 'selectFrom(t).selectAll().where("id", "=", id).executeTakeFirst()',
      update: 'updateTable(t).set({ age }).where("id", "=", id).executeTakeFirst()',
      list: 'selectFrom(t).selectAll().where("age", ">=", n).orderBy("score", "desc").limit(50).execute()',
      batchInsert: `insertInto(t).values(${PEER_CHUNK} rows) per chunk in transaction().execute()`,
      batchUpdate: "updateTable per row in transaction().execute()",
    },
    open: async (t) => {
      // Kysely<any>: the tables are created at run time under per-contender names.
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: openSqlite(file, sync) }) });
      return {
        insert: async (row) => (await db.insertInto(t).values(row).returningAll().executeTakeFirst()) as BenchRow | undefined,
        read: async (id) => (await db.selectFrom(t).selectAll().where("id", "=", id).executeTakeFirst()) as BenchRow | undefined,
        update: async (id, age) => Number((await db.updateTable(t).set({ age }).where("id", "=", id).executeTakeFirst()).numUpdatedRows),
        list: async (minAge) => (await db.selectFrom(t).selectAll().where("age", ">=", minAge).orderBy("score", "desc").limit(LIST_LIMIT).execute()) as BenchRow[],
        batchInsert: async (rows) => {
          await db.transaction().execute(async (trx) => {
            for (const chunk of chunks(rows, PEER_CHUNK)) await trx.insertInto(t).values(chunk).execute();
          });
        },
        batchUpdate: async (rows) => {
          await db.transaction().execute(async (trx) => {
            for (const r of rows) await trx.updateTable(t).set({ age: r.age }).where("id", "=", r.id).execute();
          });
        },
        close: () => db.destroy(),
      };
    },
  };
}

function knex(file: string, sync: SyncLevel): RowContender {
  return {
    key: "knex",
    contender: "Knex",
    role: "peer",
    how: {
      insert: 'knex(t).insert(row).returning("*")',
      read: 'knex(t).where("id", id).first()',
      update: 'knex(t).where("id", id).update({ age })',
      list: 'knex(t).where("age", ">=", n).orderBy("score", "desc").limit(50)',
      batchInsert: `knex.batchInsert(t, rows, ${PEER_CHUNK / 2})`,
      batchUpdate: "update per row in knex.transaction()",
    },
    open: async (t) => {
      const k = knexFactory({
        client: "better-sqlite3",
        connection: { filename: file },
        useNullAsDefault: true,
        pool: {
          min: 1,
          max: 1,
          afterCreate: (conn: BetterSqlite3.Database, done: (error: Error | null, conn: unknown) => void) => {
            conn.pragma(`synchronous = ${sync.toUpperCase()}`);
            done(null, conn);
          },
        },
      });
      return {
        insert: async (row) => ((await k(t).insert(row).returning("*")) as BenchRow[])[0],
        read: async (id) => (await k<BenchRow>(t).where("id", id).first()) as BenchRow | undefined,
        update: (id, age) => k(t).where("id", id).update({ age }),
        list: async (minAge) => (await k<BenchRow>(t).where("age", ">=", minAge).orderBy("score", "desc").limit(LIST_LIMIT)) as BenchRow[],
        // SQLite caps a compound SELECT at 500 terms, which is how Knex writes multi-row inserts here.
        batchInsert: async (rows) => {
          await k.batchInsert(t, rows as NewRow[], PEER_CHUNK / 2);
        },
        batchUpdate: async (rows) => {
          await k.transaction(async (trx) => {
            for (const r of rows) await trx(t).where("id", r.id).update({ age: r.age });
          });
        },
        close: () => k.destroy(),
      };
    },
  };
}

/** Drizzle's description of a bench table. */
export function liteTable(name: string) {
  return sqliteTable(name, {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    age: integer("age").notNull(),
    score: integer("score").notNull(),
  });
}

function drizzleLite(file: string, sync: SyncLevel): RowContender {
  return {
    key: "drizzle",
    contender: "Drizzle",
    role: "peer",
    how: {
      insert: "insert(t).values(row).returning().get()",
      read: "select().from(t).where(eq(t.id, id)).get()",
      update: "update(t).set({ age }).where(eq(t.id, id)).run()",
      list: "select().from(t).where(gte(t.age, n)).orderBy(desc(t.score)).limit(50).all()",
      batchInsert: `insert(t).values(${PEER_CHUNK} rows) per chunk in transaction()`,
      batchUpdate: "update per row in transaction()",
    },
    open: async (name) => {
      const client = openSqlite(file, sync);
      const db = drizzle({ client });
      const t = liteTable(name);
      return {
        insert: async (row) => await db.insert(t).values(row).returning().get(),
        read: async (id) => await db.select().from(t).where(eq(t.id, id)).get(),
        update: async (id, age) => (await db.update(t).set({ age }).where(eq(t.id, id)).run()).changes,
        list: async (minAge) => await db.select().from(t).where(gte(t.age, minAge)).orderBy(desc(t.score)).limit(LIST_LIMIT).all(),
        batchInsert: async (rows) => {
          db.transaction((tx) => {
            for (const chunk of chunks(rows, PEER_CHUNK)) tx.insert(t).values(chunk).run();
          });
        },
        batchUpdate: async (rows) => {
          db.transaction((tx) => {
            for (const r of rows) tx.update(t).set({ age: r.age }).where(eq(t.id, r.id)).run();
          });
        },
        close: async () => {
          client.close();
        },
      };
    },
  };
}

/** Every SQLite contender on one file, all at the synchronous level `sync`. */
export function sqliteContenders(file: string, sync: SyncLevel): RowContender[] {
  return [tablekit(file, sync), raw(file, sync), kysely(file, sync), knex(file, sync), drizzleLite(file, sync)];
}
