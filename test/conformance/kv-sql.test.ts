/**
 * KVStore's raw SQL helpers (the seed's execute/query/sql_insert/… delegating to the Database)
 * and Standard Schema models (zod, valibot), on every backend.
 */
import * as v from "valibot";
import { z } from "zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, IdentifierError, ValidationError, sql } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { KVSql, KVSqlHelpers } from "tablekit/kv-sql";
import { backends, uniqueTable } from "../support/backends.js";

interface User {
  id: number;
  name: string;
  email: string;
  age: number;
}

for (const backend of backends()) {
  describe(`KVStore raw SQL [${backend.name}]`, () => {
    let db: Database;
    let kv: KVStore<unknown>;
    const users = uniqueTable("kv_users");

    beforeAll(async () => {
      db = backend.open();
      kv = await KVStore.open({ db, table: uniqueTable("kv_sql"), purgeIntervalMs: 0 });
      await kv.createTable(users, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", email: "TEXT UNIQUE", age: "INTEGER" });
    });
    beforeEach(async () => {
      await db.deleteMany(users, {});
      await kv.executeMany(`INSERT INTO "${users}" (id, name, email, age) VALUES (?, ?, ?, ?)`, [
        [1, "Alice", "alice@example.com", 25],
        [2, "Bob", "bob@example.com", 17],
        [3, "Charlie", "charlie@example.com", 40],
      ]);
    });
    afterAll(async () => {
      await kv.dropTable(users);
      await kv.dropTable(kv.tableName);
      await kv.close();
      await db.close();
    });

    it("execute, fetchOne and fetchAll run SQL with bound parameters", async () => {
      expect(await kv.execute(`SELECT name FROM "${users}" WHERE age > ? ORDER BY name`, [20])).toEqual([{ name: "Alice" }, { name: "Charlie" }]);
      expect(await kv.fetchOne<User>(`SELECT * FROM "${users}" WHERE id = ?`, [2])).toMatchObject({ name: "Bob", age: 17 });
      expect(await kv.fetchOne(`SELECT * FROM "${users}" WHERE id = ?`, [99])).toBeNull();
      expect(await kv.fetchAll(sql`SELECT id FROM ${sql.id(users)} WHERE name = ${"Bob"}`)).toEqual([{ id: 2 }]);
    });

    it("createIndex, tableExists, listTables and dropIndex manage the schema", async () => {
      const index = uniqueTable("kv_users_email");
      await kv.createIndex(index, users, ["email"], { unique: true });
      await expect(kv.sqlInsert(users, { id: 9, name: "Dup", email: "alice@example.com", age: 1 })).rejects.toThrow();
      await kv.dropIndex(index);
      expect(await kv.tableExists(users)).toBe(true);
      expect(await kv.tableExists(uniqueTable("nope"))).toBe(false);
      expect(await kv.listTables()).toEqual(expect.arrayContaining([users, kv.tableName]));
    });

    it("query selects with columns, a raw where and bound parameters, orderBy and limit", async () => {
      const rows = await kv.query<User>({ table: users, columns: ["id", "name"], where: "age > ?", parameters: [20], orderBy: "name DESC", limit: 10 });
      expect(rows).toEqual([{ id: 3, name: "Charlie" }, { id: 1, name: "Alice" }]);
      expect(await kv.query({ table: users, columns: ["name"], orderBy: "age", limit: 1, offset: 1 })).toEqual([{ name: "Alice" }]);
      expect(await kv.query({ table: users, columns: ["name"], orderBy: "age", offset: 2 })).toEqual([{ name: "Charlie" }]);
      // OFFSET without LIMIT after a string where (its parameters come first) and after a sql fragment.
      const adults = [{ name: "Alice" }, { name: "Charlie" }];
      expect(await kv.query({ table: users, columns: ["name"], where: "age > ?", parameters: [0], orderBy: "age", offset: 1 })).toEqual(adults);
      expect(await kv.query({ table: users, columns: ["name"], where: sql`age > ${0}`, orderBy: "age", offset: 1 })).toEqual(adults);
      expect(await kv.query({ table: users, columns: ["name"], where: sql`age > ${0}`, orderBy: "age", limit: 1, offset: 1 })).toEqual([{ name: "Alice" }]);
      expect(await kv.query({ table: users, columns: ["name"], where: sql`age > ${0}`, orderBy: "age", limit: 1 })).toEqual([{ name: "Bob" }]);
      expect(await kv.query({ table: users, columns: ["name"], where: { age: { lt: 18 } } })).toEqual([{ name: "Bob" }]);
      expect(await kv.query({ table: users, columns: ["name"], where: sql`name LIKE ${"C%"}` })).toEqual([{ name: "Charlie" }]);
      expect(await kv.query({ table: users, where: "name = ? OR name = ?", parameters: ["it's; DROP TABLE x", "Bob"] })).toHaveLength(1);
    });

    it("query validates identifiers, orderBy, limit and the placeholder count before running SQL", async () => {
      await expect(kv.query({ table: `${users}; DROP TABLE x` })).rejects.toBeInstanceOf(IdentifierError);
      await expect(kv.query({ table: users, columns: ["name, age"] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(kv.query({ table: users, orderBy: "name; DROP TABLE x" })).rejects.toThrow();
      await expect(kv.query({ table: users, limit: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(kv.query({ table: users, limit: "1; DROP TABLE x" as never })).rejects.toBeInstanceOf(ValidationError);
      await expect(kv.query({ table: users, where: "age > ? AND name = ?", parameters: [1] })).rejects.toBeInstanceOf(ValidationError);
      await expect(kv.query({ table: users, where: "age > 1", parameters: [1] })).rejects.toBeInstanceOf(ValidationError);
      expect(await kv.tableExists(users)).toBe(true);
    });

    it("sqlInsert returns the stored row; sqlUpdate and sqlDelete return counts and need a where", async () => {
      const row = await kv.sqlInsert<User>(users, { id: 4, name: "Dana", email: "dana@example.com", age: 30 });
      expect(row).toEqual({ id: 4, name: "Dana", email: "dana@example.com", age: 30 });
      expect(await kv.sqlUpdate(users, { age: 26, name: "Alice B." }, "name = ?", ["Alice"])).toBe(1);
      expect(await kv.fetchOne(`SELECT name, age FROM "${users}" WHERE id = 1`)).toEqual({ name: "Alice B.", age: 26 });
      expect(await kv.sqlUpdate(users, { age: 18 }, { id: 2 })).toBe(1);
      expect(await kv.sqlUpdate(users, { age: 50 }, sql`age > ${29}`)).toBe(2);
      expect(await kv.sqlDelete(users, "age < ?", [20])).toBe(1);
      expect(await kv.sqlDelete(users, { id: 4 })).toBe(1);
      expect(await kv.sqlDelete(users, sql`id = ${3}`)).toBe(1);
      await expect(kv.sqlDelete(users, "")).rejects.toBeInstanceOf(ValidationError);
      await expect(kv.sqlUpdate(users, { age: 1 }, "  ")).rejects.toBeInstanceOf(ValidationError);
      await expect(kv.sqlUpdate(users, { "bad column": 1 }, "1 = 1")).rejects.toBeInstanceOf(IdentifierError);
      await expect(kv.sqlUpdate(users, {}, "1 = 1")).rejects.toBeInstanceOf(ValidationError);
      expect(await kv.sqlUpdate(users, { age: 1 }, "1 = 1")).toBe(1);
    });

    it("changing the store's own table with the helpers empties its cache", async () => {
      await kv.set("k", "cached");
      expect(await kv.sqlUpdate(kv.tableName, { value: '"changed"' }, "key = ?", ["k"])).toBe(1);
      expect(await kv.get("k")).toBe("changed");
      await kv.sqlDelete(kv.tableName, "1 = 1");
      expect(await kv.get("k")).toBeUndefined();
    });

    it("the same helpers run on any Database from tablekit/kv-sql, and stay the store's own methods", async () => {
      const helpers = new KVSql(db);
      expect(helpers.db).toBe(db);
      expect(kv).toBeInstanceOf(KVSqlHelpers);
      expect(helpers).toBeInstanceOf(KVSqlHelpers);
      expect(await helpers.query({ table: users, columns: ["name"], where: "age > ?", parameters: [20], orderBy: "name" })).toEqual([{ name: "Alice" }, { name: "Charlie" }]);
      expect(await helpers.sqlUpdate(users, { age: 18 }, "name = ?", ["Bob"])).toBe(1);
      expect(await helpers.sqlDelete(users, { age: { lt: 20 } })).toBe(1);
      expect(await helpers.fetchOne(`SELECT count(*) AS n FROM "${users}"`)).toEqual({ n: 2 });
      await expect(helpers.query({ table: users, where: "age > ?", parameters: [] })).rejects.toBeInstanceOf(ValidationError);
      expect(() => new KVSql({} as Database)).toThrow(ValidationError);
    });

    it("vacuum runs", async () => {
      await expect(kv.vacuum()).resolves.toBeUndefined();
    });
  });

  describe(`KVStore models [${backend.name}]`, () => {
    let db: Database;
    let kv: KVStore<unknown>;
    const ZodUser = z.object({ name: z.string().min(1), age: z.number().int().nonnegative(), joined: z.date().default(() => new Date(0)) });
    const ValibotUser = v.object({ name: v.pipe(v.string(), v.minLength(1)), age: v.pipe(v.number(), v.integer()) });

    beforeAll(async () => {
      db = backend.open();
      kv = await KVStore.open({ db, table: uniqueTable("kv_models"), purgeIntervalMs: 0 });
    });
    afterAll(async () => {
      await kv.dropTable(kv.tableName);
      await kv.close();
      await db.close();
    });

    it("setModel validates and stores the schema's output; getModel validates on read (zod)", async () => {
      const stored = await kv.setModel("user", { name: "Nana", age: 20 }, ZodUser);
      expect(stored).toEqual({ name: "Nana", age: 20, joined: new Date(0) });
      const read = await kv.getModel("user", ZodUser);
      expect(read).toEqual({ name: "Nana", age: 20, joined: new Date(0) });
      expect(read!.joined).toBeInstanceOf(Date);
      expect(await kv.getModel("nobody", ZodUser)).toBeUndefined();
    });

    it("works with valibot too", async () => {
      await kv.setModel("v", { name: "Nana", age: 20 }, ValibotUser);
      expect(await kv.getModel("v", ValibotUser)).toEqual({ name: "Nana", age: 20 });
      await expect(kv.setModel("v2", { name: "", age: 1.5 }, ValibotUser)).rejects.toBeInstanceOf(ValidationError);
      expect(await kv.has("v2")).toBe(false);
    });

    it("a value that fails validation is not written, and the error lists every issue with its path", async () => {
      const error = (await kv.setModel("bad", { name: "", age: -1 } as never, ZodUser).catch((e: unknown) => e)) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.issues.map((i) => i.path)).toEqual([["name"], ["age"]]);
      expect(error.message).toContain("was not written");
      expect(await kv.has("bad")).toBe(false);
    });

    it("a stored value that does not match the model fails on read", async () => {
      await kv.set("wrong", { name: "Nana", age: "twenty" });
      const error = (await kv.getModel("wrong", ZodUser).catch((e: unknown) => e)) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.issues[0]!.path).toEqual(["age"]);
      expect(error.message).toContain("does not match the model");
    });

    it("refuses something that is not a Standard Schema", async () => {
      await expect(kv.setModel("x", { a: 1 } as never, { parse: () => 1 } as never)).rejects.toBeInstanceOf(ValidationError);
      expect(await kv.has("x")).toBe(false);
    });
  });
}
