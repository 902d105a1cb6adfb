/**
 * What the report says about the machine and the software measured.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  loadAtStart: readonly number[];
  /** Filled in at the end of the run. */
  loadAtEnd?: readonly number[];
}

export function machineInfo(): MachineInfo {
  let pretty = `${os.type()} ${os.release()}`;
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    const name = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1];
    if (name !== undefined) pretty = `${name} (${os.type()} ${os.release()}, ${os.arch()})`;
  } catch {
    // not Linux: keep os.type()/release()
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 2 ** 30,
    os: pretty,
    node: process.version,
    loadAtStart: os.loadavg(),
  };
}

/** The contenders whose versions the report lists, in order. */
export const PACKAGES = [
  "better-sqlite3",
  "pg",
  "pg-cursor",
  "pg-copy-streams",
  "postgres",
  "kysely",
  "knex",
  "drizzle-orm",
  "keyv",
  "@keyv/sqlite",
  "sqlite3",
  "tsx",
] as const;

const ROOT = new URL("../../", import.meta.url);

/** The installed version of a package (from its package.json in node_modules), or "not installed". */
export function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, ROOT), "utf8")) as { version?: string };
    return pkg.version ?? "?";
  } catch {
    return "not installed";
  }
}

/** tablekit's own version, from package.json. */
export function tablekitVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { version?: string };
  return pkg.version ?? "?";
}

/** The repository root as a path. */
export const REPO_ROOT = fileURLToPath(ROOT);
