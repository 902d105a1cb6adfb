/**
 * Table: initialization, CRUD by primary key, queries, hidden columns, errors and bad input,
 * transactions and lifecycle — on every backend.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  Database,
  IdentifierError,
  QueryError,
  TablekitError,
  UniqueViolationError,
  ValidationError,
} from "../../src/index.js";
import { Table, belongsTo } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

interface User {
  id: string;
  name: string;
  email: string;
  age: number | null;
  active: boolean;
  created_at: Date;
}

const USER_SCHEMA = {
  id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
  name: "TEXT NOT NULL",
  email: "TEXT UNIQUE NOT NULL",
  age: "INTEGER",
  active: "BOOLEAN DEFAULT TRUE",
  created_at: "TIMESTAMPTZ DEFAULT now()",
};

/** Runs `fn` and returns the SQL it sent. */
/** The column catalog query a Table runs to follow schema changes (see Table, "following schema changes"). */
const CATALOG = /pragma_table_info|information_schema\.columns/;

async function queriesOf(db: Database, fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (event: { sql: string }) => seen.push(event.sql);
  db.on("query", listener);
  try {
    await fn();
  } finally {
    db.off("query", listener);
  }
  return seen;
}

for (const backend of backends()) {
  describe(`Table CRUD [${backend.name}]`, () => {
    let db: Database;
    let users: Table<User>;
    const usersName = uniqueTable("tk_users");
    const dropped: string[] = [usersName];

    beforeAll(async () => {
      db = backend.open({ maxConnections: 10 });
      users = new Table<User>(usersName, { db, schema: USER_SCHEMA });
      await users.initialize();
    });
    beforeEach(async () => {
      await users.deleteMany({});
    });
    afterAll(async () => {
      for (const name of dropped.reverse()) await db.dropTable(name);
      await db.close();
    });

    describe("initialize", () => {
      it("creates the table from the schema, learns its columns and primary key, and runs no SQL the second time", async () => {
        const name = uniqueTable("tk_init");
        dropped.push(name);
        const table = new Table(name, { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
        expect(await db.tableExists(name)).toBe(false);
        expect(table.primaryKey).toBeUndefined();
        await table.initialize();
        expect(await db.tableExists(name)).toBe(true);
        expect(table.primaryKey).toBe("id");
        expect(table.columnNames).toEqual(["id", "label"]);
        expect(await queriesOf(db, () => table.initialize())).toEqual([]);
      });

      it("initializes once when the first calls are concurrent", async () => {
        const name = uniqueTable("tk_init_once");
        dropped.push(name);
        const table = new Table(name, { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
        const seen = await queriesOf(db, () => Promise.all([table.count(), table.list(), table.create({ id: 1, label: "a" }), table.initialize(), table.read(1)]));
        expect(seen.filter((q) => q.startsWith("CREATE TABLE"))).toHaveLength(1);
        expect(await table.count()).toBe(1);
      });

      it("without a schema, reads the existing table's columns", async () => {
        const name = uniqueTable("tk_existing");
        dropped.push(name);
        await db.createTable(name, { code: "TEXT PRIMARY KEY", label: "TEXT NOT NULL" });
        const table = new Table(name, { db });
        const row = await table.create({ code: "a", label: "A" });
        expect(row).toEqual({ code: "a", label: "A" });
        expect(table.primaryKey).toBe("code");
        expect(await table.read("a")).toEqual({ code: "a", label: "A" });
        await expect(table.create({ code: "b", labl: "B" })).rejects.toThrow(IdentifierError);
      });

      it("without a schema, a missing table is a clear QueryError", async () => {
        const table = new Table(uniqueTable("tk_missing"), { db });
        const error = await table.count().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QueryError);
        expect((error as Error).message).toMatch(/does not exist; pass a schema/);
      });

      it("a table first used inside a transaction that rolls back is created again afterwards", async () => {
        const name = uniqueTable("tk_tx_init");
        dropped.push(name);
        const table = new Table(name, { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
        await expect(
          db.transaction(async () => {
            await table.create({ id: 1, label: "a" });
            throw new Error("undo");
          }),
        ).rejects.toThrow("undo");
        expect(await db.tableExists(name)).toBe(false);
        expect(await table.create({ id: 2, label: "b" })).toEqual({ id: 2, label: "b" });
        expect(await table.count()).toBe(1);
      });

      it("refuses malformed names, options and models before any SQL", () => {
        expect(() => new Table("users; DROP TABLE x", { db })).toThrow(IdentifierError);
        expect(() => new Table("t", { db, model: { parse: () => 1 } as never })).toThrow(ValidationError);
        expect(() => new Table("t", { db, relations: { team: { kind: "nope" } } as never })).toThrow(ValidationError);
        expect(() => new Table("t", { db: {} as never })).toThrow(ValidationError);
      });
    });

    describe("create, read, update, delete", () => {
      it("create returns the full row with generated id and defaults; read returns it", async () => {
        const user = await users.create({ name: "John Doe", email: "john@example.com", age: 30 });
        expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(user).toMatchObject({ name: "John Doe", email: "john@example.com", age: 30, active: true });
        expect(user.created_at).toBeInstanceOf(Date);
        expect(await users.read(user.id)).toEqual(user);
      });

      it("read of an unknown id is null", async () => {
        expect(await users.read("550e8400-e29b-41d4-a716-446655440000")).toBeNull();
      });

      it("update changes only the given fields and returns the row; an unknown id gives null", async () => {
        const user = await users.create({ name: "John", email: "j@example.com", age: 30 });
        const updated = await users.update(user.id, { name: "Jane" });
        expect(updated).toEqual({ ...user, name: "Jane" });
        expect(await users.read(user.id)).toEqual({ ...user, name: "Jane" });
        expect(await users.update("550e8400-e29b-41d4-a716-446655440000", { name: "X" })).toBeNull();
        await expect(users.update(user.id, {})).rejects.toThrow(ValidationError);
      });

      it("delete returns true once, then false", async () => {
        const user = await users.create({ name: "John", email: "j@example.com" });
        expect(await users.delete(user.id)).toBe(true);
        expect(await users.delete(user.id)).toBe(false);
        expect(await users.count()).toBe(0);
      });

      it("a malformed UUID id gives null/false without running SQL", async () => {
        await users.create({ name: "A", email: "a@example.com" });
        const seen = await queriesOf(db, async () => {
          expect(await users.read("not-a-uuid")).toBeNull();
          expect(await users.update("not-a-uuid", { name: "x" })).toBeNull();
          expect(await users.delete("not-a-uuid")).toBe(false);
          expect(await users.read(42)).toBeNull();
        });
        expect(seen).toEqual([]);
        await expect(users.read(null as never)).rejects.toThrow(ValidationError);
        await expect(users.read({ id: 1 } as never)).rejects.toThrow(ValidationError);
      });

      it("a malformed integer id gives null; integer text is accepted", async () => {
        const name = uniqueTable("tk_int_ids");
        dropped.push(name);
        const items = new Table(name, { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
        await items.create({ id: 12, label: "twelve" });
        expect(await items.read("abc")).toBeNull();
        expect(await items.read(1.5)).toBeNull();
        expect(await items.read("12")).toEqual({ id: 12, label: "twelve" });
        expect(await items.read(12n)).toEqual({ id: 12, label: "twelve" });
        // Beyond the column's range: PostgreSQL INTEGER is 32-bit, SQLite's is 64-bit; both answer null.
        expect(await items.read(2 ** 40)).toBeNull();
        expect(await items.read("99999999999999999999999")).toBeNull();
      });

      it("a table without a single-column primary key refuses by-id methods with a clear error", async () => {
        const name = uniqueTable("tk_no_pk");
        dropped.push(name);
        const log = new Table(name, { db, schema: { at: "INTEGER", message: "TEXT" } });
        await log.create({ at: 1, message: "hi" });
        await expect(log.read(1)).rejects.toThrow(TablekitError);
        await expect(log.read(1)).rejects.toThrow(/primary key/);
        const keyed = new Table(name, { db, primaryKey: "at" });
        expect(await keyed.read(1)).toEqual({ at: 1, message: "hi" });
      });
    });

    describe("queries", () => {
      beforeEach(async () => {
        await users.batchCreate([
          { name: "Ann", email: "ann@example.com", age: 41, active: true },
          { name: "Bob", email: "bob@example.com", age: 17, active: true },
          { name: "Cid", email: "cid@example.com", age: 25, active: false },
          { name: "Dee", email: "dee@example.com", age: null, active: true },
        ]);
      });

      it("list filters, orders, limits, offsets and selects columns", async () => {
        expect((await users.list({ orderBy: "name" })).map((u) => u.name)).toEqual(["Ann", "Bob", "Cid", "Dee"]);
        expect((await users.list({ where: { active: true }, orderBy: "name DESC" })).map((u) => u.name)).toEqual(["Dee", "Bob", "Ann"]);
        expect((await users.list({ where: { age: { gte: 18 } }, orderBy: { age: "asc" } })).map((u) => u.name)).toEqual(["Cid", "Ann"]);
        expect((await users.list({ orderBy: "name", limit: 2, offset: 1 })).map((u) => u.name)).toEqual(["Bob", "Cid"]);
        expect(await users.list({ columns: ["name", "age"], where: { name: "Ann" } })).toEqual([{ name: "Ann", age: 41 }]);
        expect(await users.list({ where: { OR: [{ age: null }, { age: { lt: 18 } }] }, orderBy: "name", columns: ["name"] })).toEqual([
          { name: "Bob" },
          { name: "Dee" },
        ]);
      });

      it("findOne returns the first match by orderBy, or null; count counts", async () => {
        expect((await users.findOne({ active: true }, { orderBy: "age DESC NULLS LAST" }))?.name).toBe("Ann");
        expect(await users.findOne({ email: "nobody@example.com" })).toBeNull();
        expect(await users.findOne({ name: "Bob" }, { columns: ["email"] })).toEqual({ email: "bob@example.com" });
        expect(await users.count()).toBe(4);
        expect(await users.count({ active: true })).toBe(3);
        expect(await users.count({ age: { isNull: true } })).toBe(1);
      });

      it("updateMany and deleteMany return counts and need a filter", async () => {
        expect(await users.updateMany({ age: { lt: 30 } }, { active: false })).toBe(2);
        expect(await users.count({ active: false })).toBe(2);
        expect(await users.deleteMany({ active: false })).toBe(2);
        expect(await users.count()).toBe(2);
        await expect(users.updateMany(undefined as never, { active: true })).rejects.toThrow(ValidationError);
        await expect(users.deleteMany(undefined as never)).rejects.toThrow(ValidationError);
        expect(await users.deleteMany({})).toBe(2);
      });

      it("an unknown column in data, where, orderBy, columns or include is an IdentifierError naming column and table, before any SQL", async () => {
        const attempts: [string, () => Promise<unknown>][] = [
          ["nmae", () => users.create({ nmae: "x", email: "x@example.com" } as never)],
          ["nmae", () => users.update("550e8400-e29b-41d4-a716-446655440000", { nmae: "x" } as never)],
          ["agee", () => users.list({ where: { agee: 3 } as never })],
          ["agee", () => users.list({ where: { OR: [{ name: "a" }, { agee: 3 }] } as never })],
          ["agee", () => users.count({ agee: 3 } as never)],
          ["agee", () => users.deleteMany({ agee: 3 } as never)],
          ["agee", () => users.updateMany({ agee: 3 } as never, { name: "x" })],
          ["agee", () => users.updateMany({ age: 3 }, { agee: 3 } as never)],
          ["nme", () => users.list({ orderBy: "nme DESC" as never })],
          ["nme", () => users.list({ orderBy: { nme: "asc" } as never })],
          ["emial", () => users.list({ columns: ["id", "emial"] as never })],
          ["emial", () => users.findOne({ name: "Ann" }, { columns: ["emial"] as never })],
          ["emial", () => users.upsert({ name: "A", email: "a@example.com" }, { conflict: ["emial"] as never })],
          ["emial", () => users.batchCreate([{ name: "A", email: "a@example.com" }, { name: "B", emial: "b" } as never])],
          ["emial", () => users.getOrCreate({ emial: "x" } as never, {})],
          ["emial", () => users.paginate({ orderBy: "emial" as never, limit: 2 })],
          ["team", () => users.list({ include: { team: true } })],
        ];
        for (const [column, attempt] of attempts) {
          const seen: string[] = [];
          const error = await queriesOf(db, async () => {
            seen.push(String(await attempt().then(() => "no error", (e: unknown) => e)));
          });
          // Only the column catalog may be read (the Table checks whether the column was added meanwhile).
          expect(error.filter((text) => !CATALOG.test(text)), `${column}: no SQL may run`).toEqual([]);
          expect(seen[0]).toMatch(/^IdentifierError: /);
          expect(seen[0]).toContain(`"${column}"`);
          expect(seen[0]).toContain(`"${usersName}"`);
        }
        expect(await users.count()).toBe(4);
      });

      it("upsert inserts, then updates the row with the same conflict columns", async () => {
        const first = await users.upsert({ name: "Eve", email: "eve@example.com", age: 20 }, { conflict: ["email"] });
        const second = await users.upsert({ name: "Eve Again", email: "eve@example.com", age: 21 }, { conflict: ["email"] });
        expect(second.id).toBe(first.id);
        expect(second).toMatchObject({ name: "Eve Again", age: 21 });
        expect(await users.count({ email: "eve@example.com" })).toBe(1);
        const byKey = await users.upsert({ id: first.id, name: "By Key", email: "eve@example.com" });
        expect(byKey).toMatchObject({ id: first.id, name: "By Key" });
        const onlyAge = await users.upsert({ name: "Ignored", email: "eve@example.com", age: 99 }, { conflict: ["email"], update: ["age"] });
        expect(onlyAge).toMatchObject({ name: "By Key", age: 99 });
      });
    });

    describe("hidden columns", () => {
      const accountsName = uniqueTable("tk_accounts");
      let accounts: Table<{ id: number; email: string; password_hash: string; team_id: number | null }, any, "password_hash">;
      beforeAll(async () => {
        dropped.push(accountsName);
        accounts = new Table(accountsName, {
          db,
          schema: { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE NOT NULL", password_hash: "TEXT NOT NULL", team_id: "INTEGER" },
          hidden: ["password_hash"],
          relations: { self: belongsTo(accountsName, "team_id") },
        });
      });

      it("keeps hidden columns out of every returned row unless asked for by name", async () => {
        const created = await accounts.create({ id: 1, email: "a@example.com", password_hash: "h1" });
        expect(created).toEqual({ id: 1, email: "a@example.com", team_id: null });
        expect(await accounts.read(1)).toEqual({ id: 1, email: "a@example.com", team_id: null });
        expect(await accounts.list()).toEqual([{ id: 1, email: "a@example.com", team_id: null }]);
        expect(await accounts.findOne({ email: "a@example.com" })).toEqual({ id: 1, email: "a@example.com", team_id: null });
        expect(await accounts.update(1, { password_hash: "h2" })).toEqual({ id: 1, email: "a@example.com", team_id: null });
        expect(await accounts.upsert({ id: 1, email: "a@example.com", password_hash: "h3" })).toEqual({ id: 1, email: "a@example.com", team_id: null });
        expect(await accounts.batchCreate([{ id: 2, email: "b@example.com", password_hash: "x", team_id: 1 }])).toEqual([
          { id: 2, email: "b@example.com", team_id: 1 },
        ]);
        expect((await accounts.getOrCreate({ email: "c@example.com" }, { id: 3, password_hash: "y" })).row).toEqual({ id: 3, email: "c@example.com", team_id: null });
        expect((await accounts.paginate({ orderBy: "id", page: 1 })).items.map((r) => Object.keys(r))).toEqual([
          ["id", "email", "team_id"],
          ["id", "email", "team_id"],
          ["id", "email", "team_id"],
        ]);
        const streamed: object[] = [];
        for await (const row of accounts.stream()) streamed.push(row);
        expect(streamed.every((row) => !("password_hash" in row))).toBe(true);
        // Asked for by name:
        expect(await accounts.read(1, { columns: ["id", "password_hash"] })).toEqual({ id: 1, password_hash: "h3" });
        expect(await accounts.list({ columns: ["password_hash"], orderBy: "id" })).toEqual([{ password_hash: "h3" }, { password_hash: "x" }, { password_hash: "y" }]);
        // Included rows of a table follow that table's hidden columns too.
        const withSelf = await accounts.read(2, { include: { self: true } });
        expect(withSelf).toEqual({ id: 2, email: "b@example.com", team_id: 1, self: { id: 1, email: "a@example.com", team_id: null } });
        // Filtering on a hidden column is allowed; it is only kept out of results.
        expect(await accounts.count({ password_hash: "h3" })).toBe(1);
      });

      it("refuses an unknown hidden column or a hidden primary key", async () => {
        await expect(new Table(accountsName, { db, hidden: ["nope" as never] }).count()).rejects.toThrow(IdentifierError);
        await expect(new Table(accountsName, { db, hidden: ["id"] }).count()).rejects.toThrow(/cannot be hidden/);
      });
    });

    describe("errors and transactions", () => {
      it("a duplicate email is a UniqueViolationError naming the email column", async () => {
        await users.create({ name: "A", email: "dup@example.com" });
        const error = await users.create({ name: "B", email: "dup@example.com" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect((error as UniqueViolationError).columns).toEqual(["email"]);
        expect(await users.count()).toBe(1);
      });

      it("inside a transaction, a unique violation caught in a nested transaction lets the outer one carry on", async () => {
        await users.create({ name: "A", email: "taken@example.com" });
        const caught = await db.transaction(async () => {
          let duplicate: unknown;
          try {
            await db.transaction(() => users.create({ name: "B", email: "taken@example.com" }));
          } catch (error) {
            duplicate = error;
          }
          await users.create({ name: "C", email: "free@example.com" });
          return duplicate;
        });
        expect(caught).toBeInstanceOf(UniqueViolationError);
        expect((await users.list({ orderBy: "name" })).map((u) => u.name)).toEqual(["A", "C"]);
      });

      it("calls inside db.transaction join it and roll back with it", async () => {
        const events: boolean[] = [];
        const listener = (event: { inTransaction: boolean }) => events.push(event.inTransaction);
        db.on("query", listener);
        try {
          await expect(
            db.transaction(async () => {
              const user = await users.create({ name: "A", email: "a@example.com" });
              await users.update(user.id, { age: 5 });
              expect(await users.count()).toBe(1);
              throw new Error("undo");
            }),
          ).rejects.toThrow("undo");
        } finally {
          db.off("query", listener);
        }
        expect(events.length).toBeGreaterThanOrEqual(5);
        expect(events.every(Boolean)).toBe(true);
        expect(await users.count()).toBe(0);
      });
    });

    describe("lifecycle", () => {
      it("Table.open initializes, and dispose closes the Database only if the Table created it", async () => {
        const options = backend.options();
        const url = options.url ?? `sqlite:${options.filename}`;
        const saved = process.env["DATABASE_URL"];
        const name = uniqueTable("tk_open");
        dropped.push(name);
        process.env["DATABASE_URL"] = url;
        let owned: Table;
        try {
          {
            await using table = await Table.open(name, { schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
            owned = table;
            expect(table.db.dialect).toBe(backend.name);
            await table.create({ id: 1, label: "a" });
            expect(await table.count()).toBe(1);
          }
          expect(owned.db.closed).toBe(true);
        } finally {
          if (saved === undefined) delete process.env["DATABASE_URL"];
          else process.env["DATABASE_URL"] = saved;
        }
        {
          await using shared = await Table.open(usersName, { db });
          expect(shared.primaryKey).toBe("id");
        }
        expect(db.closed).toBe(false);
        expect(await users.count()).toBe(0);
      });
    });
  });
}
