/**
 * The contenders on PostgreSQL's table workloads: tablekit; pg with named prepared statements and
 * postgres.js with tagged queries (the raw drivers, plus pg's three bulk paths: COPY, unnest and
 * multi-row VALUES, and an unnest batch update); Kysely and Knex on pg; Drizzle on pg and on
 * postgres.js.
 *
 * @module
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { desc, eq, gte } from "drizzle-orm";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { BenchConfig } from "../harness/config.js";
import { type AgeUpdate, type BenchRow, LIST_LIMIT, type NewRow, type RowOps } from "../harness/data.js";
import type { RowContender } from "../harness/row-workloads.js";
import { openDrizzlePg, openDrizzlePjs, openKnex, openKysely, openPg, openPostgresJs, openTablekit, pgRowsTable } from "./connect.js";

/** Rows per multi-row INSERT (4 columns: 4,000 parameters). */
export const CHUNK = 1_000;

const chunks = <T>(rows: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let k = 0; k < rows.length; k += size) out.push(rows.slice(k, k + size));
  return out;
};

const COLUMNS = "name, email, age, score";

/** `INSERT … VALUES ($1, …), …` for `n` rows. */
function valuesSql(table: string, n: number): string {
  let s = `INSERT INTO ${table} (${COLUMNS}) VALUES `;
  for (let r = 0; r < n; r++) s += `${r ? ", " : ""}($${r * 4 + 1}, $${r * 4 + 2}, $${r * 4 + 3}, $${r * 4 + 4})`;
  return s;
}

const flat = (rows: readonly NewRow[]): unknown[] => rows.flatMap((r) => [r.name, r.email, r.age, r.score]);

const escapeCopy = (s: string): string => s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));

/** COPY text format in chunks of about 64 KiB. */
function* copyText(rows: readonly NewRow[]): Generator<string> {
  let chunk = "";
  for (const r of rows) {
    chunk += `${escapeCopy(r.name)}\t${escapeCopy(r.email)}\t${r.age}\t${r.score}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

/** BEGIN … COMMIT on one pooled client. */
async function inTransaction(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await fn(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function tablekit(config: BenchConfig): RowContender {
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
      const db = await openTablekit(config);
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

function pgNamed(config: BenchConfig): RowContender {
  return {
    key: "pg",
    contender: "pg",
    role: "raw",
    how: {
      insert: "pool.query({ name, text, values }) named prepared",
      read: "pool.query({ name, text, values }) named prepared",
      update: "pool.query({ name, text, values }) named prepared",
      list: "pool.query({ name, text, values }) named prepared",
      batchInsert: `multi-row VALUES, ${CHUNK} rows per named statement`,
      batchUpdate: "named prepared UPDATE per row on one client",
    },
    open: async (t) => {
      const pool = openPg(config);
      const q = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) => pool.query<R>({ name: `${name}_${t}`, text, values });
      return {
        insert: async (r) => (await q<BenchRow>("i", `INSERT INTO ${t} (${COLUMNS}) VALUES ($1, $2, $3, $4) RETURNING *`, [r.name, r.email, r.age, r.score])).rows[0],
        read: async (id) => (await q<BenchRow>("r", `SELECT * FROM ${t} WHERE id = $1`, [id])).rows[0],
        update: async (id, age) => (await q("u", `UPDATE ${t} SET age = $1 WHERE id = $2`, [age, id])).rowCount ?? 0,
        list: async (minAge) => (await q<BenchRow>("l", `SELECT * FROM ${t} WHERE age >= $1 ORDER BY score DESC LIMIT ${LIST_LIMIT}`, [minAge])).rows,
        batchInsert: (rows) =>
          inTransaction(pool, async (client) => {
            for (const chunk of chunks(rows, CHUNK)) await client.query({ name: `b${chunk.length}_${t}`, text: valuesSql(t, chunk.length), values: flat(chunk) });
          }),
        batchUpdate: (rows) =>
          inTransaction(pool, async (client) => {
            for (const r of rows) await client.query({ name: `bu_${t}`, text: `UPDATE ${t} SET age = $1 WHERE id = $2`, values: [r.age, r.id] });
          }),
        close: () => pool.end(),
      };
    },
  };
}

/** pg's other bulk paths, as contenders that only do batch work. */
function pgBulk(config: BenchConfig, key: string, variant: string, how: RowContender["how"], make: (pool: pg.Pool, t: string) => Partial<RowOps>): RowContender {
  return {
    key,
    contender: "pg",
    variant,
    role: "raw",
    how,
    open: async (t) => {
      const pool = openPg(config);
      return { ...make(pool, t), close: () => pool.end() };
    },
  };
}

const UNNEST_INSERT = (t: string) => `INSERT INTO ${t} (${COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])`;
const UNNEST_UPDATE = (t: string) => `UPDATE ${t} SET age = v.age FROM unnest($1::int[], $2::int[]) AS v(id, age) WHERE ${t}.id = v.id`;

function pgCopy(config: BenchConfig): RowContender {
  return pgBulk(config, "pgcopy", "COPY", { batchInsert: "COPY … FROM STDIN (pg-copy-streams), text format" }, (pool, t) => ({
    batchInsert: (rows) =>
      inTransaction(pool, async (client) => {
        await pipeline(Readable.from(copyText(rows)), client.query(copyFrom(`COPY ${t} (${COLUMNS}) FROM STDIN`)));
      }),
  }));
}

function pgUnnest(config: BenchConfig): RowContender {
  return pgBulk(
    config,
    "pgunnest",
    "unnest",
    { batchInsert: "INSERT … SELECT * FROM unnest($1::text[], …), one statement", batchUpdate: "UPDATE … FROM unnest($1::int[], $2::int[]), one statement" },
    (pool, t) => ({
      batchInsert: async (rows) => {
        await pool.query(UNNEST_INSERT(t), [rows.map((r) => r.name), rows.map((r) => r.email), rows.map((r) => r.age), rows.map((r) => r.score)]);
      },
      batchUpdate: async (rows: readonly AgeUpdate[]) => {
        await pool.query(UNNEST_UPDATE(t), [rows.map((r) => r.id), rows.map((r) => r.age)]);
      },
    }),
  );
}

function postgresJs(config: BenchConfig): RowContender {
  return {
    key: "pjs",
    contender: "postgres.js",
    role: "raw",
    how: {
      insert: "sql`insert … values (${…}) returning *`",
      read: "sql`select * from t where id = ${id}`",
      update: "sql`update t set age = ${age} where id = ${id}`",
      list: "sql`select … where age >= ${n} order by score desc limit 50`",
      batchInsert: `sql\`insert into t \${sql(rows, columns)}\`, ${CHUNK} rows per statement, in sql.begin()`,
      batchUpdate: "one update per row, pipelined in sql.begin()",
    },
    open: async (t) => {
      const sql = openPostgresJs(config);
      const tbl = sql(t);
      return {
        insert: async (r) => (await sql<BenchRow[]>`insert into ${tbl} (name, email, age, score) values (${r.name}, ${r.email}, ${r.age}, ${r.score}) returning *`)[0],
        read: async (id) => (await sql<BenchRow[]>`select * from ${tbl} where id = ${id}`)[0],
        update: async (id, age) => (await sql`update ${tbl} set age = ${age} where id = ${id}`).count,
        list: async (minAge) => await sql<BenchRow[]>`select * from ${tbl} where age >= ${minAge} order by score desc limit 50`,
        batchInsert: async (rows) => {
          await sql.begin(async (tx) => {
            for (const chunk of chunks(rows, CHUNK)) await tx`insert into ${tx(t)} ${tx(chunk as NewRow[], "name", "email", "age", "score")}`;
          });
        },
        batchUpdate: async (rows) => {
          await sql.begin((tx) => rows.map((r) => tx`update ${tx(t)} set age = ${r.age} where id = ${r.id}`));
        },
        close: () => sql.end({ timeout: 5 }),
      };
    },
  };
}

function kysely(config: BenchConfig): RowContender {
  return {
    key: "kysely",
    contender: "Kysely",
    role: "peer",
    how: {
      insert: "insertInto(t).values(row).returningAll().executeTakeFirst()",
      read: 'selectFrom(t).selectAll().where("id", "=", id).executeTakeFirst()',
      update: 'updateTable(t).set({ age }).where("id", "=", id).executeTakeFirst()',
      list: 'selectFrom(t).selectAll().where("age", ">=", n).orderBy("score", "desc").limit(50).execute()',
      batchInsert: `insertInto(t).values(${CHUNK} rows) per chunk in transaction().execute()`,
      batchUpdate: "updateTable per row in transaction().execute()",
    },
    open: async (t) => {
      const db = openKysely(config);
      return {
        insert: async (row) => (await db.insertInto(t).values(row).returningAll().executeTakeFirst()) as BenchRow | undefined,
        read: async (id) => (await db.selectFrom(t).selectAll().where("id", "=", id).executeTakeFirst()) as BenchRow | undefined,
        update: async (id, age) => Number((await db.updateTable(t).set({ age }).where("id", "=", id).executeTakeFirst()).numUpdatedRows),
        list: async (minAge) => (await db.selectFrom(t).selectAll().where("age", ">=", minAge).orderBy("score", "desc").limit(LIST_LIMIT).execute()) as BenchRow[],
        batchInsert: async (rows) => {
          await db.transaction().execute(async (trx) => {
            for (const chunk of chunks(rows, CHUNK)) await trx.insertInto(t).values(chunk).execute();
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

function knex(config: BenchConfig): RowContender {
  return {
    key: "knex",
    contender: "Knex",
    role: "peer",
    how: {
      insert: 'knex(t).insert(row).returning("*")',
      read: 'knex(t).where("id", id).first()',
      update: 'knex(t).where("id", id).update({ age })',
      list: 'knex(t).where("age", ">=", n).orderBy("score", "desc").limit(50)',
      batchInsert: `knex.batchInsert(t, rows, ${CHUNK})`,
      batchUpdate: "update per row in knex.transaction()",
    },
    open: async (t) => {
      const k = openKnex(config);
      return {
        insert: async (row) => ((await k(t).insert(row).returning("*")) as BenchRow[])[0],
        read: async (id) => (await k<BenchRow>(t).where("id", id).first()) as BenchRow | undefined,
        update: (id, age) => k(t).where("id", id).update({ age }),
        list: async (minAge) => (await k<BenchRow>(t).where("age", ">=", minAge).orderBy("score", "desc").limit(LIST_LIMIT)) as BenchRow[],
        batchInsert: async (rows) => {
          await k.batchInsert(t, rows as NewRow[], CHUNK);
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

function drizzleOps(db: ReturnType<typeof openDrizzlePg>["db"] | ReturnType<typeof openDrizzlePjs>["db"], name: string, changed: (result: unknown) => number): Omit<RowOps, "close"> {
  const t = pgRowsTable(name);
  // The two Drizzle databases share the pg-core query API; one of them is enough for the types.
  const d = db as ReturnType<typeof openDrizzlePg>["db"];
  return {
    insert: async (row) => (await d.insert(t).values(row).returning())[0],
    read: async (id) => (await d.select().from(t).where(eq(t.id, id)).limit(1))[0],
    update: async (id, age) => changed(await d.update(t).set({ age }).where(eq(t.id, id))),
    list: async (minAge) => await d.select().from(t).where(gte(t.age, minAge)).orderBy(desc(t.score)).limit(LIST_LIMIT),
    batchInsert: async (rows) => {
      await d.transaction(async (tx) => {
        for (const chunk of chunks(rows, CHUNK)) await tx.insert(t).values(chunk);
      });
    },
    batchUpdate: async (rows) => {
      await d.transaction(async (tx) => {
        for (const r of rows) await tx.update(t).set({ age: r.age }).where(eq(t.id, r.id));
      });
    },
  };
}

const DRIZZLE_HOW: RowContender["how"] = {
  insert: "insert(t).values(row).returning()",
  read: "select().from(t).where(eq(t.id, id)).limit(1)",
  update: "update(t).set({ age }).where(eq(t.id, id))",
  list: "select().from(t).where(gte(t.age, n)).orderBy(desc(t.score)).limit(50)",
  batchInsert: `insert(t).values(${CHUNK} rows) per chunk in transaction()`,
  batchUpdate: "update per row in transaction()",
};

function drizzleOnPg(config: BenchConfig): RowContender {
  return {
    key: "drizzlepg",
    contender: "Drizzle (pg)",
    role: "peer",
    how: DRIZZLE_HOW,
    open: async (name) => {
      const { db, close } = openDrizzlePg(config);
      return { ...drizzleOps(db, name, (r) => (r as pg.QueryResult).rowCount ?? 0), close };
    },
  };
}

function drizzleOnPjs(config: BenchConfig): RowContender {
  return {
    key: "drizzlepjs",
    contender: "Drizzle (postgres.js)",
    role: "peer",
    how: DRIZZLE_HOW,
    open: async (name) => {
      const { db, close } = openDrizzlePjs(config);
      return { ...drizzleOps(db, name, (r) => (r as { count: number }).count), close };
    },
  };
}

/** Every PostgreSQL table contender. */
export function postgresContenders(config: BenchConfig): RowContender[] {
  return [tablekit(config), pgNamed(config), postgresJs(config), pgCopy(config), pgUnnest(config), kysely(config), knex(config), drizzleOnPg(config), drizzleOnPjs(config)];
}
