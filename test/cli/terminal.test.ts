/**
 * Terminals and pipes (issue 21): the progress bar and summaries are drawn on stderr only when
 * stderr is a terminal, fit its width, honour `NO_COLOR`, `--quiet` and `--no-progress`; stdout
 * carries only data; `--db` before the subcommand and `TABLEKIT_DB`; Ctrl-C (a real SIGINT to the
 * real executable) during `import` and `export --out`; and a pseudo-terminal run under `script`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { backends, tempDir, uniqueTable } from "../support/backends.js";
import { databaseUrl, openDb, tablekit, tempFile } from "./cli-harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const MAIN = join(ROOT, "src/cli/main.ts");

const jsonl = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, name: `p${from + i}` })).join("\n") + "\n";

/** The pieces of a progress output between carriage returns (each is one drawing of the line). */
const drawings = (text: string): string[] => text.split("\r").filter((s) => s.length > 0);

/** The environment of a child `tablekit`: no database variables of the test process. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm", ...extra };
  for (const name of ["DATABASE_URL", "TABLEKIT_DB", "NO_COLOR"]) if (!(name in extra)) delete env[name];
  return env;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

describe("the `script` command (util-linux) for pseudo-terminal tests", () => {
  it("is installed", () => {
    expect(spawnSync("script", ["--version"], { encoding: "utf8" }).status).toBe(0);
  });
});

for (const backend of backends()) {
  describe(`tablekit on terminals and pipes [${backend.name}]`, () => {
    const url = databaseUrl(backend);
    let db: Database;
    const created: string[] = [];

    async function people(): Promise<string> {
      const t = uniqueTable("cli_term");
      created.push(t);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      return t;
    }

    beforeAll(() => {
      db = openDb(url);
    });

    afterAll(async () => {
      for (const t of created) await db.dropTable(t);
      await db.close();
    });

    it("no bar and no summary when stdout is a terminal but stderr is redirected (2>log)", async () => {
      const t = await people();
      const file = tempFile("tty.jsonl", jsonl(20));
      const run = await tablekit(["import", t, file, "--db", url], { isTTY: true, stderrIsTTY: false });
      expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
      const out = join(tempDir(), "o.jsonl");
      const exp = await tablekit(["export", t, "--out", out, "--db", url], { isTTY: true, stderrIsTTY: false });
      expect(exp).toEqual({ code: 0, stdout: "", stderr: "" });
    });

    it("bar and summary on stderr when stderr is a terminal; stdout carries only data", async () => {
      const t = await people();
      const file = tempFile("tty.jsonl", jsonl(20));
      const run = await tablekit(["import", t, file, "--db", url], { stderrIsTTY: true });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^\rimport .*rows\/s/);
      expect(run.stderr).toMatch(/Imported 20 rows into \S+ in [\d.]+ s\n$/);
      // export to a pipe (| jq) while stderr is the terminal: stdout is JSON Lines and nothing else.
      const exp = await tablekit(["export", t, "--db", url], { stderrIsTTY: true });
      expect(exp.code).toBe(0);
      const lines = exp.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(20);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(exp.stderr).toMatch(/export .*rows\/s/);
      // export to the terminal itself: no bar to mix with the rows.
      const toTerminal = await tablekit(["export", t, "--db", url], { isTTY: true, stderrIsTTY: true });
      expect(toTerminal.stderr).toBe("");
    });

    it("--quiet prints neither bar nor summary, --no-progress only the summary, NO_COLOR no escape sequences", async () => {
      const t = await people();
      const file = tempFile("q.jsonl", jsonl(5));
      const quiet = await tablekit(["import", t, file, "--db", url, "--quiet"], { stderrIsTTY: true });
      expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
      const out = join(tempDir(), "q.jsonl");
      expect(await tablekit(["export", t, "--out", out, "--db", url, "-q"], { stderrIsTTY: true })).toEqual({ code: 0, stdout: "", stderr: "" });
      await db.deleteMany(t, {});
      const noBar = await tablekit(["import", t, file, "--db", url, "--no-progress"], { stderrIsTTY: true });
      expect(noBar.code).toBe(0);
      expect(noBar.stderr).toMatch(/^Imported 5 rows into \S+ in [\d.]+ s\n$/);
      await db.deleteMany(t, {});
      const plain = await tablekit(["import", t, file, "--db", url], { stderrIsTTY: true, env: { NO_COLOR: "1" } });
      expect(plain.code).toBe(0);
      expect(plain.stderr).toMatch(/rows\/s/);
      expect(plain.stderr).not.toContain("\x1b");
      // TERM=dumb: no bar either.
      await db.deleteMany(t, {});
      const dumb = await tablekit(["import", t, file, "--db", url], { stderrIsTTY: true, env: { TERM: "dumb" } });
      expect(dumb).toEqual({ code: 0, stdout: "", stderr: "" });
    });

    it("the bar fits the terminal width", async () => {
      const t = await people();
      const file = tempFile("narrow.jsonl", jsonl(30));
      const run = await tablekit(["import", t, file, "--db", url], { stderrIsTTY: true, columns: 40 });
      expect(run.code).toBe(0);
      const bars = drawings(run.stderr.replace(/Imported.*\n$/, "")).map((d) => d.replace(/\x1b\[K/g, ""));
      expect(bars.length).toBeGreaterThan(0);
      for (const bar of bars) expect(bar.length).toBeLessThan(40);
      expect(bars.some((b) => /\d+ rows?/.test(b))).toBe(true);
    });

    it("--db before the subcommand, and TABLEKIT_DB before DATABASE_URL", async () => {
      const t = await people();
      const before = await tablekit(["--db", url, "tables"]);
      expect(before.code).toBe(0);
      expect(before.stdout.split("\n")).toContain(t);
      const env = await tablekit(["tables"], { env: { TABLEKIT_DB: url, DATABASE_URL: join(tempDir(), "other.db") } });
      expect(env.code).toBe(0);
      expect(env.stdout.split("\n")).toContain(t);
      const dbUrl = await tablekit(["tables"], { env: { DATABASE_URL: url } });
      expect(dbUrl.stdout.split("\n")).toContain(t);
      // --db wins over both variables.
      const flag = await tablekit(["tables", "--db", url], { env: { TABLEKIT_DB: join(tempDir(), "x.db") } });
      expect(flag.stdout.split("\n")).toContain(t);
    });

    it("--batch 1000 with a bad value at record 5,001 keeps 5,000 rows and says so", async () => {
      const t = await people();
      const records = Array.from({ length: 6000 }, (_, i) => ({ id: i + 1, name: i + 1 === 5001 ? { not: "text" } : `p${i}` }));
      await db.createTable(`${t}_i`, { id: "INTEGER PRIMARY KEY", age: "INTEGER" });
      created.push(`${t}_i`);
      const csv = "id,age\n" + Array.from({ length: 6000 }, (_, i) => `${i + 1},${i + 1 === 5001 ? "forty" : i}`).join("\n") + "\n";
      const file = tempFile("bad5001.csv", csv);
      const run = await tablekit(["import", `${t}_i`, file, "--batch", "1000", "--db", url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}:5002: column "age": expected an integer, got "forty" (the first 5000 rows were committed)`);
      expect(await db.count(`${t}_i`)).toBe(5000);
      // A row the database refuses (a duplicate key at record 5,001) loses only its own batch.
      const dup = tempFile("dup5001.jsonl", records.map((r) => JSON.stringify({ id: r.id === 5001 ? 1 : r.id, name: "x" })).join("\n") + "\n");
      const refused = await tablekit(["import", t, dup, "--batch", "1000", "--db", url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${dup}:5001-6000: `);
      expect(refused.stderr).toContain("(the first 5000 rows were committed)");
      expect(await db.count(t)).toBe(5000);
    });

    it("under a pseudo-terminal the bar is drawn, fits the width, and never reaches a redirected stderr", async () => {
      const t = await people();
      const file = tempFile("pty.jsonl", jsonl(200));
      const command = `stty cols 50; ${shellQuote(process.execPath)} --import ${shellQuote(TSX)} ${shellQuote(MAIN)} import ${t} ${shellQuote(file)} --db ${shellQuote(url)}`;
      const onTty = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: childEnv(), timeout: 30_000 });
      expect(onTty.status).toBe(0);
      expect(onTty.stdout).toMatch(/\rimport \S+.*\d+ rows?/);
      expect(onTty.stdout).toMatch(/Imported 200 rows into/);
      const bars = drawings(onTty.stdout.replace(/Imported.*$/s, "")).map((d) => d.replace(/\x1b\[K/g, ""));
      for (const bar of bars) expect(bar.length).toBeLessThan(50);
      await db.deleteMany(t, {});
      // A pseudo-terminal that was never sized (0 columns): drawn for 80 columns, not cut to nothing.
      const unsized = spawnSync("script", ["-qec", command.replace("stty cols 50", "stty cols 0"), "/dev/null"], { encoding: "utf8", env: childEnv(), timeout: 30_000 });
      expect(unsized.status).toBe(0);
      expect(unsized.stdout).toMatch(/\rimport \S+ .*\d+ rows?/);
      await db.deleteMany(t, {});
      const log = join(tempDir(), "stderr.log");
      const redirected = spawnSync("script", ["-qec", `${command} 2>${shellQuote(log)}`, "/dev/null"], { encoding: "utf8", env: childEnv(), timeout: 30_000 });
      expect(redirected.status).toBe(0);
      expect(execFileSync("cat", [log], { encoding: "utf8" })).toBe("");
      expect(redirected.stdout).not.toMatch(/rows\/s|\x1b/);
      expect(await db.count(t)).toBe(200);
    });

    it("Ctrl-C (SIGINT) during a --batch import keeps the committed batches, says how many, exits 130", async () => {
      const t = await people();
      const child = spawn(process.execPath, ["--import", TSX, MAIN, "import", t, "-", "--format", "jsonl", "--batch", "1000", "--db", url], { env: childEnv(), stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const done = exited(child);
      child.stdin!.write(jsonl(2500));
      await until(async () => (await db.count(t)) >= 2000, "two batches");
      child.kill("SIGINT");
      const { code, signal } = await done;
      expect({ code, signal }).toEqual({ code: 130, signal: null });
      expect(stderr).toBe("tablekit: interrupted (the first 2000 rows were committed)\n");
      expect(await db.count(t)).toBe(2000);
    });

    it("Ctrl-C while an import still waits for stdin's first bytes says so and exits 130", async () => {
      const t = await people();
      // The child's own connection, found by its application name (PostgreSQL) or its file (SQLite).
      const name = `tablekit_wait_${process.pid}_${t.slice(-4)}`;
      const childUrl = backend.name === "postgres" ? `${url}${url.includes("?") ? "&" : "?"}application_name=${name}` : join(tempDir(), "wait.db");
      const child = spawn(process.execPath, ["--import", TSX, MAIN, "import", t, "-", "--format", "csv", "--batch", "10", "--db", childUrl], { env: childEnv(), stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const done = exited(child);
      await until(async () => {
        if (backend.name === "sqlite") return existsSync(childUrl);
        return Number((await db.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ?", [name]))[0]?.["n"]) > 0;
      }, "the child connected");
      await new Promise((r) => setTimeout(r, 500));
      child.kill("SIGINT");
      const { code } = await done;
      expect(code).toBe(130);
      expect(stderr).toBe("tablekit: interrupted (no batch was committed)\n");
    });

    it("Ctrl-C during an atomic import commits nothing and exits 130", async () => {
      const t = uniqueTable("cli_term_new");
      const child = spawn(process.execPath, ["--import", TSX, MAIN, "import", t, "-", "--format", "jsonl", "--create", "--db", url], { env: childEnv(), stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const done = exited(child);
      // More than a pipe holds (64 KiB): the write completes only once the child is reading, inside the import.
      await new Promise<void>((resolve) => child.stdin!.write(jsonl(10_000), () => resolve()));
      child.kill("SIGINT");
      const { code } = await done;
      expect(code).toBe(130);
      expect(stderr).toBe("tablekit: interrupted (nothing was imported)\n");
      expect(await db.columns(t)).toEqual([]);
    });

    it("Ctrl-C during export --out removes FILE.PID.tmp and writes no FILE", async () => {
      const t = await people();
      await db.batchInsert(t, Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, name: `name-${"x".repeat(40)}-${i}` })), { returning: false });
      const dir = tempDir();
      const out = join(dir, "big.jsonl");
      const child = spawn(process.execPath, ["--import", TSX, MAIN, "export", t, "--out", out, "--db", url], { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const done = exited(child);
      // The temporary file is a FIFO we read: the export stalls when we stop reading, so the
      // SIGINT surely arrives in the middle of it.
      const temp = `${out}.${child.pid}.tmp`;
      execFileSync("mkfifo", [temp]);
      const reader = createReadStream(temp, { highWaterMark: 4096 });
      await new Promise<void>((resolve) => reader.once("data", () => resolve()));
      reader.pause();
      await new Promise((r) => setTimeout(r, 300));
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      reader.resume();
      reader.on("error", () => undefined);
      const { code } = await done;
      reader.destroy();
      expect(code).toBe(130);
      expect(stderr).toBe(`tablekit: interrupted (${out} was not written)\n`);
      expect(existsSync(temp)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
}
