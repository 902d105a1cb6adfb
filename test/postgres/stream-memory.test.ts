/**
 * A stream holds at most two batches, however many rows pass through it: 400,000 rows of about
 * 100 bytes (~40 MB of row objects) are streamed in a child process whose heap is capped at 48 MB.
 * The first version raced every batch's wait against a promise that lives as long as the
 * connection, which kept every batch reachable: the child ran out of memory before 200,000 rows.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PG_URL, selectedBackendNames, tempDir } from "../support/backends.js";

const ROOT = join(import.meta.dirname, "../..");

describe.runIf(selectedBackendNames().includes("postgres"))("PostgreSQL stream memory [postgres]", () => {
  it("streams 400,000 rows outside a transaction in a 48 MB heap", { timeout: 120_000 }, () => {
    const script = join(tempDir(), "stream.mjs");
    writeFileSync(
      script,
      `const { Database, sql } = await import(${JSON.stringify(join(ROOT, "src/index.ts"))});\n` +
        `const db = new Database(${JSON.stringify(PG_URL)});\n` +
        `let rows = 0;\n` +
        `for await (const row of db.stream(sql\`SELECT g AS id, repeat('x', 100) AS s FROM generate_series(1, 400000) g\`, { batchSize: 1000 })) rows += row.id > 0 ? 1 : 0;\n` +
        `console.log(rows);\n` +
        `await db.close();\n`,
    );
    const result = spawnSync(process.execPath, ["--max-old-space-size=48", "--import", "tsx", script], { cwd: ROOT, encoding: "utf8", timeout: 110_000 });
    expect(result.stderr.slice(-2000)).not.toMatch(/heap out of memory/);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe("400000");
  });
});
