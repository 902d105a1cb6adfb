/**
 * A 64-bit integer primary key reads back as a 64-bit integer under every `int64` policy, on every
 * backend: SQLite's rowid must be declared `INTEGER`, and used to read as a number there while
 * PostgreSQL's int8 read as the policy says (docs/decisions.md, "64-bit integer keys read as 64-bit
 * on SQLite too").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Int64Mode } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const BIG = 2n ** 60n;

const expected: Record<Int64Mode, (n: bigint) => unknown> = {
  bigint: (n) => n,
  string: (n) => String(n),
  number: (n) => Number(n),
};

for (const backend of backends()) {
  for (const policy of ["bigint", "string", "number"] as const) {
    describe(`64-bit integer keys under int64: "${policy}" [${backend.name}]`, () => {
      let db: Database;
      const tables: string[] = [];
      const as = expected[policy];
      beforeAll(() => {
        db = backend.open({ int64: policy });
      });
      afterAll(async () => {
        for (const t of tables) await db.dropTable(t, { ifExists: true });
        await db.close();
      });

      for (const definition of ["BIGINT PRIMARY KEY", "INT8 PRIMARY KEY", "BIGSERIAL PRIMARY KEY"]) {
        it(`${definition}: generated and explicit keys, RETURNING, select, batches`, async () => {
          const table = uniqueTable("int8_keys");
          tables.push(table);
          await db.createTable(table, { id: definition, n: "INTEGER" });
          const generated = await db.insert(table, { n: 1 });
          expect(generated["id"]).toStrictEqual(as(1n));
          if (policy !== "number") {
            const explicit = await db.insert(table, { id: BIG, n: 2 });
            expect(explicit["id"]).toStrictEqual(as(BIG));
          }
          const batch = await db.batchInsert(table, [{ n: 3 }, { n: 4 }]);
          expect(batch.map((row) => typeof row["id"])).toEqual([typeof as(1n), typeof as(1n)]);
          const rows = await db.select(table, { orderBy: "n" });
          expect(rows.map((row) => typeof row["id"])).toEqual(rows.map(() => typeof as(1n)));
          expect(await db.selectOne(table, { where: { id: generated["id"] } })).toStrictEqual({ id: as(1n), n: 1 });
          // An INTEGER (32-bit) key stays a number, as PostgreSQL's int4 does.
          const narrow = uniqueTable("int4_keys");
          tables.push(narrow);
          await db.createTable(narrow, { id: "INTEGER PRIMARY KEY", n: "INTEGER" });
          expect((await db.insert(narrow, { n: 1 }))["id"]).toBe(1);
        });
      }

      it("a Table reads and finds the key as the policy says; a renamed key keeps its width", async () => {
        const name = uniqueTable("int8_table");
        tables.push(name);
        const table = new Table(name, { db, schema: { id: "BIGINT PRIMARY KEY", label: "TEXT NOT NULL" } });
        const row = await table.create({ label: "a" });
        expect(row.id).toStrictEqual(as(1n));
        expect(await table.read(row.id)).toStrictEqual({ id: as(1n), label: "a" });
        expect(await table.list({ where: { id: row.id } })).toStrictEqual([{ id: as(1n), label: "a" }]);
        await db.execute(`ALTER TABLE ${name} RENAME COLUMN id TO key_id`);
        expect(await db.select(name)).toStrictEqual([{ key_id: as(1n), label: "a" }]);
      });
    });
  }
}
