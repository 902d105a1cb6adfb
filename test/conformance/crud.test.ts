/**
 * The CRUD helpers (docs/database.md, "CRUD helpers"): insert, select, selectOne, update,
 * updateMany, delete, deleteMany, upsert and count, with the same results and the same error
 * classes on every backend.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";
import { Database, IdentifierError, QueryError, UniqueViolationError, ValidationError, type Row } from "../../src/index.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A crud row as stored. */
interface Person {
  id: string;
  name: string;
  email: string | null;
  age: number | null;
  active: boolean;
  created_at: Date;
  meta: unknown;
  price: string | null;
}

const SEED = [
  { name: "Ann", email: "ann@x.io", age: 30 },
  { name: "Ben", email: "ben@x.io", age: 20 },
  { name: "Cid", email: "cid@x.io", age: 50 },
  { name: "Dot", email: "dot@x.io", age: 40 },
  { name: "Eli", email: "eli@x.io", age: 10 },
] as const;

/** Asserts that `value` is a valid Date within `slackMs` of the window [from, to]. */
function expectDateNear(value: unknown, from: number, to: number, slackMs = 5_000): void {
  expect(value).toBeInstanceOf(Date);
  const time = (value as Date).getTime();
  expect(Number.isNaN(time)).toBe(false);
  expect(time).toBeGreaterThanOrEqual(from - slackMs);
  expect(time).toBeLessThanOrEqual(to + slackMs);
}

for (const backend of backends()) {
  describe(`crud [${backend.name}]`, () => {
    let db: Database;
    let seen: string[];
    const t = uniqueTable("crud");
    const defaults = uniqueTable("crud_defaults");
    const up = uniqueTable("crud_upsert");

    /** Empties the main table without going through the helpers under test. */
    async function reset(): Promise<void> {
      await db.execute(`DELETE FROM "${t}"`);
    }

    /** Inserts SEED with raw SQL, then forgets the statements recorded so far. */
    async function seed(): Promise<void> {
      for (const row of SEED) {
        await db.execute(`INSERT INTO "${t}" (name, email, age) VALUES (?, ?, ?)`, [row.name, row.email, row.age]);
      }
      seen.length = 0;
    }

    /** Row count read with raw SQL. */
    async function rawCount(table: string = t): Promise<number> {
      const rows = await db.execute<{ n: number | string }>(`SELECT count(*) AS n FROM "${table}"`);
      return Number(rows[0]!.n);
    }

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        name: "TEXT NOT NULL",
        email: "TEXT UNIQUE",
        age: "INTEGER",
        active: "BOOLEAN DEFAULT TRUE",
        created_at: "TIMESTAMPTZ DEFAULT now()",
        meta: "JSONB",
        price: "DECIMAL(10,2)",
      });
      await db.createTable(defaults, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        flag: "BOOLEAN DEFAULT TRUE",
        qty: "INTEGER DEFAULT 7",
        label: "TEXT DEFAULT 'none'",
        created_at: "TIMESTAMPTZ DEFAULT now()",
      });
      await db.createTable(up, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        email: "TEXT UNIQUE",
        name: "TEXT",
        age: "INTEGER",
      });
      seen = recordQueries(db);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(defaults);
      await db.dropTable(up);
      await db.close();
    });

    beforeEach(async () => {
      await reset();
      seen.length = 0;
    });

    // ------------------------------------------------------------------ insert

    it("insert returns the full stored row: generated uuid, defaults, now() as a Date", async () => {
      const before = Date.now();
      const row = await db.insert<Person>(t, { name: "Ann", email: "ann@x.io", age: 30, meta: { tags: ["a", "b"] }, price: "12.50" });
      const after = Date.now();
      expect(row.id).toMatch(UUID_V4);
      expect(Object.keys(row).sort()).toEqual(["active", "age", "created_at", "email", "id", "meta", "name", "price"]);
      expect(row).toMatchObject({ name: "Ann", email: "ann@x.io", age: 30, active: true, meta: { tags: ["a", "b"] }, price: "12.50" });
      expectDateNear(row.created_at, before, after);
      // The returned row is what a read gives back.
      const read = await db.execute<Person>(`SELECT * FROM "${t}" WHERE id = ?`, [row.id]);
      expect(read).toEqual([row]);
      // A second insert gets a different id.
      const other = await db.insert<Person>(t, { name: "Ben" });
      expect(other.id).toMatch(UUID_V4);
      expect(other.id).not.toBe(row.id);
      expect(await rawCount()).toBe(2);
    });

    it("insert leaves undefined values out, so column defaults apply", async () => {
      const row = await db.insert<Person>(t, { name: "Udo", active: undefined, age: undefined, created_at: undefined, email: "udo@x.io" });
      expect(row.active).toBe(true);
      expect(row.age).toBeNull();
      expect(row.created_at).toBeInstanceOf(Date);
      expect(row.email).toBe("udo@x.io");
      // The insert statement did not name the undefined columns at all.
      const inserts = seen.filter((s) => /^INSERT/i.test(s));
      expect(inserts).toHaveLength(1);
      expect(inserts[0]).not.toMatch(/"active"|"age"|"created_at"/);
      // An explicit value overrides the default, including false and null.
      const explicit = await db.insert<Person>(t, { name: "Vic", active: false, age: null });
      expect(explicit.active).toBe(false);
      expect(explicit.age).toBeNull();
    });

    it("insert of {} on a table whose columns all have defaults inserts a row of defaults", async () => {
      await db.execute(`DELETE FROM "${defaults}"`);
      const before = Date.now();
      const row = await db.insert<Row>(defaults, {});
      const after = Date.now();
      expect(Object.keys(row).sort()).toEqual(["created_at", "flag", "id", "label", "qty"]);
      expect(row["id"]).toMatch(UUID_V4);
      expect(row["flag"]).toBe(true);
      expect(row["qty"]).toBe(7);
      expect(row["label"]).toBe("none");
      expectDateNear(row["created_at"], before, after);
      const second = await db.insert<Row>(defaults, { qty: undefined });
      expect(second["qty"]).toBe(7);
      expect(second["id"]).not.toBe(row["id"]);
      expect(await rawCount(defaults)).toBe(2);
    });

    it("insert refuses data that is not a plain object, before any SQL runs", async () => {
      await expect(db.insert(t, null as unknown as Row)).rejects.toBeInstanceOf(ValidationError);
      await expect(db.insert(t, [1, 2] as unknown as Row)).rejects.toBeInstanceOf(ValidationError);
      await expect(db.insert(t, "name" as unknown as Row)).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(0);
    });

    // ------------------------------------------------------------------ select

    it("select returns every row, with every column", async () => {
      await seed();
      const rows = await db.select<Person>(t);
      expect(rows).toHaveLength(5);
      expect(rows.map((r) => r.name).sort()).toEqual(["Ann", "Ben", "Cid", "Dot", "Eli"]);
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(["active", "age", "created_at", "email", "id", "meta", "name", "price"]);
        expect(row.active).toBe(true);
        expect(row.created_at).toBeInstanceOf(Date);
      }
    });

    it("select with columns returns only those columns, in that order", async () => {
      await seed();
      const rows = await db.select<Row>(t, { columns: ["age", "name"], orderBy: "age" });
      expect(rows).toEqual([
        { age: 10, name: "Eli" },
        { age: 20, name: "Ben" },
        { age: 30, name: "Ann" },
        { age: 40, name: "Dot" },
        { age: 50, name: "Cid" },
      ]);
      expect(Object.keys(rows[0]!)).toEqual(["age", "name"]);
    });

    it("select with where, orderBy, limit and offset", async () => {
      await seed();
      const names = (rows: Row[]) => rows.map((r) => r["name"]);
      expect(names(await db.select(t, { where: { age: { gte: 30 } }, orderBy: "age" }))).toEqual(["Ann", "Dot", "Cid"]);
      expect(names(await db.select(t, { where: { name: "Ben" } }))).toEqual(["Ben"]);
      expect(names(await db.select(t, { where: { name: "Nobody" } }))).toEqual([]);
      expect(names(await db.select(t, { orderBy: "age DESC" }))).toEqual(["Cid", "Dot", "Ann", "Ben", "Eli"]);
      expect(names(await db.select(t, { orderBy: "age", limit: 2 }))).toEqual(["Eli", "Ben"]);
      expect(names(await db.select(t, { orderBy: "age", limit: 2, offset: 2 }))).toEqual(["Ann", "Dot"]);
      expect(names(await db.select(t, { orderBy: "age", limit: 0 }))).toEqual([]);
      expect(names(await db.select(t, { orderBy: "age", limit: 10, offset: 4 }))).toEqual(["Cid"]);
      expect(names(await db.select(t, { orderBy: "age", offset: 10 }))).toEqual([]);
      expect(names(await db.select(t, { where: { age: { lt: 45 } }, orderBy: "age DESC", limit: 2, offset: 1 }))).toEqual(["Ann", "Ben"]);
    });

    it("select with offset and no limit skips rows and returns all the rest", async () => {
      await seed();
      const rows = await db.select<Person>(t, { orderBy: "age", offset: 2 });
      expect(rows.map((r) => r.name)).toEqual(["Ann", "Dot", "Cid"]);
      const none = await db.select<Person>(t, { orderBy: "age", offset: 0 });
      expect(none.map((r) => r.name)).toEqual(["Eli", "Ben", "Ann", "Dot", "Cid"]);
    });

    it("select refuses a negative or fractional limit/offset and an empty columns list", async () => {
      await seed();
      await expect(db.select(t, { limit: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { limit: 1.5 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { offset: -3 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { columns: [] })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
    });

    it("selectOne returns the first matching row, or null", async () => {
      await seed();
      const ben = await db.selectOne<Person>(t, { where: { email: "ben@x.io" } });
      expect(ben).not.toBeNull();
      expect(ben!.name).toBe("Ben");
      expect(ben!.age).toBe(20);
      expect(ben!.id).toMatch(UUID_V4);
      expect(await db.selectOne<Person>(t, { where: { email: "nobody@x.io" } })).toBeNull();
      const oldest = await db.selectOne<Person>(t, { where: { age: { gt: 0 } }, orderBy: "age DESC" });
      expect(oldest!.name).toBe("Cid");
      const youngest = await db.selectOne<Row>(t, { columns: ["name"], orderBy: { age: "asc" } });
      expect(youngest).toEqual({ name: "Eli" });
      // The same shape again (statement cache) with other values.
      expect((await db.selectOne<Person>(t, { where: { email: "dot@x.io" } }))!.name).toBe("Dot");
      expect(await db.selectOne<Person>(t, { where: { email: "zed@x.io" } })).toBeNull();
    });

    // ------------------------------------------------------------------ update

    it("update changes only the given fields and returns the updated row", async () => {
      await seed();
      const before = (await db.selectOne<Person>(t, { where: { email: "ann@x.io" } }))!;
      const updated = await db.update<Person>(t, { age: 31, meta: { n: 1 } }, { id: before.id });
      expect(updated).toEqual({ ...before, age: 31, meta: { n: 1 } });
      const read = await db.selectOne<Person>(t, { where: { id: before.id } });
      expect(read).toEqual(updated);
      // The other rows are untouched.
      const ages = (await db.select<Person>(t, { orderBy: "name" })).map((r) => [r.name, r.age]);
      expect(ages).toEqual([["Ann", 31], ["Ben", 20], ["Cid", 50], ["Dot", 40], ["Eli", 10]]);
    });

    it("update returns null and changes nothing when no row matches", async () => {
      await seed();
      const result = await db.update<Person>(t, { age: 99 }, { email: "nobody@x.io" });
      expect(result).toBeNull();
      expect(await db.count(t, { age: 99 })).toBe(0);
    });

    it("update leaves undefined data fields out and refuses data with no column to set", async () => {
      await seed();
      const row = (await db.selectOne<Person>(t, { where: { name: "Ben" } }))!;
      const updated = await db.update<Person>(t, { age: 21, email: undefined }, { id: row.id });
      expect(updated).toEqual({ ...row, age: 21 });
      seen.length = 0;
      await expect(db.update(t, {}, { id: row.id })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.update(t, { age: undefined }, { id: row.id })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
    });

    it("update, updateMany, delete and deleteMany refuse a missing where before any SQL runs", async () => {
      await seed();
      const missing = [undefined, null] as unknown as never[];
      for (const where of missing) {
        await expect(db.update(t, { age: 1 }, where)).rejects.toBeInstanceOf(ValidationError);
        await expect(db.updateMany(t, { age: 1 }, where)).rejects.toBeInstanceOf(ValidationError);
        await expect(db.delete(t, where)).rejects.toBeInstanceOf(ValidationError);
        await expect(db.deleteMany(t, where)).rejects.toBeInstanceOf(ValidationError);
      }
      await expect((db.updateMany as (table: string, data: Row) => Promise<number>)(t, { age: 1 })).rejects.toBeInstanceOf(ValidationError);
      await expect((db.deleteMany as (table: string) => Promise<number>)(t)).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(5);
      expect(await db.count(t, { age: 1 })).toBe(0);
    });

    it("a filter value of undefined is refused, never ignored", async () => {
      await seed();
      await expect(db.delete(t, { id: undefined })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.deleteMany(t, { name: undefined })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.updateMany(t, { age: 0 }, { email: undefined })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(5);
      expect(await db.count(t, { age: 0 })).toBe(0);
    });

    it("updateMany returns the number of rows changed; {} changes every row", async () => {
      await seed();
      expect(await db.updateMany(t, { active: false }, { age: { lt: 30 } })).toBe(2);
      expect(await db.count(t, { active: false })).toBe(2);
      expect((await db.select<Person>(t, { where: { active: false }, orderBy: "name" })).map((r) => r.name)).toEqual(["Ben", "Eli"]);
      expect(await db.updateMany(t, { age: 1 }, { name: "Nobody" })).toBe(0);
      expect(await db.updateMany(t, { price: "9.99" }, {})).toBe(5);
      expect(await db.count(t, { price: "9.99" })).toBe(5);
      const prices = (await db.select<Person>(t)).map((r) => r.price);
      expect(prices).toEqual(["9.99", "9.99", "9.99", "9.99", "9.99"]);
    });

    it("update with {} accepts every row as a match and returns an updated row", async () => {
      await seed();
      const result = await db.update<Person>(t, { meta: { all: true } }, {});
      expect(result).not.toBeNull();
      expect(result!.meta).toEqual({ all: true });
      expect(SEED.map((s) => s.name)).toContain(result!.name);
    });

    it("delete returns whether a row was deleted; deleteMany returns the count; {} deletes every row", async () => {
      await seed();
      const ben = (await db.selectOne<Person>(t, { where: { name: "Ben" } }))!;
      expect(await db.delete(t, { id: ben.id })).toBe(true);
      expect(await db.delete(t, { id: ben.id })).toBe(false);
      expect(await db.selectOne(t, { where: { id: ben.id } })).toBeNull();
      expect(await rawCount()).toBe(4);
      expect(await db.deleteMany(t, { age: { gte: 40 } })).toBe(2);
      expect((await db.select<Person>(t, { orderBy: "name" })).map((r) => r.name)).toEqual(["Ann", "Eli"]);
      expect(await db.deleteMany(t, { name: "Nobody" })).toBe(0);
      expect(await db.deleteMany(t, {})).toBe(2);
      expect(await rawCount()).toBe(0);
      expect(await db.deleteMany(t, {})).toBe(0);
    });

    // ------------------------------------------------------------------ upsert

    it("upsert inserts, then updates the row with the same conflict column (same id kept)", async () => {
      await db.execute(`DELETE FROM "${up}"`);
      const first = await db.upsert<Row>(up, { email: "u@x.io", name: "First", age: 1 }, { conflict: ["email"] });
      expect(first["id"]).toMatch(UUID_V4);
      expect(first).toMatchObject({ email: "u@x.io", name: "First", age: 1 });
      const second = await db.upsert<Row>(up, { email: "u@x.io", name: "Second", age: 2 }, { conflict: ["email"] });
      expect(second).toEqual({ id: first["id"], email: "u@x.io", name: "Second", age: 2 });
      expect(await rawCount(up)).toBe(1);
      // Another conflict value inserts a new row.
      const other = await db.upsert<Row>(up, { email: "v@x.io", name: "Other", age: 3 }, { conflict: ["email"] });
      expect(other["id"]).not.toBe(first["id"]);
      expect(await rawCount(up)).toBe(2);
      expect(await db.selectOne<Row>(up, { where: { email: "u@x.io" } })).toEqual(second);
    });

    it("upsert with update: [...] overwrites only the named columns", async () => {
      await db.execute(`DELETE FROM "${up}"`);
      const first = await db.upsert<Row>(up, { email: "w@x.io", name: "Keep", age: 10 }, { conflict: ["email"] });
      const second = await db.upsert<Row>(up, { email: "w@x.io", name: "Ignored", age: 11 }, { conflict: ["email"], update: ["age"] });
      expect(second).toEqual({ id: first["id"], email: "w@x.io", name: "Keep", age: 11 });
      expect(await db.selectOne<Row>(up, { where: { email: "w@x.io" } })).toEqual(second);
      expect(await rawCount(up)).toBe(1);
    });

    it("upsert with only the conflict column returns the existing row unchanged", async () => {
      await db.execute(`DELETE FROM "${up}"`);
      const first = await db.upsert<Row>(up, { email: "z@x.io", name: "Zed", age: 5 }, { conflict: ["email"] });
      const again = await db.upsert<Row>(up, { email: "z@x.io" }, { conflict: ["email"] });
      expect(again).toEqual(first);
      expect(await rawCount(up)).toBe(1);
      // On a fresh value it inserts a row with only that column set.
      const fresh = await db.upsert<Row>(up, { email: "new@x.io" }, { conflict: ["email"] });
      expect(fresh).toEqual({ id: fresh["id"], email: "new@x.io", name: null, age: null });
      expect(fresh["id"]).toMatch(UUID_V4);
      expect(await rawCount(up)).toBe(2);
    });

    it("upsert refuses a missing conflict list or data without the conflict column, before any SQL", async () => {
      await db.execute(`DELETE FROM "${up}"`);
      seen.length = 0;
      await expect(db.upsert(up, { email: "a@x.io" }, { conflict: [] })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.upsert(up, { email: "a@x.io" }, undefined as never)).rejects.toBeInstanceOf(ValidationError);
      await expect(db.upsert(up, { name: "No email" }, { conflict: ["email"] })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.upsert(up, { email: "a@x.io" }, { conflict: ["bad col"] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.upsert(up, { email: "a@x.io" }, { conflict: ["email"], update: ["x; --"] })).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      expect(await rawCount(up)).toBe(0);
    });

    // ------------------------------------------------------------------ count

    it("count counts all rows, or the rows matching where", async () => {
      expect(await db.count(t)).toBe(0);
      await seed();
      const total = await db.count(t);
      expect(total).toBe(5);
      expect(typeof total).toBe("number");
      expect(await db.count(t, {})).toBe(5);
      expect(await db.count(t, { age: { gt: 25 } })).toBe(3);
      expect(await db.count(t, { name: "Ben" })).toBe(1);
      expect(await db.count(t, { name: "Nobody" })).toBe(0);
      expect(await db.count(t, { OR: [{ age: 10 }, { age: 50 }] })).toBe(2);
    });

    // ------------------------------------------------------------------ errors

    it("a unique violation on insert raises UniqueViolationError naming the column, and writes nothing", async () => {
      await seed();
      const error = await db.insert(t, { name: "Dup", email: "ann@x.io" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect((error as UniqueViolationError).columns).toContain("email");
      expect((error as UniqueViolationError).table).toBe(t);
      expect(await rawCount()).toBe(5);
      expect(await db.count(t, { name: "Dup" })).toBe(0);
      // The Database is still usable afterwards.
      const ok = await db.insert<Person>(t, { name: "Fine", email: "fine@x.io" });
      expect(ok.name).toBe("Fine");
    });

    it("a unique violation on update and upsert's insert half also raises UniqueViolationError", async () => {
      await seed();
      const ben = (await db.selectOne<Person>(t, { where: { name: "Ben" } }))!;
      const error = await db.update(t, { email: "ann@x.io" }, { id: ben.id }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect((error as UniqueViolationError).columns).toContain("email");
      expect((await db.selectOne<Person>(t, { where: { id: ben.id } }))!.email).toBe("ben@x.io");
      // upsert on id: the email clash is a different unique constraint, so it is a violation.
      await expect(db.upsert(t, { id: ben.id, name: "Ben", email: "cid@x.io" }, { conflict: ["id"] })).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await rawCount()).toBe(5);
    });

    it("invalid table names raise IdentifierError before any SQL runs", async () => {
      await seed();
      const bad = ["users; DROP TABLE x", "bad name", "", "1abc", 'quo"te', "a".repeat(64), `${t}--`];
      for (const name of bad) {
        await expect(db.insert(name, { name: "X" })).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.select(name)).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.selectOne(name, { where: { name: "X" } })).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.update(name, { name: "X" }, {})).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.updateMany(name, { name: "X" }, {})).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.delete(name, {})).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.deleteMany(name, {})).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.upsert(name, { email: "x@x.io" }, { conflict: ["email"] })).rejects.toBeInstanceOf(IdentifierError);
        await expect(db.count(name)).rejects.toBeInstanceOf(IdentifierError);
      }
      await expect(db.select(42 as unknown as string)).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.insert(undefined as unknown as string, {})).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(5);
    });

    it("invalid column names (data, columns, where, orderBy) raise IdentifierError before any SQL runs", async () => {
      await seed();
      await expect(db.insert(t, { name: "X", "na me": 1 })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.insert(t, { name: "X", "age) VALUES (1); DROP TABLE x; --": 1 })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { columns: ["name", "age; --"] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { columns: ["*"] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { where: { "name OR 1=1": "x" } })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { orderBy: { "age DESC; --": "asc" } })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.selectOne(t, { columns: ["bad-col"] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.update(t, { "x y": 1 }, {})).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.update(t, { age: 1 }, { "x y": 1 })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.updateMany(t, { "1col": 1 }, {})).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.deleteMany(t, { "a.b": 1 })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.count(t, { "a b": 1 })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.upsert(t, { name: "X", "e mail": "x" }, { conflict: ["name"] })).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      expect(await rawCount()).toBe(5);
      expect((await db.select<Person>(t, { orderBy: "name" })).map((r) => [r.name, r.age])).toEqual([
        ["Ann", 30],
        ["Ben", 20],
        ["Cid", 50],
        ["Dot", 40],
        ["Eli", 10],
      ]);
    });

    it("a well-formed but nonexistent table or column fails in the database with QueryError", async () => {
      await seed();
      const missing = uniqueTable("crud_missing");
      await expect(db.select(missing)).rejects.toBeInstanceOf(QueryError);
      await expect(db.insert(missing, { name: "X" })).rejects.toBeInstanceOf(QueryError);
      await expect(db.select(t, { where: { no_such_column: 1 } })).rejects.toBeInstanceOf(QueryError);
      await expect(db.insert(t, { name: "X", no_such_column: 1 })).rejects.toBeInstanceOf(QueryError);
      expect(await rawCount()).toBe(5);
    });
  });
}
