/**
 * Lifecycle (issue 19 §4): a script that forgets db.close() exits by itself once its work is
 * done — idle pooled connections do not keep the process alive (pg's allowExitOnIdle). Runs a
 * real child process (test/lifecycle/forgot-close-child.ts) on each backend.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";

const CHILD = join(fileURLToPath(new URL(".", import.meta.url)), "forgot-close-child.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function run(url: string, limitMs: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, CHILD, url], { env: process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

for (const backend of backends()) {
  describe(`a script without close() [${backend.name}]`, () => {
    it("exits by itself after its last statement", { timeout: 30_000 }, async () => {
      const options = backend.options() as { url?: string; filename?: string };
      const url = options.url ?? `sqlite:${options.filename}`;
      // Killed after 15 s (idleTimeoutMs, 30 s by default, would end the connections much later).
      const outcome = await run(url, 15_000);
      expect(outcome.signal, `${outcome.stdout}\n${outcome.stderr}`).toBeNull();
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stdout).toContain("done, without close()");
    });
  });
}
