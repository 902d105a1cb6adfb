/**
 * Issue 14, items 6 and 7: bad options and keys get a typed error before any SQL, nothing is
 * silently ignored, and `undefined` means "leave out" with and without a model — on every backend.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Database, ValidationError } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { backends, recordQueries, rejection, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`input validation [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("input");
    let seen: string[];

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT", x: "TEXT" });
      seen = recordQueries(db);
    });
    beforeEach(async () => {
      await db.deleteMany(t, {});
      await db.batchInsert(t, [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ]);
      seen.length = 0;
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    /** Expects a ValidationError with no statement run. */
    async function refused(call: () => Promise<unknown>): Promise<ValidationError> {
      seen.length = 0;
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      return error as ValidationError;
    }

    describe("filters: only own enumerable string keys are data", () => {
      it("a symbol key is a ValidationError and deletes nothing (it deleted every row)", async () => {
        await refused(() => db.deleteMany(t, { [Symbol("id")]: 1 } as never));
        await refused(() => db.delete(t, { [Symbol("id")]: 1 } as never));
        await refused(() => db.updateMany(t, { name: "z" }, { [Symbol("id")]: 1 } as never));
        await refused(() => db.update(t, { name: "z" }, { id: 1, [Symbol("x")]: 2 } as never));
        await refused(() => db.select(t, { where: { id: 1, [Symbol("x")]: 2 } as never }));
        await refused(() => db.count(t, { [Symbol("id")]: 1 } as never));
        await refused(() => db.deleteMany(t, { OR: [{ [Symbol("id")]: 1 }] } as never));
        await refused(() => db.deleteMany(t, { id: { eq: 1, [Symbol("ne")]: 1 } } as never));
        expect(await db.count(t)).toBe(2);
      });

      it("a non-enumerable own key is a ValidationError and deletes nothing", async () => {
        const filter = {};
        Object.defineProperty(filter, "id", { value: 1, enumerable: false });
        const error = await refused(() => db.deleteMany(t, filter as never));
        expect(error.issues[0]!.path).toEqual(["id"]);
        expect(await db.count(t)).toBe(2);
      });

      it("property: any filter with a symbol or non-enumerable key is refused before SQL, whatever else it holds", async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(fc.constantFrom("id", "name", "x"), fc.oneof(fc.integer(), fc.string(), fc.constant(null))),
            fc.oneof(fc.constant("symbol" as const), fc.constant("hidden" as const)),
            fc.constantFrom("deleteMany", "updateMany", "select", "count"),
            async (base, kind, method) => {
              const filter: Record<PropertyKey, unknown> = { ...base };
              if (kind === "symbol") filter[Symbol("k")] = 1;
              else Object.defineProperty(filter, "name", { value: "a", enumerable: false, configurable: true });
              const call =
                method === "deleteMany"
                  ? () => db.deleteMany(t, filter as never)
                  : method === "updateMany"
                    ? () => db.updateMany(t, { x: "changed" }, filter as never)
                    : method === "select"
                      ? () => db.select(t, { where: filter as never })
                      : () => db.count(t, filter as never);
              await refused(call);
            },
          ),
          { numRuns: 40 },
        );
        expect(await db.count(t)).toBe(2);
        expect(await db.count(t, { x: "changed" })).toBe(0);
      });
    });

    describe("rows: own enumerable string keys are the columns", () => {
      it("inherited properties (a polluted Object.prototype) are never written as columns", async () => {
        const proto = Object.prototype as Record<string, unknown>;
        proto["x"] = "polluted";
        try {
          const row = await db.insert(t, { id: 3, name: "c" });
          expect(row["x"]).toBeNull();
          await db.update(t, { name: "c2" }, { id: 3 });
          await db.batchInsert(t, [{ id: 4, name: "d" }]);
        } finally {
          delete proto["x"];
        }
        expect(await db.count(t, { x: "polluted" })).toBe(0);
      });

      it("a symbol or non-enumerable key in a row is a ValidationError, nothing written", async () => {
        await refused(() => db.insert(t, { id: 5, name: "e", [Symbol("x")]: 1 } as never));
        await refused(() => db.update(t, { name: "z", [Symbol("x")]: 1 } as never, { id: 1 } as never));
        await refused(() => db.batchInsert(t, [{ id: 6, [Symbol("x")]: 1 } as never]));
        await refused(() => db.batchUpdate(t, [{ id: 1, name: "z", [Symbol("x")]: 1 } as never]));
        const hidden = { id: 7 };
        Object.defineProperty(hidden, "name", { value: "h", enumerable: false });
        await refused(() => db.insert(t, hidden));
        expect(await db.count(t)).toBe(2);
      });

      it("class instances are refused by every write, batchUpdate included (a spread used to make them plain)", async () => {
        class Person {
          id = 1;
          name = "instance";
        }
        await refused(() => db.insert(t, new Person() as never));
        await refused(() => db.batchUpdate(t, [new Person() as never]));
        expect(await db.count(t, { name: "instance" })).toBe(0);
      });

      it('createTable refuses a "__proto__" column instead of dropping it', async () => {
        const other = uniqueTable("input_proto");
        await refused(() => db.createTable(other, JSON.parse('{"id":"INTEGER","__proto__":"TEXT"}') as Record<string, string>));
        await refused(() => db.createTable(other, { id: "INTEGER", ["__proto__"]: "TEXT" }));
        expect(await db.tableExists(other)).toBe(false);
      });
    });

    describe("options: malformed or unknown options are a ValidationError before SQL", () => {
      it("upsert", async () => {
        await refused(() => db.upsert(t, { id: 1, name: "z" }, { conflict: ["id"], update: {} as never }));
        await refused(() => db.upsert(t, { id: 1, name: "z" }, { conflict: ["id"], update: "name" as never }));
        await refused(() => db.upsert(t, { id: 1, name: "z" }, { conflict: "id" as never }));
        await refused(() => db.upsert(t, { id: 1, name: "z" }, null as never));
        await refused(() => db.upsert(t, { id: 1, name: "z" }, { conflict: ["id"], updates: ["name"] } as never));
        expect((await db.selectOne(t, { where: { id: 1 } }))!["name"]).toBe("a");
      });

      it("select, selectOne, stream", async () => {
        await refused(() => db.select(t, null as never));
        await refused(() => db.select(t, 5 as never));
        await refused(() => db.select(t, { wher: { id: 1 } } as never));
        await refused(() => db.select(t, { where: { id: 1 }, limt: 1 } as never));
        await refused(() => db.selectOne(t, null as never));
        await refused(() => db.selectOne(t, { where: { id: 1 }, limit: 1 } as never));
        await refused(async () => {
          for await (const _ of db.stream(t, null as never)) void _;
        });
        await refused(async () => {
          for await (const _ of db.stream(t, { wher: { id: 1 } } as never)) void _;
        });
      });

      it("batchInsert, batchUpdate, DDL", async () => {
        await refused(() => db.batchInsert(t, [{ id: 9 }], null as never));
        await refused(() => db.batchInsert(t, [{ id: 9 }], { retuning: false } as never));
        await refused(() => db.batchInsert(t, [{ id: 9 }], { returning: "no" } as never));
        await refused(() => db.batchInsert(t, [{ id: 9 }], { onProgress: 5 } as never));
        await refused(() => db.batchUpdate(t, [{ id: 1, name: "z" }], null as never));
        await refused(() => db.batchUpdate(t, [{ id: 1, name: "z" }], { key: "id" } as never));
        await refused(() => db.createTable(uniqueTable("input_opts"), { id: "INTEGER" }, { ifNotExist: true } as never));
        await refused(() => db.dropTable(t, { ifexists: true } as never));
        await refused(() => db.createIndex("input_idx", t, ["name"], null as never));
        expect(await db.count(t)).toBe(2);
        expect(await db.count(t, { name: "z" })).toBe(0);
      });

      it("Table methods", async () => {
        const table = new Table(t, { db });
        await table.initialize();
        seen.length = 0;
        await refused(() => table.list(null as never));
        await refused(() => table.list({ wher: { id: 1 } } as never));
        await refused(() => table.findOne({ id: 1 }, { limit: 1 } as never));
        await refused(() => table.read(1, { colums: ["id"] } as never));
        await refused(() => table.upsert({ id: 1, name: "z" }, null as never));
        await refused(() => table.upsert({ id: 1, name: "z" }, { conflict: ["id"], update: "name" } as never));
        await refused(() => table.batchCreate([{ id: 9 }], null as never));
        await refused(() => table.batchUpdate([{ id: 1, name: "z" }], { returnin: false } as never));
        await refused(() => table.paginate({ page: 1, per_page: 5 } as never));
        await refused(async () => {
          for await (const _ of table.stream({ batch: 5 } as never)) void _;
        });
        expect(await db.count(t)).toBe(2);
        expect(await db.count(t, { name: "z" })).toBe(0);
      });
    });
  });

  describe(`undefined means "leave out", with a model too [${backend.name}]`, () => {
    const Person = z.object({ id: z.number().int(), name: z.string().min(1), email: z.email() });
    let db: Database;
    let people: Table<z.output<typeof Person>, any, never, z.input<typeof Person>>;
    const name = uniqueTable("input_models");

    beforeAll(async () => {
      db = backend.open();
      people = new Table(name, { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", email: "TEXT NOT NULL" }, model: Person });
      await people.initialize();
    });
    beforeEach(async () => {
      await people.deleteMany({});
      await people.batchCreate([
        { id: 1, name: "a", email: "a@example.com" },
        { id: 2, name: "b", email: "b@example.com" },
      ]);
    });
    afterAll(async () => {
      await db.dropTable(name);
      await db.close();
    });

    it("update(id, { email: undefined, name }) keeps the email and writes the name (it was a ValidationError)", async () => {
      const row = await people.update(1, { email: undefined, name: "a2" });
      expect(row).toEqual({ id: 1, name: "a2", email: "a@example.com" });
    });

    it("batchUpdate and updateMany leave undefined fields out", async () => {
      const rows = await people.batchUpdate([{ id: 1, name: "a3", email: undefined }]);
      expect(rows).toEqual([{ id: 1, name: "a3", email: "a@example.com" }]);
      expect(await people.updateMany({ id: 2 }, { name: "b3", email: undefined })).toBe(1);
      expect(await people.read(2)).toEqual({ id: 2, name: "b3", email: "b@example.com" });
    });

    it("an update whose fields are all undefined is the same ValidationError with and without a model, nothing written", async () => {
      const plain = new Table(name, { db });
      for (const table of [people, plain] as Table<any, any, any, any>[]) {
        expect(await rejection(table.update(1, { email: undefined }))).toBeInstanceOf(ValidationError);
        expect(await rejection(table.updateMany({ id: 1 }, { email: undefined }))).toBeInstanceOf(ValidationError);
      }
      expect(await people.read(1)).toEqual({ id: 1, name: "a", email: "a@example.com" });
    });

    it("create leaves undefined fields out before the model sees them, as without a model", async () => {
      const Optional = z.object({ id: z.number().int(), name: z.string().default("anon"), email: z.email() });
      const table = new Table(name, { db, model: Optional });
      const row = await table.create({ id: 3, name: undefined, email: "c@example.com" } as never);
      expect(row).toEqual({ id: 3, name: "anon", email: "c@example.com" });
    });
  });
}

for (const backend of backends()) {
  describe(`KVStore options [${backend.name}]`, () => {
    it("a misspelled or malformed option is a ValidationError, nothing stored (a { tll } stored without expiry)", async () => {
      const { KVStore } = await import("../../src/kv/kv-store.js");
      const db = backend.open();
      const table = uniqueTable("input_kv");
      const kv = await KVStore.open({ db, table });
      try {
        expect(await rejection(kv.set("k", 1, { tll: 1000 } as never))).toBeInstanceOf(ValidationError);
        expect(await rejection(kv.setDefault("k", 1, { tll: 1000 } as never))).toBeInstanceOf(ValidationError);
        expect(await rejection(kv.batchUpdate({ k: 1 }, { tll: 1000 } as never))).toBeInstanceOf(ValidationError);
        expect(await kv.get("k")).toBeUndefined();
        await kv.set("k", 1, { ttl: 60_000 });
        expect(await kv.get("k")).toBe(1);
        expect(
          await rejection(
            (async () => {
              for await (const _ of kv.scan({ prefx: "k" } as never)) void _;
            })(),
          ),
        ).toBeInstanceOf(ValidationError);
      } finally {
        await kv.close();
        await db.dropTable(table);
        await db.close();
      }
    });
  });
}
