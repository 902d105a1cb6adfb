/**
 * Schema changes while the application runs (issue 14 item 3, issue 15 item 4): after ALTER TABLE
 * (through the same Database, or another connection), every statement keeps working and decodes
 * values by the columns' current types: add, drop and rename a column, change a column's type
 * (TEXT → BOOLEAN and TEXT → JSON: ALTER … TYPE on PostgreSQL, a table rebuild on SQLite), through
 * execute, select, selectOne, insert … RETURNING, stream, a transaction, Table and KVStore.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, uniqueTable } from "../support/backends.js";
import { Database, Table } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of iterable) out.push(row);
  return out;
}

for (const backend of backends()) {
  for (const via of ["the same Database", "another connection"] as const) {
    describe(`schema changes through ${via} [${backend.name}]`, () => {
      let db: Database;
      let other: Database;
      /** Runs DDL: on `db` itself, or on a second Database (its own connection) on the same data. */
      let alter: (text: string) => Promise<unknown>;

      beforeAll(async () => {
        const options = backend.options();
        db = new Database(options);
        other = new Database(options);
        await db.connect();
        await other.connect();
        alter = via === "the same Database" ? (text) => db.execute(text) : (text) => other.execute(text);
      });

      afterAll(async () => {
        await other.close();
        await db.close();
      });

      /** Changes `column`'s type to `type` (PostgreSQL: ALTER TYPE; SQLite: rebuild the table). */
      async function changeType(t: string, columns: Record<string, string>, column: string, type: string, using: string): Promise<void> {
        if (backend.name === "postgres") {
          await alter(`ALTER TABLE "${t}" ALTER COLUMN "${column}" TYPE ${type} USING ${using}`);
          return;
        }
        const next = { ...columns, [column]: type };
        const list = Object.entries(next).map(([name, def]) => `"${name}" ${def}`).join(", ");
        const names = Object.keys(next).map((name) => `"${name}"`).join(", ");
        const source = backend.name === "sqlite" && type === "BOOLEAN" ? names.replace(`"${column}"`, `CASE "${column}" WHEN 'true' THEN 1 ELSE 0 END`) : names;
        await alter(`CREATE TABLE "${t}_new" (${list})`);
        await alter(`INSERT INTO "${t}_new" (${names}) SELECT ${source} FROM "${t}"`);
        await alter(`DROP TABLE "${t}"`);
        await alter(`ALTER TABLE "${t}_new" RENAME TO "${t}"`);
      }

      it("execute, select, selectOne, insert RETURNING and stream follow every kind of change", async () => {
        const t = uniqueTable("schema");
        const columns = { id: "INTEGER PRIMARY KEY", name: "TEXT", flag: "TEXT", doc: "TEXT" };
        await db.createTable(t, columns);
        await db.insert(t, { id: 1, name: "a", flag: "true", doc: '{"k":1}' });
        const byId = `SELECT * FROM "${t}" WHERE id = ?`;
        const all = `SELECT * FROM "${t}" ORDER BY id`;
        // Warm every cache: prepared statements, decoders, statement shapes.
        const warm = async (id: number) => {
          await db.execute(byId, [1]);
          await db.execute(all);
          await db.select(t, { orderBy: "id" });
          await db.selectOne(t, { where: { id: 1 } });
          await collect(db.stream(t, { orderBy: "id" }));
          await db.insert(t, { id, name: "w" });
          await db.delete(t, { id });
        };
        await warm(100);
        await warm(100);

        // ADD COLUMN: the new column appears everywhere, decoded by its type.
        await alter(`ALTER TABLE "${t}" ADD COLUMN extra INTEGER DEFAULT 7`);
        expect(await db.execute(byId, [1])).toEqual([{ id: 1, name: "a", flag: "true", doc: '{"k":1}', extra: 7 }]);
        expect(await db.execute(all)).toEqual([{ id: 1, name: "a", flag: "true", doc: '{"k":1}', extra: 7 }]);
        expect(await db.selectOne(t, { where: { id: 1 } })).toEqual({ id: 1, name: "a", flag: "true", doc: '{"k":1}', extra: 7 });
        expect(await db.select(t, { orderBy: "id" })).toEqual([{ id: 1, name: "a", flag: "true", doc: '{"k":1}', extra: 7 }]);
        expect(await collect(db.stream(t, { orderBy: "id" }))).toEqual([{ id: 1, name: "a", flag: "true", doc: '{"k":1}', extra: 7 }]);
        expect(await db.insert(t, { id: 2, name: "b" })).toEqual({ id: 2, name: "b", flag: null, doc: null, extra: 7 });
        await db.delete(t, { id: 2 });
        await warm(101);

        // RENAME COLUMN.
        await alter(`ALTER TABLE "${t}" RENAME COLUMN name TO label`);
        expect(await db.execute(byId, [1])).toEqual([{ id: 1, label: "a", flag: "true", doc: '{"k":1}', extra: 7 }]);
        expect(await db.selectOne(t, { where: { id: 1 } })).toEqual({ id: 1, label: "a", flag: "true", doc: '{"k":1}', extra: 7 });
        expect(await db.insert(t, { id: 2, label: "b" })).toEqual({ id: 2, label: "b", flag: null, doc: null, extra: 7 });
        await db.delete(t, { id: 2 });
        await db.selectOne(t, { where: { id: 1 } });

        // DROP COLUMN.
        await alter(`ALTER TABLE "${t}" DROP COLUMN extra`);
        expect(await db.execute(byId, [1])).toEqual([{ id: 1, label: "a", flag: "true", doc: '{"k":1}' }]);
        expect(await db.selectOne(t, { where: { id: 1 } })).toEqual({ id: 1, label: "a", flag: "true", doc: '{"k":1}' });
        expect(await db.insert(t, { id: 2, label: "b" })).toEqual({ id: 2, label: "b", flag: null, doc: null });
        await db.delete(t, { id: 2 });
        await db.selectOne(t, { where: { id: 1 } });
        await db.execute(all);

        // Change types: TEXT → BOOLEAN and TEXT → JSON. Values come back as booleans and parsed JSON.
        const now = { id: "INTEGER PRIMARY KEY", label: "TEXT", flag: "TEXT", doc: "TEXT" };
        await changeType(t, now, "flag", "BOOLEAN", `flag::boolean`);
        await changeType(t, { ...now, flag: "BOOLEAN" }, "doc", "JSON", `doc::json`);
        const expected = { id: 1, label: "a", flag: true, doc: { k: 1 } };
        expect(await db.execute(byId, [1])).toEqual([expected]);
        expect(await db.execute(all)).toEqual([expected]);
        expect(await db.selectOne(t, { where: { id: 1 } })).toEqual(expected);
        expect(await db.select(t, { orderBy: "id" })).toEqual([expected]);
        expect(await collect(db.stream(t, { orderBy: "id" }))).toEqual([expected]);
        expect(await db.insert(t, { id: 2, label: "b", flag: false, doc: [1] })).toEqual({ id: 2, label: "b", flag: false, doc: [1] });
        expect(await db.transaction((tx) => tx.selectOne(t, { where: { id: 2 } }))).toEqual({ id: 2, label: "b", flag: false, doc: [1] });
        await db.dropTable(t);
      });

      it("a transaction that meets a changed schema still succeeds", async () => {
        const t = uniqueTable("schema_tx");
        await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
        await db.insert(t, { id: 1, name: "a" });
        const byId = `SELECT * FROM "${t}" WHERE id = ?`;
        // Prepare the statement on every pooled connection a transaction may get.
        for (let i = 0; i < 3; i++) await db.transaction((tx) => tx.execute(byId, [1]));
        await Promise.all(Array.from({ length: 4 }, () => db.transaction((tx) => tx.execute(byId, [1]))));
        await alter(`ALTER TABLE "${t}" ADD COLUMN extra INTEGER DEFAULT 7`);
        const rows = await db.transaction(async (tx) => {
          await tx.execute(`UPDATE "${t}" SET name = 'b' WHERE id = 1`);
          return tx.execute(byId, [1]);
        });
        expect(rows).toEqual([{ id: 1, name: "b", extra: 7 }]);
        expect(await db.execute(byId, [1])).toEqual([{ id: 1, name: "b", extra: 7 }]);
        await db.dropTable(t);
      });

      it("concurrent statements on every pooled connection all succeed after a change", async () => {
        const t = uniqueTable("schema_many");
        await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
        await db.insert(t, { id: 1, name: "a" });
        const byId = `SELECT * FROM "${t}" WHERE id = ?`;
        // Prepared on several connections, with statements pipelined behind each other.
        await Promise.all(Array.from({ length: 64 }, () => db.execute(byId, [1])));
        await alter(`ALTER TABLE "${t}" ADD COLUMN extra INTEGER DEFAULT 7`);
        const results = await Promise.all(Array.from({ length: 64 }, () => db.execute(byId, [1])));
        for (const rows of results) expect(rows).toEqual([{ id: 1, name: "a", extra: 7 }]);
        await alter(`ALTER TABLE "${t}" DROP COLUMN name`);
        const again = await Promise.all(Array.from({ length: 64 }, () => db.execute(byId, [1])));
        for (const rows of again) expect(rows).toEqual([{ id: 1, extra: 7 }]);
        await db.dropTable(t);
      });

      it("Table follows added, renamed and dropped columns", async () => {
        const t = uniqueTable("schema_table");
        await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
        const table = new Table<Record<string, unknown>>(t, { db });
        await table.create({ id: 1, name: "a" });
        expect(await table.read(1)).toEqual({ id: 1, name: "a" });

        await alter(`ALTER TABLE "${t}" ADD COLUMN extra INTEGER DEFAULT 7`);
        expect(await table.read(1)).toEqual({ id: 1, name: "a", extra: 7 });
        expect(await table.create({ id: 2, name: "b", extra: 8 })).toEqual({ id: 2, name: "b", extra: 8 });
        expect(await table.list({ where: { extra: 8 } })).toEqual([{ id: 2, name: "b", extra: 8 }]);

        await alter(`ALTER TABLE "${t}" RENAME COLUMN name TO label`);
        expect(await table.update(1, { label: "z" })).toEqual({ id: 1, label: "z", extra: 7 });
        expect(await table.read(1)).toEqual({ id: 1, label: "z", extra: 7 });

        await alter(`ALTER TABLE "${t}" DROP COLUMN extra`);
        expect(await table.read(1)).toEqual({ id: 1, label: "z" });
        expect(await table.create({ id: 3, label: "c" })).toEqual({ id: 3, label: "c" });
        await db.dropTable(t);
      });

      it("Table with hidden columns follows a dropped column (the database names the unknown column)", async () => {
        const t = uniqueTable("schema_hidden");
        await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT", extra: "INTEGER", secret: "TEXT" });
        const table = new Table<Record<string, unknown>, {}, string>(t, { db, hidden: ["secret"] as string[] });
        await table.create({ id: 1, name: "a", extra: 1, secret: "s" });
        expect(await table.read(1)).toEqual({ id: 1, name: "a", extra: 1 });
        await alter(`ALTER TABLE "${t}" DROP COLUMN extra`);
        expect(await table.read(1)).toEqual({ id: 1, name: "a" });
        expect(await table.list()).toEqual([{ id: 1, name: "a" }]);
        await db.dropTable(t);
      });

      it("KVStore keeps working after its table gains a column", async () => {
        const name = uniqueTable("schema_kv");
        const kv = await KVStore.open<unknown>({ db, table: name, purgeIntervalMs: 0 });
        await kv.set("a", { n: 1 });
        expect(await kv.get("a")).toEqual({ n: 1 });
        await alter(`ALTER TABLE "${name}" ADD COLUMN note TEXT`);
        await kv.set("b", [2]);
        expect(await kv.get("a")).toEqual({ n: 1 });
        expect(await kv.get("b")).toEqual([2]);
        expect(await kv.pop("a")).toEqual({ n: 1 });
        await kv.close();
        await db.dropTable(name);
      });
    });
  }
}
