/**
 * Every examples/*.ts runs as a child process (`node --import tsx examples/x.ts`) on the embedded
 * default — in a temporary working directory without DATABASE_URL, so it makes its own
 * ./tablekit.db there and never one in the repository — and exits 0. examples/transfers.ts runs
 * once more on PostgreSQL.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { PG_URL, selectedBackendNames, tempDir } from "../support/backends.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = join(ROOT, "examples");
// Resolved here, since the child's working directory has no node_modules.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
// The examples import "tablekit" by name; tsx maps it to src/index.ts through tsconfig.json's
// "paths", which it looks up from the working directory (a temporary one here), so name the file.
const TSCONFIG = join(ROOT, "tsconfig.json");

/** Arguments an example needs to finish by itself (the REST API would otherwise serve forever). */
const ARGS: Record<string, string[]> = { "rest-api.ts": ["--self-test"] };

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runExample(file: string, env: Record<string, string>, cwd: string): Promise<Outcome> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, ...env };
  if (env["DATABASE_URL"] === undefined) delete childEnv["DATABASE_URL"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, join(EXAMPLES, file), ...(ARGS[file] ?? [])], { cwd, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".ts")).sort();

describe.concurrent("examples on the embedded default", () => {
  it("finds the examples", () => {
    expect(files).toEqual(expect.arrayContaining(["rest-api.ts", "transfers.ts"]));
  });

  it("import tablekit by its package name, never from ../src internals", () => {
    for (const file of files) {
      const text = readFileSync(join(EXAMPLES, file), "utf8");
      const specifiers = [...text.matchAll(/^import[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
      expect(specifiers, file).not.toContainEqual(expect.stringMatching(/(^|\/)src(\/|$)/));
      expect(specifiers, file).toContain("tablekit");
    }
  });

  it.each(files)("%s exits 0", { timeout: 60_000 }, async (file) => {
    const cwd = tempDir();
    const outcome = await runExample(file, {}, cwd);
    expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
    if (file === "rest-api.ts" || file === "transfers.ts") {
      expect(outcome.stderr).toBe("");
      expect(existsSync(join(cwd, "tablekit.db"))).toBe(true);
      expect(outcome.stdout).toContain(file === "rest-api.ts" ? "self-test passed" : "Total 1000.00: unchanged");
    }
  });
});

describe.runIf(selectedBackendNames().includes("postgres"))("examples on PostgreSQL", () => {
  it("transfers.ts runs on DATABASE_URL and reports its retries", { timeout: 60_000 }, async () => {
    const outcome = await runExample("transfers.ts", { DATABASE_URL: PG_URL }, tempDir());
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^Transfers on postgres: Database\(postgres:\/\//);
    expect(outcome.stdout).toMatch(/Retries needed: \d+ in all/);
    expect(outcome.stdout).toContain("Total 1000.00: unchanged");
  });
});
