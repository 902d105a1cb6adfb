/**
 * Adversary (issue #16, the restructure under "no public behaviour change"): the SQL an explicit
 * generated id sends, compared with the last version before the restructure (0532496).
 *
 * Found by running the same calls against 0532496 and the restructured tree and diffing the
 * `query` events (SQL text and, with `logParameters`, the bound values). Everything compared was
 * the same (every filter operator, orderings, columns, limits, execute with `?`/`$n`/fragments,
 * streams, batches, upserts, Table reads, pages, includes and filtered writes, transactions, the
 * key-value store and its raw SQL helpers, migrations, tracing channels) except this statement:
 * PostgreSQL's catalog read of a table's sequence-generated columns (src/queryable/sequences.ts),
 * which an insert/upsert/batch giving a key an explicit value ≥ 1 sends once per Database and
 * table. Before, it bound the table name once and used it twice:
 *
 *   … pg_get_serial_sequence($1, a.attname) … WHERE a.attrelid = to_regclass($1) …   params [name]
 *
 * Since commit 9f0dae8 it is a `sql` fragment that interpolates the name twice, so it binds it
 * twice: `… to_regclass($2) …` with params `[name, name]`. The server's answer is the same; what
 * changed is the statement text and parameters that `query` listeners, the tracing channels and
 * server logs see (and a second bound value per read). A fragment cannot say "the same parameter
 * again", so the fix is not a one-liner: either render.ts learns to reuse a value's placeholder
 * (e.g. a `sql.same(value)` marker rendered as the first occurrence's `$n`), or the statement
 * moves to the PostgreSQL dialect as text, as the advisory locks did (SqlDialect.advisoryLocks,
 * commit a8783ab). Fixed the second way: the catalog read and the sequence advance are the
 * dialect's (`SqlDialect.sequences`), so queryable/ holds no PostgreSQL function.
 *
 * On SQLite no catalog read is sent (rowid keys follow explicit values by themselves), before
 * and after; that case pins the single INSERT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, type QueryEvent } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const CATALOG_READ = /pg_get_serial_sequence/;

for (const backend of backends()) {
  describe(`the statements of a write with an explicit generated id [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    const seen: QueryEvent[] = [];
    beforeAll(async () => {
      db = new Database({ ...backend.options(), logParameters: true });
      table = uniqueTable("adv_seq_read");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", v: "TEXT" });
      db.on("query", (event) => seen.push(event));
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    if (backend.name === "postgres") {
      it("the catalog read of the sequences binds the table name once, as before the restructure", async () => {
        seen.length = 0;
        expect(await db.insert(table, { id: 5, v: "a" })).toEqual({ id: 5, v: "a" });
        const reads = seen.filter((event) => CATALOG_READ.test(event.sql));
        expect(reads).toHaveLength(1);
        expect(reads[0]!.sql).toBe(
          "SELECT a.attname AS name, pg_get_serial_sequence($1, a.attname) AS seq FROM pg_catalog.pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
        );
        expect(reads[0]!.params).toEqual([`"${table}"`]);
      });

      it("the catalog read still finds the sequence: the next generated id follows the explicit one", async () => {
        await db.insert(table, { id: 40, v: "explicit" });
        const generated = await db.insert(table, { v: "generated" });
        expect(generated["id"]).toBe(41);
      });
    } else {
      it("sends the INSERT alone, with no catalog read", async () => {
        seen.length = 0;
        expect(await db.insert(table, { id: 5, v: "a" })).toEqual({ id: 5, v: "a" });
        expect(seen.map((event) => event.sql)).toEqual([`INSERT INTO "${table}" ("id", "v") VALUES (?, ?) RETURNING *`]);
        expect(seen[0]!.params).toEqual([5, "a"]);
      });
    }
  });
}
