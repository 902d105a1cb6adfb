/**
 * The same failure gives the same error class on every backend: constraint violations, missing
 * tables, bad names and bad input (refused before any SQL), a closed Database, an unreachable
 * server — and passwords never leak into error messages.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, uniqueTable, recordQueries, rejection } from "../support/backends.js";
import {
  CheckViolationError,
  ConnectionError,
  ConstraintError,
  Database,
  ForeignKeyViolationError,
  IdentifierError,
  NotNullViolationError,
  QueryError,
  TablekitError,
  UniqueViolationError,
  ValidationError,
  sql,
  type Row,
} from "../../src/index.js";

/** Checks the shape every constraint error shares. */
function expectConstraintError(error: unknown, cls: abstract new (...args: never[]) => ConstraintError, code: string): ConstraintError {
  expect(error).toBeInstanceOf(cls);
  expect((error as Error).constructor).toBe(cls);
  expect(error).toBeInstanceOf(ConstraintError);
  expect(error).toBeInstanceOf(TablekitError);
  expect(error).toBeInstanceOf(Error);
  const e = error as ConstraintError;
  expect(e.code).toBe(code);
  expect(e.cause).toBeInstanceOf(Error);
  expect(e.cause).not.toBeInstanceOf(TablekitError);
  expect(typeof e.message).toBe("string");
  expect(e.message.length).toBeGreaterThan(0);
  expect(e.name).toBe(cls.name);
  expect(Array.isArray(e.columns)).toBe(true);
  return e;
}

const CODES = {
  sqlite: {
    unique: "SQLITE_CONSTRAINT_UNIQUE",
    primaryKey: "SQLITE_CONSTRAINT_PRIMARYKEY",
    foreignKey: "SQLITE_CONSTRAINT_FOREIGNKEY",
    notNull: "SQLITE_CONSTRAINT_NOTNULL",
    check: "SQLITE_CONSTRAINT_CHECK",
    missingTable: "SQLITE_ERROR",
  },
  postgres: {
    unique: "23505",
    primaryKey: "23505",
    foreignKey: "23503",
    notNull: "23502",
    check: "23514",
    missingTable: "42P01",
  },
} as const;

for (const backend of backends()) {
  describe(`errors [${backend.name}]`, () => {
    let db: Database;
    const parent = uniqueTable("errors_parent");
    const t = uniqueTable("errors");
    const codes = CODES[backend.name];

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(parent, { id: "INTEGER PRIMARY KEY" });
      await db.createTable(t, {
        id: "INTEGER PRIMARY KEY",
        email: "TEXT UNIQUE",
        name: "TEXT NOT NULL",
        qty: "INTEGER CHECK (qty >= 0)",
        parent_id: `INTEGER REFERENCES ${parent}(id)`,
      });
      await db.insert(parent, { id: 1 });
      await db.insert(t, { id: 1, email: "a@x.io", name: "ann", qty: 1, parent_id: 1 });
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(parent);
      await db.close();
    });

    describe("constraint violations", () => {
      it("UNIQUE → UniqueViolationError with the table and the column", async () => {
        const error = await rejection(db.insert(t, { id: 2, email: "a@x.io", name: "dup" }));
        const e = expectConstraintError(error, UniqueViolationError, codes.unique);
        expect(e.columns).toContain("email");
        expect(e.table).toBe(t);
        expect(await db.count(t)).toBe(1);
      });

      it("PRIMARY KEY → UniqueViolationError with the key column", async () => {
        const error = await rejection(db.insert(t, { id: 1, email: "other@x.io", name: "dup" }));
        const e = expectConstraintError(error, UniqueViolationError, codes.primaryKey);
        expect(e.columns).toContain("id");
        expect(e.table).toBe(t);
      });

      it("UNIQUE on update → UniqueViolationError", async () => {
        await db.insert(t, { id: 3, email: "c@x.io", name: "cy" });
        try {
          const error = await rejection(db.update<Row>(t, { email: "a@x.io" }, { id: 3 }));
          const e = expectConstraintError(error, UniqueViolationError, codes.unique);
          expect(e.columns).toContain("email");
          expect((await db.selectOne(t, { where: { id: 3 } }))?.["email"]).toBe("c@x.io");
        } finally {
          await db.delete(t, { id: 3 });
        }
      });

      it("FOREIGN KEY → ForeignKeyViolationError", async () => {
        const error = await rejection(db.insert(t, { id: 4, name: "orphan", parent_id: 999 }));
        expectConstraintError(error, ForeignKeyViolationError, codes.foreignKey);
        expect(await db.count(t, { id: 4 })).toBe(0);
        // Deleting a referenced parent is refused too.
        const parentError = await rejection(db.delete(parent, { id: 1 }));
        expectConstraintError(parentError, ForeignKeyViolationError, codes.foreignKey);
        expect(await db.count(parent)).toBe(1);
      });

      it("NOT NULL → NotNullViolationError with the table and the column", async () => {
        const error = await rejection(db.insert(t, { id: 5, email: "e@x.io" }));
        const e = expectConstraintError(error, NotNullViolationError, codes.notNull);
        expect(e.columns).toContain("name");
        expect(e.table).toBe(t);
        const explicit = await rejection(db.insert(t, { id: 5, name: null }));
        expect(explicit).toBeInstanceOf(NotNullViolationError);
        const onUpdate = await rejection(db.update<Row>(t, { name: null }, { id: 1 }));
        expect((expectConstraintError(onUpdate, NotNullViolationError, codes.notNull)).columns).toContain("name");
      });

      it("CHECK → CheckViolationError", async () => {
        const error = await rejection(db.insert(t, { id: 6, name: "neg", qty: -1 }));
        expectConstraintError(error, CheckViolationError, codes.check);
        expect(await db.count(t, { id: 6 })).toBe(0);
      });

      it("the same classes come out of raw SQL and out of a transaction", async () => {
        const raw = await rejection(db.execute(`INSERT INTO "${t}" (id, email, name) VALUES (?, ?, ?)`, [7, "a@x.io", "raw"]));
        expectConstraintError(raw, UniqueViolationError, codes.unique);
        const inTx = await rejection(
          db.transaction(async (tx) => {
            await tx.insert(t, { id: 8, name: "tx" });
            await tx.insert(t, { id: 9, name: "tx", qty: -5 });
          }),
        );
        expectConstraintError(inTx, CheckViolationError, codes.check);
        expect(await db.count(t, { id: { in: [8, 9] } })).toBe(0);
      });
    });

    describe("query errors", () => {
      it("a missing table → QueryError (not a ConstraintError), with the driver error as cause", async () => {
        const missing = uniqueTable("errors_missing");
        for (const attempt of [
          () => db.select(missing),
          () => db.insert(missing, { id: 1 }),
          () => db.count(missing),
          () => db.execute(`SELECT * FROM "${missing}"`),
        ]) {
          const error = await rejection(attempt());
          expect(error).toBeInstanceOf(QueryError);
          expect((error as Error).constructor).toBe(QueryError);
          expect(error).toBeInstanceOf(TablekitError);
          expect(error).not.toBeInstanceOf(ConstraintError);
          expect((error as QueryError).code).toBe(codes.missingTable);
          expect((error as Error).cause).toBeInstanceOf(Error);
          expect((error as Error).message).toContain(missing);
        }
      });

      it("a missing column in raw SQL → QueryError", async () => {
        const error = await rejection(db.execute(`SELECT nope FROM "${t}"`));
        expect((error as Error).constructor).toBe(QueryError);
      });
    });

    describe("bad names and bad input are refused before any SQL", () => {
      const hostile = ['x"; DROP TABLE users; --', "a b", "1abc", "", "name;", "a.b", "naïve", "x".repeat(64)];

      it("IdentifierError for hostile table names in insert/select/selectOne/update/delete/count/createTable", async () => {
        const seen = recordQueries(db);
        for (const name of hostile) {
          const attempts: [string, () => Promise<unknown>][] = [
            ["insert", () => db.insert(name, { id: 1 })],
            ["select", () => db.select(name)],
            ["selectOne", () => db.selectOne(name)],
            ["update", () => db.update<Row>(name, { name: "x" }, { id: 1 })],
            ["updateMany", () => db.updateMany(name, { name: "x" }, {})],
            ["delete", () => db.delete(name, { id: 1 })],
            ["deleteMany", () => db.deleteMany(name, {})],
            ["count", () => db.count(name)],
            ["createTable", () => db.createTable(name, { id: "INTEGER" })],
            ["dropTable", () => db.dropTable(name)],
            ["upsert", () => db.upsert(name, { id: 1 }, { conflict: ["id"] })],
            ["batchInsert", () => db.batchInsert(name, [{ id: 1 }])],
          ];
          for (const [operation, attempt] of attempts) {
            const error = await rejection(attempt());
            expect(error, `${operation}(${JSON.stringify(name)})`).toBeInstanceOf(IdentifierError);
            expect(error).toBeInstanceOf(TablekitError);
          }
        }
        expect(seen).toEqual([]);
      });

      it("IdentifierError for hostile column names in data, filters, columns and orderBy", async () => {
        const seen = recordQueries(db);
        for (const name of hostile) {
          const attempts: [string, () => Promise<unknown>][] = [
            ["insert data", () => db.insert(t, { [name]: 1 })],
            ["select where", () => db.select(t, { where: { [name]: 1 } })],
            ["select columns", () => db.select(t, { columns: [name] })],
            ["select orderBy", () => db.select(t, { orderBy: { [name]: "asc" } })],
            ["update data", () => db.update<Row>(t, { [name]: 1 }, { id: 1 })],
            ["update where", () => db.update(t, { name: "x" }, { [name]: 1 })],
            ["delete where", () => db.delete(t, { [name]: 1 })],
            ["count where", () => db.count(t, { [name]: 1 })],
            ["createTable column", () => db.createTable(uniqueTable("errors_bad"), { [name]: "INTEGER" })],
          ];
          for (const [operation, attempt] of attempts) {
            const error = await rejection(attempt());
            expect(error, `${operation} ${JSON.stringify(name)}`).toBeInstanceOf(IdentifierError);
          }
        }
        expect(seen).toEqual([]);
        expect((await db.select(t)).map((r) => r["name"])).toEqual(["ann"]);
      });

      it("ValidationError for malformed input", async () => {
        const seen = recordQueries(db);
        const attempts: [string, () => Promise<unknown>][] = [
          ["insert non-object", () => db.insert(t, [1, 2] as unknown as Record<string, unknown>)],
          ["insert unstorable value", () => db.insert(t, { id: 9, name: () => "x" })],
          ["insert Map value", () => db.insert(t, { id: 9, name: new Map() })],
          ["insert invalid Date", () => db.insert(t, { id: 9, name: new Date(Number.NaN) })],
          ["select unknown operator", () => db.select(t, { where: { id: { between: [1, 2] } as never } })],
          ["select undefined filter value", () => db.select(t, { where: { id: undefined, name: { eq: undefined } } as never })],
          ["select array filter value", () => db.select(t, { where: { id: [1, 2] as never } })],
          ["select negative limit", () => db.select(t, { limit: -1 })],
          ["select fractional offset", () => db.select(t, { offset: 1.5 })],
          ["select empty columns", () => db.select(t, { columns: [] })],
          ["select orderBy injection", () => db.select(t, { orderBy: "name; DROP TABLE users" })],
          ["select orderBy bad direction", () => db.select(t, { orderBy: "name SIDEWAYS" })],
          ["update without where", () => db.update(t, { name: "x" }, undefined as never)],
          ["update no data", () => db.update<Row>(t, {}, { id: 1 })],
          ["updateMany without where", () => db.updateMany(t, { name: "x" }, undefined as never)],
          ["delete without where", () => db.delete(t, undefined as never)],
          ["deleteMany without where", () => db.deleteMany(t, null as never)],
          ["count bad operator", () => db.count(t, { qty: { gt: undefined } })],
          ["count non-object where", () => db.count(t, "id = 1" as never)],
          ["createTable injection", () => db.createTable(uniqueTable("errors_bad"), { id: "INTEGER); DROP TABLE users; --" })],
          ["createTable comment", () => db.createTable(uniqueTable("errors_bad"), { id: "INTEGER -- x" })],
          ["createTable unbalanced", () => db.createTable(uniqueTable("errors_bad"), { id: "NUMERIC(10" })],
          ["execute fragment with params", () => db.execute(sql`SELECT 1`, [1])],
        ];
        for (const [operation, attempt] of attempts) {
          const error = await rejection(attempt());
          expect(error, operation).toBeInstanceOf(ValidationError);
          expect(Array.isArray((error as ValidationError).issues), operation).toBe(true);
        }
        expect(seen).toEqual([]);
        expect(await db.count(t)).toBe(1);
      });
    });

    describe("a closed Database", () => {
      it("raises ConnectionError for every operation after close()", async () => {
        const other = backend.open();
        await other.execute("SELECT 1 AS one");
        await other.close();
        expect(other.closed).toBe(true);
        const attempts: [string, () => Promise<unknown>][] = [
          ["execute", () => other.execute("SELECT 1 AS one")],
          ["executeCount", () => other.executeCount("SELECT 1 AS one")],
          ["executeMany", () => other.executeMany("SELECT ? AS one", [[1]])],
          ["fetchOne", () => other.fetchOne("SELECT 1 AS one")],
          ["insert", () => other.insert(t, { id: 50, name: "late" })],
          ["select", () => other.select(t)],
          ["count", () => other.count(t)],
          ["createTable", () => other.createTable(uniqueTable("errors_late"), { id: "INTEGER" })],
          ["tableExists", () => other.tableExists(t)],
          ["transaction", () => other.transaction(async () => 1)],
          ["connect", () => other.connect()],
          [
            "stream",
            async () => {
              for await (const row of other.stream(t)) void row;
            },
          ],
        ];
        for (const [operation, attempt] of attempts) {
          const error = await rejection(attempt());
          expect(error, operation).toBeInstanceOf(ConnectionError);
          expect(error).toBeInstanceOf(TablekitError);
        }
        // close() is idempotent.
        await expect(other.close()).resolves.toBeUndefined();
        expect(await db.count(t, { id: 50 })).toBe(0);
      });

      it("a Database closed before it ever connected raises ConnectionError too", async () => {
        const never = backend.open();
        await never.close();
        await expect(never.execute("SELECT 1 AS one")).rejects.toBeInstanceOf(ConnectionError);
        await expect(never.select(t)).rejects.toBeInstanceOf(ConnectionError);
      });
    });
  });
}

describe("an unreachable PostgreSQL server", () => {
  it("raises ConnectionError on the first query", async () => {
    const db = new Database({ url: "postgres://postgres@127.0.0.1:5999/test", connectTimeoutMs: 2000 });
    try {
      const started = Date.now();
      const error = await rejection(db.execute("SELECT 1 AS one"));
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).constructor).toBe(ConnectionError);
      expect(error).toBeInstanceOf(TablekitError);
      expect((error as Error).cause).toBeDefined();
      expect(Date.now() - started).toBeLessThan(15_000);
      // Every later attempt fails the same way.
      await expect(db.select("anything")).rejects.toBeInstanceOf(ConnectionError);
      await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      await db.close();
    }
  });

  it("never shows the password in the error", async () => {
    const password = "s3cr3t-pw";
    const db = new Database({ url: `postgres://u:${password}@127.0.0.1:5999/x`, connectTimeoutMs: 2000 });
    try {
      const error = await rejection(db.execute("SELECT 1 AS one"));
      expect(error).toBeInstanceOf(ConnectionError);
      const e = error as Error;
      expect(e.message).not.toContain(password);
      expect(String(e)).not.toContain(password);
      expect(String(e.stack)).not.toContain(password);
      expect(inspect(e, { depth: 10 })).not.toContain(password);
      expect(JSON.stringify(e)).not.toContain(password);
      expect(String(db)).not.toContain(password);
      expect(inspect(db)).not.toContain(password);
      const connectError = await rejection(db.connect());
      expect(connectError).toBeInstanceOf(ConnectionError);
      expect(inspect(connectError, { depth: 10 })).not.toContain(password);
    } finally {
      await db.close();
    }
  });
});
