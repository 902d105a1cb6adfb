/**
 * SQL from the terminal (issue 21): scripts (`-f FILE`, `-f -`, several statements in one
 * argument) split at the `;` that end statements, `--atomic`, FILE:LINE of a failing statement,
 * psql's command tags, rows streamed as they arrive in every format, and the server's DETAIL,
 * HINT and caret.
 */
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

for (const backend of backends()) {
  describe(`tablekit sql [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const created: string[] = [];
    const table = (): string => {
      const t = uniqueTable("cli_sql");
      created.push(t);
      return t;
    };

    beforeAll(() => {
      db = openDb(url);
    });

    afterAll(async () => {
      for (const t of created) await db.dropTable(t);
      await db.close();
    });

    it("-f runs the statements of a script in order; ';' inside strings and comments does not split", async () => {
      const t = table();
      const script = tempFile(
        "schema.sql",
        `-- a comment; with a semicolon\nCREATE TABLE ${t} (id INTEGER PRIMARY KEY, note TEXT);\n` +
          `INSERT INTO ${t} VALUES (1, 'a;b'), (2, 'it''s; fine');\n/* block; comment */\n` +
          `SELECT note FROM ${t} ORDER BY id;\n`,
      );
      const run = await tablekit(["sql", "-f", script, "--db", url]);
      expect(run).toEqual({ code: 0, stdout: "note\na;b\nit's; fine\n", stderr: "" });
      // The same from stdin, and as one argument (PostgreSQL refused two statements in one prepared statement).
      const more = `INSERT INTO ${t} VALUES (3, 'c'); UPDATE ${t} SET note = 'x' WHERE id > 1`;
      expect((await tablekit(["sql", "-f", "-", "--db", url], { stdin: more })).code).toBe(0);
      expect((await tablekit(["sql", `DELETE FROM ${t} WHERE id = 3; SELECT count(*) AS n FROM ${t}`, "--db", url])).stdout).toBe("n\n2\n");
    });

    it("a failing statement is named by file and line; --atomic commits nothing, without it the ones before stay", async () => {
      const t = table();
      const script = tempFile("fails.sql", `CREATE TABLE ${t} (id INTEGER PRIMARY KEY);\nINSERT INTO ${t} VALUES (1);\n\nINSERT INTO ${t} VALUES (1);\nINSERT INTO ${t} VALUES (2);\n`);
      const atomic = await tablekit(["sql", "-f", script, "--atomic", "--db", url]);
      expect(atomic.code).toBe(1);
      expect(atomic.stderr.split("\n")[0]).toMatch(new RegExp(`^tablekit: .*fails\\.sql:4: .*(UNIQUE|unique).*\\(nothing was committed\\)$`));
      expect(await db.columns(t)).toEqual([]);
      const plain = await tablekit(["sql", "-f", script, "--db", url]);
      expect(plain.code).toBe(1);
      expect(plain.stderr.split("\n")[0]).toMatch(/fails\.sql:4: .*\(the 2 statements before it were committed\)$/);
      expect(await db.select(t)).toEqual([{ id: 1 }]);
    });

    it("psql's command tags on a terminal: INSERT 0 2, UPDATE 2, DELETE 1; nothing when piped", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", v: "INTEGER" });
      const tty = await tablekit(["sql", `INSERT INTO ${t} VALUES (1, 0), (2, 0); UPDATE ${t} SET v = 1; DELETE FROM ${t} WHERE id = 1`, "--db", url], { isTTY: true });
      expect(tty).toEqual({ code: 0, stdout: "INSERT 0 2\nUPDATE 2\nDELETE 1\n", stderr: "" });
      const piped = await tablekit(["sql", `UPDATE ${t} SET v = 2`, "--db", url]);
      expect(piped).toEqual({ code: 0, stdout: "", stderr: "" });
      const toStderr = await tablekit(["sql", `UPDATE ${t} SET v = 3`, "--db", url], { stderrIsTTY: true });
      expect(toStderr).toEqual({ code: 0, stdout: "", stderr: "UPDATE 1\n" });
    });

    it("streams rows in every format, as they arrive", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      await db.batchInsert(t, Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: i === 0 ? "a,b" : `n${i + 1}` })), { returning: false });
      const query = `SELECT id, name FROM ${t} WHERE id <= ? ORDER BY id`;
      const csv = await tablekit(["sql", query, "--params", "[2]", "--format", "csv", "--db", url]);
      expect(csv.stdout).toBe('id,name\n1,"a,b"\n2,n2\n');
      const jsonl = await tablekit(["sql", query, "--params", "[2]", "--format", "jsonl", "--db", url]);
      expect(jsonl.stdout).toBe('{"id":1,"name":"a,b"}\n{"id":2,"name":"n2"}\n');
      const json = await tablekit(["sql", query, "--params", "[2]", "--json", "--db", url]);
      expect(JSON.parse(json.stdout)).toEqual([{ id: 1, name: "a,b" }, { id: 2, name: "n2" }]);
      expect(json.stdout).toBe(JSON.stringify([{ id: 1, name: "a,b" }, { id: 2, name: "n2" }], null, 2) + "\n");
      // Streamed: the rows reach stdout in many writes (pieces of about 64 KiB), not one buffer at the end.
      let writes = 0;
      let text = "";
      const stdout = new Writable({
        write(chunk: Buffer, _e, cb) {
          writes++;
          text += chunk.toString();
          cb();
        },
      });
      await db.batchInsert(t, Array.from({ length: 7000 }, (_, i) => ({ id: i + 3001, name: "y".repeat(100) })), { returning: false });
      const code = await runCli(["sql", `SELECT id, name FROM ${t} ORDER BY id`, "--format", "jsonl", "--db", url], {
        stdout,
        stderr: new Writable({ write: (_c, _e, cb) => cb() }),
        stdin: Readable.from([]),
        env: {},
        isTTY: false,
      });
      expect(code).toBe(0);
      expect(text.split("\n")).toHaveLength(10_001);
      expect(writes).toBeGreaterThanOrEqual(10);
    });

    it("the terminal table streams too: widths from the first 1,000 rows, then every row as it comes", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      await db.batchInsert(t, Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, name: i === 4999 ? "a much longer name at the end" : "n".repeat(20) })), { returning: false });
      let writes = 0;
      let text = "";
      const stdout = new Writable({
        write(chunk: Buffer, _e, cb) {
          writes++;
          text += chunk.toString();
          cb();
        },
      });
      const code = await runCli(["sql", `SELECT id, name FROM ${t} ORDER BY id`, "--db", url], {
        stdout,
        stderr: new Writable({ write: (_c, _e, cb) => cb() }),
        stdin: Readable.from([]),
        env: {},
        isTTY: true,
      });
      expect(code).toBe(0);
      expect(writes).toBeGreaterThanOrEqual(3);
      const lines = text.split("\n");
      expect(lines.slice(0, 3)).toEqual([" id   | name", "------+----------------------", `    1 | ${"n".repeat(20)}`]);
      expect(lines[5001]).toBe(" 5000 | a much longer name at the end");
      expect(lines[5002]).toBe("(5000 rows)");
      // A short result is laid out exactly as before.
      expect((await tablekit(["sql", `SELECT id, name FROM ${t} WHERE id <= 2 ORDER BY id`, "--db", url], { isTTY: true })).stdout).toBe(
        ` id | name\n----+----------------------\n  1 | ${"n".repeat(20)}\n  2 | ${"n".repeat(20)}\n(2 rows)\n`,
      );
    });

    it("errors show the server's DETAIL, HINT and a caret under the position", async () => {
      const t = table();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
      await db.insert(t, { id: 1 });
      const dup = await tablekit(["sql", `INSERT INTO ${t} VALUES (1)`, "--db", url]);
      expect(dup.code).toBe(1);
      const caret = await tablekit(["sql", `SELECT id\nFROM ${t}\nWHERE nope = 1`, "--db", url]);
      expect(caret.code).toBe(1);
      if (backend.name === "postgres") {
        expect(dup.stderr).toMatch(/^tablekit: duplicate key value .*\nDETAIL: {2}Key \(id\)=\(1\) already exists\.\n$/);
        expect(caret.stderr).toBe('tablekit: column "nope" does not exist\nLINE 3: WHERE nope = 1\n              ^\n');
        const hint = await tablekit(["sql", "SELECT lower(1)", "--db", url]);
        expect(hint.stderr).toContain("LINE 1: SELECT lower(1)\n               ^\nHINT:  No function matches");
      } else {
        // SQLite reports no position or detail: the one line.
        expect(caret.stderr).toBe("tablekit: no such column: nope\n");
      }
    });
  });
}

describe("splitting scripts into statements", () => {
  it("knows PostgreSQL's dollar quotes, E'' strings and nested comments, and SQLite's trigger bodies", async () => {
    const { splitScript: splitStatements, placeholderParts, commandTag } = await import("../../src/cli/sql-script.js");
    const pg = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT E'a\\';b';\n/* x /* y; */ ; */ SELECT $$;$$";
    expect(splitStatements(pg, "postgres").map((s) => s.line)).toEqual([1, 2, 3]);
    expect(splitStatements(pg, "postgres")[2]!.sql).toBe("SELECT $$;$$");
    const lite = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 1;\n  DELETE FROM u;\nEND;\nSELECT [a;b] FROM t;";
    expect(splitStatements(lite, "sqlite").map((s) => s.line)).toEqual([1, 5]);
    expect(placeholderParts("a = ? AND b = '?' AND c ?| d", "postgres")).toEqual(["a = ", " AND b = '?' AND c ?| d"]);
    expect(["CREATE UNIQUE INDEX i ON t (a)", "drop table if exists t", "update t set a = 1"].map((s) => commandTag(s, "sqlite"))).toEqual(["CREATE INDEX", "DROP TABLE", "UPDATE"]);
  });
});
