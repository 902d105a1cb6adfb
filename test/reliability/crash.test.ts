/**
 * Scenario 2, crash in the middle of writing: a child process writes batches (batchInsert) and KV
 * entries in a loop and reports each acknowledged write; the parent kills it with SIGKILL at a
 * random moment, reopens the database and checks that every batch is all there or not there at
 * all, and that every acknowledged write is present with its value.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { PG_URL, selectedBackendNames, tempDir, uniqueTable } from "../support/backends.js";
import { report, scale } from "./scale.js";

const KILLS = scale(5, 25);
const BATCH = 50;

interface ChildRun {
  batches: string[];
  keys: Map<string, number>;
}

function runAndKill(url: string, table: string, kvTable: string, run: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "crash-child.ts"), url, table, kvTable, run], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked: ChildRun = { batches: [], keys: new Map() };
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === "READY") setTimeout(() => child.kill("SIGKILL"), 50 + Math.random() * 400);
        else if (line.startsWith("B ")) acked.batches.push(line.slice(2));
        else if (line.startsWith("K ")) {
          const [, key, value] = line.split(" ");
          acked.keys.set(key!, Number(value));
        }
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
    });
  });
}

const targets = selectedBackendNames().map((name) => ({ name, url: name === "sqlite" ? `sqlite:${join(tempDir(), "crash.db")}` : PG_URL }));

for (const target of targets) {
  describe(`reliability: crash while writing [${target.name}]`, () => {
    const table = uniqueTable("crash_rows");
    const kvTable = uniqueTable("crash_kv");
    let db: Database;

    beforeAll(async () => {
      db = new Database(target.url);
      await db.createTable(table, { id: "BIGSERIAL PRIMARY KEY", batch: "TEXT NOT NULL", seq: "INTEGER NOT NULL", payload: "TEXT" });
    });
    afterAll(async () => {
      await db.dropTable(table);
      await db.dropTable(kvTable);
      await db.close();
    });

    it(`loses no acknowledged write and tears no batch across ${KILLS} SIGKILLs`, { timeout: 600_000 }, async () => {
      let ackedBatches = 0;
      let ackedKeys = 0;
      let torn = 0;
      let lost = 0;
      for (let k = 0; k < KILLS; k++) {
        const acked = await runAndKill(target.url, table, kvTable, `r${k}`);
        ackedBatches += acked.batches.length;
        ackedKeys += acked.keys.size;
        // Reopen as a fresh process would, and check.
        const check = new Database(target.url);
        try {
          const groups = await check.execute<{ batch: string; n: number }>(`SELECT batch, count(*) AS n FROM "${table}" WHERE batch LIKE ? GROUP BY batch`, [`r${k}-%`]);
          for (const group of groups) if (Number(group.n) !== BATCH) torn++;
          const present = new Set(groups.map((g) => g.batch));
          for (const batch of acked.batches) if (!present.has(batch)) lost++;
          const kv = await KVStore.open({ db: check, table: kvTable });
          for (const [key, n] of acked.keys) {
            const value = (await kv.getFresh(key)) as { n: number } | undefined;
            if (value?.n !== n) lost++;
          }
          await kv.close();
        } finally {
          await check.close();
        }
      }
      report("crash", target.name, { kills: KILLS, ackedBatches, ackedKeys, torn, lost });
      expect(torn).toBe(0);
      expect(lost).toBe(0);
      expect(ackedBatches).toBeGreaterThan(0);
    });
  });
}
