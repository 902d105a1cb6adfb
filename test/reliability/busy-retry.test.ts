/**
 * SQLITE_BUSY retries never join someone else's transaction. Another PROCESS holds the write lock;
 * plain writes (Database, Table, KVStore) meet SQLITE_BUSY and retry while a `db.transaction` in
 * this process begins, and rolls back, meanwhile. Every acknowledged write must be stored: a retry
 * that ran inside the transaction would be undone by its ROLLBACK.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database, Table } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { selectedBackendNames, tempDir } from "../support/backends.js";

const LOCKER = `
const Database = require("better-sqlite3");
const db = new Database(process.argv[1]);
db.pragma("busy_timeout = 5000");
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
setTimeout(() => { db.exec("COMMIT"); db.close(); process.exit(0); }, Number(process.argv[2]));
`;

/** Starts a process that holds `file`'s write lock for `ms` milliseconds; resolves once it holds it. */
function holdLock(file: string, ms: number): Promise<{ exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", LOCKER, file, String(ms)], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve({ exited });
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`lock holder exited ${code}: ${err}`));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A transaction that begins (waiting for the lock like everyone else), lingers, then rolls back. */
async function rollingBack(db: Database): Promise<void> {
  await db
    .transaction(async (tx) => {
      await tx.execute("CREATE TABLE IF NOT EXISTS scratch (x INTEGER)");
      await sleep(150);
      throw new Error("roll back");
    })
    .catch((error: Error) => {
      if (error.message !== "roll back") throw error;
    });
}

describe.runIf(selectedBackendNames().includes("sqlite"))("reliability: busy retries and transactions [sqlite]", () => {
  it("plain writes retried after SQLITE_BUSY are never absorbed by a transaction that rolls back", { timeout: 30_000 }, async () => {
    const file = join(tempDir(), "busy.db");
    const db = new Database({ filename: file });
    const items = new Table<{ id: number; name: string }>("items", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
    await items.initialize();
    const kv = await KVStore.open({ db, table: "kv", purgeIntervalMs: 0 });
    const listener = (): void => undefined;
    const acknowledged: string[] = [];
    const keys: string[] = [];
    for (let round = 0; round < 3; round++) {
      const holder = await holdLock(file, 120);
      // Alternate the synchronous fast path and query() (taken while query events are listened to).
      if (round === 1) db.on("query", listener);
      else db.off("query", listener);
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        const name = `r${round}-${i}`;
        writes.push(
          (i % 2 === 0 ? db.insert("items", { name }) : items.create({ name })).then(() => {
            acknowledged.push(name);
          }),
        );
        writes.push(kv.set(`k:${name}`, i).then(() => void keys.push(`k:${name}`)));
        await sleep(3);
      }
      const tx = rollingBack(db);
      for (let i = 10; i < 15; i++) {
        const name = `r${round}-${i}`;
        writes.push(db.insert("items", { name }).then(() => void acknowledged.push(name)));
        await sleep(15);
      }
      await Promise.all([...writes, tx]);
      expect(await holder.exited).toBe(0);
    }
    db.off("query", listener);
    await kv.close();
    await db.close();

    const check = new Database({ filename: file });
    try {
      const stored = new Set((await check.select<{ name: string }>("items")).map((r) => r.name));
      const lost = acknowledged.filter((name) => !stored.has(name));
      const store = await KVStore.open({ db: check, table: "kv", purgeIntervalMs: 0 });
      const lostKeys: string[] = [];
      for (const key of keys) if (!(await store.has(key))) lostKeys.push(key);
      await store.close();
      expect(acknowledged.length).toBe(45);
      expect(keys.length).toBe(30);
      expect({ lost, lostKeys }).toEqual({ lost: [], lostKeys: [] });
    } finally {
      await check.close();
    }
  });
});
