/**
 * `tablekit export`: JSON Lines and CSV, `--where`, `--out`, `--order-by`, and the round trip
 * import → export → import that keeps every value (bytes, timestamps, JSON, 64-bit integers,
 * NULL against the empty string).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import type { Database } from "../../src/index.js";
import { backends, tempDir, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

const COLUMNS = {
  id: "BIGINT PRIMARY KEY",
  name: "TEXT",
  active: "BOOLEAN",
  meta: "JSONB",
  at: "TIMESTAMPTZ",
  blob: "BYTEA",
  price: "DECIMAL(10,2)",
};

const SOURCE = [
  { id: 1, name: "Ann", active: true, meta: { tags: ["a", "b"], n: 1 }, at: "2024-05-01T12:00:00.000Z", blob: "\\x00ff10", price: "9.50" },
  { id: 9007199254740993n, name: "", active: false, meta: [1, 2], at: null, blob: null, price: "0.00" },
  { id: 3, name: null, active: null, meta: null, at: "1999-12-31T23:59:59.999Z", blob: "\\x", price: null },
];

/** JSON Lines text for records holding a bigint (JSON.stringify cannot write one). */
function jsonl(records: readonly Record<string, unknown>[]): string {
  return records.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? `@@${v}@@` : v)).replace(/"@@(\d+)@@"/g, "$1")).join("\n") + "\n";
}

for (const backend of backends()) {
  describe(`tablekit export [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const tables: string[] = [];
    let t: string;

    async function freshTable(): Promise<string> {
      const name = uniqueTable("cli_export");
      tables.push(name);
      await db.createTable(name, COLUMNS);
      return name;
    }

    beforeAll(async () => {
      db = openDb(url);
      t = await freshTable();
      const run = await tablekit(["import", t, tempFile("source.jsonl", jsonl(SOURCE)), "--db", url]);
      expect(run.stderr).toBe("");
    });

    afterAll(async () => {
      for (const name of tables) await db.dropTable(name);
      await db.close();
    });

    it("writes JSON Lines to stdout, in the encoding import reads", async () => {
      const run = await tablekit(["export", t, "--order-by", "id", "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      expect(JSON.parse(lines[0]!)).toEqual({ id: 1, name: "Ann", active: true, meta: { tags: ["a", "b"], n: 1 }, at: "2024-05-01T12:00:00.000Z", blob: "\\x00ff10", price: "9.50" });
      // The 64-bit id is written with every digit, not rounded.
      expect(lines[2]).toContain('"id":9007199254740993,');
    });

    it("--where filters, --format csv writes a header, NULL as nothing and '' as \"\"", async () => {
      const run = await tablekit(["export", t, "--where", '{"id": {"gte": 2}}', "--format", "csv", "--order-by", "id", "--db", url]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        ["id,name,active,meta,at,blob,price", "3,,,,1999-12-31T23:59:59.999Z,\\x,", '9007199254740993,"",false,"[1,2]",,,0.00', ""].join("\n"),
      );
    });

    it("--out writes the file (format from its extension) and leaves no temporary file", async () => {
      const dir = tempDir();
      const out = join(dir, "active.csv");
      const run = await tablekit(["export", t, "--where", '{"active": true}', "--out", out, "--db", url]);
      expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
      // JSONB keys in jsonb's order on both backends (issue 17: SQLite kept the written order).
      expect(readFileSync(out, "utf8")).toBe('id,name,active,meta,at,blob,price\n1,Ann,true,"{""n"":1,""tags"":[""a"",""b""]}",2024-05-01T12:00:00.000Z,\\x00ff10,9.50\n');
      expect(readdirSync(dir)).toEqual(["active.csv"]);
    });

    it("on a terminal with --out, shows progress and a summary", async () => {
      const out = join(tempDir(), "all.jsonl");
      const run = await tablekit(["export", t, "--out", out, "--db", url], { isTTY: true, stderrIsTTY: true });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/Exported 3 rows from \S+ to .*all\.jsonl in [\d.]+ s\n$/);
      expect(run.stderr).toMatch(/export .*\d+ rows?  .*rows\/s  ETA/);
    });

    it("round trip: export then import into a new table keeps every value, in JSON Lines and CSV", async () => {
      for (const format of ["jsonl", "csv"] as const) {
        const out = join(tempDir(), `round.${format}`);
        expect((await tablekit(["export", t, "--out", out, "--db", url])).code).toBe(0);
        const copy = await freshTable();
        const back = await tablekit(["import", copy, out, "--db", url]);
        expect(back.stderr).toBe("");
        const original = await db.select(t, { orderBy: "id", where: { id: { lt: 100 } } });
        expect(original).toHaveLength(2);
        expect(await db.select(copy, { orderBy: "id", where: { id: { lt: 100 } } })).toEqual(original);
        // Beyond 2^53: compared as text, since the default int64 policy refuses to round it.
        expect(await db.execute(`SELECT CAST(id AS TEXT) AS id, name FROM ${copy} WHERE id > 100`)).toEqual([{ id: "9007199254740993", name: "" }]);
      }
    });

    it("a failed export removes its partial file", async () => {
      const out = join(tempDir(), "broken.jsonl");
      for (const isTTY of [false, true]) {
        const run = await tablekit(["export", t, "--where", '{"no_such_column": 1}', "--out", out, "--db", url], { isTTY });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^tablekit: .*no_such_column/);
        expect(readdirSync(dirname(out))).toEqual([]);
        expect(existsSync(out)).toBe(false);
      }
    });

    it("a reader that goes away (export | head) ends the export quietly with exit 0", async () => {
      const broken = new Writable({
        highWaterMark: 1, // so the writer waits on the stream and sees its error
        write(_chunk, _encoding, callback) {
          callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
        },
      });
      const stderr: string[] = [];
      const code = await runCli(["export", t, "--db", url], {
        stdout: broken,
        stderr: new Writable({ write: (chunk: Buffer, _e, cb) => (stderr.push(chunk.toString()), cb()) }),
        stdin: Readable.from([]),
        env: {},
        isTTY: false,
      });
      expect(code).toBe(0);
      expect(stderr).toEqual([]);
    });

    it("errors: a missing table exits 1; bad --where JSON and an unknown --out extension exit 2", async () => {
      const missing = await tablekit(["export", `${t}_nope`, "--db", url]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`tablekit: table "${t}_nope" does not exist\n`);
      const where = await tablekit(["export", t, "--where", "{age:", "--db", url]);
      expect(where.code).toBe(2);
      expect(where.stderr).toContain("not valid JSON");
      const notObject = await tablekit(["export", t, "--where", "[1]", "--db", url]);
      expect(notObject.code).toBe(2);
      const ext = await tablekit(["export", t, "--out", join(tempDir(), "x.bin"), "--db", url]);
      expect(ext.code).toBe(2);
    });
  });
}
