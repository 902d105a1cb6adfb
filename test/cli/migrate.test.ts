/**
 * `tablekit migrate [up|down|status|new NAME]`: output, --json, and exit codes (0 success,
 * 1 failed or refused migration, 2 usage error), on every backend.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, tempDir, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit } from "./cli-harness.js";

for (const backend of backends()) {
  describe(`tablekit migrate [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    const table = uniqueTable("cli_mig");
    const t = uniqueTable("cli_mig_t");
    let db: Database;
    beforeAll(() => {
      db = openDb(url);
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(table);
      await db.close();
    });

    it("new, up, status, down, and the exit codes", async () => {
      const dir = join(tempDir(), "migrations");
      const common = ["--db", url, "--dir", dir, "--table", table];
      const created = await tablekit(["migrate", "new", "create_t", "--dir", dir]);
      expect(created.code).toBe(0);
      const file = created.stdout.trim();
      expect(file).toMatch(/[/\\]\d{14}_create_t\.sql$/);
      expect(readFileSync(file, "utf8")).toContain("--");
      writeFileSync(file, `CREATE TABLE ${t} (id INTEGER PRIMARY KEY);\nINSERT INTO ${t} (id) VALUES (1);\n`);
      writeFileSync(file.replace(/\.sql$/, ".down.sql"), `DROP TABLE ${t};\n`);
      expect((await tablekit(["migrate", "new", "bad name!", "--dir", dir])).code).toBe(2);
      expect((await tablekit(["migrate", "new", "x", "--dir", dir, "--ext", "py"])).code).toBe(2);

      const status = await tablekit(["migrate", "status", ...common]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^pending {2}\d{14}_create_t\n$/);

      const up = await tablekit(["migrate", ...common]); // up is the default
      expect(up).toMatchObject({ code: 0, stderr: "" });
      expect(up.stdout).toMatch(/^applied \d{14}_create_t\n$/);
      expect((await tablekit(["migrate", "up", ...common])).stdout).toBe("nothing to apply\n");
      const json = await tablekit(["migrate", "status", ...common, "--json"]);
      expect(JSON.parse(json.stdout)).toMatchObject({ pending: [], changed: [], missing: [] });

      // A failing migration: exit 1, the file, statement and line on stderr.
      writeFileSync(join(dir, "99999999999999_bad.sql"), `SELECT 1;\nINSERT INTO no_such_${t} VALUES (1);\n`);
      const bad = await tablekit(["migrate", "up", ...common]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("99999999999999_bad.sql, statement 2 (line 2)");

      const down = await tablekit(["migrate", "down", ...common, "--all"]);
      expect(down.code).toBe(0);
      expect(down.stdout).toMatch(/^rolled back \d{14}_create_t\n$/);
      expect(await db.tableExists(t)).toBe(false);
      expect((await tablekit(["migrate", "down", ...common, "--all", "--to", "x"])).code).toBe(2);

      // Apply again, then change the file: status says so with exit code 1, up refuses.
      const good = readdirSync(dir).find((f) => /^\d{14}_create_t\.sql$/.test(f))!;
      writeFileSync(join(dir, "99999999999999_bad.sql"), "SELECT 1;\n");
      expect((await tablekit(["migrate", "up", ...common])).code).toBe(0);
      writeFileSync(join(dir, good), `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, other TEXT);\n`);
      const changed = await tablekit(["migrate", "status", ...common]);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toContain("changed  ");
      const refused = await tablekit(["migrate", "up", ...common]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("checksum mismatch");
    });
  });
}
