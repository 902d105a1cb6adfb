/**
 * A real PgBouncer (the machine's, Debian's `pgbouncer` package; 1.18 in CI) in front of a
 * PostgreSQL server, for the tests of tablekit behind a connection pooler: started on a free
 * loopback port with its own config in a temp dir, stopped and removed afterwards, also when the
 * process that started it dies first (a watchdog, as for {@link PgCluster}).
 *
 * ```ts
 * const bouncer = await PgBouncer.start({ target: PG_URL }); // pool_mode = transaction
 * const db = new Database(bouncer.url());
 * await bouncer.destroy();
 * ```
 *
 * Authentication: `auth_type = trust` with an `auth_file` naming the target URL's user (PgBouncer
 * still wants the user listed); the server behind it must trust that user on loopback, as the
 * tests' servers do. PgBouncer refuses to run as root: as root it runs as the `postgres` OS user,
 * else `nobody` (see `pgUid` in pg-cluster.ts).
 *
 * Where pgbouncer is not installed ({@link pgbouncerBin} is undefined), tests that need it are
 * skipped with that reason, or fail under TABLEKIT_REQUIRE_BACKENDS=1 (CI, whose .ci/run installs
 * it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pgUid } from "./pg-cluster.js";

/**
 * The PgBouncer binary: `TABLEKIT_PGBOUNCER_BIN` when set (only that path: pointing it at a
 * missing file shows what a machine without pgbouncer does), else Debian's path, else `$PATH`.
 */
export function pgbouncerBin(): string | undefined {
  const configured = process.env["TABLEKIT_PGBOUNCER_BIN"];
  const candidates = configured !== undefined && configured !== "" ? [configured] : ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];
  if (candidates.length > 1) for (const dir of (process.env["PATH"] ?? "").split(":")) if (dir !== "") candidates.push(join(dir, "pgbouncer"));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Why pgbouncer tests cannot run here, or undefined when they can. */
export function pgbouncerMissing(): string | undefined {
  return pgbouncerBin() === undefined
    ? `pgbouncer is not installed${process.env["TABLEKIT_PGBOUNCER_BIN"] ? ` at TABLEKIT_PGBOUNCER_BIN=${process.env["TABLEKIT_PGBOUNCER_BIN"]}` : ""} (apt-get install pgbouncer; .ci/run installs it)`
    : undefined;
}

/** Options for {@link PgBouncer.start}. */
export interface PgBouncerOptions {
  /** The PostgreSQL server behind it (its host, port and user are used; every database is served). */
  target: string;
  /** PgBouncer's `pool_mode`. Default `"transaction"`. */
  poolMode?: "transaction" | "session" | "statement";
  /** Server connections per database and user (`default_pool_size`). Default 20 (PgBouncer's default). */
  poolSize?: number;
  /** More `[pgbouncer]` settings. */
  settings?: Record<string, string | number>;
}

const IS_ROOT = process.getuid?.() === 0;

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Stops pgbouncer (pid) and removes `root` once `owner` has exited without {@link PgBouncer.destroy}. */
function startWatchdog(root: string, pid: number): void {
  const script = [
    'owner=$1 root=$2 pid=$3',
    'while kill -0 "$owner" 2>/dev/null && [ -d "$root" ] && kill -0 "$pid" 2>/dev/null; do sleep 1; done',
    'kill -TERM "$pid" 2>/dev/null',
    'rm -rf "$root"',
  ].join("\n");
  try {
    const child = spawn("sh", ["-c", script, "tablekit-pgbouncer-watchdog", String(process.pid), root, String(pid)], { detached: true, stdio: "ignore", cwd: "/" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    /* no sh: cleanup relies on destroy() */
  }
}

/** A running PgBouncer. See the module documentation. */
export class PgBouncer {
  /** The TCP port on 127.0.0.1. */
  readonly port: number;
  readonly #root: string;
  readonly #child: ChildProcess;
  readonly #target: URL;
  #log = "";
  #destroyed = false;

  private constructor(port: number, root: string, child: ChildProcess, target: URL) {
    this.port = port;
    this.#root = root;
    this.#child = child;
    this.#target = target;
    child.stdout?.on("data", (chunk: Buffer) => (this.#log = (this.#log + chunk.toString()).slice(-8_000)));
    child.stderr?.on("data", (chunk: Buffer) => (this.#log = (this.#log + chunk.toString()).slice(-8_000)));
  }

  /** Starts PgBouncer in front of `options.target` on a free loopback port; resolves once it accepts connections. */
  static async start(options: PgBouncerOptions): Promise<PgBouncer> {
    const bin = pgbouncerBin();
    if (bin === undefined) throw new Error(pgbouncerMissing());
    const target = new URL(options.target);
    const user = decodeURIComponent(target.username) || "postgres";
    const root = mkdtempSync(join(tmpdir(), "tablekit-pgbouncer-"));
    chmodSync(root, 0o755);
    const port = await freePort();
    const settings: Record<string, string | number> = {
      listen_addr: "127.0.0.1",
      listen_port: port,
      unix_socket_dir: "",
      auth_type: "trust",
      auth_file: join(root, "users.txt"),
      pool_mode: options.poolMode ?? "transaction",
      default_pool_size: options.poolSize ?? 20,
      max_client_conn: 2000,
      // The tests' servers allow 100-200 connections; several test processes share one.
      max_db_connections: 0,
      server_lifetime: 3600,
      logfile: "",
      pidfile: "",
      ...options.settings,
    };
    const ini = [
      "[databases]",
      `* = host=${target.hostname.replace(/^\[|\]$/g, "")} port=${target.port || "5432"}`,
      "[pgbouncer]",
      ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
      "",
    ].join("\n");
    writeFileSync(join(root, "pgbouncer.ini"), ini);
    writeFileSync(join(root, "users.txt"), `"${user.replace(/"/g, '""')}" ""\n`);
    if (IS_ROOT) {
      const { uid, gid } = pgUid();
      for (const file of ["", "pgbouncer.ini", "users.txt"]) chownSync(join(root, file), uid, gid);
    }
    const owner = IS_ROOT ? pgUid() : undefined;
    const child = spawn(bin, [join(root, "pgbouncer.ini")], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // Ctrl-C of the test run reaches it only through the watchdog or destroy()
      ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
    });
    child.on("error", () => undefined);
    const bouncer = new PgBouncer(port, root, child, target);
    if (child.pid !== undefined) startWatchdog(root, child.pid);
    const started = Date.now();
    while (!(await reachable(port))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > 10_000) {
        const log = bouncer.#log;
        await bouncer.destroy();
        throw new Error(`pgbouncer did not start on port ${port}: ${log.trim() || "no output"}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return bouncer;
  }

  /** A URL through PgBouncer: the target's user and database (or `database`), with `query` appended. */
  url(options: { database?: string; query?: string } = {}): string {
    const url = new URL(this.#target.toString());
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    if (options.database !== undefined) url.pathname = `/${options.database}`;
    url.search = options.query ?? url.search;
    return url.toString();
  }

  /** PgBouncer's output so far (for failure messages). */
  get log(): string {
    return this.#log;
  }

  /** Sends `signal` to PgBouncer (SIGKILL: it dies with its client connections open; SIGSTOP/SIGCONT: frozen/thawed). */
  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Stops PgBouncer (SIGTERM: immediate shutdown, closing its connections) and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    rmSync(this.#root, { recursive: true, force: true });
  }
}
