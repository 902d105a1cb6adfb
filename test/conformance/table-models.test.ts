/**
 * Table models: Standard Schema validation (zod, valibot, async) of create, update, upsert, the
 * batch methods and getOrCreate, before any write — on every backend.
 */
import * as v from "valibot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Database, IdentifierError, ValidationError } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const SCHEMA = {
  id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
  name: "TEXT NOT NULL",
  email: "TEXT UNIQUE NOT NULL",
  age: "INTEGER",
  starts: "INTEGER",
  ends: "INTEGER",
};

/** A zod model of the row: what is stored must satisfy it, so updates validate the merged row. */
const Person = z
  .object({
    id: z.uuid().optional(),
    name: z.string().trim().min(1, "name is required"),
    email: z.email(),
    age: z.number().int().min(0).nullable().optional(),
    starts: z.number().int().nullable().optional(),
    ends: z.number().int().nullable().optional(),
  })
  .refine((p) => p.starts == null || p.ends == null || p.ends >= p.starts, { path: ["ends"], message: "ends before starts" });

/** SQL statements that write rows. */
function writes(seen: readonly string[]): string[] {
  return seen.filter((q) => /^(INSERT|UPDATE|DELETE)\b/.test(q));
}

for (const backend of backends()) {
  describe(`Table models [${backend.name}]`, () => {
    let db: Database;
    let people: Table<z.output<typeof Person>, any, never, z.input<typeof Person>>;
    const name = uniqueTable("tk_people");
    const seen: string[] = [];

    beforeAll(async () => {
      db = backend.open();
      people = new Table(name, { db, schema: SCHEMA, model: Person });
      await people.initialize();
      db.on("query", (event) => seen.push(event.sql));
    });
    beforeEach(async () => {
      await people.deleteMany({});
      seen.length = 0;
    });
    afterAll(async () => {
      await db.dropTable(name);
      await db.close();
    });

    it("create rejects invalid data with every issue and its path, and writes nothing", async () => {
      const error = await people.create({ name: "  ", email: "not-an-email", age: -1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).issues;
      expect(issues.map((i) => i.path)).toEqual([["name"], ["email"], ["age"]]);
      expect(issues[0]!.message).toBe("name is required");
      expect((error as Error).message).toContain(`table "${name}"`);
      expect(writes(seen)).toEqual([]);
      expect(await people.count()).toBe(0);
    });

    it("create writes the model's output (transforms applied)", async () => {
      const person = await people.create({ name: "  Ann  ", email: "ann@example.com" });
      expect(person.name).toBe("Ann");
      expect((await people.read(person.id!))?.name).toBe("Ann");
    });

    it("an unknown column is an IdentifierError even though the model would strip it", async () => {
      await expect(people.create({ name: "A", email: "a@example.com", nmae: "x" } as never)).rejects.toThrow(IdentifierError);
      const adds = new Table(name, { db, model: z.object({ name: z.string(), email: z.email() }).transform((p) => ({ ...p, extra: 1 })) });
      await expect(adds.create({ name: "A", email: "a@example.com" })).rejects.toThrow(/Unknown column "extra"/);
      expect(writes(seen)).toEqual([]);
    });

    it("works with valibot and with async validation", async () => {
      const Valibot = v.object({ name: v.pipe(v.string(), v.minLength(2)), email: v.pipe(v.string(), v.email()) });
      const viaValibot = new Table(name, { db, model: Valibot });
      const error = await viaValibot.create({ name: "A", email: "nope" }).catch((e: unknown) => e);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["name"], ["email"]]);
      expect((await viaValibot.create({ name: "Al", email: "al@example.com" })).name).toBe("Al");

      const taken = new Set(["blocked@example.com"]);
      const Async = z.object({ name: z.string(), email: z.email() }).refine(async (p) => !taken.has(p.email), { path: ["email"], message: "blocked" });
      const viaAsync = new Table(name, { db, model: Async });
      const asyncError = await viaAsync.create({ name: "B", email: "blocked@example.com" }).catch((e: unknown) => e);
      expect(asyncError).toBeInstanceOf(ValidationError);
      expect((asyncError as ValidationError).issues).toEqual([{ message: "blocked", path: ["email"] }]);
      expect((await viaAsync.create({ name: "B", email: "b@example.com" })).email).toBe("b@example.com");
      expect(await people.count()).toBe(2);
    });

    it("update validates the stored row merged with the change, and writes only the given fields", async () => {
      const person = await people.create({ name: "Ann", email: "ann@example.com", starts: 5, ends: 8 });
      seen.length = 0;
      const error = await people.update(person.id!, { ends: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ message: "ends before starts", path: ["ends"] }]);
      expect(writes(seen)).toEqual([]);
      expect((await people.read(person.id!))?.ends).toBe(8);

      expect(await people.update(person.id!, { ends: 9, name: "  Annie " })).toMatchObject({ name: "Annie", ends: 9, starts: 5 });
      expect(await people.update("550e8400-e29b-41d4-a716-446655440000", { ends: 1 })).toBeNull();
    });

    it("batchCreate validates every record first: one error lists them all, nothing is written", async () => {
      const records = [
        { name: "A", email: "a@example.com" },
        { name: "B", email: "bad" },
        { name: "C", email: "c@example.com" },
        { name: "", email: "d@example.com", starts: 3, ends: 1 },
      ];
      const error = await people.batchCreate(records).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([[1, "email"], [3, "name"], [3, "ends"]]);
      const again = await people.batchCreate(records, { returning: false }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(ValidationError);
      expect(writes(seen)).toEqual([]);
      expect(await people.count()).toBe(0);

      const rows = await people.batchCreate([{ name: " A ", email: "a@example.com" }, { name: " B", email: "b@example.com" }]);
      expect(rows.map((r) => r.name)).toEqual(["A", "B"]);
      expect(await people.batchCreate([{ name: " C ", email: "c@example.com" }], { returning: false })).toBe(1);
      expect((await people.findOne({ email: "c@example.com" }))?.name).toBe("C");
    });

    it("batchCreate with returning: false validates again in steps of 10,000 and writes every model output", async () => {
      const total = 12_345;
      const records = Array.from({ length: total }, (_, i) => ({ name: `  p${i} `, email: `p${i}@example.com` }));
      const progress: number[] = [];
      expect(await people.batchCreate(records, { returning: false, onProgress: (done) => progress.push(done) })).toBe(total);
      expect(progress.at(-1)).toBe(total);
      expect(progress.every((done, i) => i === 0 || done > progress[i - 1]!)).toBe(true);
      expect(progress.some((done) => done === 10_000)).toBe(true); // the end of the first step
      expect(await people.count()).toBe(total);
      expect((await people.findOne({ email: "p12344@example.com" }))?.name).toBe("p12344");
      expect((await people.findOne({ email: "p0@example.com" }))?.name).toBe("p0");
    });

    it("batchUpdate validates each merged record; any failure writes nothing", async () => {
      const [a, b] = await people.batchCreate([
        { name: "A", email: "a@example.com", starts: 5 },
        { name: "B", email: "b@example.com", starts: 0 },
      ]);
      seen.length = 0;
      const error = await people.batchUpdate([{ id: b!.id, name: "Bee" }, { id: a!.id, ends: 1 }]).catch((e: unknown) => e);
      expect((error as ValidationError).issues).toEqual([{ message: "ends before starts", path: [1, "ends"] }]);
      expect(writes(seen)).toEqual([]);
      expect((await people.read(b!.id!))?.name).toBe("B");

      const updated = await people.batchUpdate([{ id: b!.id, name: " Bee " }, { id: a!.id, ends: 6 }, { id: "550e8400-e29b-41d4-a716-446655440000", name: "skipped" }]);
      expect(updated.map((r) => [r.name, r.ends])).toEqual([
        ["Bee", null],
        ["A", 6],
      ]);
    });

    it("updateMany validates every matching row merged with the change; any failure writes nothing", async () => {
      const [late] = await people.batchCreate([
        { name: "A", email: "a@example.com", starts: 5 },
        { name: "B", email: "b@example.com", starts: 0 },
        { name: "C", email: "c@example.com", starts: 1 },
      ]);
      seen.length = 0;
      const error = await people.updateMany({}, { ends: 3 }).catch((e: unknown) => e);
      expect((error as ValidationError).issues).toEqual([{ message: "ends before starts", path: [late!.id!, "ends"] }]);
      expect(writes(seen)).toEqual([]);
      expect(await people.count({ ends: { isNull: false } })).toBe(0);
      expect(await people.updateMany({ starts: { lt: 5 } }, { ends: 3 })).toBe(2);
      expect(await people.count({ ends: 3 })).toBe(2);
      expect(await people.updateMany({ starts: 999 }, { ends: 3 })).toBe(0);
    });

    it("upsert and getOrCreate validate what they would write", async () => {
      await expect(people.upsert({ name: "", email: "a@example.com" }, { conflict: ["email"] })).rejects.toThrow(ValidationError);
      const saved = await people.upsert({ name: " A ", email: "a@example.com" }, { conflict: ["email"] });
      expect(saved.name).toBe("A");
      // An existing row is returned without validating defaults it does not need.
      expect(await people.getOrCreate({ email: "a@example.com" }, { name: "" })).toMatchObject({ created: false, row: { id: saved.id } });
      const error = await people.getOrCreate({ email: "new@example.com" }, { name: "" }).catch((e: unknown) => e);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["name"]]);
      expect(await people.count()).toBe(1);
    });
  });
}
