/**
 * Adversary (keyset pagination and Table streams, issue 17's portable values).
 *
 * Found by the adversary run (1): on SQLite, `Table.paginate({ where, after/limit })` (keyset
 * mode), `Table.stream({ where })` and the Table's locked-row reads compiled the filter without the
 * column conversions `select` uses: `{ d: { gt: 9 } }` on a DECIMAL compared text ("10" < "9"),
 * an uppercase UUID matched nothing, `{ n: "thirty" }` on an INTEGER returned an empty page
 * instead of a ValidationError — silently different rows than `select`, `list` and page mode, and
 * than PostgreSQL. Fixed: Table compiles those filters with the Queryable's filter context.
 *
 * (2): cursors come from clients (an HTTP query string), so
 * an edited cursor is bad input.
 *
 * Found by the adversary run: a cursor whose DECIMAL value was edited to "abc" (still a
 * well-formed cursor for the same orderBy) made `paginate` reject with the server's QueryError
 * (22P02, "invalid input syntax for type numeric") on PostgreSQL, where a malformed cursor, and a
 * refused filter value in `select`, are ValidationErrors. Now a ValidationError too (Table's
 * keyset page maps the server's refusal). SQLite compares the edited value as text that is not a
 * number (after every number) and returns a page: no error there, but never a QueryError.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, QueryError, Table, ValidationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`an edited keyset cursor [${backend.name}]`, () => {
    let db: Database;
    let name: string;
    beforeAll(async () => {
      db = backend.open();
      name = uniqueTable("adv_cursor");
      await db.createTable(name, { id: "INTEGER PRIMARY KEY", d: "DECIMAL", n: "INTEGER" });
      for (let id = 1; id <= 5; id++) await db.insert(name, { id, d: String(id % 2), n: id });
    });
    afterAll(async () => {
      await db?.dropTable(name, { ifExists: true });
      await db?.close();
    });

    it("a value its column refuses is a ValidationError (PostgreSQL) or a page (SQLite), never a QueryError", async () => {
      const table = new Table(name, { db });
      const first = await table.paginate({ orderBy: "d", limit: 2 });
      const raw = JSON.parse(Buffer.from(first.nextCursor!, "base64url").toString()) as { k: string; v: unknown[] };
      raw.v[0] = "abc";
      const edited = Buffer.from(JSON.stringify(raw)).toString("base64url");
      const outcome = await table.paginate({ orderBy: "d", limit: 2, after: edited }).catch((e: unknown) => e);
      expect(outcome).not.toBeInstanceOf(QueryError);
      if (backend.name === "postgres") expect(outcome).toBeInstanceOf(ValidationError);
      // A filter value the column refuses, in keyset mode: as select does.
      const filtered = await table.paginate({ where: { n: "thirty" } as never, orderBy: "d", limit: 2 }).catch((e: unknown) => e);
      expect(filtered).toBeInstanceOf(ValidationError);
      const streamed = await (async () => {
        for await (const _ of table.stream({ where: { n: "thirty" } as never }));
      })().catch((e: unknown) => e);
      expect(streamed).toBeInstanceOf(ValidationError);
    });

    it("keyset pages and streams match the rows select matches (DECIMAL as numbers, UUIDs in any case)", async () => {
      const other = `${name}_u`;
      await db.createTable(other, { id: "INTEGER PRIMARY KEY", d: "DECIMAL", u: "UUID" });
      try {
        await db.insert(other, { id: 1, d: "10", u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" });
        await db.insert(other, { id: 2, d: "9", u: "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" });
        const table = new Table(other, { db });
        for (const where of [{ d: { gt: 9 } }, { u: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11" }, { d: { in: ["1e1"] } }, { d: "10.0" }]) {
          const selected = (await db.select(other, { where: where as never })).map((r) => r["id"]);
          expect([where, selected]).toEqual([where, [1]]);
          const keyset = (await table.paginate({ where: where as never, limit: 5 })).items.map((r) => (r as { id: number }).id);
          const streamed: unknown[] = [];
          for await (const row of table.stream({ where: where as never })) streamed.push((row as { id: number }).id);
          expect([where, keyset, streamed]).toEqual([where, [1], [1]]);
        }
      } finally {
        await db.dropTable(other, { ifExists: true });
      }
    });
  });
}
