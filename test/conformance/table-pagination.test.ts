/**
 * Table pagination and streaming: page numbers with totals, keyset cursors (mixed directions,
 * NULLs, Dates, rows inserted while paging, bad cursors), and streams in keyset batches — on every
 * backend. Also the cursor encoding itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, type Row, ValidationError } from "../../src/index.js";
import { Table, belongsTo } from "../../src/table/index.js";
import { decodeCursor, encodeCursor, keysetTerms } from "../../src/table/pagination.js";
import { backends, uniqueTable } from "../support/backends.js";

interface Item {
  id: number;
  score: number | null;
  label: string;
  at: Date;
  group_id: number | null;
}

/** Every row, following `after` cursors until the last page. */
async function walk(items: Table<Item, any>, options: { orderBy?: string; limit: number; where?: object }): Promise<{ rows: Item[]; pages: number }> {
  const rows: Item[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page: { items: Item[]; nextCursor: string | null } = await items.paginate({ ...options, after } as never);
    rows.push(...page.items);
    after = page.nextCursor;
    pages++;
    if (pages > 1000) throw new Error("runaway pagination");
  } while (after !== null);
  return { rows, pages };
}

/** Sorts like the keyset ordering: NULLs last ascending, first descending; id breaks ties. */
function sortLike(rows: readonly Item[], terms: [keyof Item, "asc" | "desc"][]): Item[] {
  const value = (v: unknown) => (v instanceof Date ? v.getTime() : v);
  return [...rows].sort((a, b) => {
    for (const [column, direction] of [...terms, ["id", "asc"] as [keyof Item, "asc"]]) {
      const x = value(a[column]);
      const y = value(b[column]);
      if (x === y) continue;
      const sign = direction === "asc" ? 1 : -1;
      if (x === null) return sign; // NULL is the largest value
      if (y === null) return -sign;
      return (x! < y! ? -1 : 1) * sign;
    }
    return 0;
  });
}

describe("keyset cursor encoding", () => {
  it("round-trips Dates, bigints, bytes, NULLs and JSON with their types", () => {
    const terms = keysetTerms(
      ["a", "b", "c", "d", "e"].map((column) => ({ column, direction: "ASC" as const })),
      "id",
    );
    const row = { a: new Date("2024-05-06T07:08:09.123Z"), b: 2n ** 60n, c: Buffer.from([1, 2, 255]), d: null, e: { k: [1] }, id: 7 };
    const values = decodeCursor(encodeCursor(terms, [row.a, row.b, row.c, row.d, row.e, row.id]), terms);
    expect(values[0]).toBeInstanceOf(Date);
    expect(values).toEqual([row.a, row.b, row.c, null, { k: [1] }, 7]);
    expect(encodeCursor(terms, [row.a, row.id])).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("refuses malformed cursors and cursors made for another ordering", () => {
    const terms = keysetTerms([{ column: "a", direction: "DESC" }], "id");
    const other = keysetTerms([{ column: "a", direction: "ASC" }], "id");
    const cursor = encodeCursor(terms, [1, 2]);
    expect(() => decodeCursor(cursor, other)).toThrow(/different orderBy/);
    for (const bad of ["", "!!!", "e30", Buffer.from('{"k":"a:DF,id:AL","v":[{"$n":"x"},1]}').toString("base64url"), 5]) {
      expect(() => decodeCursor(bad, terms)).toThrow(ValidationError);
    }
  });
});

for (const backend of backends()) {
  describe(`Table pagination and streams [${backend.name}]`, () => {
    let db: Database;
    let items: Table<Item, any>;
    const name = uniqueTable("tk_items");
    const groupsName = uniqueTable("tk_groups");
    let all: Item[];
    const base = Date.UTC(2024, 0, 1);

    beforeAll(async () => {
      db = backend.open();
      const groups = new Table(groupsName, { db, schema: { id: "INTEGER PRIMARY KEY", title: "TEXT NOT NULL" } });
      await groups.batchCreate([
        { id: 1, title: "one" },
        { id: 2, title: "two" },
      ]);
      items = new Table<Item, any>(name, {
        db,
        schema: { id: "INTEGER PRIMARY KEY", score: "INTEGER", label: "TEXT NOT NULL", at: "TIMESTAMPTZ NOT NULL", group_id: "INTEGER" },
        relations: { group: belongsTo(groups, "group_id") },
      });
      await items.initialize();
    });
    beforeEach(async () => {
      await items.deleteMany({});
      // 23 rows: scores repeat (ties), some are NULL, timestamps are distinct.
      all = await items.batchCreate(
        Array.from({ length: 23 }, (_, i) => ({
          id: i + 1,
          score: i % 5 === 4 ? null : (i * 7) % 6,
          label: `item${String(i + 1).padStart(2, "0")}`,
          at: new Date(base + ((i * 13) % 23) * 60_000),
          group_id: i % 3 === 0 ? null : (i % 2) + 1,
        })),
      );
    });
    afterAll(async () => {
      await db.dropTable(name);
      await db.dropTable(groupsName);
      await db.close();
    });

    describe("page numbers", () => {
      it("returns items, total, page, perPage and pages", async () => {
        const first = await items.paginate({ orderBy: "id", page: 1, perPage: 10 });
        expect(first).toEqual({ items: all.slice(0, 10), total: 23, page: 1, perPage: 10, pages: 3 });
        const last = await items.paginate({ orderBy: "id", page: 3, perPage: 10 });
        expect(last.items.map((i) => i.id)).toEqual([21, 22, 23]);
        const beyond = await items.paginate({ orderBy: "id", page: 4, perPage: 10 });
        expect(beyond).toEqual({ items: [], total: 23, page: 4, perPage: 10, pages: 3 });
        const filtered = await items.paginate({ where: { score: 0 }, orderBy: "id", perPage: 2, page: 2 });
        const zeros = all.filter((i) => i.score === 0);
        expect(filtered).toEqual({ items: zeros.slice(2, 4), total: zeros.length, page: 2, perPage: 2, pages: Math.ceil(zeros.length / 2) });
        const defaults = await items.paginate();
        expect([defaults.page, defaults.perPage, defaults.pages]).toEqual([1, 20, 2]);
        expect(defaults.items).toEqual(all.slice(0, 20)); // primary-key order by default
        expect((await items.paginate({ page: 2 })).items).toEqual(all.slice(20));
        expect(await items.paginate({ where: { label: "none" } })).toEqual({ items: [], total: 0, page: 1, perPage: 20, pages: 0 });
      });

      it("refuses bad page numbers and mixed styles", async () => {
        await expect(items.paginate({ page: 0 })).rejects.toThrow(ValidationError);
        await expect(items.paginate({ perPage: 2.5 })).rejects.toThrow(ValidationError);
        await expect(items.paginate({ page: 2, limit: 5 } as never)).rejects.toThrow(/either/);
      });

      it("includes relations on a page", async () => {
        const page = await items.paginate({ orderBy: "id", page: 1, perPage: 3, include: { group: true } });
        expect(page.items.map((i) => i.group)).toEqual([null, { id: 2, title: "two" }, { id: 1, title: "one" }]);
      });
    });

    describe("keyset", () => {
      it("walks every row exactly once in the requested order, mixed ASC/DESC with NULLs", async () => {
        const cases: [string, [keyof Item, "asc" | "desc"][]][] = [
          ["id", []],
          ["score DESC", [["score", "desc"]]],
          ["score ASC, at DESC", [["score", "asc"], ["at", "desc"]]],
          ["score DESC, label ASC", [["score", "desc"], ["label", "asc"]]],
          ["at DESC", [["at", "desc"]]],
        ];
        for (const [orderBy, terms] of cases) {
          for (const limit of [1, 4, 23, 50]) {
            const { rows, pages } = await walk(items, { orderBy, limit });
            expect(rows.map((r) => r.id), `${orderBy} / ${limit}`).toEqual(sortLike(all, terms).map((r) => r.id));
            expect(pages).toBe(Math.max(1, Math.ceil(23 / limit)));
          }
        }
      });

      it("orders by a timestamp across pages (cursor Dates come back as Dates)", async () => {
        const page1 = await items.paginate({ orderBy: "at DESC", limit: 5 });
        const page2 = await items.paginate({ orderBy: "at DESC", limit: 5, after: page1.nextCursor });
        const expected = sortLike(all, [["at", "desc"]]);
        expect(page1.items).toEqual(expected.slice(0, 5));
        expect(page2.items).toEqual(expected.slice(5, 10));
        expect(page2.items[0]!.at).toBeInstanceOf(Date);
      });

      it("stays correct while rows are inserted and deleted between pages", async () => {
        const order: [keyof Item, "asc" | "desc"][] = [["score", "desc"]];
        const seen: Item[] = [];
        let page = await items.paginate({ orderBy: "score DESC", limit: 5 });
        seen.push(...page.items);
        // Rows that sort before the cursor (already passed) and after it (still ahead).
        const before = await items.create({ id: 100, score: 99, label: "before", at: new Date(base) });
        const ahead = await items.create({ id: 101, score: -5, label: "ahead", at: new Date(base) });
        const tieAhead = await items.create({ id: 102, score: seen[seen.length - 1]!.score, label: "tie", at: new Date(base) });
        const removed = sortLike(all, order)[12]!;
        await items.delete(removed.id);
        while (page.nextCursor !== null) {
          page = await items.paginate({ orderBy: "score DESC", limit: 5, after: page.nextCursor });
          seen.push(...page.items);
          await items.create({ id: 200 + seen.length, score: 50, label: "late-before", at: new Date(base) });
        }
        const ids = seen.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).not.toContain(before.id);
        expect(ids).not.toContain(removed.id);
        expect(ids).toContain(ahead.id);
        expect(ids).toContain(tieAhead.id);
        const expected = sortLike([...all.filter((r) => r.id !== removed.id), ahead, tieAhead], order).map((r) => r.id);
        expect(ids).toEqual(expected);
      });

      it("combines a filter, columns and includes with the cursor", async () => {
        const { rows } = await walk(items, { where: { group_id: 2 }, orderBy: "label DESC", limit: 2 });
        expect(rows.map((r) => r.id)).toEqual(sortLike(all.filter((r) => r.group_id === 2), [["label", "desc"]]).map((r) => r.id));
        const page = await items.paginate({ orderBy: "score DESC", limit: 3, columns: ["label"], include: { group: true } });
        const top = sortLike(all, [["score", "desc"]]).slice(0, 3);
        expect(page.items).toEqual(top.map((r) => ({ label: r.label, group: r.group_id === null ? null : { id: r.group_id, title: r.group_id === 1 ? "one" : "two" } })));
        const next = await items.paginate({ orderBy: "score DESC", limit: 3, columns: ["label"], after: page.nextCursor });
        expect(next.items.map((r) => r.label)).toEqual(sortLike(all, [["score", "desc"]]).slice(3, 6).map((r) => r.label));
      });

      it("refuses a cursor from another ordering, a malformed cursor and a bad limit", async () => {
        const page = await items.paginate({ orderBy: "score DESC", limit: 3 });
        await expect(items.paginate({ orderBy: "score ASC", limit: 3, after: page.nextCursor })).rejects.toThrow(/different orderBy/);
        await expect(items.paginate({ orderBy: "score DESC", limit: 3, after: "garbage!" })).rejects.toThrow(ValidationError);
        await expect(items.paginate({ limit: 0 })).rejects.toThrow(ValidationError);
      });
    });

    describe("stream", () => {
      it("yields every matching row in order, batchSize rows per query", async () => {
        const sql: string[] = [];
        const listener = (event: { sql: string }) => sql.push(event.sql);
        db.on("query", listener);
        const rows: Item[] = [];
        try {
          for await (const row of items.stream({ orderBy: "score DESC", batchSize: 5 })) rows.push(row);
        } finally {
          db.off("query", listener);
        }
        expect(rows.map((r) => r.id)).toEqual(sortLike(all, [["score", "desc"]]).map((r) => r.id));
        expect(sql).toHaveLength(5);
        const filtered: number[] = [];
        for await (const row of items.stream({ where: { score: { gte: 3 } }, batchSize: 2 })) filtered.push(row.id);
        expect(filtered).toEqual(all.filter((r) => r.score !== null && r.score >= 3).map((r) => r.id));
      });

      it("loads includes per batch and honours columns", async () => {
        const rows: Row[] = [];
        for await (const row of items.stream({ columns: ["label"], batchSize: 10, include: { group: { columns: ["title"] } } })) rows.push(row);
        expect(rows).toEqual(all.map((r) => ({ label: r.label, group: r.group_id === null ? null : { title: r.group_id === 1 ? "one" : "two" } })));
      });

      it("lets the loop body write through the same Database inside a transaction", async () => {
        await db.transaction(async () => {
          for await (const row of items.stream({ batchSize: 4, include: { group: true } })) {
            await items.update(row.id, { label: row.label.toUpperCase() });
          }
        });
        expect(await items.count({ label: { like: "ITEM%" } })).toBe(23);
      });

      it("stops cleanly when the loop breaks", async () => {
        let n = 0;
        for await (const row of items.stream({ batchSize: 3 })) {
          if (++n === 4) break;
          expect(row.id).toBe(n);
        }
        expect(n).toBe(4);
        expect(await items.count()).toBe(23);
      });

      it("streams a table without a primary key through a cursor", async () => {
        const logName = uniqueTable("tk_log");
        const log = new Table(logName, { db, schema: { n: "INTEGER", note: "TEXT" } });
        try {
          await log.batchCreate(Array.from({ length: 7 }, (_, i) => ({ n: i, note: `n${i}` })));
          const seen: unknown[] = [];
          for await (const row of log.stream({ orderBy: "n DESC", batchSize: 3 })) seen.push(row["n"]);
          expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0]);
        } finally {
          await db.dropTable(logName);
        }
      });
    });
  });
}
