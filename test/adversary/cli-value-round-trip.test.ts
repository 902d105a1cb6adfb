/**
 * Adversary (issue 17, portable values): `tablekit export` then `tablekit import` of the values
 * issue 17 made portable: NUMERIC NaN/±Infinity, CHAR(n), 64-bit integer keys.
 *
 * Found by the adversary run: NUMERIC now stores PostgreSQL's special values on every backend, and
 * `export` writes them as `"NaN"`, `"Infinity"`, `"-Infinity"`, but `import` refused them ("not a
 * decimal number": src/cli/column-kinds.ts accepted only plain decimal text), so a table holding one
 * could not be exported and imported back, on either backend. Fixed in column-kinds.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, tablekit, tempFile } from "../cli/cli-harness.js";

const COLUMNS = { id: "BIGINT PRIMARY KEY", d: "NUMERIC", c: "CHAR(4)" };
const ROWS = [
  { id: "9007199254740993", d: "NaN", c: "ab" },
  { id: "2", d: "Infinity", c: "abcd" },
  { id: "3", d: "-Infinity", c: null },
  { id: "4", d: "1.50", c: "x" },
];

for (const backend of backends()) {
  describe(`CLI export → import of portable values [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database<"string">;
    const created: string[] = [];

    beforeAll(() => {
      db = new Database({ url, int64: "string" });
    });
    afterAll(async () => {
      for (const t of created) await db.dropTable(t, { ifExists: true });
      await db.close();
    });

    for (const format of ["jsonl", "csv"] as const) {
      it(`round-trips NUMERIC NaN/±Infinity, CHAR(n) and a 64-bit key through ${format}`, async () => {
        const source = uniqueTable("adv_cli_src");
        const target = uniqueTable("adv_cli_dst");
        created.push(source, target);
        await db.createTable(source, COLUMNS);
        await db.createTable(target, COLUMNS);
        await db.batchInsert(source, ROWS);
        const exported = await tablekit(["export", source, "--format", format, "--order-by", "id", "--db", url]);
        expect(exported.code).toBe(0);
        const file = tempFile(`rows.${format}`, exported.stdout);
        const imported = await tablekit(["import", target, file, "--db", url]);
        expect(imported.stderr).toBe("");
        expect(imported.code).toBe(0);
        expect(await db.select(target, { orderBy: { id: "asc" } })).toEqual(await db.select(source, { orderBy: { id: "asc" } }));
      });
    }
  });
}
