/**
 * `tablekit kv get|set|delete|list`, with `--table`, `--prefix`, `--ttl` and `--json`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit } from "./cli-harness.js";

for (const backend of backends()) {
  describe(`tablekit kv [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    const table = uniqueTable("cli_kv");
    const kv = (...args: string[]): string[] => ["kv", ...args, "--table", table, "--db", url];
    let db: Database;

    beforeAll(() => {
      db = openDb(url);
    });

    afterAll(async () => {
      await db.dropTable(table);
      await db.close();
    });

    it("reads on a table that does not exist say 'not found' and do not create it", async () => {
      const get = await tablekit(kv("get", "nothing"));
      expect(get.code).toBe(1);
      expect(get.stderr).toBe(`tablekit: key "nothing" not found in table "${table}"\n`);
      const list = await tablekit(kv("list", "--json"));
      expect(list).toEqual({ code: 0, stdout: "{}\n", stderr: "" });
      expect(await db.tableExists(table)).toBe(false);
    });

    it("set stores JSON values and plain strings; get prints them back", async () => {
      expect((await tablekit(kv("set", "user:1", '{"name":"Ann","age":31}'))).code).toBe(0);
      expect((await tablekit(kv("set", "user:2", "Bob"))).code).toBe(0);
      expect((await tablekit(kv("set", "count", "42"))).code).toBe(0);
      expect((await tablekit(kv("set", "digits", "42", "--string"))).code).toBe(0);
      expect((await tablekit(kv("get", "user:1"))).stdout).toBe('{"name":"Ann","age":31}\n');
      expect((await tablekit(kv("get", "user:1"), { isTTY: true })).stdout).toBe('{\n  "name": "Ann",\n  "age": 31\n}\n');
      expect((await tablekit(kv("get", "user:2"))).stdout).toBe("Bob\n");
      expect((await tablekit(kv("get", "user:2", "--json"))).stdout).toBe('"Bob"\n');
      expect((await tablekit(kv("get", "count", "--json"))).stdout).toBe("42\n");
      expect((await tablekit(kv("get", "digits", "--json"))).stdout).toBe('"42"\n');
    });

    it("set - reads the value from stdin", async () => {
      expect((await tablekit(kv("set", "from-stdin", "-"), { stdin: "[1,2,3]\n" })).code).toBe(0);
      expect((await tablekit(kv("get", "from-stdin"))).stdout).toBe("[1,2,3]\n");
    });

    it("list --prefix in key order: a terminal table, tab-separated, or one JSON object", async () => {
      const tty = await tablekit(kv("list", "--prefix", "user:"), { isTTY: true });
      expect(tty.stdout).toBe([" key    | value", "--------+-------------------------", ' user:1 | {"name":"Ann","age":31}', " user:2 | Bob", "(2 rows)", ""].join("\n"));
      const piped = await tablekit(kv("list", "--prefix", "user:"));
      expect(piped.stdout).toBe('key\tvalue\nuser:1\t{"name":"Ann","age":31}\nuser:2\tBob\n');
      const json = await tablekit(kv("list", "--json"));
      expect(JSON.parse(json.stdout)).toEqual({ count: 42, digits: "42", "from-stdin": [1, 2, 3], "user:1": { name: "Ann", age: 31 }, "user:2": "Bob" });
    });

    it("delete removes a key; deleting it again exits 1", async () => {
      const first = await tablekit(kv("delete", "user:2", "--json"));
      expect(first).toEqual({ code: 0, stdout: '{"key":"user:2","deleted":true}\n', stderr: "" });
      expect((await tablekit(kv("get", "user:2"))).code).toBe(1);
      const again = await tablekit(kv("delete", "user:2"));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('key "user:2" not found');
    });

    it("--ttl makes a key expire", async () => {
      expect((await tablekit(kv("set", "short", "1", "--ttl", "1"))).code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await tablekit(kv("get", "short"))).code).toBe(1);
      expect((await tablekit(kv("set", "short", "1", "--ttl", "-5"))).code).toBe(2);
    });

    it("the default table is data, and a missing argument is a usage error", async () => {
      expect((await tablekit(["kv", "get", "--db", url])).code).toBe(2);
      expect((await tablekit(["kv", "frobnicate", "--db", url])).code).toBe(2);
      const help = await tablekit(["kv", "list", "--help"]);
      expect(help.stdout).toMatch(/--table <name> +the store's table \(default: "data"\)/);
    });
  });
}
