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
const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";

/** The major version of OLD_NODE, or undefined when it cannot run (no such binary). */
function oldNodeMajor(): number | undefined {
  const result = spawnSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" });
  if (result.status !== 0) return undefined;
  return Number.parseInt(result.stdout, 10);
}
const OLD_MAJOR = oldNodeMajor();
/** A real Node older than 22 to spawn: the machine's /usr/bin/node (20 here and in CI) or TABLEKIT_OLD_NODE. */
const HAVE_OLD_NODE = OLD_MAJOR !== undefined && OLD_MAJOR < 22;

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

  it("importing the package under an old version fails before better-sqlite3 is loaded (any machine: the version is faked)", { timeout: 60_000 }, () => {
    // A preload fakes process.versions.node and records every CommonJS module loaded (better-sqlite3
    // is CommonJS), so this runs on the project's own Node: no old Node binary is needed.
    const dir = tempDir();
    const preload = join(dir, "fake-old-node.cjs");
    writeFileSync(
      preload,
      `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } });\n` +
        `const Module = require("node:module");\n` +
        `const load = Module._load;\n` +
        `Module._load = function (request, ...rest) { if (/better-sqlite3/.test(request)) process.stderr.write("LOADED better-sqlite3\\n"); return load.call(this, request, ...rest); };\n`,
    );
    const script = join(dir, "import.mjs");
    writeFileSync(script, `await import(${JSON.stringify(join(ROOT, "src/index.ts"))});\nconsole.log("imported");\n`);
    const result = spawnSync(process.execPath, ["--require", preload, "--import", "tsx", script], { cwd: ROOT, encoding: "utf8", timeout: 50_000 });
    expect(result.stdout).not.toContain("imported");
    expect(result.stderr).toContain("ERR_TABLEKIT_UNSUPPORTED_NODE");
    expect(result.stderr).not.toContain("LOADED better-sqlite3");
    expect(result.status).toBe(1);
  });

  it("a real old Node is available for the next two tests (required in CI; elsewhere they are skipped with this reason)", () => {
    if (REQUIRED) expect(HAVE_OLD_NODE, `${OLD_NODE} must be a Node.js older than 22 in CI (set TABLEKIT_OLD_NODE)`).toBe(true);
  });

  it.runIf(HAVE_OLD_NODE)("importing the package on Node 20 fails at import with a clear message, before better-sqlite3 can crash", { timeout: 60_000 }, () => {
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

  it.runIf(HAVE_OLD_NODE)("the tablekit CLI on Node 20 fails with the same message", { timeout: 60_000 }, () => {
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
