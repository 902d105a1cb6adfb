/**
 * Importing tablekit on an unsupported Node.js fails at once with a message naming the versions it
 * needs, instead of crashing inside better-sqlite3 (Node 20 segfaults when a database is opened).
 * Spawns the system's Node 20 (`/usr/bin/node`) on the tsx-loaded entry points.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertSupportedNode, MINIMUM_NODE_MAJOR } from "../../src/node-version.js";
import { tempDir } from "../support/backends.js";

const OLD_NODE = process.env["TABLEKIT_OLD_NODE"] ?? "/usr/bin/node";
const ROOT = join(import.meta.dirname, "../..");

function oldNodeMajor(): number {
  const result = spawnSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`cannot run ${OLD_NODE} (set TABLEKIT_OLD_NODE to a Node.js older than 22): ${result.stderr}`);
  return Number.parseInt(result.stdout, 10);
}

describe("unsupported Node.js", () => {
  it("assertSupportedNode accepts 22 and newer, and rejects older versions naming the versions needed", () => {
    expect(MINIMUM_NODE_MAJOR).toBe(22);
    expect(() => assertSupportedNode("22.0.0")).not.toThrow();
    expect(() => assertSupportedNode("24.21.0")).not.toThrow();
    expect(() => assertSupportedNode(undefined)).not.toThrow();
    for (const old of ["20.20.2", "18.0.0", "21.7.3", "garbage"]) {
      let thrown: unknown;
      try {
        assertSupportedNode(old);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error & { code?: string }).code).toBe("ERR_TABLEKIT_UNSUPPORTED_NODE");
      expect((thrown as Error).message).toContain("requires Node.js 22 or newer");
      expect((thrown as Error).message).toContain(`this is Node.js ${old}`);
    }
  });

  it("importing the package on Node 20 fails at import with a clear message, before better-sqlite3 can crash", { timeout: 60_000 }, () => {
    expect(oldNodeMajor()).toBeLessThan(MINIMUM_NODE_MAJOR);
    const script = join(tempDir(), "open.mjs");
    writeFileSync(
      script,
      `const { Database } = await import(${JSON.stringify(join(ROOT, "src/index.ts"))});\n` +
        `console.log("imported");\n` +
        `const db = new Database({ filename: ":memory:" });\n` +
        `console.log(JSON.stringify(await db.execute("SELECT 1 AS x")));\n` +
        `await db.close();\n`,
    );
    const result = spawnSync(OLD_NODE, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8", timeout: 50_000 });
    expect(result.signal).toBeNull(); // no SIGSEGV
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain("imported");
    expect(result.stderr).toContain("ERR_TABLEKIT_UNSUPPORTED_NODE");
    expect(result.stderr).toMatch(/tablekit requires Node\.js 22 or newer .*this is Node\.js 20\./);
  });

  it("the tablekit CLI on Node 20 fails with the same message", { timeout: 60_000 }, () => {
    const result = spawnSync(OLD_NODE, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "query", "sqlite::memory:", "SELECT 1"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 50_000,
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/tablekit requires Node\.js 22 or newer .*this is Node\.js 20\./);
  });
});
