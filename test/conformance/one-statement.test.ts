/**
 * One statement per call, whatever the cache state (issue 15 item 3). Every entry point that takes
 * SQL text or column definitions is given stacked statements; the canary table must survive each
 * attack, on every backend: `execute` (with and without values), the `sql` tag, `stream` outside
 * and inside a transaction, `createTable` definitions quoted every way PostgreSQL and SQLite
 * know (E'…', $$…$$, nested dollar tags, U&'…', comments, quoted identifiers, [..] and `..`), and
 * the state after more than 5,000 distinct statement texts (where PostgreSQL statements used to
 * stop being named and fall back to the simple query protocol).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, uniqueTable } from "../support/backends.js";
import { Database, sql, TablekitError, ValidationError } from "../../src/index.js";
import { checkColumnDefinition } from "../../src/crud/ddl.js";
import { KVStore } from "../../src/kv/kv-store.js";

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // consume
  }
}

for (const backend of backends()) {
  describe(`one statement per call [${backend.name}]`, () => {
    let db: Database;
    const canary = uniqueTable("canary");
    const q = `"${canary}"`;

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(canary, { id: "INTEGER PRIMARY KEY", note: "TEXT" });
      await db.insert(canary, { id: 1, note: "alive" });
    });

    afterAll(async () => {
      await db.dropTable(canary);
      await db.close();
    });

    async function expectCanaryAlive(): Promise<void> {
      expect(await db.tableExists(canary)).toBe(true);
      expect(await db.count(canary)).toBe(1);
    }

    /** Runs an attack: it must fail with a typed error, and the canary must survive. */
    async function attack(run: () => Promise<unknown>): Promise<void> {
      const error = await settle(run());
      await expectCanaryAlive();
      expect(error).toBeInstanceOf(TablekitError);
    }

    const stacked = () => `SELECT 1 AS one; DELETE FROM ${q}; DROP TABLE ${q}`;

    it("execute without values refuses stacked statements", async () => {
      await attack(() => db.execute(stacked()));
      await attack(() => db.executeCount(stacked()));
      await attack(() => db.fetchOne(stacked()));
    });

    it("execute with values refuses stacked statements", async () => {
      await attack(() => db.execute(`SELECT ? AS one; DROP TABLE ${q}`, [1]));
    });

    it("executeMany refuses stacked statements, with and without values", async () => {
      await attack(() => db.executeMany(stacked(), [[]]));
      await attack(() => db.executeMany(`SELECT ? AS one; DROP TABLE ${q}`, [[1], [2]]));
    });

    it("KVStore's SQL helpers refuse stacked statements in a where string", async () => {
      const kv = await KVStore.open<unknown>({ db, table: uniqueTable("kv_stacked"), purgeIntervalMs: 0 });
      try {
        await attack(() => kv.query({ table: canary, where: `1 = 1; DROP TABLE ${q}` }));
        await attack(() => kv.query({ table: canary, where: `id = ?); DROP TABLE ${q}; SELECT (1`, parameters: [1] }));
      } finally {
        const name = kv.tableName;
        await kv.close();
        await db.dropTable(name);
      }
    });

    it("the sql tag refuses stacked statements", async () => {
      await attack(() => db.execute(sql`SELECT 1 AS one; DROP TABLE ${sql.id(canary)}`));
      await attack(() => db.execute(sql`SELECT ${1} AS one; DROP TABLE ${sql.id(canary)}`));
    });

    it("stream outside a transaction refuses stacked statements", async () => {
      await attack(() => drain(db.stream(sql`SELECT 1 AS one; DROP TABLE ${sql.id(canary)}`)));
    });

    it("stream inside a transaction refuses stacked statements", async () => {
      await attack(() =>
        db.transaction(async (tx) => {
          await drain(tx.stream(sql`SELECT 1 AS one; DROP TABLE ${sql.id(canary)}`));
        }),
      );
      await attack(() =>
        db.transaction(async (tx) => {
          await drain(tx.stream(sql`SELECT ${1} AS one; DROP TABLE ${sql.id(canary)}`));
        }),
      );
    });

    it("a transaction's execute refuses stacked statements", async () => {
      await attack(() => db.transaction((tx) => tx.execute(stacked())));
    });

    // Definitions that close the statement under one reading of the quotes and look harmless
    // under a naive one. Every one must be refused before any SQL runs.
    const hostileDefinitions: [string, string][] = [
      ["E'' string hides a quote", `TEXT DEFAULT E'\\''); DROP TABLE ${q}; CREATE TABLE junk_e (x TEXT DEFAULT '`],
      ["E'' string with escaped backslash", `TEXT DEFAULT E'\\\\'); DROP TABLE ${q}; --'`],
      ["$$ string", `TEXT DEFAULT $$'$$); DROP TABLE ${q}; CREATE TABLE junk_d (x TEXT DEFAULT '`],
      ["nested dollar tags", `TEXT DEFAULT $a$ $b$ $a$); DROP TABLE ${q}; SELECT $b$`],
      ["U&'' string", `TEXT DEFAULT U&'\\0027'); DROP TABLE ${q}; --'`],
      ["line comment", `TEXT -- '\n); DROP TABLE ${q}; --`],
      ["block comment", `TEXT /* ' */); DROP TABLE ${q}; /* ' */`],
      ["nested block comment", `TEXT /* /* */ '); DROP TABLE ${q}; -- */`],
      ["quoted identifier", `TEXT CHECK ("a"")"); DROP TABLE ${q}; --" IS NULL)`],
      ["closing parenthesis", `TEXT); DROP TABLE ${q}; CREATE TABLE junk_p (x TEXT`],
      ["closing parenthesis without a separator", `TEXT) WITHOUT ROWID, CHECK (1`],
      ["square-bracket identifier (SQLite)", `TEXT CHECK ([)] IS NULL)`],
      ["backquote identifier (SQLite)", "TEXT CHECK (`)` IS NULL)"],
      ["bare semicolon", `TEXT; DROP TABLE ${q}`],
    ];

    for (const [label, definition] of hostileDefinitions) {
      it(`createTable refuses a hostile definition: ${label}`, async () => {
        const target = uniqueTable("hostile");
        const error = await settle(db.createTable(target, { id: "INTEGER PRIMARY KEY", evil: definition }));
        expect(error).toBeInstanceOf(ValidationError);
        await expectCanaryAlive();
        expect(await db.tableExists(target)).toBe(false);
      });
    }

    it("createTable still accepts legitimate quoting", async () => {
      const target = uniqueTable("quoting");
      await db.createTable(target, {
        id: "INTEGER PRIMARY KEY",
        a: "TEXT DEFAULT 'it''s; fine -- not a comment'",
        b: "TEXT DEFAULT E'line\\nbreak; (still one)'",
        c: "TEXT DEFAULT $$dollar; 'quoted' (text)$$",
        d: "TEXT DEFAULT $tag$ $$ nested; $tag$",
        e: "TEXT CHECK (length(e) < 100)",
      });
      await db.insert(target, { id: 1 });
      const row = await db.selectOne(target, { where: { id: 1 } });
      expect(row).toMatchObject({
        a: "it's; fine -- not a comment",
        b: "line\nbreak; (still one)",
        c: "dollar; 'quoted' (text)",
        d: " $$ nested; ",
      });
      await db.dropTable(target);
      await expectCanaryAlive();
    });

    it("after more than 5,000 distinct statement texts, stacked statements are still refused", async () => {
      const fresh = backend.open();
      try {
        for (let start = 0; start < 5_100; start += 100) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => fresh.execute(`SELECT ${start + i} AS n`)));
        }
        const error = await settle(fresh.execute(stacked()));
        expect(error).toBeInstanceOf(TablekitError);
        await expectCanaryAlive();
        const inTx = await settle(fresh.transaction((tx) => tx.execute(stacked())));
        expect(inTx).toBeInstanceOf(TablekitError);
        await expectCanaryAlive();
        const streamed = await settle(drain(fresh.stream(sql`SELECT 1 AS one; DROP TABLE ${sql.id(canary)}`)));
        expect(streamed).toBeInstanceOf(TablekitError);
        await expectCanaryAlive();
        // Ordinary statements still work in that state.
        expect(await fresh.execute("SELECT 7 AS n")).toEqual([{ n: 7 }]);
      } finally {
        await fresh.close();
      }
    });
  });
}

describe("checkColumnDefinition (the DDL tokenizer)", () => {
  it.each([
    ["TEXT NOT NULL"],
    ["VARCHAR(20) DEFAULT 'a''b'"],
    ["TEXT DEFAULT E'\\'' "],
    ["TEXT DEFAULT $x$ ) ; $x$"],
    ["NUMERIC(10, 2) CHECK (x > 0)"],
    ['TEXT CHECK ("weird "" name" IS NULL)'],
    ["TEXT DEFAULT U&'d\\0061t\\+000061'"],
    ["INTEGER DEFAULT $1"],
  ])("accepts %j", (definition) => {
    expect(checkColumnDefinition("c", definition)).toBe(definition);
  });

  it.each([
    ["TEXT DEFAULT E'\\''); DROP TABLE x; --'"],
    ["TEXT DEFAULT 'open"],
    ["TEXT DEFAULT $a$ open"],
    ["TEXT DEFAULT $a$ $b$ $a$; $b$"],
    ["TEXT -- comment"],
    ["TEXT /* comment */"],
    ["TEXT)"],
    ["TEXT (("],
    ['TEXT CHECK ("open IS NULL)'],
    ["TEXT DEFAULT U&'\\0027'); DROP TABLE x; --'"],
    ["TEXT CHECK ([)] IS NULL)"],
    ["TEXT CHECK (`)` IS NULL)"],
    ["TEXT\u0000"],
  ])("refuses %j", (definition) => {
    expect(() => checkColumnDefinition("c", definition)).toThrow(ValidationError);
  });
});
