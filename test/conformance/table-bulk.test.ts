/**
 * Table bulk operations: batchCreate (progress, steps, rollback, a million rows in bounded memory),
 * batchUpdate, and getOrCreate under concurrency — on every backend.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, IdentifierError, UniqueViolationError, ValidationError } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

interface Member {
  id: number;
  email: string;
  handle: string | null;
  score: number;
}

v8.setFlagsFromString("--expose_gc");
const gc = vm.runInNewContext("gc") as () => void;

for (const backend of backends()) {
  describe(`Table bulk operations [${backend.name}]`, () => {
    let db: Database;
    let members: Table<Member>;
    const name = uniqueTable("tk_members");

    beforeAll(async () => {
      db = backend.open({ maxConnections: 10 });
      members = new Table<Member>(name, {
        db,
        schema: { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE NOT NULL", handle: "TEXT UNIQUE", score: "INTEGER NOT NULL DEFAULT 0" },
      });
      await members.initialize();
    });
    beforeEach(async () => {
      await members.deleteMany({});
    });
    afterAll(async () => {
      await db.dropTable(name);
      await db.close();
    });

    const make = (count: number, from = 1) => Array.from({ length: count }, (_, i) => ({ id: from + i, email: `m${from + i}@example.com`, score: i % 7 }));

    describe("batchCreate", () => {
      it("returns the created rows in order, reports progress, or returns the count", async () => {
        const progress: [number, number][] = [];
        const rows = await members.batchCreate(make(3), { onProgress: (done, total) => progress.push([done, total]) });
        expect(rows).toEqual([
          { id: 1, email: "m1@example.com", handle: null, score: 0 },
          { id: 2, email: "m2@example.com", handle: null, score: 1 },
          { id: 3, email: "m3@example.com", handle: null, score: 2 },
        ]);
        expect(progress.at(-1)).toEqual([3, 3]);
        expect(await members.batchCreate(make(4, 10), { returning: false })).toBe(4);
        expect(await members.count()).toBe(7);
        expect(await members.batchCreate([])).toEqual([]);
        expect(await members.batchCreate([], { returning: false })).toBe(0);
      });

      it("writes many records, with steadily increasing progress", async () => {
        const progress: number[] = [];
        const rows = await members.batchCreate(make(12_345), { chunkSize: 1000, onProgress: (done) => progress.push(done) });
        expect(rows).toHaveLength(12_345);
        expect(rows[12_344]).toEqual({ id: 12_345, email: "m12345@example.com", handle: null, score: 12_344 % 7 });
        expect(progress.at(-1)).toBe(12_345);
        expect(progress.every((done, i) => i === 0 || done > progress[i - 1]!)).toBe(true);
        expect(progress.length).toBeGreaterThanOrEqual(13);
        expect(await members.count()).toBe(12_345);
      });

      it("leaves nothing behind when a late record fails", async () => {
        const records = make(12_000);
        records[11_500]!.email = "m3@example.com"; // a duplicate, late in the batch
        const error = await members.batchCreate(records, { returning: false }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect(await members.count()).toBe(0);
      });

      it("checks every record's columns before any SQL", async () => {
        const records: object[] = make(5);
        records[4] = { id: 5, emial: "x" };
        await expect(members.batchCreate(records as never)).rejects.toThrow(IdentifierError);
        await expect(members.batchCreate([{ id: 1, email: "a@example.com" }, 5] as never)).rejects.toThrow(ValidationError);
        await expect(members.batchCreate("nope" as never)).rejects.toThrow(ValidationError);
        expect(await members.count()).toBe(0);
      });

      it("joins an outer transaction and rolls back with it", async () => {
        await expect(
          db.transaction(async () => {
            await members.batchCreate(make(10));
            expect(await members.count()).toBe(10);
            throw new Error("undo");
          }),
        ).rejects.toThrow("undo");
        expect(await members.count()).toBe(0);
      });

      it("creates 1,000,000 rows with returning: false in bounded memory", { timeout: 120_000 }, async () => {
        const total = 1_000_000;
        const records = make(total);
        gc();
        const baseline = process.memoryUsage().heapUsed;
        let retained = 0;
        let samples = 0;
        let nextSample = 50_000;
        const count = await members.batchCreate(records, {
          returning: false,
          onProgress: (done) => {
            if (done >= nextSample) {
              nextSample += 50_000;
              samples++;
              gc();
              retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
            }
          },
        });
        expect(count).toBe(total);
        expect(await members.count()).toBe(total);
        // Memory still held after garbage collection, beyond the input array, sampled every 50,000
        // records: a few MB whatever the number of records (returning the rows would hold ~100 MB).
        expect(samples).toBeGreaterThanOrEqual(15);
        expect(retained).toBeLessThan(32 * 1024 * 1024);
      });
    });

    describe("batchUpdate", () => {
      it("updates by primary key or another key column and skips records matching no row", async () => {
        await members.batchCreate(make(4));
        const updated = await members.batchUpdate([
          { id: 1, score: 100 },
          { id: 3, score: 300, handle: "three" },
          { id: 99, score: 5 },
        ]);
        expect(updated).toEqual([
          { id: 1, email: "m1@example.com", handle: null, score: 100 },
          { id: 3, email: "m3@example.com", handle: "three", score: 300 },
        ]);
        expect(await members.batchUpdate([{ email: "m2@example.com", score: 200 }, { email: "m4@example.com", score: 400 }], { keyColumn: "email", returning: false })).toBe(2);
        expect(await members.batchUpdate([{ email: "m2@example.com", score: 201 }], "email")).toHaveLength(1);
        expect((await members.list({ orderBy: "id" })).map((m) => m.score)).toEqual([100, 201, 300, 400]);
      });

      it("refuses an unknown key column, a record without its key, and unknown columns, before any SQL", async () => {
        await members.batchCreate(make(2));
        await expect(members.batchUpdate([{ id: 1, score: 5 }], "idd" as never)).rejects.toThrow(IdentifierError);
        await expect(members.batchUpdate([{ id: 1, score: 5 }, { score: 6 }])).rejects.toThrow(/record 1 has no value for the key column "id"/);
        await expect(members.batchUpdate([{ id: 1, scor: 5 } as never])).rejects.toThrow(IdentifierError);
        expect((await members.list({ orderBy: "id" })).map((m) => m.score)).toEqual([0, 1]);
      });

      it("is all or nothing", async () => {
        await members.batchCreate(make(3));
        await expect(members.batchUpdate([{ id: 1, score: 9 }, { id: 2, email: "m3@example.com" }])).rejects.toThrow(UniqueViolationError);
        expect((await members.read(1))?.score).toBe(0);
      });
    });

    describe("getOrCreate", () => {
      it("returns the existing row, or creates one from defaults and where", async () => {
        const first = await members.getOrCreate({ email: "a@example.com" }, { id: 1, score: 5 });
        expect(first).toEqual({ row: { id: 1, email: "a@example.com", handle: null, score: 5 }, created: true });
        const again = await members.getOrCreate({ email: "a@example.com" }, { id: 2, score: 9 });
        expect(again).toEqual({ row: { id: 1, email: "a@example.com", handle: null, score: 5 }, created: false });
        expect(await members.count()).toBe(1);
      });

      it("creates exactly one row for 20 concurrent calls with the same key", async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => members.getOrCreate({ email: "race@example.com" }, { id: 1000 + i, score: i })));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const winner = results.find((r) => r.created)!.row;
        expect(results.every((r) => r.row.id === winner.id)).toBe(true);
        expect(await members.count({ email: "race@example.com" })).toBe(1);
        expect(await members.count()).toBe(1);
      });

      it("creates one row per key for concurrent calls over a few keys", async () => {
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => members.getOrCreate({ email: `k${i % 5}@example.com` }, { id: 2000 + i })),
        );
        expect(results.filter((r) => r.created)).toHaveLength(5);
        for (let k = 0; k < 5; k++) {
          const ids = new Set(results.filter((r) => r.row.email === `k${k}@example.com`).map((r) => r.row.id));
          expect(ids.size).toBe(1);
        }
        expect(await members.count()).toBe(5);
      });

      it("raises the UniqueViolationError of a conflict on another unique column", async () => {
        await members.create({ id: 1, email: "a@example.com", handle: "ann" });
        const error = await members.getOrCreate({ email: "b@example.com" }, { id: 2, handle: "ann" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect((error as UniqueViolationError).columns).toEqual(["handle"]);
        expect(await members.count()).toBe(1);
      });

      it("works inside a transaction, and refuses operators in where", async () => {
        const inside = await db.transaction(async () => {
          const made = await members.getOrCreate({ email: "tx@example.com" }, { id: 7 });
          const found = await members.getOrCreate({ email: "tx@example.com" }, { id: 8 });
          return [made.created, found.created, found.row.id];
        });
        expect(inside).toEqual([true, false, 7]);
        await expect(members.getOrCreate({ score: { gt: 1 } } as never, {})).rejects.toThrow(ValidationError);
        await expect(members.getOrCreate({}, { id: 9 })).rejects.toThrow(ValidationError);
      });
    });
  });
}
