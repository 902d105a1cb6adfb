/**
 * Keyset pagination and `Table.stream` visit every row exactly once when the sort values cannot be
 * represented exactly in JavaScript (PostgreSQL's microsecond timestamps, values written by raw SQL
 * in another format), with ties, NULLs, DECIMAL and UUID keys; and a value read from a row, used
 * as a filter, finds that row (tables tablekit creates keep timestamps to the millisecond).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Row } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const N = 45;

/** Every row's id through keyset pages of `limit`, following cursors to the end. */
async function walkIds(t: Table<any, any>, orderBy: string | undefined, limit: number): Promise<unknown[]> {
  const ids: unknown[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page: { items: Row[]; nextCursor: string | null } = await t.paginate({ orderBy, limit, after } as never);
    for (const row of page.items) ids.push(row["id"]);
    after = page.nextCursor;
    if (++pages > 200) throw new Error(`runaway pagination (${ids.length} rows so far)`);
  } while (after !== null);
  return ids;
}

async function streamIds(t: Table<any, any>, orderBy: string | undefined, batchSize: number): Promise<unknown[]> {
  const ids: unknown[] = [];
  for await (const row of t.stream({ orderBy, batchSize } as never)) {
    ids.push((row as Row)["id"]);
    if (ids.length > 10 * N) throw new Error("runaway stream");
  }
  return ids;
}

/** The ids in the database's own order for the keyset ordering (id ascending breaks ties). */
async function expectedIds(db: Database, table: string, orderBy: string | undefined): Promise<unknown[]> {
  const terms = (orderBy ?? "").split(",").map((s) => s.trim()).filter(Boolean).map((term) => {
    const [column, dir = "ASC"] = term.split(/\s+/);
    return `${column} ${dir.toUpperCase()} NULLS ${dir.toUpperCase() === "ASC" ? "LAST" : "FIRST"}`;
  });
  if (!terms.some((t) => t.startsWith("id "))) terms.push("id ASC NULLS LAST");
  const rows = await db.select<Row>(table, { orderBy: terms.join(", "), columns: ["id"] });
  return rows.map((r) => r["id"]);
}

const ORDERINGS = ["created_at", "created_at DESC", "created_at ASC, id ASC", "created_at DESC, id DESC", "grp, created_at DESC", "grp DESC", undefined];

for (const backend of backends()) {
  describe(`keyset pagination and stream are exact (${backend.name})`, () => {
    let db: Database;
    const made = uniqueTable("keyset_made");
    const raw = uniqueTable("keyset_raw");
    const money = uniqueTable("keyset_dec");
    const uuids = uniqueTable("keyset_uuid");
    let madeTable: Table<any, any>;
    let rawTable: Table<any, any>;

    beforeAll(async () => {
      db = backend.open();
      // Created by tablekit; 45 rows in one batch share the default timestamp (one statement).
      madeTable = new Table(made, {
        db,
        schema: { id: "SERIAL PRIMARY KEY", created_at: "TIMESTAMPTZ NOT NULL DEFAULT now()", grp: "INTEGER", label: "TEXT" },
      });
      await madeTable.initialize();
      await db.batchInsert(made, Array.from({ length: N }, (_, i) => ({ grp: i % 4 === 0 ? null : i % 3, label: `r${i}` })));
      // Not created by tablekit: microsecond-distinct values written by raw SQL, several per millisecond, and NULLs.
      const type = backend.name === "sqlite" ? "TIMESTAMPTZ" : "TIMESTAMPTZ(6)";
      await db.execute(`CREATE TABLE ${raw} (id INTEGER PRIMARY KEY, created_at ${type}, grp INTEGER)`);
      for (let i = 0; i < N; i++) {
        const micros = String(123000 + ((i * 7) % 45) * 37).padStart(6, "0"); // 45 distinct values within ~2 ms
        const at = i % 9 === 0 ? null : `2026-03-04 05:06:07.${micros}+00`;
        await db.execute(`INSERT INTO ${raw} (id, created_at, grp) VALUES (?, ?, ?)`, [i + 1, at, i % 5 === 0 ? null : i % 2]);
      }
      rawTable = new Table(raw, { db });
      await rawTable.initialize();
      await db.createTable(money, { id: "INTEGER PRIMARY KEY", price: "DECIMAL(10,2)" });
      await db.batchInsert(money, Array.from({ length: N }, (_, i) => ({ id: i + 1, price: i % 6 === 0 ? null : ["1.10", "10.00", "2.50", "100.01"][i % 4] })));
      await db.createTable(uuids, { id: "UUID PRIMARY KEY", created_at: "TIMESTAMPTZ NOT NULL DEFAULT now()", grp: "INTEGER" });
      await db.batchInsert(uuids, Array.from({ length: N }, (_, i) => ({ id: `0000${i.toString(16).padStart(4, "0")}-1111-4222-8333-${String(i * 7919).padStart(12, "0")}`, grp: i % 3 })));
    });

    afterAll(async () => {
      for (const t of [made, raw, money, uuids]) await db.dropTable(t).catch(() => undefined);
      await db.close();
    });

    for (const [label, table] of [["created by tablekit", () => [madeTable, made] as const], ["microseconds via raw SQL", () => [rawTable, raw] as const]] as const) {
      for (const orderBy of ORDERINGS) {
        it(`${label}: paginate and stream by ${orderBy ?? "(key)"} visit every row once, in order`, async () => {
          const [t, name] = table();
          const expected = await expectedIds(db, name, orderBy);
          expect(expected).toHaveLength(N);
          expect(await walkIds(t, orderBy, 7)).toEqual(expected);
          expect(await walkIds(t, orderBy, 1)).toEqual(expected);
          expect(await streamIds(t, orderBy, 4)).toEqual(expected);
          expect(await streamIds(t, orderBy, 10)).toEqual(expected);
        });
      }
    }

    it("DECIMAL with ties and NULLs: every row once, in the database's order", async () => {
      const t = new Table(money, { db });
      for (const orderBy of ["price", "price DESC", "price DESC, id DESC"]) {
        const expected = await expectedIds(db, money, orderBy);
        expect(await walkIds(t, orderBy, 4)).toEqual(expected);
        expect(await streamIds(t, orderBy, 3)).toEqual(expected);
      }
    });

    it("UUID keys: every row once, ordered by the key and by a timestamp shared by every row", async () => {
      const t = new Table(uuids, { db });
      for (const orderBy of [undefined, "id DESC", "created_at DESC", "grp, created_at"]) {
        const expected = await expectedIds(db, uuids, orderBy);
        expect(new Set(expected).size).toBe(N);
        expect(await walkIds(t, orderBy, 6)).toEqual(expected);
        expect(await streamIds(t, orderBy, 5)).toEqual(expected);
      }
    });

    it("a timestamp read from a row of a table tablekit created finds that row (count, list)", async () => {
      const rows = await madeTable.list({ orderBy: "id" } as never);
      expect(rows).toHaveLength(N);
      for (const row of rows.slice(0, 5)) {
        const same = rows.filter((r: Row) => (r["created_at"] as Date).getTime() === row.created_at.getTime()).length;
        expect(await madeTable.count({ created_at: row.created_at })).toBe(same);
        const found = await madeTable.list({ where: { created_at: row.created_at, id: row.id } } as never);
        expect(found.map((r: Row) => r["id"])).toEqual([row.id]);
      }
      const one = await madeTable.create({ label: "single" });
      expect(await madeTable.count({ created_at: one.created_at, id: one.id })).toBe(1);
      expect(await madeTable.count({ created_at: { gte: one.created_at, lte: one.created_at }, id: one.id })).toBe(1);
      await madeTable.delete(one.id);
    });

    it("DECIMAL and UUID values read from a row find that row", async () => {
      const t = new Table(money, { db });
      const rows = (await t.list({ where: { price: { isNull: false } }, orderBy: "id", limit: 4 } as never)) as Row[];
      for (const row of rows) expect(await t.count({ price: row["price"] as never, id: row["id"] as never })).toBe(1);
      const u = new Table(uuids, { db });
      const first = (await u.list({ orderBy: "id", limit: 3 } as never)) as Row[];
      for (const row of first) {
        expect(await u.count({ id: row["id"] as never })).toBe(1);
        expect(await u.count({ created_at: row["created_at"] as never, id: row["id"] as never })).toBe(1);
      }
    });
  });
}

describe("Table.schema", () => {
  it("is the declared schema, frozen and copied; undefined without one", () => {
    const declared: Record<string, string> = { id: "INTEGER PRIMARY KEY", name: "TEXT" };
    const t = new Table("schema_prop", { schema: declared });
    expect(t.schema).toEqual({ id: "INTEGER PRIMARY KEY", name: "TEXT" });
    expect(Object.isFrozen(t.schema)).toBe(true);
    declared["extra"] = "TEXT";
    expect(t.schema).toEqual({ id: "INTEGER PRIMARY KEY", name: "TEXT" });
    expect(() => {
      (t.schema as Record<string, string>)["x"] = "TEXT";
    }).toThrow(TypeError);
    expect(new Table("schema_prop").schema).toBeUndefined();
  });
});
