/**
 * `tablekit tables`, `describe` and `sql`: terminal tables, tab-separated output when piped, and
 * `--json`, on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit } from "./cli-harness.js";

for (const backend of backends()) {
  describe(`tablekit tables/describe/sql [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    const t = uniqueTable("cli_schema");
    let db: Database;

    beforeAll(async () => {
      db = openDb(url);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE NOT NULL", age: "INTEGER", note: "TEXT" });
      await db.createIndex(`${t}_age_note`, t, ["age", "note"]);
      await db.batchInsert(t, [
        { id: 1, email: "ann@example.com", age: 31, note: "tab\there" },
        { id: 2, email: "bob@example.com", age: 7, note: null },
      ]);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("tables lists the table, one name a line, and as JSON", async () => {
      const plain = await tablekit(["tables", "--db", url]);
      expect(plain.code).toBe(0);
      expect(plain.stdout.split("\n")).toContain(t);
      const json = await tablekit(["tables", "--db", url, "--json"]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toContain(t);
      expect(json.stderr).toBe("");
    });

    it("describe shows columns, types and indexes on a terminal", async () => {
      const run = await tablekit(["describe", t, "--db", url], { isTTY: true });
      expect(run.code).toBe(0);
      const lines = run.stdout.split("\n");
      expect(lines[0]).toBe(`Table "${t}"`);
      expect(lines[1]).toMatch(/^ column +\| type +\| nullable +\| key$/);
      const email = lines.find((l) => l.startsWith(" email "));
      expect(email).toMatch(/\| not null/);
      expect(lines.find((l) => l.startsWith(" id "))).toMatch(/\| primary key$/);
      expect(run.stdout).toContain("Indexes:");
      expect(run.stdout).toMatch(new RegExp(`${t}_age_note \\(age, note\\)`));
      expect(run.stdout).toMatch(/UNIQUE \(email\)/);
    });

    it("describe --json gives columns and indexes with unique/primary flags", async () => {
      const run = await tablekit(["describe", t, "--db", url, "--json"]);
      expect(run.code).toBe(0);
      const parsed = JSON.parse(run.stdout) as {
        table: string;
        columns: { name: string; notNull: boolean; primaryKey: boolean }[];
        indexes: { name: string; columns: string[]; unique: boolean; primary: boolean }[];
      };
      expect(parsed.table).toBe(t);
      expect(parsed.columns.map((c) => c.name)).toEqual(["id", "email", "age", "note"]);
      expect(parsed.columns.find((c) => c.name === "id")!.primaryKey).toBe(true);
      const composite = parsed.indexes.find((i) => i.name === `${t}_age_note`)!;
      expect(composite).toMatchObject({ columns: ["age", "note"], unique: false, primary: false });
      const unique = parsed.indexes.find((i) => i.unique && i.columns.join() === "email");
      expect(unique).toBeDefined();
      if (backend.name === "postgres") expect(parsed.indexes.some((i) => i.primary && i.columns.join() === "id")).toBe(true);
    });

    it("describe of a missing table exits 1 with one line", async () => {
      const run = await tablekit(["describe", `${t}_missing`, "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`tablekit: table "${t}_missing" does not exist\n`);
      expect(run.stdout).toBe("");
    });

    it("sql prints an aligned table on a terminal", async () => {
      const run = await tablekit(["sql", `SELECT id, email, note FROM ${t} ORDER BY id`, "--db", url], { isTTY: true });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        [
          " id | email           | note",
          "----+-----------------+----------",
          "  1 | ann@example.com | tab→here",
          "  2 | bob@example.com | NULL",
          "(2 rows)",
          "",
        ].join("\n"),
      );
    });

    it("sql prints tab-separated lines when piped, with tabs escaped", async () => {
      const run = await tablekit(["sql", `SELECT id, note FROM ${t} ORDER BY id`, "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("id\tnote\n1\ttab\\there\n2\t\n");
    });

    it("sql --json with --params binds the placeholders", async () => {
      const run = await tablekit(["sql", `SELECT email, age FROM ${t} WHERE age >= ? ORDER BY id`, "--params", "[18]", "--json", "--db", url]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([{ email: "ann@example.com", age: 31 }]);
    });

    it("sql - reads the statement from stdin; count(*) prints as a plain number", async () => {
      const run = await tablekit(["sql", "-", "--json", "--db", url], { stdin: `SELECT count(*) AS n FROM ${t}` });
      expect(run.code).toBe(0);
      expect(run.stdout.replace(/\s/g, "")).toBe('[{"n":2}]');
    });

    it("a SQL error exits 1 with a one-line message (and on PostgreSQL the caret)", async () => {
      const run = await tablekit(["sql", "SELEC 1", "--db", url]);
      expect(run.code).toBe(1);
      if (backend.name === "sqlite") {
        expect(run.stderr).toMatch(/^tablekit: .*syntax error.*\n$/);
        expect(run.stderr.split("\n")).toHaveLength(2);
      } else {
        // PostgreSQL gives the position: psql's LINE and caret follow the one-line message.
        expect(run.stderr).toBe('tablekit: syntax error at or near "SELEC"\nLINE 1: SELEC 1\n        ^\n');
      }
    });

    it("--params that is not a JSON array is a usage error", async () => {
      const run = await tablekit(["sql", "SELECT 1", "--params", "{}", "--db", url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("must be a JSON array");
    });
  });
}
