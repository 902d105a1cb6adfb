/**
 * `tablekit import`: JSON Lines and CSV, value conversion, malformed lines with `FILE:LINE`,
 * `--atomic` (nothing committed) against `--batch N` (earlier batches kept), `--create`, stdin,
 * and the progress bar that only a terminal gets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

const lines = (...records: unknown[]): string => records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";

for (const backend of backends()) {
  describe(`tablekit import [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const created: string[] = [];

    /** A fresh `people` table. */
    async function peopleTable(): Promise<string> {
      const t = uniqueTable("cli_import");
      created.push(t);
      await db.createTable(t, {
        id: "INTEGER PRIMARY KEY",
        name: "TEXT NOT NULL",
        age: "INTEGER",
        score: "DOUBLE PRECISION",
        active: "BOOLEAN",
        meta: "JSONB",
        born: "TIMESTAMPTZ",
        avatar: "BYTEA",
      });
      return t;
    }

    beforeAll(() => {
      db = openDb(url);
    });

    afterAll(async () => {
      for (const t of created) await db.dropTable(t);
      await db.close();
    });

    it("imports JSON Lines, converting values for each column, and prints nothing when piped", async () => {
      const t = await peopleTable();
      const file = tempFile("people.jsonl", lines(
        { id: 1, name: "Ann", age: 31, score: 1.5, active: true, meta: { tags: ["a"] }, born: "1990-01-02T03:04:05.000Z", avatar: "\\x0102ff" },
        "",
        { id: 2, name: "Bob", age: "7", active: "false", meta: null },
      ));
      const run = await tablekit(["import", t, file, "--db", url]);
      expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
      const rows = await db.select(t, { orderBy: "id" });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ id: 1, name: "Ann", age: 31, score: 1.5, active: true, meta: { tags: ["a"] } });
      expect((rows[0]!["born"] as Date).toISOString()).toBe("1990-01-02T03:04:05.000Z");
      expect(Buffer.from(rows[0]!["avatar"] as Uint8Array)).toEqual(Buffer.from([1, 2, 255]));
      expect(rows[1]).toMatchObject({ id: 2, name: "Bob", age: 7, active: false, meta: null, score: null });
    });

    it("imports CSV: empty unquoted cells are NULL, quoted empty cells are empty strings", async () => {
      const t = await peopleTable();
      const file = tempFile("people.csv", 'id,name,age,active,meta\n1,Ann,31,true,"{""k"":1}"\n2,"",,f,\n3,"Cy, Jr.",40,,[]\n');
      const run = await tablekit(["import", t, file, "--db", url, "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ table: t, rows: 3, created: false, format: "csv" });
      const rows = await db.select(t, { orderBy: "id", columns: ["id", "name", "age", "active", "meta"] });
      expect(rows).toEqual([
        { id: 1, name: "Ann", age: 31, active: true, meta: { k: 1 } },
        { id: 2, name: "", age: null, active: false, meta: null },
        { id: 3, name: "Cy, Jr.", age: 40, active: null, meta: [] },
      ]);
    });

    it("a malformed line stops an atomic import with FILE:LINE, and nothing is committed", async () => {
      const t = await peopleTable();
      // More good records than one insert batch (1,000), so rows were sent before the bad line.
      const good = Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, name: `p${i}` }));
      const file = tempFile("bad.jsonl", lines(...good, '{"id": 0, "name": }', { id: 9999, name: "e" }));
      const run = await tablekit(["import", t, file, "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^tablekit: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2501: invalid JSON: .*\\(nothing was imported\\)\\n$`));
      expect(await db.count(t)).toBe(0);
    });

    it("with --batch N the batches before the malformed line stay committed", async () => {
      const t = await peopleTable();
      const records = [1, 2, 3, 4, 5].map((id) => ({ id, name: `n${id}` }));
      const file = tempFile("batches.jsonl", lines(...records, "[6]", { id: 7, name: "n7" }));
      const run = await tablekit(["import", t, file, "--batch", "2", "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}:6: expected a JSON object, got an array (the first 4 rows were committed)`);
      expect((await db.select(t, { orderBy: "id" })).map((r) => r["id"])).toEqual([1, 2, 3, 4]);
    });

    it("a value that does not fit its column names the line and the column", async () => {
      const t = await peopleTable();
      const file = tempFile("types.csv", "id,name,age\n1,a,3\n2,b,three\n");
      const run = await tablekit(["import", t, file, "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}:3: column "age": expected an integer, got "three"`);
      expect(await db.count(t)).toBe(0);
    });

    it("an unknown column is reported at its line (CSV: the header)", async () => {
      const t = await peopleTable();
      const csv = tempFile("unknown.csv", "id,name,nickname\n1,a,x\n");
      const fromCsv = await tablekit(["import", t, csv, "--db", url]);
      expect(fromCsv.code).toBe(1);
      expect(fromCsv.stderr).toContain(`${csv}:1: unknown column "nickname"`);
      const jsonl = tempFile("unknown.jsonl", lines({ id: 1, name: "a" }, { id: 2, name: "b", nickname: "x" }));
      const fromJsonl = await tablekit(["import", t, jsonl, "--db", url]);
      expect(fromJsonl.stderr).toContain(`${jsonl}:2: unknown column "nickname"`);
    });

    it("rows the database refuses are reported with their line range and roll back", async () => {
      const t = await peopleTable();
      const records = Array.from({ length: 1500 }, (_, i) => ({ id: i + 1, name: `p${i}` }));
      const file = tempFile("dupes.jsonl", lines(...records, { id: 1, name: "again" }));
      const run = await tablekit(["import", t, file, "--db", url]);
      expect(run.code).toBe(1);
      // The first 1,000 went in one batch; the duplicate is in the batch of lines 1001-1501.
      expect(run.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1001-1501: .*\\(nothing was imported\\)`));
      expect(await db.count(t)).toBe(0);
    });

    it("--create makes the table with conservative types inferred from the records", async () => {
      const t = uniqueTable("cli_create");
      created.push(t);
      const file = tempFile("new.jsonl", lines(
        { id: 1, name: "Ann", ratio: 1, ok: true, tags: ["x"], zip: "007", empty: null },
        { id: 2, name: "Bob", ratio: 0.25, ok: false, tags: { a: 1 }, zip: "12" },
      ));
      const run = await tablekit(["import", t, file, "--create", "--db", url, "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: 2, created: true });
      const types = Object.fromEntries((await db.columns(t)).map((c) => [c.name, c.type.toLowerCase()]));
      expect(types["id"]).toBe("bigint");
      expect(types["ratio"]).toMatch(/^double precision/);
      expect(types["ok"]).toBe("boolean");
      expect(types["tags"]).toMatch(/^jsonb/);
      expect(types["zip"]).toBe("text");
      expect(types["empty"]).toBe("text");
      expect(await db.select(t, { orderBy: "id", columns: ["id", "zip", "tags"] })).toEqual([
        { id: 1, zip: "007", tags: ["x"] },
        { id: 2, zip: "12", tags: { a: 1 } },
      ]);
    });

    it("--create from CSV keeps ambiguous cells as text", async () => {
      const t = uniqueTable("cli_create_csv");
      created.push(t);
      const file = tempFile("new.csv", "n,price,flag,code\n1,2.5,TRUE,007\n22,3,false,1\n");
      expect((await tablekit(["import", t, file, "--create", "--db", url])).code).toBe(0);
      const types = Object.fromEntries((await db.columns(t)).map((c) => [c.name, c.type.toLowerCase()]));
      expect(types).toMatchObject({ n: "bigint", flag: "boolean", code: "text" });
      expect(types["price"]).toMatch(/^double precision/);
      expect(await db.select(t, { orderBy: "n" })).toEqual([
        { n: 1, price: 2.5, flag: true, code: "007" },
        { n: 22, price: 3, flag: false, code: "1" },
      ]);
    });

    it("a missing table without --create is an error that suggests it", async () => {
      const file = tempFile("x.jsonl", lines({ a: 1 }));
      const run = await tablekit(["import", uniqueTable("cli_absent"), file, "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("add --create");
    });

    it("reads stdin with --format, and shows a progress bar and a summary only on a terminal", async () => {
      const t = await peopleTable();
      const input = lines(...Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `p${i}` })));
      const run = await tablekit(["import", t, "-", "--format", "jsonl", "--db", url], { stdin: input, stderrIsTTY: true });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/import .*rows\/s/);
      expect(run.stderr).toMatch(/\x1b\[KImported 50 rows into \S+ in [\d.]+ s\n$/);
      expect(run.stdout).toBe("");
      const file = tempFile("progress.jsonl", lines({ id: 100, name: "x" }));
      const withTotal = await tablekit(["import", t, file, "--db", url], { stderrIsTTY: true });
      expect(withTotal.stderr).toMatch(/\[#+-*\] +\d+%.*rows\/s.*ETA/);
      expect(await db.count(t)).toBe(51);
    });

    it("usage errors exit 2: unknown extension, stdin without --format, --atomic with --batch", async () => {
      const odd = tempFile("data.txt", "{}\n");
      const t = await peopleTable();
      const ext = await tablekit(["import", t, odd, "--db", url]);
      expect(ext.code).toBe(2);
      expect(ext.stderr).toContain("--format");
      expect((await tablekit(["import", t, "-", "--db", url])).code).toBe(2);
      const both = await tablekit(["import", t, odd, "--atomic", "--batch", "5", "--format", "jsonl", "--db", url]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("cannot be used with");
      expect((await tablekit(["import", t, odd, "--batch", "0", "--db", url])).code).toBe(2);
    });

    it("a file that does not exist exits 1", async () => {
      const t = await peopleTable();
      const run = await tablekit(["import", t, "/nonexistent/x.jsonl", "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^tablekit: ENOENT.*x\.jsonl/);
    });
  });
}
