/**
 * DDL helpers: tables, indexes, catalog queries, VACUUM and createDatabase, with the same
 * behaviour (and the same error classes) on every backend; bad names and bad column definitions
 * are refused before any SQL is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, uniqueTable, recordQueries, rejection } from "../support/backends.js";
import {
  CheckViolationError,
  ConstraintError,
  Database,
  ForeignKeyViolationError,
  IdentifierError,
  QueryError,
  TablekitError,
  UniqueViolationError,
  ValidationError,
} from "../../src/index.js";

for (const backend of backends()) {
  describe(`ddl [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("ddl");
    const created: string[] = [t];

    /** A unique table name that afterAll drops. */
    function table(prefix: string): string {
      const name = uniqueTable(prefix);
      created.push(name);
      return name;
    }

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", note: "TEXT" });
    });

    afterAll(async () => {
      // Children before parents, so foreign keys never block a drop.
      for (const name of [...created].reverse()) await db.dropTable(name);
      await db.close();
    });

    describe("createTable / dropTable / tableExists", () => {
      it("createTable makes a table that tableExists sees", async () => {
        expect(await db.tableExists(t)).toBe(true);
        const missing = uniqueTable("ddl_missing");
        expect(await db.tableExists(missing)).toBe(false);
      });

      it("ifNotExists defaults to true: a second createTable is a no-op that keeps the table and its rows", async () => {
        const name = table("ddl_twice");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", a: "TEXT" });
        await db.insert(name, { id: 1, a: "kept" });
        await expect(db.createTable(name, { id: "INTEGER PRIMARY KEY", other: "INTEGER" })).resolves.toBeUndefined();
        expect((await db.columns(name)).map((c) => c.name)).toEqual(["id", "a"]);
        expect(await db.select(name)).toEqual([{ id: 1, a: "kept" }]);
      });

      it("ifNotExists: false on an existing table raises QueryError", async () => {
        const name = table("ddl_exists");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY" }, { ifNotExists: false });
        const error = await rejection(db.createTable(name, { id: "INTEGER PRIMARY KEY" }, { ifNotExists: false }));
        expect(error).toBeInstanceOf(QueryError);
        expect((error as Error).constructor).toBe(QueryError);
        expect(error).toBeInstanceOf(TablekitError);
        expect((error as Error).cause).toBeDefined();
      });

      it("dropTable removes the table; ifExists defaults to true, so dropping a missing table is a no-op", async () => {
        const name = uniqueTable("ddl_drop");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY" });
        expect(await db.tableExists(name)).toBe(true);
        await db.dropTable(name);
        expect(await db.tableExists(name)).toBe(false);
        await expect(db.dropTable(name)).resolves.toBeUndefined();
        await expect(db.dropTable(name, { ifExists: true })).resolves.toBeUndefined();
      });

      it("dropTable with ifExists: false on a missing table raises QueryError", async () => {
        const error = await rejection(db.dropTable(uniqueTable("ddl_never"), { ifExists: false }));
        expect((error as Error).constructor).toBe(QueryError);
      });
    });

    describe("listTables", () => {
      it("lists created tables, sorted, without internal sqlite_ tables", async () => {
        const [c, a, b] = [table("ddl_list_c"), table("ddl_list_a"), table("ddl_list_b")];
        for (const name of [c, a, b]) await db.createTable(name, { id: "INTEGER PRIMARY KEY" });
        if (backend.name === "sqlite") {
          // Make SQLite create its internal tables (sqlite_sequence, sqlite_stat1).
          const auto = table("ddl_list_auto");
          await db.execute(`CREATE TABLE "${auto}" (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)`);
          await db.execute(`INSERT INTO "${auto}" (v) VALUES ('x')`);
          await db.execute(`CREATE INDEX "${auto}_v" ON "${auto}" (v)`);
          await db.execute("ANALYZE");
          const internal = await db.execute<{ name: string }>("SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite%' ORDER BY name");
          expect(internal.map((r) => r.name)).toEqual(expect.arrayContaining(["sqlite_sequence", "sqlite_stat1"]));
        }
        const tables = await db.listTables();
        expect(tables).toEqual(expect.arrayContaining([t, a, b, c]));
        expect(tables.every((name) => typeof name === "string")).toBe(true);
        expect(tables.filter((name) => name.startsWith("sqlite_"))).toEqual([]);
        // Sorted (the PostgreSQL test database uses the C collation, so byte order is the order).
        expect(tables).toEqual([...tables].sort());
        expect(tables.indexOf(a)).toBeLessThan(tables.indexOf(b));
        expect(tables.indexOf(b)).toBeLessThan(tables.indexOf(c));
      });

      it("does not list a dropped table", async () => {
        const name = uniqueTable("ddl_list_gone");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY" });
        expect(await db.listTables()).toContain(name);
        await db.dropTable(name);
        expect(await db.listTables()).not.toContain(name);
      });
    });

    describe("columns", () => {
      it("reports names in order, primaryKey and notNull", async () => {
        const cols = await db.columns(t);
        expect(cols.map((c) => c.name)).toEqual(["id", "name", "note"]);
        expect(cols.map((c) => c.primaryKey)).toEqual([true, false, false]);
        expect(cols.map((c) => typeof c.type)).toEqual(["string", "string", "string"]);
        expect(cols[1]!.notNull).toBe(true);
        expect(cols[2]!.notNull).toBe(false);
      });

      it("a PRIMARY KEY column is NOT NULL on every backend (integer key)", async () => {
        const cols = await db.columns(t);
        expect(cols[0]).toMatchObject({ name: "id", primaryKey: true, notNull: true });
      });

      it("a PRIMARY KEY column is NOT NULL on every backend (uuid key); other columns follow their NOT NULL", async () => {
        const u = table("ddl_cols_uuid");
        await db.createTable(u, { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", v: "INTEGER NOT NULL DEFAULT 0", w: "JSONB" });
        expect(await db.columns(u)).toEqual([
          expect.objectContaining({ name: "id", primaryKey: true, notNull: true }),
          expect.objectContaining({ name: "v", primaryKey: false, notNull: true }),
          expect.objectContaining({ name: "w", primaryKey: false, notNull: false }),
        ]);
      });

      it("returns [] for a missing table", async () => {
        expect(await db.columns(uniqueTable("ddl_cols_missing"))).toEqual([]);
      });
    });

    describe("indexes", () => {
      it("a unique index enforces uniqueness with UniqueViolationError", async () => {
        const name = table("ddl_uidx");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", email: "TEXT" });
        await db.createIndex(`${name}_email`, name, "email", { unique: true });
        await db.insert(name, { id: 1, email: "a@x.io" });
        const error = await rejection(db.insert(name, { id: 2, email: "a@x.io" }));
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect(error).toBeInstanceOf(ConstraintError);
        expect((error as UniqueViolationError).columns).toContain("email");
        expect(await db.count(name)).toBe(1);
        await db.insert(name, { id: 3, email: "b@x.io" });
        expect(await db.count(name)).toBe(2);
      });

      it("a multi-column unique index rejects only duplicate combinations", async () => {
        const name = table("ddl_midx");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", a: "INTEGER", b: "INTEGER" });
        await db.createIndex(`${name}_ab`, name, ["a", "b"], { unique: true });
        await db.insert(name, { id: 1, a: 1, b: 1 });
        await db.insert(name, { id: 2, a: 1, b: 2 });
        await db.insert(name, { id: 3, a: 2, b: 1 });
        const error = await rejection(db.insert(name, { id: 4, a: 1, b: 2 }));
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect([...(error as UniqueViolationError).columns].sort()).toEqual(["a", "b"]);
        expect(await db.count(name)).toBe(3);
      });

      it("a non-unique index allows duplicates", async () => {
        const name = table("ddl_idx");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", tag: "TEXT" });
        await db.createIndex(`${name}_tag`, name, "tag");
        await db.insert(name, { id: 1, tag: "x" });
        await db.insert(name, { id: 2, tag: "x" });
        expect(await db.count(name, { tag: "x" })).toBe(2);
      });

      it("createIndex ifNotExists defaults to true; ifNotExists: false on an existing index raises QueryError", async () => {
        const name = table("ddl_idx_twice");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", v: "TEXT" });
        await db.createIndex(`${name}_v`, name, "v");
        await expect(db.createIndex(`${name}_v`, name, "v")).resolves.toBeUndefined();
        await expect(db.createIndex(`${name}_v`, name, ["v"], { ifNotExists: true })).resolves.toBeUndefined();
        const error = await rejection(db.createIndex(`${name}_v`, name, "v", { ifNotExists: false }));
        expect((error as Error).constructor).toBe(QueryError);
      });

      it("dropIndex removes the index (duplicates are allowed again); ifExists defaults to true", async () => {
        const name = table("ddl_dropidx");
        await db.createTable(name, { id: "INTEGER PRIMARY KEY", v: "TEXT" });
        await db.createIndex(`${name}_v`, name, "v", { unique: true });
        await db.insert(name, { id: 1, v: "dup" });
        await expect(db.insert(name, { id: 2, v: "dup" })).rejects.toBeInstanceOf(UniqueViolationError);
        await db.dropIndex(`${name}_v`);
        await db.insert(name, { id: 2, v: "dup" });
        expect(await db.count(name, { v: "dup" })).toBe(2);
        await expect(db.dropIndex(`${name}_v`)).resolves.toBeUndefined();
        const error = await rejection(db.dropIndex(`${name}_v`, { ifExists: false }));
        expect((error as Error).constructor).toBe(QueryError);
      });

      it("createIndex on a missing column raises QueryError", async () => {
        const error = await rejection(db.createIndex(`${t}_nope`, t, "nope"));
        expect((error as Error).constructor).toBe(QueryError);
      });
    });

    it("vacuum() succeeds and the data stays", async () => {
      // PostgreSQL's VACUUM covers the whole database and waits for every table lock that other
      // test files hold (ALTER TABLE in their transactions), so it runs in a database of its own.
      let target = db;
      let own: string | undefined;
      if (backend.name === "postgres") {
        own = uniqueTable("vacuum_db");
        await db.createDatabase(own);
        const url = new URL(backend.options().url as string);
        url.pathname = `/${own}`;
        target = new Database({ url: url.toString() });
      }
      try {
        const name = own === undefined ? table("ddl_vacuum") : uniqueTable("ddl_vacuum");
        await target.createTable(name, { id: "INTEGER PRIMARY KEY", v: "TEXT" });
        await target.insert(name, { id: 1, v: "a" });
        await target.insert(name, { id: 2, v: "b" });
        await target.delete(name, { id: 1 });
        await expect(target.vacuum()).resolves.toBeUndefined();
        expect(await target.select(name)).toEqual([{ id: 2, v: "b" }]);
      } finally {
        if (own !== undefined) {
          await target.close();
          await db.execute(`DROP DATABASE IF EXISTS ${own} WITH (FORCE)`); // FORCE: a pooler (PgBouncer) may still hold a server connection to it
        }
      }
    });

    describe("createDatabase", () => {
      if (backend.name === "sqlite") {
        it("raises QueryError on SQLite without sending a statement", async () => {
          const seen = recordQueries(db);
          const error = await rejection(db.createDatabase("other_db"));
          expect((error as Error).constructor).toBe(QueryError);
          expect(seen).toEqual([]);
        });
      } else {
        it("creates a database on PostgreSQL", async () => {
          const name = uniqueTable("tablekit_db");
          try {
            await db.createDatabase(name);
            expect(await db.execute("SELECT 1 AS present FROM pg_database WHERE datname = ?", [name])).toEqual([{ present: 1 }]);
          } finally {
            await db.execute(`DROP DATABASE IF EXISTS "${name}"`);
          }
          expect(await db.execute("SELECT 1 FROM pg_database WHERE datname = ?", [name])).toEqual([]);
        });

        it("creating an existing database raises QueryError", async () => {
          const error = await rejection(db.createDatabase("test"));
          expect((error as Error).constructor).toBe(QueryError);
        });
      }

      it("refuses an invalid database name with IdentifierError, before any SQL", async () => {
        const seen = recordQueries(db);
        for (const name of ['x"; DROP DATABASE test; --', "", "has space", "1abc"]) {
          await expect(db.createDatabase(name)).rejects.toBeInstanceOf(IdentifierError);
        }
        expect(seen).toEqual([]);
      });
    });

    describe("bad input is refused before any SQL", () => {
      const badNames = ['users"; DROP TABLE x; --', "a b", "1table", "", "a-b", "x".repeat(64), "tab;le", "name\u0000"];

      it("invalid table names raise IdentifierError", async () => {
        const seen = recordQueries(db);
        for (const name of badNames) {
          await expect(db.createTable(name, { id: "INTEGER" }), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.dropTable(name), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.tableExists(name), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.columns(name), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.createIndex("ok_index", name, "id"), name).rejects.toBeInstanceOf(IdentifierError);
        }
        expect(seen).toEqual([]);
      });

      it("invalid column names raise IdentifierError", async () => {
        const seen = recordQueries(db);
        for (const name of badNames) {
          await expect(db.createTable(uniqueTable("ddl_bad"), { id: "INTEGER", [name]: "TEXT" }), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.createIndex("ok_index", t, name), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.createIndex("ok_index", t, ["name", name]), name).rejects.toBeInstanceOf(IdentifierError);
        }
        expect(seen).toEqual([]);
      });

      it("invalid index names raise IdentifierError", async () => {
        const seen = recordQueries(db);
        for (const name of badNames) {
          await expect(db.createIndex(name, t, "name"), name).rejects.toBeInstanceOf(IdentifierError);
          await expect(db.dropIndex(name), name).rejects.toBeInstanceOf(IdentifierError);
        }
        expect(seen).toEqual([]);
      });

      it('column definitions with ";", "--", "/*" or unbalanced parentheses or quotes raise ValidationError', async () => {
        const seen = recordQueries(db);
        const definitions = [
          "TEXT; DROP TABLE users",
          "TEXT NOT NULL;",
          "TEXT -- comment",
          "TEXT --",
          "INTEGER /* hidden */",
          "NUMERIC(10,2",
          "NUMERIC 10,2)",
          "TEXT CHECK ((length(x) > 1)",
          "TEXT DEFAULT 'unterminated",
          'TEXT DEFAULT "x',
          "INTEGER) ; DROP TABLE users; --",
          "",
          "   ",
        ];
        for (const definition of definitions) {
          const name = uniqueTable("ddl_baddef");
          const error = await rejection(db.createTable(name, { id: "INTEGER PRIMARY KEY", v: definition }));
          expect(error, JSON.stringify(definition)).toBeInstanceOf(ValidationError);
        }
        expect(seen).toEqual([]);
        const tables = await db.listTables();
        expect(tables.filter((name) => name.startsWith("ddl_baddef"))).toEqual([]);
      });

      it("a column definition that is not a string, or no columns at all, raises ValidationError", async () => {
        const seen = recordQueries(db);
        await expect(db.createTable(uniqueTable("ddl_baddef"), { id: 5 as unknown as string })).rejects.toBeInstanceOf(ValidationError);
        await expect(db.createTable(uniqueTable("ddl_baddef"), {})).rejects.toBeInstanceOf(ValidationError);
        await expect(db.createIndex("ok_index", t, [])).rejects.toBeInstanceOf(ValidationError);
        expect(seen).toEqual([]);
      });
    });

    describe("constraints in column definitions", () => {
      const parent = uniqueTable("ddl_parent");
      const child = uniqueTable("ddl_child");

      beforeAll(async () => {
        created.push(parent, child);
        await db.createTable(parent, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" });
        await db.createTable(child, {
          id: "INTEGER PRIMARY KEY",
          parent_id: `INTEGER NOT NULL REFERENCES ${parent}(id) ON DELETE CASCADE`,
          qty: "INTEGER NOT NULL CHECK (qty > 0)",
          price: "DECIMAL(10,2) CHECK (price >= 0)",
        });
      });

      it("REFERENCES … ON DELETE CASCADE deletes the children with the parent", async () => {
        await db.insert(parent, { id: 1, name: "p1" });
        await db.insert(parent, { id: 2, name: "p2" });
        await db.insert(child, { id: 10, parent_id: 1, qty: 1 });
        await db.insert(child, { id: 11, parent_id: 1, qty: 2 });
        await db.insert(child, { id: 12, parent_id: 2, qty: 3 });
        expect(await db.delete(parent, { id: 1 })).toBe(true);
        expect((await db.select(child, { orderBy: "id" })).map((r) => r["id"])).toEqual([12]);
      });

      it("a child pointing to a missing parent raises ForeignKeyViolationError", async () => {
        const error = await rejection(db.insert(child, { id: 20, parent_id: 999, qty: 1 }));
        expect(error).toBeInstanceOf(ForeignKeyViolationError);
        expect(await db.count(child, { id: 20 })).toBe(0);
      });

      it("CHECK (…) violations raise CheckViolationError", async () => {
        await db.insert(parent, { id: 3, name: "p3" });
        const error = await rejection(db.insert(child, { id: 30, parent_id: 3, qty: 0 }));
        expect(error).toBeInstanceOf(CheckViolationError);
        expect(error).toBeInstanceOf(ConstraintError);
        await expect(db.insert(child, { id: 31, parent_id: 3, qty: 1, price: "-1.00" })).rejects.toBeInstanceOf(CheckViolationError);
        const ok = await db.insert(child, { id: 32, parent_id: 3, qty: 1 });
        expect(ok).toEqual({ id: 32, parent_id: 3, qty: 1, price: null });
        await expect(db.update(child, { qty: -5 }, { id: 32 })).rejects.toBeInstanceOf(CheckViolationError);
        expect((await db.selectOne(child, { where: { id: 32 } }))?.["qty"]).toBe(1);
      });
    });
  });
}
