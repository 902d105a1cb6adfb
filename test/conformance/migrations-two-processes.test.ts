/**
 * Two application instances (two processes) run `db.migrate` on the same database at once: each
 * migration is applied exactly once (one row per migration in the log its migrations write, one
 * record each). On PostgreSQL the run lock makes the second instance wait for the first one's
 * whole run and find nothing to do.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backends, tempDir, uniqueTable } from "../support/backends.js";
import { Database } from "../../src/index.js";

const COUNT = 4;

function runChild(options: object, dir: string, table: string): Promise<{ applied?: string[]; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "migrate-child.ts"), JSON.stringify(options), dir, table], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as { applied?: string[]; error?: string });
      } catch {
        reject(new Error(`child exited ${code}: ${out} ${err}`));
      }
    });
  });
}

for (const backend of backends()) {
  describe(`migrations, two processes [${backend.name}]`, () => {
    const opened: Database[] = [];
    afterAll(async () => {
      for (const db of opened) await db.close();
    });

    it("two instances starting at once apply each migration exactly once", async () => {
      const options = backend.options();
      const db = new Database(options); // the same file (SQLite) as the children
      opened.push(db);
      const table = uniqueTable("mig_race");
      const log = uniqueTable("mig_race_log");
      await db.createTable(log, { migration: "TEXT NOT NULL", pid: "INTEGER NOT NULL" });
      const dir = join(tempDir(), "migrations");
      mkdirSync(dir);
      for (let i = 1; i <= COUNT; i++) {
        // Each migration holds its transaction (and its locks) for a while, so the two runs overlap.
        // The last one is TypeScript: the children run under tsx, which loads it.
        const ts = i === COUNT;
        writeFileSync(
          join(dir, `00${i}_step.${ts ? "ts" : "mjs"}`),
          `export async function up(db${ts ? ": { insert(t: string, row: object): Promise<unknown> }" : ""}) {\n  await db.insert("${log}", { migration: "00${i}_step", pid: process.pid });\n  await new Promise((r) => setTimeout(r, 150));\n}\n`,
        );
      }
      try {
        const [a, b] = await Promise.all([runChild(options, dir, table), runChild(options, dir, table)]);
        expect(a.error).toBeUndefined();
        expect(b.error).toBeUndefined();
        const all = [...a.applied!, ...b.applied!].sort();
        expect(all).toEqual(Array.from({ length: COUNT }, (_, i) => `00${i + 1}_step`));
        const rows = await db.select(log, { orderBy: "migration" });
        expect(rows.map((r) => r["migration"])).toEqual(all); // each migration's effect exactly once
        expect(new Set(rows.map((r) => r["pid"])).size).toBeGreaterThanOrEqual(1);
        expect((await db.select(table)).length).toBe(COUNT);
        if (backend.name === "postgres") {
          // The run lock: one instance did everything, the other waited and found nothing to do.
          expect([a.applied!.length, b.applied!.length].sort()).toEqual([0, COUNT]);
        }
      } finally {
        await db.dropTable(log);
        await db.dropTable(table);
      }
    }, 60_000);
  });
}
