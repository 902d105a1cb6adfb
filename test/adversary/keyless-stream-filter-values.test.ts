/**
 * Adversary (issue #16, the restructure under "no public behaviour change"): `Table.stream` on a
 * table without a primary key (the database-cursor path) no longer refuses, on SQLite, a filter
 * value its column cannot hold.
 *
 * Found by running the same calls against the last version before the restructure (0532496, and
 * 2aabf37 just before the SQL-form merge) and the restructured tree. Before, the keyless stream
 * planned its read with the caller's `where` (`#plan(meta, options)`), whose compile with SQLite's
 * declared column types checks each value as every other Table read does: `{ u: "nope" }` on a
 * UUID column, `{ n: 1.5 }`, `{ n: "abc" }` or `{ n: 2 ** 40 }` on an INTEGER column was a
 * `ValidationError` ("A filter on column … cannot compare …") before any SQL, exactly as
 * `list`/`count`/`findOne`/`paginate` and the keyed stream still refuse it. Since the split
 * (src/table/stream.ts) the keyless branch plans with `where: undefined` and compiles the filter
 * once with `meta.context` only (no `columnValues`), so no value is checked: the SELECT runs and
 * the stream ends empty, silently. On PostgreSQL the server refuses such a value, before and
 * after (a `QueryError`, unchanged).
 *
 * Not fixed here, because the two small fixes each change something the restructure chose on
 * purpose: (a) compile the keyless filter with `compileFilter(ctx, meta, userWhere)` (the typed
 * compile, once): the refusal comes back, and CHAR(n)/DECIMAL/NUMERIC filters on this path then
 * match as `list` and PostgreSQL match them (today `{ c: "ab" }` on a CHAR(4) column finds
 * nothing here but the row in `list`, before and after the restructure): a change of which rows
 * match, which stream.ts's comment says was kept as it always was; (b) keep the untyped compile
 * for the cursor and run the typed compile only to check (exactly the old behaviour), which
 * compiles the caller's where twice and so breaks test/unit/where-compiled-once.test.ts ("stream
 * on a table without a primary key" expects one compile). The lead picks; (a) looks right to me.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, Table, ValidationError } from "../../src/index.js";
import { backends, recordQueries, rejection, uniqueTable } from "../support/backends.js";

async function drain(rows: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const row of rows) seen.push(row);
  return seen;
}

for (const backend of backends()) {
  describe(`a keyless Table.stream given a filter value its column cannot hold [${backend.name}]`, () => {
    let db: Database;
    let name: string;
    let events: Table;
    beforeAll(async () => {
      db = new Database(backend.options());
      name = uniqueTable("adv_keyless_stream");
      await db.createTable(name, { u: "UUID", n: "INTEGER" });
      await db.insert(name, { u: "00000000-0000-0000-0000-000000000001", n: 1 });
      events = new Table(name, { db });
      await events.count();
    });
    afterAll(async () => {
      await db?.dropTable(name, { ifExists: true });
      await db?.close();
    });

    it("list refuses it, as before", async () => {
      const sent = recordQueries(db);
      const error = await rejection(events.list({ where: { u: "nope" } }));
      expect(error).toBeInstanceOf(backend.name === "sqlite" ? ValidationError : Error);
      if (backend.name === "sqlite") expect(sent.filter((s) => /^SELECT \*/.test(s))).toEqual([]);
    });

    const onSqliteFails = backend.name === "sqlite" ? it.fails : it;
    onSqliteFails("the keyless stream refuses it too (SQLite: a ValidationError before any SELECT, as before the restructure)", async () => {
      for (const where of [{ u: "nope" }, { n: 1.5 }, { n: "abc" }, { u: { in: ["nope"] } }]) {
        const sent = recordQueries(db);
        const error = await rejection(drain(events.stream({ where: where as never })));
        if (backend.name === "sqlite") {
          expect(error).toBeInstanceOf(ValidationError);
          expect(sent.filter((s) => /^SELECT \*/.test(s))).toEqual([]);
        } else {
          expect(error).toBeInstanceOf(Error);
        }
      }
    });

    it("a value the column holds still streams its row", async () => {
      expect(await drain(events.stream({ where: { u: "00000000-0000-0000-0000-000000000001" } }))).toEqual([{ u: "00000000-0000-0000-0000-000000000001", n: 1 }]);
    });
  });
}
