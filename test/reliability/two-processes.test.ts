/**
 * Scenario 7, two processes on one SQLite file: two processes write through Table and KVStore at
 * the same time. No SQLITE_BUSY (nor any other error) reaches a caller, and the final state holds
 * every acknowledged write.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { selectedBackendNames, tempDir, uniqueTable } from "../support/backends.js";
import { report, scale } from "./scale.js";

const SECONDS = scale(3, 10);

function writer(file: string, table: string, kvTable: string, who: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "two-writers-child.ts"), file, table, kvTable, who, String(SECONDS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out.split("\n").filter(Boolean)) : reject(new Error(`writer ${who} exited ${code}: ${err}`))));
  });
}

describe.runIf(selectedBackendNames().includes("sqlite"))("reliability: two processes, one SQLite file [sqlite]", () => {
  it(`keeps every acknowledged write of two concurrent writers for ${SECONDS} s`, { timeout: 120_000 }, async () => {
    const file = join(tempDir(), "shared.db");
    const table = uniqueTable("two_proc");
    const kvTable = uniqueTable("two_proc_kv");
    // Create the schema first, so the writers race on data, not on DDL.
    const setup = new Database({ filename: file });
    await setup.createTable(table, { id: "INTEGER PRIMARY KEY", name: "TEXT UNIQUE NOT NULL", writer: "TEXT NOT NULL" });
    await (await KVStore.open({ db: setup, table: kvTable })).close();
    await setup.close();

    const [a, b] = await Promise.all([writer(file, table, kvTable, "a"), writer(file, table, kvTable, "b")]);
    const lines = [...a, ...b];
    const errors = lines.filter((l) => l.startsWith("E "));
    const rows = lines.filter((l) => l.startsWith("T ")).map((l) => l.slice(2));
    const keys = lines.filter((l) => l.startsWith("K ")).map((l) => l.slice(2));

    const check = new Database({ filename: file });
    try {
      const stored = new Set((await check.select<{ name: string }>(table, { columns: ["name"] })).map((r) => r.name));
      const kv = await KVStore.open({ db: check, table: kvTable });
      let missingKeys = 0;
      for (const key of keys) if (!(await kv.has(key))) missingKeys++;
      await kv.close();
      const missingRows = rows.filter((name) => !stored.has(name)).length;
      report("two-processes", "sqlite", { seconds: SECONDS, rows: rows.length, keys: keys.length, errors: errors.length, missingRows, missingKeys });
      expect(errors).toEqual([]);
      expect(rows.length).toBeGreaterThan(20);
      expect(missingRows).toBe(0);
      expect(missingKeys).toBe(0);
    } finally {
      await check.close();
    }
  });
});
