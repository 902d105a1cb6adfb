/**
 * Raw SQL: `execute`, `executeCount`, `executeMany`, `fetchOne`, `?`/`$n` placeholders and the
 * `sql` tag, on every backend.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends, uniqueTable, recordQueries, rejection } from "../support/backends.js";
import {
  Database,
  sql,
  IdentifierError,
  QueryError,
  TablekitError,
  UniqueViolationError,
  ValidationError,
} from "../../src/index.js";

const SEED = [
  { id: 1, name: "ann", qty: 10 },
  { id: 2, name: "bob", qty: 20 },
  { id: 3, name: "cy", qty: 30 },
];

for (const backend of backends()) {
  describe(`execute [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("execute");
    const q = `"${t}"`;

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL UNIQUE", qty: "INTEGER" });
    });

    beforeEach(async () => {
      await db.deleteMany(t, {});
      await db.batchInsert(t, SEED);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    describe("placeholders", () => {
      it("? placeholders work on every backend", async () => {
        const rows = await db.execute(`SELECT id, name FROM ${q} WHERE qty > ? AND name <> ? ORDER BY id`, [10, "cy"]);
        expect(rows).toEqual([{ id: 2, name: "bob" }]);
        expect(Array.isArray(rows)).toBe(true);
        expect(Object.getPrototypeOf(rows)).toBe(Array.prototype);
      });

      it("? placeholders are sent as the dialect's own placeholders", async () => {
        const seen = recordQueries(db);
        await db.execute(`SELECT id FROM ${q} WHERE id = ? OR id = ?`, [1, 2]);
        expect(seen).toEqual([
          backend.name === "sqlite" ? `SELECT id FROM ${q} WHERE id = ? OR id = ?` : `SELECT id FROM ${q} WHERE id = $1 OR id = $2`,
        ]);
      });

      it("execute without params, and with an empty params array", async () => {
        expect(await db.execute(`SELECT count(*) AS n FROM ${q}`)).toEqual([{ n: 3 }]);
        expect(await db.execute(`SELECT count(*) AS n FROM ${q}`, [])).toEqual([{ n: 3 }]);
      });

      it("? inside string literals, quoted identifiers and comments is left alone", async () => {
        expect(await db.execute("SELECT '?' AS q, ? AS v", ["x"])).toEqual([{ q: "?", v: "x" }]);
        expect(await db.execute("SELECT 'it''s ?' AS q, ? AS v", ["x"])).toEqual([{ q: "it's ?", v: "x" }]);
        expect(await db.execute('SELECT ? AS "what?"', ["x"])).toEqual([{ "what?": "x" }]);
        expect(await db.execute("SELECT ? AS v -- why?\n", ["x"])).toEqual([{ v: "x" }]);
        expect(await db.execute("SELECT /* ? or ?? */ ? AS v", ["x"])).toEqual([{ v: "x" }]);
        expect(await db.execute("SELECT '??' AS q, ? AS v", ["x"])).toEqual([{ q: "??", v: "x" }]);
        expect(await db.execute(`SELECT name AS "n?" FROM ${q} WHERE name = '?' OR id = ?`, [2])).toEqual([{ "n?": "bob" }]);
      });

      it("values with quotes and placeholders in them are plain values", async () => {
        expect(await db.execute(`SELECT id FROM ${q} WHERE name = ?`, ["' OR '1'='1"])).toEqual([]);
        expect(await db.execute("SELECT ? AS v", ["?"])).toEqual([{ v: "?" }]);
        expect(await db.execute("SELECT ? AS v", ["$1"])).toEqual([{ v: "$1" }]);
      });

      if (backend.name === "postgres") {
        it("$1 parameters work on PostgreSQL, and may repeat", async () => {
          expect(await db.execute(`SELECT name FROM ${q} WHERE id = $1 OR id = $2 ORDER BY id`, [1, 3])).toEqual([{ name: "ann" }, { name: "cy" }]);
          expect(await db.execute(`SELECT name FROM ${q} WHERE id = $1 OR qty = $1 * 10 ORDER BY id`, [2])).toEqual([{ name: "bob" }]);
        });

        it("mixing ? and $1 in one statement raises ValidationError before any SQL", async () => {
          const seen = recordQueries(db);
          await expect(db.execute(`SELECT name FROM ${q} WHERE id = $1 OR id = ?`, [1, 2])).rejects.toBeInstanceOf(ValidationError);
          expect(seen).toEqual([]);
        });

        it("?? is PostgreSQL's jsonb ? operator (and ??| / ??&)", async () => {
          const seen = recordQueries(db);
          const rows = await db.execute("SELECT CAST(? AS jsonb) ?? 'a' AS has_a, CAST(? AS jsonb) ?? 'z' AS has_z", [{ a: 1 }, { a: 1 }]);
          expect(rows).toEqual([{ has_a: true, has_z: false }]);
          expect(seen[0]).toBe("SELECT CAST($1 AS jsonb) ? 'a' AS has_a, CAST($2 AS jsonb) ? 'z' AS has_z");
          expect(await db.execute(`SELECT '{"a":1,"b":2}'::jsonb ??| array['b','q'] AS any_of, '{"a":1}'::jsonb ??& array['a','b'] AS all_of`)).toEqual([
            { any_of: true, all_of: false },
          ]);
        });

        it("? inside dollar-quoted bodies and E'' strings is left alone", async () => {
          expect(await db.execute("SELECT $$why?$$ AS q, ? AS v", ["x"])).toEqual([{ q: "why?", v: "x" }]);
          expect(await db.execute("SELECT $tag$a ? b$tag$ AS q, ? AS v", ["x"])).toEqual([{ q: "a ? b", v: "x" }]);
          expect(await db.execute("SELECT E'it\\'s ?' AS q, ? AS v", ["x"])).toEqual([{ q: "it's ?", v: "x" }]);
        });
      }
    });

    describe("the sql tag", () => {
      it("binds values, never interpolates them", async () => {
        const evil = "1; DROP TABLE x";
        const seen = recordQueries(db);
        await db.execute(sql`INSERT INTO ${sql.id(t)} (id, name, qty) VALUES (${100}, ${evil}, ${1})`);
        const rows = await db.execute(sql`SELECT id, name FROM ${sql.id(t)} WHERE name = ${evil}`);
        expect(rows).toEqual([{ id: 100, name: evil }]);
        expect(seen.join("\n")).not.toContain("DROP");
        expect(await db.execute(sql`SELECT id FROM ${sql.id(t)} WHERE name = ${"' OR '1'='1"}`)).toEqual([]);
        expect(await db.tableExists(t)).toBe(true);
        expect(await db.count(t)).toBe(4);
      });

      it("renders placeholders for the dialect", async () => {
        const seen = recordQueries(db);
        await db.execute(sql`SELECT id FROM ${sql.id(t)} WHERE id = ${1} OR name = ${"bob"}`);
        expect(seen).toEqual([
          backend.name === "sqlite" ? `SELECT id FROM ${q} WHERE id = ? OR name = ?` : `SELECT id FROM ${q} WHERE id = $1 OR name = $2`,
        ]);
      });

      it("sql.id quotes valid identifiers (also qualified ones) and refuses others with IdentifierError", async () => {
        const schema = backend.name === "sqlite" ? "main" : "public";
        expect(await db.execute(sql`SELECT ${sql.id("name")} FROM ${sql.id(schema, t)} WHERE ${sql.id("id")} = ${1}`)).toEqual([{ name: "ann" }]);
        expect(await db.execute(sql`SELECT name FROM ${sql.id(`${schema}.${t}`)} WHERE id = ${2}`)).toEqual([{ name: "bob" }]);
        for (const bad of ['x"; DROP TABLE y; --', "a b", "", "1a", "a;b"]) {
          expect(() => sql.id(bad), bad).toThrow(IdentifierError);
        }
        expect(() => sql.id()).toThrow(IdentifierError);
      });

      it("nested fragments compose, with parameters numbered in order", async () => {
        const seen = recordQueries(db);
        const minQty = sql`qty >= ${15}`;
        const notName = sql`name <> ${"cy"}`;
        const rows = await db.execute(sql`SELECT name FROM ${sql.id(t)} WHERE ${minQty} AND ${sql`${notName} AND id < ${99}`} ORDER BY id`);
        expect(rows).toEqual([{ name: "bob" }]);
        expect(seen).toEqual([
          backend.name === "sqlite"
            ? `SELECT name FROM ${q} WHERE qty >= ? AND name <> ? AND id < ? ORDER BY id`
            : `SELECT name FROM ${q} WHERE qty >= $1 AND name <> $2 AND id < $3 ORDER BY id`,
        ]);
      });

      it("sql.join builds lists of values and of fragments", async () => {
        expect(await db.execute(sql`SELECT name FROM ${sql.id(t)} WHERE id IN (${sql.join([1, 3])}) ORDER BY id`)).toEqual([{ name: "ann" }, { name: "cy" }]);
        const columns = sql.join([sql.id("id"), sql.id("name")]);
        const conditions = sql.join([sql`qty > ${5}`, sql`name = ${"bob"}`], sql` AND `);
        expect(await db.execute(sql`SELECT ${columns} FROM ${sql.id(t)} WHERE ${conditions}`)).toEqual([{ id: 2, name: "bob" }]);
      });

      it("undefined values are refused with ValidationError (use null)", async () => {
        expect(() => sql`SELECT ${undefined} AS v`).toThrow(ValidationError);
        expect(() => sql.join([1, undefined])).toThrow(ValidationError);
        expect(await db.execute(sql`SELECT id FROM ${sql.id(t)} WHERE qty = ${null}`)).toEqual([]);
      });

      it("passing params together with a sql fragment raises ValidationError before any SQL", async () => {
        const seen = recordQueries(db);
        const error = await rejection(db.execute(sql`SELECT id FROM ${sql.id(t)} WHERE id = ${1}`, [2]));
        expect(error).toBeInstanceOf(ValidationError);
        await expect(db.executeCount(sql`DELETE FROM ${sql.id(t)} WHERE id = ${1}`, [1])).rejects.toBeInstanceOf(ValidationError);
        await expect(db.fetchOne(sql`SELECT 1 AS one`, ["x"])).rejects.toBeInstanceOf(ValidationError);
        expect(seen).toEqual([]);
        expect(await db.count(t)).toBe(3);
      });
    });

    describe("executeCount", () => {
      it("returns the number of changed rows", async () => {
        expect(await db.executeCount(`UPDATE ${q} SET qty = qty + 1 WHERE qty >= ?`, [20])).toBe(2);
        expect(await db.executeCount(`UPDATE ${q} SET qty = 0 WHERE id = ?`, [999])).toBe(0);
        expect(await db.executeCount(sql`DELETE FROM ${sql.id(t)} WHERE id = ${1}`)).toBe(1);
        expect(await db.executeCount(`INSERT INTO ${q} (id, name) VALUES (?, ?)`, [50, "new"])).toBe(1);
        expect((await db.select(t, { orderBy: "id" })).map((r) => [r["id"], r["qty"]])).toEqual([
          [2, 21],
          [3, 31],
          [50, null],
        ]);
      });
    });

    describe("executeMany", () => {
      it("runs the statement once per parameter list and returns the total changed", async () => {
        const seen = recordQueries(db);
        const total = await db.executeMany(`INSERT INTO ${q} (id, name, qty) VALUES (?, ?, ?)`, [
          [10, "j", 1],
          [11, "k", 2],
          [12, "l", 3],
        ]);
        expect(total).toBe(3);
        const sent = [...seen];
        expect(sent).toHaveLength(5);
        expect(sent[0]).toMatch(/^BEGIN/);
        expect(sent.slice(1, 4)).toEqual(Array(3).fill(backend.name === "sqlite" ? `INSERT INTO ${q} (id, name, qty) VALUES (?, ?, ?)` : `INSERT INTO ${q} (id, name, qty) VALUES ($1, $2, $3)`));
        expect(sent[4]).toBe("COMMIT");
        expect(await db.count(t)).toBe(6);
        expect(await db.executeMany(`UPDATE ${q} SET qty = ? WHERE qty < ?`, [[0, 3], [100, 1]])).toBe(2 + 2);
      });

      it("a failure in the middle leaves nothing written", async () => {
        const seen = recordQueries(db);
        const error = await rejection(
          db.executeMany(`INSERT INTO ${q} (id, name) VALUES (?, ?)`, [
            [20, "first"],
            [21, "ann"], // duplicate name
            [22, "third"],
          ]),
        );
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect(await db.count(t)).toBe(3);
        expect(await db.count(t, { id: { in: [20, 21, 22] } })).toBe(0);
        expect(seen).toContain("ROLLBACK");
        expect(seen).not.toContain("COMMIT");
      });

      it("an empty list runs nothing and returns 0", async () => {
        expect(await db.executeMany(`INSERT INTO ${q} (id, name) VALUES (?, ?)`, [])).toBe(0);
        expect(await db.count(t)).toBe(3);
      });
    });

    describe("fetchOne", () => {
      it("returns the first row, or null", async () => {
        expect(await db.fetchOne(`SELECT id, name FROM ${q} WHERE id = ?`, [2])).toEqual({ id: 2, name: "bob" });
        expect(await db.fetchOne(`SELECT id FROM ${q} ORDER BY id DESC`)).toEqual({ id: 3 });
        expect(await db.fetchOne(`SELECT id FROM ${q} WHERE id = ?`, [999])).toBeNull();
        expect(await db.fetchOne(sql`SELECT name FROM ${sql.id(t)} WHERE id = ${3}`)).toEqual({ name: "cy" });
      });
    });

    describe("failures", () => {
      it("a syntax error raises QueryError with the driver error as cause", async () => {
        const error = await rejection(db.execute("SELEC id FROM nowhere"));
        expect(error).toBeInstanceOf(QueryError);
        expect((error as Error).constructor).toBe(QueryError);
        expect(error).toBeInstanceOf(TablekitError);
        const cause = (error as Error).cause;
        expect(cause).toBeInstanceOf(Error);
        expect(cause).not.toBeInstanceOf(TablekitError);
        expect((error as QueryError).code).toBe(backend.name === "sqlite" ? "SQLITE_ERROR" : "42601");
      });

      it("an empty statement or a non-array params raises ValidationError", async () => {
        await expect(db.execute("")).rejects.toBeInstanceOf(ValidationError);
        await expect(db.execute("   ")).rejects.toBeInstanceOf(ValidationError);
        await expect(db.execute("SELECT ? AS v", "x" as unknown as unknown[])).rejects.toBeInstanceOf(ValidationError);
      });

      it("several statements in one string with parameters are refused with QueryError, and none of them runs", async () => {
        const error = await rejection(db.execute(`INSERT INTO ${q} (id, name) VALUES (?, 'x'); DELETE FROM ${q}`, [70]));
        expect(error).toBeInstanceOf(QueryError);
        expect(await db.count(t)).toBe(3);
        expect(await db.count(t, { id: 70 })).toBe(0);
      });

      it("several statements in one string without parameters are refused with QueryError, and none of them runs", async () => {
        const error = await rejection(db.execute(`INSERT INTO ${q} (id, name) VALUES (70, 'x'); DELETE FROM ${q}`));
        expect(error).toBeInstanceOf(QueryError);
        expect(await db.count(t)).toBe(3);
        expect(await db.count(t, { id: 70 })).toBe(0);
        const second = await rejection(db.executeCount(`DELETE FROM ${q} WHERE id = 1; DELETE FROM ${q} WHERE id = 2`));
        expect(second).toBeInstanceOf(QueryError);
        expect(await db.count(t)).toBe(3);
      });

      it("a wrong number of parameters raises QueryError", async () => {
        await expect(db.execute(`SELECT id FROM ${q} WHERE id = ? AND name = ?`, [1])).rejects.toBeInstanceOf(QueryError);
      });
    });
  });
}
