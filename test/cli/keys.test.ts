/**
 * Loading into an existing table (issue 21): `--pk`, `--ignore`, `--upsert`, `--replace`, re-running
 * a failed `--batch` import without duplicating rows, and the warning when there is no key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

const jsonl = (...records: object[]): string => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

for (const backend of backends()) {
  describe(`tablekit import into existing rows [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const created: string[] = [];

    async function people(): Promise<string> {
      const t = uniqueTable("cli_keys");
      created.push(t);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT", age: "INTEGER" });
      await db.batchInsert(t, [{ id: 1, name: "one", age: 10 }, { id: 2, name: "old", age: 50 }], { returning: false });
      return t;
    }

    beforeAll(() => {
      db = openDb(url);
    });

    afterAll(async () => {
      for (const t of created) await db.dropTable(t);
      // The names `import --create --pk "Order Id,line"` recorded.
      if (await db.tableExists("tablekit_names")) await db.deleteMany("tablekit_names", { table_name: { in: created } });
      await db.close();
    });

    const rows = (t: string) => db.select(t, { orderBy: "id" });

    it("--ignore skips records whose key exists, --upsert updates them, --replace replaces them", async () => {
      const file = tempFile("k.jsonl", jsonl({ id: 2, name: "new" }, { id: 3, name: "three" }, { id: 3, name: "three again" }));
      const ignore = await people();
      expect(await tablekit(["import", ignore, file, "--ignore", "--db", url])).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await rows(ignore)).toEqual([{ id: 1, name: "one", age: 10 }, { id: 2, name: "old", age: 50 }, { id: 3, name: "three", age: null }]);
      const upsert = await people();
      expect((await tablekit(["import", upsert, file, "--upsert", "--db", url])).code).toBe(0);
      expect(await rows(upsert)).toEqual([{ id: 1, name: "one", age: 10 }, { id: 2, name: "new", age: 50 }, { id: 3, name: "three again", age: null }]);
      const replace = await people();
      expect((await tablekit(["import", replace, file, "--replace", "--db", url])).code).toBe(0);
      expect(await rows(replace)).toEqual([{ id: 1, name: "one", age: 10 }, { id: 2, name: "new", age: null }, { id: 3, name: "three again", age: null }]);
      // Without a mode a duplicate key is an error and nothing is imported.
      const plain = await people();
      const run = await tablekit(["import", plain, file, "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("(nothing was imported)");
      expect(await db.count(plain)).toBe(2);
      expect((await tablekit(["import", plain, file, "--ignore", "--upsert", "--db", url])).code).toBe(2);
    });

    it("re-running a failed --batch import with --ignore does not duplicate rows", async () => {
      const t = await people();
      await db.deleteMany(t, {});
      const good = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: `p${i + 1}` }));
      const broken = tempFile("broken.jsonl", jsonl(...good.slice(0, 2500), { id: 2501, name: "x", age: "old" }, ...good.slice(2501)));
      const first = await tablekit(["import", t, broken, "--batch", "1000", "--db", url]);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain("(the first 2000 rows were committed)");
      expect(first.stderr).not.toContain("warning");
      const fixed = tempFile("fixed.jsonl", jsonl(...good));
      const again = await tablekit(["import", t, fixed, "--batch", "1000", "--ignore", "--db", url]);
      expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await db.count(t)).toBe(3000);
      expect(await db.count(t, { name: "p1" })).toBe(1);
    });

    it("no key: --batch warns before starting; --upsert is refused before anything is written", async () => {
      const t = uniqueTable("cli_nokey");
      created.push(t);
      await db.createTable(t, { code: "TEXT", qty: "INTEGER" });
      const file = tempFile("nokey.jsonl", jsonl({ code: "a", qty: 1 }, { code: "b", qty: 2 }));
      const run = await tablekit(["import", t, file, "--batch", "1", "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^tablekit: warning: table "\S+" has no primary key and no --pk was given: if this import fails, re-running it inserts the committed rows again\n$/);
      const refused = await tablekit(["import", t, file, "--upsert", "--db", url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("--upsert needs a key");
      expect(await db.count(t)).toBe(2);
      // --pk names the key of a table without one.
      const update = tempFile("upd.jsonl", jsonl({ code: "b", qty: 20 }, { code: "c", qty: 3 }));
      expect((await tablekit(["import", t, update, "--pk", "code", "--upsert", "--db", url])).code).toBe(0);
      expect(await db.select(t, { orderBy: "code" })).toEqual([{ code: "a", qty: 1 }, { code: "b", qty: 20 }, { code: "c", qty: 3 }]);
    });

    it("--create --pk makes the key, a composite --pk works with --ignore", async () => {
      const t = uniqueTable("cli_pk");
      created.push(t);
      const file = tempFile("pk.csv", "Order Id,line,item\n1,1,a\n1,2,b\n");
      expect((await tablekit(["import", t, file, "--create", "--pk", "Order Id,line", "--db", url, "-q"])).code).toBe(0);
      const again = tempFile("pk2.csv", "Order Id,line,item\n1,2,changed\n2,1,c\n");
      expect((await tablekit(["import", t, again, "--ignore", "--pk", "Order Id,line", "--db", url, "-q"])).code).toBe(0);
      expect(await db.select(t, { orderBy: ["order_id", "line"] })).toEqual([
        { order_id: 1, line: 1, item: "a" },
        { order_id: 1, line: 2, item: "b" },
        { order_id: 2, line: 1, item: "c" },
      ]);
      const single = uniqueTable("cli_pk1");
      created.push(single);
      expect((await tablekit(["import", single, file, "--create", "--pk", "line", "--ignore", "--db", url, "-q"])).code).toBe(0);
      expect((await db.columns(single)).find((c) => c.name === "line")?.primaryKey).toBe(true);
      expect(await db.count(single)).toBe(2);
    });

    it("--batch with --replace or --upsert: each batch is one transaction, so a refused row never loses or half-applies it", async () => {
      const t = uniqueTable("cli_keys_tx");
      created.push(t);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" });
      await db.batchInsert(t, [{ id: 1, name: "a" }, { id: 2, name: "b" }], { returning: false });
      // --replace deletes the batch's keys, then inserts: a refused insert must bring the deleted rows back.
      const replace = await tablekit(["import", t, tempFile("r.jsonl", jsonl({ id: 1, name: "A" }, { id: 2, name: null })), "--replace", "--batch", "10", "--db", url]);
      expect(replace.code).toBe(1);
      expect(replace.stderr).toContain("(no batch was committed)");
      expect(await rows(t)).toEqual([{ id: 1, name: "a" }, { id: 2, name: "b" }]);
      // --upsert inserts the new keys, then updates: a refused update must take the inserted rows back.
      const upsert = await tablekit(["import", t, tempFile("u.jsonl", jsonl({ id: 3, name: "c" }, { id: 1, name: null })), "--upsert", "--batch", "10", "--db", url]);
      expect(upsert.code).toBe(1);
      expect(upsert.stderr).toContain("(no batch was committed)");
      expect(await rows(t)).toEqual([{ id: 1, name: "a" }, { id: 2, name: "b" }]);
    });

    it("with a key and no --ignore/--upsert/--replace, a record whose key exists is an error that says what to add", async () => {
      const t = uniqueTable("cli_keys_pk");
      created.push(t);
      await db.createTable(t, { code: "TEXT", qty: "INTEGER" });
      expect((await tablekit(["import", t, tempFile("a.jsonl", jsonl({ code: "a", qty: 1 }, { code: "b", qty: 2 })), "--pk", "code", "--batch", "1", "--db", url])).code).toBe(0);
      // A --pk on a table without a unique key: the command checks the keys itself, so a re-run never duplicates.
      const again = await tablekit(["import", t, tempFile("b.jsonl", jsonl({ code: "c", qty: 3 }, { code: "a", qty: 9 })), "--pk", "code", "--batch", "1", "--db", url]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('b.jsonl:2: the key (code) = ("a") is already in the table; add --ignore to skip such records, --upsert or --replace to overwrite them (the first 1 row was committed)');
      expect(await db.select(t, { orderBy: "code" })).toEqual([{ code: "a", qty: 1 }, { code: "b", qty: 2 }, { code: "c", qty: 3 }]);
      // Twice in the file is the same mistake.
      const twice = await tablekit(["import", t, tempFile("c.jsonl", jsonl({ code: "d", qty: 1 }, { code: "d", qty: 2 })), "--pk", "code", "--db", url]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('c.jsonl:2: the key (code) = ("d") is already in the file');
      // A primary key refuses the same: re-running a failed --batch import as it was says how to resume.
      const p = await people();
      const rerun = await tablekit(["import", p, tempFile("p.jsonl", jsonl({ id: 5, name: "five" }, { id: 1, name: "dup" })), "--batch", "10", "--db", url]);
      expect(rerun.code).toBe(1);
      expect(rerun.stderr).toContain("add --ignore to skip such records");
      expect(await db.count(p)).toBe(2);
    });
  });
}
