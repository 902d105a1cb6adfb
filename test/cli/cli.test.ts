/**
 * The command as a whole: `--help` on every command, exit codes 0/1/2, `--verbose`, choosing the
 * database (`--db`, `DATABASE_URL`, `./tablekit.db`), passwords never printed, and the real
 * executable run as a child process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/backends.js";
import { tablekit } from "./cli-harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const COMMANDS = [[], ["tables"], ["describe"], ["sql"], ["import"], ["export"], ["kv"], ["kv", "get"], ["kv", "set"], ["kv", "delete"], ["kv", "list"]];

describe("tablekit command", () => {
  it.each(COMMANDS.map((c) => [c.join(" ") || "(program)", c] as const))("--help works on %s", async (_name, command) => {
    const run = await tablekit([...command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: tablekit${command.length > 0 ? " " + command.join(" ") : ""} `));
    expect(run.stderr).toBe("");
    const leaf = command.length > 0 && command[0] !== "kv" ? true : command.length === 2;
    if (leaf) expect(run.stdout).toContain("--db <url>");
  });

  it("help COMMAND and --version exit 0", async () => {
    const help = await tablekit(["help", "export"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: tablekit export");
    const version = await tablekit(["--version"]);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("usage errors exit 2: no command, an unknown command or option, a missing argument", async () => {
    const none = await tablekit([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: tablekit");
    for (const args of [["frobnicate"], ["tables", "--nope"], ["describe"], ["tables", "extra"], ["export", "t", "--format", "xml"]]) {
      const run = await tablekit(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^error: /);
    }
  });

  it("a runtime error is one line; --verbose adds the stack", async () => {
    const db = join(tempDir(), "x.db");
    const quiet = await tablekit(["sql", "SELECT * FROM missing_table", "--db", db]);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/^tablekit: no such table: missing_table\n$/);
    const verbose = await tablekit(["sql", "SELECT * FROM missing_table", "--db", db, "--verbose"]);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr.split("\n")[0]).toBe("tablekit: no such table: missing_table");
    expect(verbose.stderr).toMatch(/\n {4}at /);
  });

  it("never prints the password of --db or DATABASE_URL, even with --verbose", async () => {
    const url = "postgres://alice:S3cr%21tPw@127.0.0.1:1/app?connect_timeout=2";
    for (const run of [
      await tablekit(["tables", "--db", url, "--verbose"]),
      await tablekit(["tables", "--verbose"], { env: { DATABASE_URL: url } }),
      await tablekit(["tables", "--db", "postgres://alice:S3cr!tPw@127.0.0.1:1/app?connect_timeout=2"]),
    ]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("cannot connect to postgres://alice@127.0.0.1:1/app");
      expect(run.stderr).not.toMatch(/S3cr/);
    }
    const config = await tablekit(["tables", "--db", "mysql://bob:hunter2@db/x"]);
    expect(config.code).toBe(1);
    expect(config.stderr).not.toContain("hunter2");
  });

  it("uses DATABASE_URL when there is no --db, and --db wins over it", async () => {
    const dir = tempDir();
    const fromEnv = join(dir, "env.db");
    const fromFlag = join(dir, "flag.db");
    expect((await tablekit(["sql", "CREATE TABLE only_in_env (a INTEGER)"], { env: { DATABASE_URL: fromEnv } })).code).toBe(0);
    expect((await tablekit(["tables"], { env: { DATABASE_URL: fromEnv } })).stdout).toBe("only_in_env\n");
    const flag = await tablekit(["tables", "--db", fromFlag], { env: { DATABASE_URL: fromEnv } });
    expect(flag).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(existsSync(fromFlag)).toBe(true);
  });
});

describe("the tablekit executable (src/cli/main.ts as a child process)", () => {
  const run = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const env = { ...process.env, ...options.env };
    delete env["DATABASE_URL"];
    if (options.env?.["DATABASE_URL"] !== undefined) env["DATABASE_URL"] = options.env["DATABASE_URL"];
    return spawnSync(process.execPath, ["--import", TSX, join(ROOT, "src/cli/main.ts"), ...args], { cwd: options.cwd ?? ROOT, env, encoding: "utf8", timeout: 20_000 });
  };

  it("node --import tsx src/cli/main.ts --help prints the usage and exits 0", () => {
    const child = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^Usage: tablekit \[options\] \[command\]/);
    expect(child.stdout).toContain("import [options] <table> <file>");
  });

  it("sets the process exit code: 2 for usage, 1 for runtime errors; defaults to ./tablekit.db", () => {
    expect(run(["nope"]).status).toBe(2);
    const cwd = tempDir();
    const created = run(["sql", "CREATE TABLE made_here (a INTEGER)"], { cwd });
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    expect(existsSync(join(cwd, "tablekit.db"))).toBe(true);
    const failed = run(["describe", "absent"], { cwd });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toBe('tablekit: table "absent" does not exist\n');
  });
});
