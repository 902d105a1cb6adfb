/**
 * Limits give clear errors (issue 15 item 7): a statement with more bound parameters than the
 * backend takes (65,535 on PostgreSQL, 32,766 on SQLite) is refused before anything is sent with a
 * LimitError (a ValidationError) naming the limit and what to use instead; batchInsert splits rows
 * into statements that fit; `in`/`notIn` lists bind one parameter (a typed array on PostgreSQL, JSON
 * on SQLite), so their length never meets the limit, whatever the column's type.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, rejection, uniqueTable } from "../support/backends.js";
import { Database, LimitError, ValidationError } from "../../src/index.js";

for (const backend of backends()) {
  describe(`limits [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("limits");
    const limit = backend.name === "postgres" ? 65_535 : 32_766;

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, {
        id: "INTEGER PRIMARY KEY",
        uid: "UUID",
        big: "BIGINT",
        label: "TEXT",
        at: "TIMESTAMPTZ",
        ok: "BOOLEAN",
      });
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("more parameters than the backend takes is a LimitError before anything is sent", async () => {
      const n = limit + 1;
      const placeholders = Array.from({ length: n }, () => "?").join(",");
      const values = Array.from({ length: n }, (_, i) => i);
      const error = await rejection(db.execute(`SELECT count(*) AS n FROM "${t}" WHERE id IN (${placeholders})`, values));
      expect(error).toBeInstanceOf(LimitError);
      expect(error).toBeInstanceOf(ValidationError);
      const message = (error as Error).message;
      expect(message).toContain(String(limit));
      expect(message).toContain("batchInsert");
      expect(message).toContain("array parameter");
      // Inside a transaction too; the transaction itself is unharmed.
      const inTx = await rejection(db.transaction((tx) => tx.execute(`SELECT count(*) AS n FROM "${t}" WHERE id IN (${placeholders})`, values)));
      expect(inTx).toBeInstanceOf(LimitError);
      expect(await db.count(t)).toBe(0);
    });

    it("exactly the limit still runs", async () => {
      const placeholders = Array.from({ length: limit }, () => "?").join(",");
      const values = Array.from({ length: limit }, (_, i) => i);
      expect(await db.execute(`SELECT count(*) AS n FROM "${t}" WHERE id IN (${placeholders})`, values)).toEqual([{ n: 0 }]);
    });

    it("batchInsert splits rows so every statement fits", async () => {
      const rows = Array.from({ length: 12_000 }, (_, i) => ({ id: i + 1, uid: randomUUID(), big: BigInt(i) * 1_000_000_007n, label: `l${i}`, at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)), ok: i % 2 === 0 }));
      // 6 columns × 12,000 rows = 72,000 values: more than either limit.
      expect(await db.batchInsert(t, rows, { returning: false })).toBe(12_000);
      expect(await db.count(t)).toBe(12_000);
    });

    it("in and notIn lists longer than the parameter limit bind one parameter", async () => {
      const ids = Array.from({ length: 70_000 }, (_, i) => i + 1);
      expect(await db.count(t, { id: { in: ids } })).toBe(12_000);
      expect(await db.count(t, { id: { notIn: ids } })).toBe(0);
      expect(await db.count(t, { id: { notIn: ids.slice(100) } })).toBe(100);
    });

    it("in and notIn lists match by the column's type: uuid, bigint, text, timestamptz, boolean", async () => {
      const some = await db.select<{ id: number; uid: string; big: bigint | number | string; label: string; at: Date }>(t, { where: { id: { in: [1, 2, 3] } }, orderBy: "id" });
      expect(some).toHaveLength(3);
      expect(await db.count(t, { uid: { in: some.map((r) => r.uid) } })).toBe(3);
      // Issue 17: an uppercase UUID matches on every backend (SQLite matched nothing).
      expect(await db.count(t, { uid: { in: [randomUUID(), some[0]!.uid.toUpperCase()] } })).toBe(1);
      expect(await db.count(t, { big: { in: [0n, 1_000_000_007n, 9_007_199_254_740_993n] } })).toBe(2);
      expect(await db.count(t, { label: { in: ["l0", "l1", "nope"] } })).toBe(2);
      expect(await db.count(t, { at: { in: some.map((r) => r.at) } })).toBe(3);
      expect(await db.count(t, { ok: { in: [true] } })).toBe(6_000);
      expect(await db.count(t, { uid: { notIn: some.map((r) => r.uid) } })).toBe(11_997);
    });

    it("NULL handling of in and notIn is unchanged: NULL in a list is refused, NULL columns match neither", async () => {
      await db.insert(t, { id: 20_000, label: null });
      expect(await rejection(db.count(t, { label: { in: ["l0", null] } as never }))).toBeInstanceOf(ValidationError);
      expect(await db.count(t, { label: { in: ["l0"] } })).toBe(1);
      expect(await db.count(t, { label: { notIn: ["l0"] } })).toBe(11_999);
      expect(await db.count(t, { label: { in: [] } })).toBe(0);
      expect(await db.count(t, { label: { notIn: [] } })).toBe(12_001);
      await db.delete(t, { id: 20_000 });
    });
  });
}
