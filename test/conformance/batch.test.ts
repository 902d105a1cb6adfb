/**
 * Batches (docs/database.md, "Batches"): batchInsert and batchUpdate — order of returned rows,
 * counts, progress, statements sized under the bound-parameter limit, one transaction per call,
 * and input validation before the first statement.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";
import { Database, IdentifierError, UniqueViolationError, ValidationError, type Row } from "../../src/index.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Item {
  id: string;
  seq: number;
  code: string | null;
  label: string;
  active: boolean;
  n: number | null;
  batch: string | null;
}

/** Number of bound parameters in a statement: the `?` count (SQLite) or the highest `$n` (PostgreSQL). */
function parameterCount(sql: string): number {
  const dollars = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (dollars.length > 0) return Math.max(...dollars);
  return (sql.match(/\?/g) ?? []).length;
}

for (const backend of backends()) {
  describe(`batch [${backend.name}]`, () => {
    let db: Database;
    let seen: string[];
    const t = uniqueTable("batch");
    const big = uniqueTable("batch_big");
    const ints = uniqueTable("batch_int");
    const limit = backend.name === "sqlite" ? 32_766 : 65_535;

    async function rawCount(table: string = t, batch?: string): Promise<number> {
      const rows =
        batch === undefined
          ? await db.execute<{ n: number | string }>(`SELECT count(*) AS n FROM "${table}"`)
          : await db.execute<{ n: number | string }>(`SELECT count(*) AS n FROM "${table}" WHERE batch = ?`, [batch]);
      return Number(rows[0]!.n);
    }

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        seq: "INTEGER NOT NULL",
        code: "TEXT UNIQUE",
        label: "TEXT DEFAULT 'none'",
        active: "BOOLEAN DEFAULT TRUE",
        n: "INTEGER",
        batch: "TEXT",
      });
      await db.createTable(big, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        a: "INTEGER NOT NULL",
        b: "TEXT",
        c: "BOOLEAN",
        d: "INTEGER",
      });
      await db.createTable(ints, {
        id: "INTEGER PRIMARY KEY",
        name: "TEXT NOT NULL",
        score: "INTEGER",
      });
      seen = recordQueries(db);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(big);
      await db.dropTable(ints);
      await db.close();
    });

    beforeEach(async () => {
      await db.execute(`DELETE FROM "${t}"`);
      seen.length = 0;
    });

    // ------------------------------------------------------------------ batchInsert

    it("batchInsert returns the inserted rows in input order, with generated ids and defaults", async () => {
      const records = Array.from({ length: 1234 }, (_, i) => ({ seq: i, code: `c${i}`, batch: "order" }));
      const rows = await db.batchInsert<Item>(t, records);
      expect(rows).toHaveLength(1234);
      expect(rows.map((r) => r.seq)).toEqual(records.map((r) => r.seq));
      expect(rows.map((r) => r.code)).toEqual(records.map((r) => r.code));
      for (const row of rows) {
        expect(row.id).toMatch(UUID_V4);
        expect(row.label).toBe("none");
        expect(row.active).toBe(true);
        expect(row.n).toBeNull();
      }
      expect(new Set(rows.map((r) => r.id)).size).toBe(1234);
      expect(await rawCount()).toBe(1234);
      // The returned rows are the stored rows.
      const stored = await db.select<Item>(t, { orderBy: "seq" });
      expect(stored).toEqual(rows);
    });

    it("batchInsert with returning: false returns the count", async () => {
      const records = Array.from({ length: 777 }, (_, i) => ({ seq: i, batch: "count" }));
      const count = await db.batchInsert(t, records, { returning: false });
      expect(count).toBe(777);
      expect(await rawCount(t, "count")).toBe(777);
      expect(seen.filter((s) => /^INSERT/i.test(s)).every((s) => !/RETURNING/i.test(s))).toBe(true);
      expect(await db.batchInsert(t, [], { returning: false })).toBe(0);
      expect(await db.batchInsert(t, [])).toEqual([]);
      expect(await rawCount()).toBe(777);
    });

    it("batchInsert calls onProgress with increasing done counts ending at the total", async () => {
      const calls: [number, number][] = [];
      const records = Array.from({ length: 1200 }, (_, i) => ({ seq: i, batch: "progress" }));
      const rows = await db.batchInsert<Item>(t, records, { chunkSize: 500, onProgress: (done, total) => calls.push([done, total]) });
      expect(rows).toHaveLength(1200);
      expect(calls).toEqual([
        [500, 1200],
        [1000, 1200],
        [1200, 1200],
      ]);
      const small: [number, number][] = [];
      await db.batchInsert(t, [{ seq: 1 }, { seq: 2 }, { seq: 3 }], { chunkSize: 1, returning: false, onProgress: (d, n) => small.push([d, n]) });
      expect(small).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(await rawCount()).toBe(1203);
    });

    it("batchInsert accepts records that leave out different columns; defaults apply", async () => {
      const rows = await db.batchInsert<Item>(t, [
        { seq: 1, label: "x" },
        { seq: 2 },
        { seq: 3, active: false },
        { seq: 4, label: undefined, n: 4 },
        { seq: 5, label: "y", active: false, n: null },
        { seq: 6 },
      ]);
      expect(rows.map((r) => [r.seq, r.label, r.active, r.n])).toEqual([
        [1, "x", true, null],
        [2, "none", true, null],
        [3, "none", false, null],
        [4, "none", true, 4],
        [5, "y", false, null],
        [6, "none", true, null],
      ]);
      const stored = await db.select<Item>(t, { orderBy: "seq", columns: ["seq", "label", "active", "n"] });
      expect(stored).toEqual(rows.map((r) => ({ seq: r.seq, label: r.label, active: r.active, n: r.n })));
    });

    it("without returning, progress comes every chunk, and PostgreSQL sends equally shaped records in one COPY", async () => {
      await db.execute(`DELETE FROM "${big}"`);
      seen.length = 0;
      const total = 25_000;
      const records = Array.from({ length: total }, (_, i) => ({ a: i, b: `row ${i}`, c: i % 2 === 0, d: i }));
      const calls: number[] = [];
      const count = await db.batchInsert(big, records, {
        returning: false,
        onProgress: (done, all) => {
          expect(all).toBe(total);
          calls.push(done);
        },
      });
      expect(count).toBe(total);
      if (backend.name === "postgres") {
        expect(seen.filter((s) => /^COPY /.test(s))).toHaveLength(1);
        expect(calls).toEqual([10_000, 20_000, 25_000]);
      } else {
        expect(calls).toHaveLength(total / 500);
        expect(calls.every((done, i) => done === (i + 1) * 500)).toBe(true);
      }
      expect(await rawCount(big)).toBe(total);
    });

    it("a batch beyond the bound-parameter limit is split into several statements and inserts every row", async () => {
      await db.execute(`DELETE FROM "${big}"`);
      seen.length = 0;
      const total = 30_000;
      const records = Array.from({ length: total }, (_, i) => ({ a: i, b: `row ${i}`, c: i % 2 === 0, d: i * 2 }));
      // A chunk size that asks for one statement: the library must still cap it under the limit.
      const count = await db.batchInsert(big, records, { chunkSize: total, returning: false });
      expect(count).toBe(total);
      if (backend.name === "postgres") {
        // Without returning, PostgreSQL takes the COPY bulk path: no bound parameters at all.
        expect(seen.filter((s) => /^COPY /.test(s))).toHaveLength(1);
        expect(seen.filter((s) => /^INSERT/i.test(s))).toHaveLength(0);
      } else {
        const inserts = seen.filter((s) => /^INSERT/i.test(s));
        expect(inserts.length).toBeGreaterThanOrEqual(Math.ceil((total * 4) / limit));
        for (const statement of inserts) expect(parameterCount(statement)).toBeLessThanOrEqual(limit);
        expect(inserts.reduce((sum, s) => sum + parameterCount(s), 0)).toBe(total * 4);
      }
      const stats = await db.execute<Row>(`SELECT count(*) AS n, count(DISTINCT a) AS distinct_a, min(a) AS lo, max(a) AS hi, sum(d) AS sum_d FROM "${big}"`);
      expect(Number(stats[0]!["n"])).toBe(total);
      expect(Number(stats[0]!["distinct_a"])).toBe(total);
      expect(Number(stats[0]!["lo"])).toBe(0);
      expect(Number(stats[0]!["hi"])).toBe(total - 1);
      expect(Number(stats[0]!["sum_d"])).toBe(total * (total - 1));
      expect(await db.count(big, { c: true })).toBe(total / 2);
    });

    it("a batch beyond the limit with returning gives every row back, in input order", async () => {
      await db.execute(`DELETE FROM "${big}"`);
      const total = 20_000; // 80,000 parameters: over both backends' limits
      const records = Array.from({ length: total }, (_, i) => ({ a: i, b: i % 3 === 0 ? null : `b${i}`, c: null, d: -i }));
      const rows = await db.batchInsert<Row>(big, records, { chunkSize: 100_000 });
      expect(rows).toHaveLength(total);
      let inOrder = true;
      for (let i = 0; i < total; i++) {
        const row = rows[i]!;
        if (row["a"] !== i || row["d"] !== -i || row["b"] !== records[i]!.b || row["c"] !== null) inOrder = false;
      }
      expect(inOrder).toBe(true);
      expect(new Set(rows.map((r) => r["id"])).size).toBe(total);
      expect(await rawCount(big)).toBe(total);
    });

    it("a unique violation in a late chunk leaves none of the batch behind (one transaction)", async () => {
      await db.batchInsert(t, [{ seq: -1, code: "existing", batch: "before" }]);
      seen.length = 0;
      const records = Array.from({ length: 1500 }, (_, i) => ({ seq: i, code: `atomic-${i}`, batch: "atomic" }));
      records[1400] = { seq: 1400, code: "atomic-10", batch: "atomic" }; // clashes with record 10, two chunks earlier
      const error = await db.batchInsert(t, records, { chunkSize: 500 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect((error as UniqueViolationError).columns).toContain("code");
      // The earlier chunks were sent, then rolled back.
      expect(seen.filter((s) => /^INSERT/i.test(s)).length).toBe(3);
      expect(seen).toContain("ROLLBACK");
      expect(await rawCount(t, "atomic")).toBe(0);
      expect(await rawCount()).toBe(1);
      // A clash with an existing row in the last chunk also leaves nothing.
      const clash = Array.from({ length: 1100 }, (_, i) => ({ seq: i, code: i === 1099 ? "existing" : `clash-${i}`, batch: "clash" }));
      await expect(db.batchInsert(t, clash, { chunkSize: 500, returning: false })).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await rawCount(t, "clash")).toBe(0);
      expect(await rawCount()).toBe(1);
    });

    it("a bad record fails with ValidationError or IdentifierError before any statement", async () => {
      const good = Array.from({ length: 600 }, (_, i) => ({ seq: i, batch: "bad" }));
      const cases: [unknown[], typeof ValidationError | typeof IdentifierError][] = [
        [[...good, "not an object"], ValidationError],
        [[...good, null], ValidationError],
        [[...good, [1, 2]], ValidationError],
        [[...good, 42], ValidationError],
        [[...good, new Date()], ValidationError],
        [[...good, { seq: 1, "bad column": 2 }], IdentifierError],
        [[...good, { seq: 1, "seq); DROP TABLE x; --": 2 }], IdentifierError],
        [[{ "": 1 }, ...good], IdentifierError],
      ];
      for (const [records, errorClass] of cases) {
        await expect(db.batchInsert(t, records as Row[])).rejects.toBeInstanceOf(errorClass);
        await expect(db.batchInsert(t, records as Row[], { returning: false })).rejects.toBeInstanceOf(errorClass);
      }
      // The issue path names the bad record's index.
      const error = await db.batchInsert(t, [...good, "x"] as unknown as Row[]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path[0]).toBe(600);
      // Bad arguments.
      await expect(db.batchInsert(t, "rows" as unknown as Row[])).rejects.toBeInstanceOf(ValidationError);
      await expect(db.batchInsert(t, good, { chunkSize: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.batchInsert(t, good, { chunkSize: 1.5 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.batchInsert("bad table", good)).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(0);
    });

    // ------------------------------------------------------------------ batchUpdate

    /** Inserts five items and returns them in seq order. */
    async function seedItems(): Promise<Item[]> {
      const rows = await db.batchInsert<Item>(
        t,
        Array.from({ length: 5 }, (_, i) => ({ seq: i, code: `k${i}`, label: `l${i}`, n: i * 10 })),
      );
      seen.length = 0;
      return rows;
    }

    it("batchUpdate by id returns the updated rows in input order; only given fields change", async () => {
      const items = await seedItems();
      const updated = await db.batchUpdate<Item>(t, [
        { id: items[3]!.id, n: 333 },
        { id: items[0]!.id, label: "zero", active: false },
      ]);
      expect(updated).toEqual([
        { ...items[3]!, n: 333 },
        { ...items[0]!, label: "zero", active: false },
      ]);
      const stored = await db.select<Item>(t, { orderBy: "seq" });
      expect(stored).toEqual([
        { ...items[0]!, label: "zero", active: false },
        items[1],
        items[2],
        { ...items[3]!, n: 333 },
        items[4],
      ]);
    });

    it("batchUpdate skips records whose key matches no row", async () => {
      const items = await seedItems();
      const updated = await db.batchUpdate<Item>(t, [
        { id: randomUUID(), n: 1 },
        { id: items[1]!.id, n: 111 },
        { id: randomUUID(), label: "ghost" },
      ]);
      expect(updated).toEqual([{ ...items[1]!, n: 111 }]);
      expect(await rawCount()).toBe(5);
      expect(await db.count(t, { label: "ghost" })).toBe(0);
    });

    it("batchUpdate by a custom keyColumn (string or option form)", async () => {
      const items = await seedItems();
      const byCode = await db.batchUpdate<Item>(t, [{ code: "k2", n: 222 }, { code: "k4", label: "four" }, { code: "nope", n: 0 }], "code");
      expect(byCode).toEqual([
        { ...items[2]!, n: 222 },
        { ...items[4]!, label: "four" },
      ]);
      const bySeq = await db.batchUpdate<Item>(t, [{ seq: 1, label: "one" }], { keyColumn: "seq" });
      expect(bySeq).toEqual([{ ...items[1]!, label: "one" }]);
      // The key column itself is not rewritten.
      expect((await db.select<Item>(t, { orderBy: "seq" })).map((r) => [r.seq, r.code, r.label, r.n])).toEqual([
        [0, "k0", "l0", 0],
        [1, "k1", "one", 10],
        [2, "k2", "l2", 222],
        [3, "k3", "l3", 30],
        [4, "k4", "four", 40],
      ]);
    });

    it("batchUpdate with returning: false returns the count of updated rows", async () => {
      const items = await seedItems();
      const count = await db.batchUpdate(t, [{ id: items[0]!.id, n: -1 }, { id: items[2]!.id, n: -1 }, { id: randomUUID(), n: -1 }], {
        returning: false,
      });
      expect(count).toBe(2);
      expect(await db.count(t, { n: -1 })).toBe(2);
      const byCode = await db.batchUpdate(t, [{ code: "k4", n: -1 }], { keyColumn: "code", returning: false });
      expect(byCode).toBe(1);
      expect(await db.count(t, { n: -1 })).toBe(3);
      expect(await db.batchUpdate(t, [], { returning: false })).toBe(0);
      expect(await db.batchUpdate(t, [])).toEqual([]);
    });

    it("batchUpdate on an INTEGER PRIMARY KEY table, over many records, with progress", async () => {
      await db.execute(`DELETE FROM "${ints}"`);
      await db.batchInsert(ints, Array.from({ length: 450 }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, score: 0 })), { returning: false });
      seen.length = 0;
      const calls: [number, number][] = [];
      const records = Array.from({ length: 450 }, (_, i) => ({ id: 450 - i, score: (450 - i) * 2 }));
      const updated = await db.batchUpdate<Row>(ints, records, { onProgress: (d, n) => calls.push([d, n]) });
      expect(updated.map((r) => r["id"])).toEqual(records.map((r) => r.id));
      expect(updated.every((r) => r["score"] === (r["id"] as number) * 2 && r["name"] === `n${String(r["id"])}`)).toBe(true);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
      expect(calls.at(-1)).toEqual([450, 450]);
      expect(calls.every(([, n]) => n === 450)).toBe(true);
      const sum = await db.execute<Row>(`SELECT sum(score) AS s FROM "${ints}"`);
      expect(Number(sum[0]!["s"])).toBe(450 * 451);
    });

    it("a batchUpdate record without the key is a ValidationError, and nothing changes", async () => {
      const items = await seedItems();
      const cases: Row[][] = [
        [{ id: items[0]!.id, n: 1 }, { n: 2 }],
        [{ id: items[0]!.id, n: 1 }, { id: undefined, n: 2 }],
        [{ id: items[0]!.id, n: 1 }, { id: null, n: 2 }],
      ];
      for (const records of cases) {
        await expect(db.batchUpdate(t, records)).rejects.toBeInstanceOf(ValidationError);
        await expect(db.batchUpdate(t, records, { returning: false })).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(db.batchUpdate(t, [{ code: "k1", n: 1 }, { n: 5 }], "code")).rejects.toBeInstanceOf(ValidationError);
      // A record with nothing but its key has nothing to set.
      await expect(db.batchUpdate(t, [{ id: items[0]!.id, n: 1 }, { id: items[1]!.id }])).rejects.toBeInstanceOf(ValidationError);
      await expect(db.batchUpdate(t, [{ id: items[0]!.id, "bad col": 1 }])).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.batchUpdate(t, [{ id: items[0]!.id, n: 1 }], "bad key")).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.batchUpdate("bad table", [{ id: items[0]!.id, n: 1 }])).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.batchUpdate(t, "x" as unknown as Row[])).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      expect(await db.select<Item>(t, { orderBy: "seq" })).toEqual(items);
    });

    it("a failing batchUpdate rolls back the records already applied", async () => {
      const items = await seedItems();
      const error = await db
        .batchUpdate(t, [
          { id: items[0]!.id, n: 999 },
          { id: items[1]!.id, code: "k3" }, // clashes with items[3]
        ])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect(await db.select<Item>(t, { orderBy: "seq" })).toEqual(items);
    });
  });
}
