/**
 * Read-only SQLite: `readonly: true` or `?mode=ro`. Reads, streams and read transactions work;
 * every write rejects with ReadOnlyError and nothing is written; the journal mode is left alone.
 * Tested on a writable file and on a real read-only mount (a tmpfs this file mounts, then
 * remounts read-only: as root, chmod or a read-only bind mount would not stop SQLite).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database, KVStore, ReadOnlyError, sql, Table, type Row } from "../../src/index.js";
import { rejection, selectedBackendNames, tempDir } from "../support/backends.js";

const hash = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Creates a database with table `t` (2 rows) and a key-value table `kv` (1 key), in `journal` mode. */
async function createFixture(file: string, journal: "wal" | "delete"): Promise<void> {
  const db = new Database({ filename: file });
  await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  await db.batchInsert("t", [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
  ]);
  const kv = await KVStore.open({ db, table: "kv", purgeIntervalMs: 0 });
  await kv.set("k", { v: 1 });
  await kv.close();
  await db.close();
  if (journal === "delete") {
    const raw = new BetterSqlite3(file);
    raw.pragma("journal_mode = DELETE");
    raw.close();
  }
}

/** Every read works, every write rejects with ReadOnlyError. */
async function checkReadOnly(db: Database): Promise<void> {
  expect(await db.select("t", { orderBy: "id" })).toEqual([
    { id: 1, name: "a" },
    { id: 2, name: "b" },
  ]);
  const streamed: unknown[] = [];
  for await (const row of db.stream("t", { orderBy: "id", batchSize: 1 })) streamed.push(row["id"]);
  for await (const row of db.stream(sql`SELECT name FROM t WHERE id = ${2}`)) streamed.push(row["name"]);
  expect(streamed).toEqual([1, 2, "b"]);
  expect(await db.transaction(async (tx) => tx.count("t"))).toBe(2);
  const kv = await KVStore.open({ db, table: "kv", purgeIntervalMs: 0 });
  expect(await kv.get("k")).toEqual({ v: 1 });
  const items = new Table<{ id: number; name: string }>("t", { db });

  const writes: [string, () => Promise<unknown>][] = [
    ["insert", () => db.insert("t", { id: 3, name: "c" })],
    ["update", () => db.update<Row>("t", { name: "z" }, { id: 1 })],
    ["upsert", () => db.upsert("t", { id: 1, name: "z" }, { conflict: ["id"] })],
    ["delete", () => db.delete<Row>("t", { id: 1 })],
    ["updateMany", () => db.updateMany<Row>("t", { name: "z" }, {})],
    ["deleteMany", () => db.deleteMany<Row>("t", {})],
    ["batchInsert", () => db.batchInsert("t", [{ id: 4, name: "d" }])],
    ["batchUpdate", () => db.batchUpdate("t", [{ id: 1, name: "z" }], "id")],
    ["execute DDL", () => db.execute("CREATE TABLE u (x INTEGER)")],
    ["transaction", () => db.transaction(async (tx) => tx.insert("t", { id: 5, name: "e" }))],
    ["Table.create", () => items.create({ id: 6, name: "f" })],
    ["Table.update", () => items.update(1, { name: "z" })],
    ["kv.set", () => kv.set("k2", 2)],
    ["kv.delete", () => kv.delete("k")],
  ];
  for (const [name, write] of writes) {
    const error = await rejection(write());
    expect(error, name).toBeInstanceOf(ReadOnlyError);
  }
  await kv.close();
  expect(await db.select("t", { orderBy: "id" })).toEqual([
    { id: 1, name: "a" },
    { id: 2, name: "b" },
  ]);
}

describe.runIf(selectedBackendNames().includes("sqlite"))("read-only SQLite [sqlite]", () => {
  for (const journal of ["wal", "delete"] as const) {
    it(`readonly: true on a writable ${journal} file: reads work, writes reject, nothing is written`, async () => {
      const file = join(tempDir(), "app.db");
      await createFixture(file, journal);
      const before = hash(file);
      const mtime = statSync(file).mtimeMs;
      const db = new Database({ filename: file, readonly: true });
      try {
        await checkReadOnly(db);
      } finally {
        await db.close();
      }
      expect(hash(file)).toBe(before);
      expect(statSync(file).mtimeMs).toBe(mtime);
      const raw = new BetterSqlite3(file, { readonly: true });
      expect(raw.pragma("journal_mode", { simple: true })).toBe(journal);
      raw.close();
    });
  }

  it("readonly: true on a missing file is a ConnectionError and creates nothing", async () => {
    const file = join(tempDir(), "missing.db");
    const db = new Database({ url: `sqlite://${file}?mode=ro` });
    expect(await rejection(db.select("t"))).toBeInstanceOf(ConnectionError);
    await db.close();
    expect(existsSync(file)).toBe(false);
  });

  describe("on a read-only mount", () => {
    let mount: string;
    let mounted = false;

    beforeAll(async () => {
      mount = join(tempDir(), "ro");
      mkdirSync(mount);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount]);
      mounted = true;
      await createFixture(join(mount, "wal.db"), "wal");
      await createFixture(join(mount, "delete.db"), "delete");
      execFileSync("mount", ["-o", "remount,ro", mount]);
    });

    afterAll(() => {
      if (mounted) execFileSync("umount", [mount]);
    });

    for (const journal of ["wal", "delete"] as const) {
      it(`reads a ${journal} database with ?mode=ro and readonly: true; writes reject`, async () => {
        const file = join(mount, `${journal}.db`);
        const before = hash(file);
        for (const options of [{ url: `sqlite://${file}?mode=ro` }, { filename: file, readonly: true }]) {
          const db = new Database(options);
          try {
            await checkReadOnly(db);
          } finally {
            await db.close();
          }
        }
        expect(hash(file)).toBe(before);
      });
    }

    it("a read-write open there fails with a ConnectionError that suggests the read-only open", async () => {
      const db = new Database({ filename: join(mount, "wal.db") });
      const error = await rejection(db.select("t"));
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toContain("readonly: true");
      await db.close();
    });
  });
});
