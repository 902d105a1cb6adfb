/**
 * A private PostgreSQL server for tests that must stop, kill, freeze or reconfigure one: `initdb`
 * into a fresh temporary directory (as the `postgres` OS user when the tests run as root), started
 * on a free loopback port, stopped and removed afterwards. The shared test server is never touched.
 *
 * ```ts
 * const cluster = await PgCluster.start({ config: { ssl: "off" } });
 * const db = new Database(cluster.url());
 * cluster.freeze(); … cluster.thaw();
 * await cluster.destroy();
 * ```
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Options for {@link PgCluster.start}. */
export interface PgClusterOptions {
  /** Extra postgresql.conf settings, e.g. `{ ssl: "on", password_encryption: "scram-sha-256" }`. */
  config?: Record<string, string | number | boolean>;
  /**
   * pg_hba.conf lines for TCP connections (default: trust for every user on 127.0.0.1 and ::1).
   * Local (Unix socket) connections are always trusted, so the helper itself can administer.
   */
  hba?: string[];
  /** Files to place in the data directory before start (name → content), e.g. server.crt. */
  files?: Record<string, string>;
  /** Databases to create besides `postgres` (default: ["test"]). */
  databases?: string[];
  /** SQL run as the superuser over the Unix socket after start (e.g. CREATE ROLE … PASSWORD …). */
  setupSql?: string[];
}

/** The installed PostgreSQL binaries (the newest version under /usr/lib/postgresql). */
export function pgBinDir(): string {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb"))) return bin;
  }
  throw new Error("initdb not found under /usr/lib/postgresql/*/bin");
}

/** Whether this machine can start private clusters (server binaries present). */
export function canStartClusters(): boolean {
  try {
    pgBinDir();
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const IS_ROOT = process.getuid?.() === 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pgUid(): { uid: number; gid: number } {
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n").find((line) => line.startsWith("postgres:"));
  if (passwd === undefined) throw new Error("no postgres OS user: initdb cannot run as root");
  const [, , uid, gid] = passwd.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function quoteConf(value: string | number | boolean): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** A private PostgreSQL server. See the module documentation. */
export class PgCluster {
  /** The data directory. */
  readonly dataDir: string;
  /** The directory holding the Unix socket. */
  readonly socketDir: string;
  /** The TCP port on 127.0.0.1. */
  readonly port: number;
  readonly #root: string;
  readonly #bin: string;
  #frozen = false;

  private constructor(root: string, port: number, bin: string) {
    this.#root = root;
    this.dataDir = join(root, "data");
    this.socketDir = root;
    this.port = port;
    this.#bin = bin;
  }

  /** initdb, configure and start a new server on a free port. Takes 1–3 s. */
  static async start(options: PgClusterOptions = {}): Promise<PgCluster> {
    const bin = pgBinDir();
    const root = mkdtempSync(join(tmpdir(), "tablekit-pg-"));
    chmodSync(root, 0o755);
    const cluster = new PgCluster(root, await freePort(), bin);
    if (IS_ROOT) {
      const { uid, gid } = pgUid();
      chownSync(root, uid, gid);
    }
    cluster.#asPostgres(join(bin, "initdb"), ["-D", cluster.dataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    const conf: Record<string, string | number | boolean> = {
      port: cluster.port,
      listen_addresses: "127.0.0.1",
      unix_socket_directories: root,
      fsync: "off",
      max_connections: 50,
      shared_buffers: "16MB",
      logging_collector: "off",
      ...options.config,
    };
    const lines = Object.entries(conf).map(([key, value]) => `${key} = ${quoteConf(value)}`);
    cluster.#write("postgresql.auto.conf", lines.join("\n") + "\n");
    const hba = options.hba ?? ["host all all 127.0.0.1/32 trust", "host all all ::1/128 trust"];
    cluster.#write("pg_hba.conf", ["local all all trust", ...hba].join("\n") + "\n");
    for (const [name, content] of Object.entries(options.files ?? {})) cluster.#write(name, content, name.endsWith(".key") ? 0o600 : 0o644);
    await cluster.startServer();
    for (const name of options.databases ?? ["test"]) cluster.psql(`CREATE DATABASE ${name}`);
    for (const statement of options.setupSql ?? []) cluster.psql(statement);
    return cluster;
  }

  /** A connection URL for this server (user postgres, database `test` unless given). */
  url(options: { user?: string; password?: string; database?: string; query?: string } = {}): string {
    const user = encodeURIComponent(options.user ?? "postgres");
    const auth = options.password === undefined ? user : `${user}:${encodeURIComponent(options.password)}`;
    const query = options.query === undefined ? "" : `?${options.query}`;
    return `postgres://${auth}@127.0.0.1:${this.port}/${options.database ?? "test"}${query}`;
  }

  /** Runs one SQL statement as the superuser over the Unix socket; returns psql's unaligned output. */
  psql(sql: string, database = "postgres"): string {
    return this.#asPostgres(join(this.#bin, "psql"), ["-h", this.socketDir, "-p", String(this.port), "-U", "postgres", "-d", database, "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql]);
  }

  /** Starts the (stopped) server and waits until it accepts connections. */
  async startServer(): Promise<void> {
    this.#asPostgres(join(this.#bin, "pg_ctl"), ["-D", this.dataDir, "-l", join(this.#root, "server.log"), "-w", "-t", "60", "start"]);
  }

  /** Stops the server: "fast" rolls back sessions and disconnects them; "immediate" aborts at once. */
  stop(mode: "smart" | "fast" | "immediate" = "fast"): void {
    if (this.#frozen) this.thaw();
    if (this.pid() === undefined) return;
    this.#asPostgres(join(this.#bin, "pg_ctl"), ["-D", this.dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
  }

  /** Restarts after {@link stop} or {@link kill}. */
  async restart(mode: "smart" | "fast" | "immediate" = "fast"): Promise<void> {
    this.stop(mode);
    await this.startServer();
  }

  /** The postmaster's process id, or undefined when the server is down. */
  pid(): number | undefined {
    const file = join(this.dataDir, "postmaster.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** The postmaster and all its children (backends, background workers). */
  #processes(): number[] {
    const pid = this.pid();
    if (pid === undefined) return [];
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).stdout.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
    return [pid, ...children];
  }

  /** SIGKILL the postmaster and every backend: a crashed server. Start it again with {@link startServer}. */
  kill(): void {
    if (this.#frozen) this.thaw();
    const pids = this.#processes();
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) spawnSync("sleep", ["0.02"]);
    rmSync(join(this.dataDir, "postmaster.pid"), { force: true });
    rmSync(join(this.socketDir, `.s.PGSQL.${this.port}`), { force: true });
    rmSync(join(this.socketDir, `.s.PGSQL.${this.port}.lock`), { force: true });
  }

  /** SIGSTOP the postmaster and every backend: to clients this looks like a network partition. */
  freeze(): void {
    for (const pid of this.#processes()) process.kill(pid, "SIGSTOP");
    this.#frozen = true;
  }

  /** SIGCONT what {@link freeze} stopped. */
  thaw(): void {
    const pid = this.pid();
    if (pid !== undefined) {
      process.kill(pid, "SIGCONT");
      for (const child of this.#processes()) process.kill(child, "SIGCONT");
    }
    this.#frozen = false;
  }

  /** Terminates every client backend (pg_terminate_backend), as an administrator would. */
  terminateClients(database = "test"): void {
    this.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);
  }

  /** Stops the server at once and removes its files. */
  async destroy(): Promise<void> {
    try {
      if (this.#frozen) this.thaw();
      if (this.pid() !== undefined) this.stop("immediate");
    } catch {
      this.kill();
    }
    rmSync(this.#root, { recursive: true, force: true });
  }

  /** The server log so far (for failure messages). */
  log(): string {
    const file = join(this.#root, "server.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  #write(name: string, content: string, mode = 0o644): void {
    const path = join(this.dataDir, name);
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
    if (IS_ROOT) {
      const { uid, gid } = pgUid();
      chownSync(path, uid, gid);
    }
  }

  #asPostgres(command: string, args: string[]): string {
    try {
      if (!IS_ROOT) return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      const { uid, gid } = pgUid();
      return execFileSync(command, args, { encoding: "utf8", uid, gid, cwd: "/tmp", env: { ...process.env, HOME: this.#root }, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${command} ${args.join(" ")} failed: ${e.stderr ?? e.message}\n${this.log().slice(-2000)}`);
    }
  }
}
