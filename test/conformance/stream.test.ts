/**
 * Streaming (docs/database.md, "Streaming"): table and `sql` streams yield every row once, in
 * order, decoded like select; breaking out releases the cursor; writes made while a stream is
 * consumed do not deadlock; and a stream inside a transaction sees the transaction's own rows.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";
import { Database, IdentifierError, QueryError, ValidationError, sql, type DatabaseOptions, type Row } from "../../src/index.js";

const TOTAL = 5000;
const GROUPS = ["a", "b", "c", "d", "e"] as const;
const BASE_TIME = Date.UTC(2020, 0, 1);

interface Item {
  id: number;
  n: number;
  grp: string;
  flag: boolean;
  at: Date;
  payload: { id: number; tags: string[] };
  price: string;
  touched: number | null;
}

/** The seeded row with this id. n is a permutation of 0..TOTAL-1 (7919 is prime to 5000). */
function item(id: number): Omit<Item, "touched"> {
  return {
    id,
    n: (id * 7919) % TOTAL,
    grp: GROUPS[id % 5]!,
    flag: id % 3 === 0,
    at: new Date(BASE_TIME + id * 60_000),
    payload: { id, tags: id % 2 === 0 ? ["even"] : ["odd", String(id)] },
    price: `${id}.50`,
  };
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of source) out.push(row);
  return out;
}

/** Rejects if `promise` has not settled within `ms`, so a deadlock fails with a clear message. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class Rollback extends Error {}

for (const backend of backends()) {
  describe(`stream [${backend.name}]`, () => {
    let db: Database;
    let seen: string[];
    let options: DatabaseOptions;
    const t = uniqueTable("stream");
    const log = uniqueTable("stream_log");

    beforeAll(async () => {
      options = backend.options();
      db = new Database(options);
      await db.createTable(t, {
        id: "INTEGER PRIMARY KEY",
        n: "INTEGER NOT NULL",
        grp: "TEXT NOT NULL",
        flag: "BOOLEAN",
        at: "TIMESTAMPTZ",
        payload: "JSONB",
        price: "DECIMAL(10,2)",
        touched: "INTEGER",
      });
      await db.createTable(log, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        ref: "INTEGER NOT NULL",
        via: "TEXT NOT NULL",
      });
      const inserted = await db.batchInsert(t, Array.from({ length: TOTAL }, (_, i) => item(i + 1)), { returning: false });
      expect(inserted).toBe(TOTAL);
      seen = recordQueries(db);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(log);
      await db.close();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it("yields every row exactly once, in the requested order, with batchSize 100", async () => {
      const rows = await collect(db.stream<Item>(t, { orderBy: "n DESC", batchSize: 100 }));
      expect(rows).toHaveLength(TOTAL);
      expect(new Set(rows.map((r) => r.id)).size).toBe(TOTAL);
      expect(rows.map((r) => r.n)).toEqual(Array.from({ length: TOTAL }, (_, i) => TOTAL - 1 - i));
      for (const row of rows) expect(row.n).toBe(item(row.id).n);
      const byId = await collect(db.stream<Item>(t, { orderBy: "id", batchSize: 100 }));
      expect(byId.map((r) => r.id)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    });

    it("yields every row once whatever the batch size (not a divisor, 1, larger than the table, default)", async () => {
      const ids = (rows: Item[]) => rows.map((r) => r.id);
      const all = Array.from({ length: TOTAL }, (_, i) => i + 1);
      expect(ids(await collect(db.stream<Item>(t, { orderBy: "id", batchSize: 333 })))).toEqual(all);
      expect(ids(await collect(db.stream<Item>(t, { orderBy: "id", batchSize: 10_000 })))).toEqual(all);
      expect(ids(await collect(db.stream<Item>(t, { orderBy: "id" })))).toEqual(all);
      expect(ids(await collect(db.stream<Item>(t, { orderBy: "id DESC", batchSize: 1, where: { id: { lte: 25 } } })))).toEqual(
        Array.from({ length: 25 }, (_, i) => 25 - i),
      );
      // A multiple of the batch size ends cleanly too.
      expect(ids(await collect(db.stream<Item>(t, { orderBy: "id", batchSize: 50, where: { id: { lte: 100 } } })))).toHaveLength(100);
      expect(await collect(db.stream<Item>(t, { where: { id: { gt: TOTAL } }, batchSize: 10 }))).toEqual([]);
    });

    it("streams with where", async () => {
      const rows = await collect(db.stream<Item>(t, { where: { grp: "c", id: { lte: 1000 } }, orderBy: "id", batchSize: 64 }));
      const expected = Array.from({ length: 1000 }, (_, i) => i + 1).filter((id) => id % 5 === 2);
      expect(rows.map((r) => r.id)).toEqual(expected);
      expect(rows).toHaveLength(200);
      expect(rows.every((r) => r.grp === "c")).toBe(true);
      const either = await collect(db.stream<Item>(t, { where: { OR: [{ id: { in: [7, 4999] } }, { n: 0 }] }, orderBy: "id", batchSize: 2 }));
      expect(either.map((r) => r.id)).toEqual([7, TOTAL, 4999].sort((a, b) => a - b));
    });

    it("streams with columns", async () => {
      const rows = await collect(db.stream<Item>(t, { columns: ["id", "flag"], where: { id: { lte: 300 } }, orderBy: { id: "asc" }, batchSize: 100 }));
      expect(rows).toHaveLength(300);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(["id", "flag"]);
        expect(row.flag).toBe(row.id % 3 === 0);
      }
      expect(rows[0]).toEqual({ id: 1, flag: false });
      expect(rows[2]).toEqual({ id: 3, flag: true });
    });

    it("streams a sql fragment", async () => {
      const from = 4900;
      const rows = await collect(db.stream<Row>(sql`SELECT id, n FROM ${sql.id(t)} WHERE id > ${from} ORDER BY id`, { batchSize: 7 }));
      expect(rows).toEqual(Array.from({ length: 100 }, (_, i) => ({ id: from + 1 + i, n: item(from + 1 + i).n })));
      const grouped = await collect(
        db.stream<Row>(sql`SELECT grp, count(*) AS c FROM ${sql.id(t)} WHERE grp IN (${"a"}, ${"e"}) GROUP BY grp ORDER BY grp`),
      );
      expect(grouped.map((r) => [r["grp"], Number(r["c"])])).toEqual([
        ["a", 1000],
        ["e", 1000],
      ]);
      const none = await collect(db.stream<Row>(sql`SELECT id FROM ${sql.id(t)} WHERE id < ${0}`));
      expect(none).toEqual([]);
    });

    it("stream rows have decoded types, like select", async () => {
      const where = { id: { lte: 60 } };
      const streamed = await collect(db.stream<Item>(t, { where, orderBy: "id", batchSize: 7 }));
      const selected = await db.select<Item>(t, { where, orderBy: "id" });
      expect(streamed).toHaveLength(60);
      expect(streamed).toEqual(selected);
      for (const row of streamed) {
        expect(typeof row.id).toBe("number");
        expect(typeof row.flag).toBe("boolean");
        expect(row.at).toBeInstanceOf(Date);
        expect(row).toEqual({ ...item(row.id), touched: null });
      }
      const fromSql = await collect(db.stream<Item>(sql`SELECT * FROM ${sql.id(t)} WHERE id <= ${60} ORDER BY id`, { batchSize: 9 }));
      expect(fromSql).toEqual(selected);
    });

    it("invalid arguments fail before any SQL runs", async () => {
      await expect(collect(db.stream(t, { batchSize: 0 }))).rejects.toBeInstanceOf(ValidationError);
      await expect(collect(db.stream(t, { batchSize: -5 }))).rejects.toBeInstanceOf(ValidationError);
      await expect(collect(db.stream(t, { batchSize: 2.5 }))).rejects.toBeInstanceOf(ValidationError);
      await expect(collect(db.stream("bad table"))).rejects.toBeInstanceOf(IdentifierError);
      await expect(collect(db.stream(t, { columns: ["id; --"] }))).rejects.toBeInstanceOf(IdentifierError);
      await expect(collect(db.stream(t, { where: { id: { evil: 1 } } as unknown as Row }))).rejects.toBeInstanceOf(ValidationError);
      await expect(collect(db.stream(t, { orderBy: "id; DROP TABLE x" }))).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      expect(await db.count(t)).toBe(TOTAL);
    });

    it("breaking out early releases the connection: later queries and streams work", async () => {
      // One pooled connection on PostgreSQL: a cursor left open would make every later call wait.
      const small = new Database({ ...options, maxConnections: 1, minConnections: 1 });
      try {
        for (let round = 0; round < 12; round++) {
          const taken: number[] = [];
          await within(
            (async () => {
              for await (const row of small.stream<Item>(t, { orderBy: "id", batchSize: 100 })) {
                taken.push(row.id);
                if (taken.length === 150) break;
              }
            })(),
            10_000,
            `stream round ${round}`,
          );
          expect(taken).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
          expect(await within(small.count(t), 10_000, `count after round ${round}`)).toBe(TOTAL);
        }
        // Breaking on the very first row, and throwing out of the loop, release it too.
        for await (const _ of small.stream(t, { batchSize: 10 })) break;
        await expect(
          (async () => {
            for await (const _ of small.stream(sql`SELECT id FROM ${sql.id(t)}`, { batchSize: 10 })) throw new Rollback("stop");
          })(),
        ).rejects.toBeInstanceOf(Rollback);
        expect((await within(small.selectOne<Item>(t, { where: { id: 42 } }), 10_000, "selectOne"))!.n).toBe(item(42).n);
        const all = await within(collect(small.stream<Item>(t, { orderBy: "id", batchSize: 500 })), 20_000, "full stream");
        expect(all).toHaveLength(TOTAL);
        await within(
          small.transaction(async (tx) => {
            expect(await tx.count(t)).toBe(TOTAL);
          }),
          10_000,
          "transaction",
        );
      } finally {
        // close() waits for running work: a stream that was never released would hang here.
        await within(small.close(), 10_000, "close");
      }
      expect(small.closed).toBe(true);
    });

    it("a query that fails partway rejects the loop after the rows before the failure, and the connection stays usable", async () => {
      const small = new Database({ ...options, maxConnections: 1, minConnections: 1 });
      try {
        const seen: number[] = [];
        // Row 201 fails: the first two batches of 100 arrive, the third fails (on PostgreSQL while
        // the second is still being consumed, as the next batch is requested ahead). The failing
        // expression is evaluated row by row: SQLite's json() on malformed text; on PostgreSQL a
        // division by zero over generate_series (over the table, a sort would compute every row
        // before the first batch).
        const failing =
          backend.name === "sqlite"
            ? sql`SELECT id, CASE WHEN id > 200 THEN json('{') ELSE 0 END AS x FROM ${sql.id(t)} ORDER BY id`
            : sql`SELECT g AS id, 1 / (201 - g) AS x FROM generate_series(1, ${TOTAL}) AS g`;
        const error = await within(
          (async () => {
            for await (const row of small.stream<{ id: number }>(failing, { batchSize: 100 })) seen.push(row.id);
          })().then(
            () => undefined,
            (e: unknown) => e,
          ),
          10_000,
          "failing stream",
        );
        expect(error).toBeInstanceOf(QueryError);
        expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        // Stopping in the second batch, while the failing third is already requested: the loop
        // ends cleanly and the failure reaches no one (an unhandled rejection would fail the run).
        const taken: number[] = [];
        for await (const row of small.stream<{ id: number }>(failing, { batchSize: 100 })) {
          taken.push(row.id);
          if (taken.length === 150) break;
        }
        expect(taken).toHaveLength(150);
        expect(await within(small.count(t), 10_000, "count after the failure")).toBe(TOTAL);
      } finally {
        await within(small.close(), 10_000, "close");
      }
    });

    it("writes made while consuming a stream (outside a transaction) succeed without deadlock", async () => {
      await db.execute(`DELETE FROM "${log}"`);
      await within(
        (async () => {
          let count = 0;
          for await (const row of db.stream<Item>(t, { where: { id: { lte: 1000 } }, orderBy: "id", batchSize: 100 })) {
            count++;
            await db.insert(log, { ref: row.id, via: "insert" });
            if (row.id % 10 === 0) await db.update(t, { touched: row.id }, { id: row.id });
            if (row.id % 250 === 0) {
              await db.transaction(async (tx) => {
                await tx.insert(log, { ref: row.id, via: "transaction" });
              });
            }
          }
          expect(count).toBe(1000);
        })(),
        25_000,
        "stream with writes",
      );
      expect(await db.count(log, { via: "insert" })).toBe(1000);
      expect(await db.count(log, { via: "transaction" })).toBe(4);
      expect(await db.count(t, { touched: { isNull: false } })).toBe(100);
      const refs = (await db.select<Row>(log, { where: { via: "insert" }, columns: ["ref"], orderBy: "ref" })).map((r) => r["ref"]);
      expect(refs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      await db.updateMany(t, { touched: null }, { touched: { isNull: false } });
      expect(await db.count(t, { touched: { isNull: false } })).toBe(0);
    });

    it("tx.stream inside a transaction sees the transaction's own uncommitted rows", async () => {
      const base = TOTAL + 1000;
      const fresh = Array.from({ length: 25 }, (_, i) => item(base + i));
      let streamed: Item[] = [];
      let fromSql: Row[] = [];
      let updated: Item[] = [];
      const rollback = new Rollback("undo");
      await expect(
        db.transaction(async (tx) => {
          await tx.batchInsert(t, fresh, { returning: false });
          await tx.update(t, { touched: -1 }, { id: 1 });
          streamed = await collect(tx.stream<Item>(t, { where: { id: { gte: base } }, orderBy: "id DESC", batchSize: 4 }));
          fromSql = await collect(tx.stream<Row>(sql`SELECT id FROM ${sql.id(t)} WHERE id >= ${base} ORDER BY id`, { batchSize: 10 }));
          updated = await collect(tx.stream<Item>(t, { where: { touched: -1 } }));
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect(streamed.map((r) => r.id)).toEqual(fresh.map((r) => r.id).reverse());
      expect(streamed[0]).toEqual({ ...item(base + 24), touched: null });
      expect(fromSql).toEqual(fresh.map((r) => ({ id: r.id })));
      expect(updated.map((r) => r.id)).toEqual([1]);
      // Rolled back: nothing of it is left.
      expect(await db.count(t, { id: { gte: base } })).toBe(0);
      expect(await db.count(t)).toBe(TOTAL);
      expect(await db.count(t, { touched: -1 })).toBe(0);
    });

    it("a stream inside a transaction can stop early and the transaction carries on and commits", async () => {
      const base = TOTAL + 2000;
      const fresh = Array.from({ length: 30 }, (_, i) => item(base + i));
      const result = await db.transaction(async (tx) => {
        await tx.batchInsert(t, fresh, { returning: false });
        const firstFive: number[] = [];
        for await (const row of tx.stream<Item>(t, { where: { id: { gte: base } }, orderBy: "id", batchSize: 4 })) {
          firstFive.push(row.id);
          if (firstFive.length === 5) break;
        }
        // Calls on db inside the callback join the transaction, streams included.
        const ambient = await collect(db.stream<Item>(t, { where: { id: { gte: base } }, orderBy: "id", batchSize: 8 }));
        await tx.deleteMany(t, { id: { gte: base + 20 } });
        const after = await tx.count(t, { id: { gte: base } });
        return { firstFive, ambient: ambient.map((r) => r.id), after };
      });
      expect(result.firstFive).toEqual([base, base + 1, base + 2, base + 3, base + 4]);
      expect(result.ambient).toEqual(fresh.map((r) => r.id));
      expect(result.after).toBe(20);
      expect(await db.count(t, { id: { gte: base } })).toBe(20);
      expect(await db.deleteMany(t, { id: { gte: base } })).toBe(20);
      expect(await db.count(t)).toBe(TOTAL);
    });
  });
}
