/**
 * db.migrate: files (.sql, .js, .mjs) and code migrations applied in name order, each in its own
 * transaction, recorded with checksums; refusals on changed or missing files; failures that roll
 * back and name the file, statement and line; status and down.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, rejection, tempDir, uniqueTable } from "../support/backends.js";
import {
  Database,
  MigrationChecksumError,
  MigrationError,
  MigrationFailedError,
  MigrationIrreversibleError,
  MigrationLockTimeoutError,
  MigrationMissingError,
  MigrationSourceError,
  type Queryable,
  TablekitError,
  ValidationError,
} from "../../src/index.js";

for (const backend of backends()) {
  describe(`migrations [${backend.name}]`, () => {
    let db: Database;
    const dropped: string[] = [];

    function name(prefix: string): string {
      const n = uniqueTable(prefix);
      dropped.push(n);
      return n;
    }

    beforeAll(async () => {
      db = backend.open();
      await db.connect();
    });

    afterAll(async () => {
      for (const t of dropped.reverse()) await db.dropTable(t).catch(() => undefined);
      await db.close();
    });

    /** A migrations directory holding `files`. */
    function dir(files: Record<string, string>): string {
      const d = join(tempDir(), "migrations");
      mkdirSync(d, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(d, file), text);
      return d;
    }

    it("applies .sql, .js and .mjs files in name order, once, and records each with its checksum", async () => {
      const table = name("mig_log");
      const items = name("mig_items");
      const pgOnly =
        backend.name === "postgres"
          ? `CREATE OR REPLACE FUNCTION ${items}_f() RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN 'a;b'; END; $body$;\n` +
            `DROP FUNCTION ${items}_f();\n`
          : `CREATE TRIGGER ${items}_t AFTER INSERT ON ${items} BEGIN UPDATE ${items} SET note = 'x;y' WHERE id = NEW.id; SELECT CASE WHEN 1 THEN 2 END; END;\n`;
      const d = dir({
        "001_create.sql":
          `-- the first migration; a ';' in a comment\n/* block ; comment */\nCREATE TABLE ${items} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT DEFAULT 'a;b');\n` +
          `INSERT INTO ${items} (id, name) VALUES (1, 'it''s; fine');\n` +
          pgOnly,
        "002_add.mjs": `export async function up(db) { await db.execute("ALTER TABLE ${items} ADD COLUMN color TEXT DEFAULT 'red'"); }\nexport async function down(db) { await db.execute("ALTER TABLE ${items} DROP COLUMN color"); }\n`,
        "003_data.js": `export async function up(db) { await db.insert("${items}", { id: 2, name: "two" }); }\n`,
        "README.md": "not a migration",
      });
      const result = await db.migrate({ dir: d, table });
      expect(result.applied).toEqual(["001_create", "002_add", "003_data"]);
      const rows = await db.select(items, { orderBy: "id" });
      expect(rows.map((r) => [r["id"], r["name"], r["color"]])).toEqual([
        [1, "it's; fine", "red"],
        [2, "two", "red"],
      ]);
      if (backend.name === "sqlite") expect(rows[0]!["note"]).toBe("a;b");
      const recorded = await db.select(table, { orderBy: "name" });
      expect(recorded.map((r) => r["name"])).toEqual(["001_create", "002_add", "003_data"]);
      for (const r of recorded) expect(String(r["checksum"])).toMatch(/^[0-9a-f]{64}$/);
      expect((await db.migrate({ dir: d, table })).applied).toEqual([]);
      const status = await db.migrate.status({ dir: d, table });
      expect(status.applied.map((a) => a.name)).toEqual(["001_create", "002_add", "003_data"]);
      expect(status.pending).toEqual([]);

      // A changed file: refused before anything runs.
      writeFileSync(join(d, "004_more.sql"), `INSERT INTO ${items} (id, name) VALUES (4, 'four');`);
      writeFileSync(join(d, "002_add.mjs"), `export async function up(db) {}\n`);
      const changed = await rejection(db.migrate({ dir: d, table }));
      expect(changed).toBeInstanceOf(MigrationChecksumError);
      expect(changed).toBeInstanceOf(MigrationError);
      expect(changed).toBeInstanceOf(TablekitError);
      expect((changed as MigrationChecksumError).migration).toBe("002_add");
      expect(await db.count(items)).toBe(2);
      expect((await db.migrate.status({ dir: d, table })).changed).toEqual(["002_add"]);

      // A missing file: refused too.
      rmSync(join(d, "002_add.mjs"));
      const missing = await rejection(db.migrate({ dir: d, table }));
      expect(missing).toBeInstanceOf(MigrationMissingError);
      expect((missing as MigrationMissingError).migrations).toEqual(["002_add"]);
      expect(String((missing as Error).message)).toContain("002_add");
      expect(await db.count(items)).toBe(2);
    });

    it("a failed migration rolls back its own transaction, stops the run, names file, statement and line, and is not recorded", async () => {
      const table = name("mig_log");
      const a = name("mig_a");
      const b = name("mig_b");
      const c = name("mig_c");
      const d = dir({
        "001_ok.sql": `CREATE TABLE ${a} (id INTEGER PRIMARY KEY);\n`,
        "002_bad.sql": `CREATE TABLE ${b} (id INTEGER PRIMARY KEY);\n\nINSERT INTO ${b} (id) VALUES (1);\n-- next one fails\nINSERT INTO no_such_table_${b} (id) VALUES (1);\n`,
        "003_never.sql": `CREATE TABLE ${c} (id INTEGER PRIMARY KEY);\n`,
      });
      const error = await rejection(db.migrate({ dir: d, table }));
      expect(error).toBeInstanceOf(MigrationFailedError);
      const failed = error as MigrationFailedError;
      expect(failed.migration).toBe("002_bad");
      expect(failed.file).toBe(join(d, "002_bad.sql"));
      expect(failed.statementIndex).toBe(3);
      expect(failed.line).toBe(5);
      expect(failed.applied).toEqual(["001_ok"]);
      expect(failed.message).toContain("statement 3 (line 5)");
      expect(failed.cause).toBeInstanceOf(TablekitError);
      expect(await db.tableExists(a)).toBe(true);
      expect(await db.tableExists(b)).toBe(false); // statement 1 was rolled back with its transaction
      expect(await db.tableExists(c)).toBe(false); // the run stopped
      expect((await db.select(table)).map((r) => r["name"])).toEqual(["001_ok"]);
      const status = await db.migrate.status({ dir: d, table });
      expect(status.pending).toEqual(["002_bad", "003_never"]);

      // Recovery: fix the file (never applied, so it may change) and run again.
      writeFileSync(join(d, "002_bad.sql"), `CREATE TABLE ${b} (id INTEGER PRIMARY KEY);\n`);
      expect((await db.migrate({ dir: d, table })).applied).toEqual(["002_bad", "003_never"]);
    });

    it("migrations given in code; down rolls back where down exists and refuses where it does not", async () => {
      const table = name("mig_log");
      const t = name("mig_code");
      const migrations = [
        { name: "002_col", up: (q: Database) => q.execute(`ALTER TABLE ${t} ADD COLUMN extra TEXT`), down: (q: Database) => q.execute(`ALTER TABLE ${t} DROP COLUMN extra`) },
        { name: "001_table", up: (q: Database) => q.createTable(t, { id: "INTEGER PRIMARY KEY" }), down: (q: Database) => q.dropTable(t) },
        { name: "003_irreversible", up: (q: Database) => q.insert(t, { id: 1, extra: "x" }) },
      ];
      expect((await db.migrate({ migrations: migrations as never, table })).applied).toEqual(["001_table", "002_col", "003_irreversible"]);
      const refused = await rejection(db.migrate.down({ migrations: migrations as never, table }));
      expect(refused).toBeInstanceOf(MigrationIrreversibleError);
      expect((refused as MigrationIrreversibleError).migrations).toEqual(["003_irreversible"]);
      expect((await db.migrate.status({ migrations: migrations as never, table })).applied).toHaveLength(3);

      const reversible = migrations.slice(0, 2);
      await db.execute(`DELETE FROM ${table} WHERE name = '003_irreversible'`);
      expect((await db.migrate.down({ migrations: reversible as never, table, to: "001_table" })).reverted).toEqual(["002_col"]);
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["id"]);
      expect((await db.migrate.down({ migrations: reversible as never, table, to: null })).reverted).toEqual(["001_table"]);
      expect(await db.tableExists(t)).toBe(false);
      expect((await db.migrate.status({ migrations: reversible as never, table })).pending).toEqual(["001_table", "002_col"]);
      const unknownTarget = await rejection(db.migrate.down({ migrations: reversible as never, table, to: "nope" }));
      expect(unknownTarget).toBeInstanceOf(MigrationError);
    });

    it("a code migration that throws (even a non-Error) is a MigrationFailedError; nothing is recorded", async () => {
      const table = name("mig_log");
      const t = name("mig_throw");
      const error = await rejection(
        db.migrate({
          table,
          migrations: [
            {
              name: "001_throws",
              up: async (q) => {
                await q.createTable(t, { id: "INTEGER PRIMARY KEY" });
                throw undefined; // eslint-disable-line no-throw-literal
              },
            },
          ],
        }),
      );
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect((error as MigrationFailedError).migration).toBe("001_throws");
      expect((error as MigrationFailedError).file).toBeUndefined();
      expect((error as MigrationFailedError).statementIndex).toBeUndefined();
      expect(await db.tableExists(t)).toBe(false);
      expect(await db.select(table)).toEqual([]);
    });

    it.runIf(backend.name === "postgres")("a pool of one connection migrates without deadlocking on the run lock", async () => {
      const table = name("mig_log");
      const t = name("mig_pool1");
      const single = backend.open({ maxConnections: 1 });
      try {
        const result = await single.migrate({ table, migrations: [{ name: "001", up: (q) => q.createTable(t, { id: "INTEGER PRIMARY KEY" }), down: (q) => q.dropTable(t) }] });
        expect(result.applied).toEqual(["001"]);
        expect((await single.migrate.down({ table, migrations: [{ name: "001", up: () => undefined, down: (q) => q.dropTable(t) }] })).reverted).toEqual(["001"]);
      } finally {
        await single.close();
      }
    }, 20_000);

    it.runIf(backend.name === "postgres")("waiting longer than lockTimeoutMs for another instance's lock is a MigrationLockTimeoutError", async () => {
      const table = name("mig_log");
      const t = name("mig_locked");
      const migrations = [{ name: "001", up: (q: Queryable) => q.createTable(t, { id: "INTEGER PRIMARY KEY" }) }];
      const other = backend.open();
      const single = backend.open({ maxConnections: 1 }); // no run lock: the per-migration lock is what waits
      try {
        for (const [what, target] of [["run", db], ["step", single]] as const) {
          await other.transaction(async (tx) => {
            // Another instance holding the lock (an advisory lock conflicts whether session or transaction level).
            await tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [`tablekit.migrate.${what}:${table}`]);
            const started = Date.now();
            const error = await rejection(target.migrate({ table, migrations, lockTimeoutMs: 300 }));
            expect(error, what).toBeInstanceOf(MigrationLockTimeoutError);
            expect((error as MigrationLockTimeoutError).timeoutMs).toBe(300);
            expect(Date.now() - started).toBeLessThan(5000);
          });
        }
        expect(await db.tableExists(t)).toBe(false);
        expect((await db.migrate({ table, migrations, lockTimeoutMs: 300 })).applied).toEqual(["001"]); // free again
        expect(await rejection(db.migrate({ table, migrations, lockTimeoutMs: 0 }))).toBeInstanceOf(ValidationError);
      } finally {
        await other.close();
        await single.close();
      }
    }, 20_000);

    it(".down.sql files roll back .sql migrations", async () => {
      const table = name("mig_log");
      const t = name("mig_down");
      const d = dir({ "001_t.sql": `CREATE TABLE ${t} (id INTEGER);`, "001_t.down.sql": `DROP TABLE ${t};` });
      expect((await db.migrate({ dir: d, table })).applied).toEqual(["001_t"]);
      expect((await db.migrate.down({ dir: d, table })).reverted).toEqual(["001_t"]);
      expect(await db.tableExists(t)).toBe(false);
    });

    it("bad options and bad files are typed errors before anything runs", async () => {
      const table = name("mig_log");
      expect(await rejection(db.migrate({} as never))).toBeInstanceOf(ValidationError);
      expect(await rejection(db.migrate({ dir: "x", migrations: [] } as never))).toBeInstanceOf(ValidationError);
      expect(await rejection(db.migrate({ migrations: [], table: "bad name" }))).toBeInstanceOf(TablekitError);
      expect(await rejection(db.migrate({ migrations: [{ name: "a", up: 1 }] as never, table }))).toBeInstanceOf(MigrationSourceError);
      expect(await rejection(db.migrate({ migrations: [{ name: "a", up: () => 1 }, { name: "a", up: () => 1 }], table }))).toBeInstanceOf(MigrationSourceError);
      const unterminated = await rejection(db.migrate({ dir: dir({ "001_x.sql": "SELECT 1;\nSELECT 'oops;\n" }), table }));
      expect(unterminated).toBeInstanceOf(MigrationSourceError);
      expect(String((unterminated as Error).message)).toContain("line 2");
      expect(await rejection(db.migrate({ dir: dir({ "001_m.mjs": "export const x = 1;" }), table }))).toBeInstanceOf(MigrationSourceError);
      const control = await rejection(db.migrate({ dir: dir({ "001_tx.sql": "BEGIN;\nSELECT 1;\nCOMMIT;" }), table }));
      expect(control).toBeInstanceOf(MigrationSourceError);
      expect((control as Error).message).toContain("statement 1 (line 1): BEGIN is not allowed");
      expect(await rejection(db.migrate({ dir: join(tempDir(), "absent"), table }))).toBeInstanceOf(MigrationSourceError);
      expect(await db.tableExists(table)).toBe(false);
    });
  });
}
