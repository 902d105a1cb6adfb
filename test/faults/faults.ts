/**
 * The columns of the fault matrix: each fault says where it applies (and why not elsewhere), what
 * a cell expects, and how one cell runs (setup, inject, teardown) for one method on one backend.
 * A cell returns the problems it found: an empty list is a pass. Adding a fault is adding one
 * entry here and one test file that loops over {@link METHODS}.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Database, type DatabaseOptions, type Row } from "../../src/index.js";
import { type Backend, tempDir } from "../support/backends.js";
import { METHODS, type MethodSpec } from "./methods.js";
import {
  type Names,
  type Settled,
  type Slots,
  closeCtx,
  createSchema,
  describeSettled,
  describeSlots,
  dropSchema,
  freshNames,
  judgeCall,
  openCtx,
  seed,
  settle,
  snapshot,
  statusOf,
} from "./world.js";

/** How long any call may take to settle: the default busy timeout (5 s) and a margin. */
export const SETTLE_BOUND_MS = 10_000;

/** One fault of the matrix. */
export interface FaultSpec {
  /** Short id, used in file names and results. */
  id: string;
  /** The column heading. */
  title: string;
  /** How the fault is injected. */
  how: string;
  /** What each cell asserts. */
  expects: string;
  /** Where it runs; a backend missing here is explained in `notApplicable`. */
  backends: readonly ("sqlite" | "postgres")[];
  /** Why the fault does not apply to the other backends. */
  notApplicable: Partial<Record<"sqlite" | "postgres", string>>;
}

/** The faults, in the order of the table's columns. */
export const FAULTS: FaultSpec[] = [
  {
    id: "commit",
    title: "COMMIT fails",
    how: "a foreign key declared DEFERRABLE INITIALLY DEFERRED: the call writes a missing parent id (or deletes a row a child refers to), so its statements succeed and its COMMIT fails",
    expects: "rejects with a TablekitError; nothing of the call is stored after reopening; the next write and the next transaction on the same Database resolve and are stored (the failed COMMIT left no transaction open)",
    backends: ["sqlite", "postgres"],
    notApplicable: {},
  },
  {
    id: "disk",
    title: "disk full",
    how: "the SQLite file on a 2 MiB tmpfs the test mounts; a filler file takes every free byte just before the call and is removed once it settled",
    expects: "settles; rejects with a TablekitError and nothing is stored, or resolves and everything is stored after reopening; the next write and the next transaction (space freed) are stored",
    backends: ["sqlite"],
    notApplicable: { postgres: "a full disk on the server cannot be made by a client-side test; a client meets it as a failed statement or COMMIT, the kind of failure the COMMIT column injects" },
  },
  {
    id: "busy",
    title: "SQLITE_BUSY",
    how: "another process (plain better-sqlite3) holds BEGIN IMMEDIATE on the file for the call's first 40 ms",
    expects: "waits and resolves (the lock is held well under busyTimeoutMs); stored after reopening",
    backends: ["sqlite"],
    notApplicable: { postgres: "PostgreSQL has no database-wide write lock: a writer waits for row locks in the server, without a client-side retry" },
  },
  {
    id: "busy-tx",
    title: "SQLITE_BUSY + rollback",
    how: "as SQLITE_BUSY; as soon as the lock is released, before any timer of this process fires (so before the call's next retry), this process begins a db.transaction that writes a row, stays open 80 ms and throws (rolls back)",
    expects: "the call resolves and is stored after reopening; the transaction rejects with its own error and its row is absent",
    backends: ["sqlite"],
    notApplicable: { postgres: "as SQLITE_BUSY" },
  },
  {
    id: "kill",
    title: "SIGKILL",
    how: "a child process calls every method in concurrent loops, printing each acknowledged call before the next; the parent kills it with SIGKILL at a random moment, then reopens the file",
    expects: "every acknowledged call is stored; the calls in flight are stored entirely or not at all; rejected and never-started calls are absent",
    backends: ["sqlite"],
    notApplicable: { postgres: "not run by this matrix (test/reliability/crash.test.ts kills a batchInsert/KVStore.set writer on PostgreSQL)" },
  },
  {
    id: "schema-add",
    title: "column added",
    how: "one call, then ALTER TABLE … ADD COLUMN added BOOLEAN DEFAULT TRUE on items and kv through another connection, then a second call",
    expects: "both calls resolve and are stored after reopening; the rows a call returns equal the rows stored (decoded by the current columns)",
    backends: ["sqlite", "postgres"],
    notApplicable: {},
  },
  {
    id: "schema-drop",
    title: "column dropped",
    how: "one call, then ALTER TABLE … DROP COLUMN note on items and kv through another connection, then a second call",
    expects: "as column added",
    backends: ["sqlite", "postgres"],
    notApplicable: {},
  },
];

/** The fault with this id. */
export function fault(id: string): FaultSpec {
  const found = FAULTS.find((f) => f.id === id);
  if (found === undefined) throw new Error(`unknown fault ${id}`);
  return found;
}

// ---------------------------------------------------------------------- results

/** One cell's outcome, as recorded for docs/fault-matrix.md. */
export interface CellResult {
  method: string;
  problems: string[];
  /** Counts a cell measured (SIGKILL: acknowledged, in-flight and rejected calls). */
  figures?: Record<string, number>;
  /** How the faulted call settled, where the column has one call ("rejected: QueryError"). */
  outcome?: string;
}

const results = new Map<string, CellResult[]>();

/** Records a cell's outcome (written by {@link writeResults}). */
export function recordCell(faultId: string, backend: string, method: string, problems: string[], extra: { figures?: Record<string, number>; outcome?: string } = {}): void {
  const key = `${faultId}-${backend}`;
  let list = results.get(key);
  if (list === undefined) results.set(key, (list = []));
  list.push({ method, problems, ...extra });
}

/** Writes the recorded cells to .tmp/faults/<fault>-<backend>.json, read by render-doc.ts. */
export function writeResults(): void {
  mkdirSync(".tmp/faults", { recursive: true });
  for (const [key, cells] of results) {
    const [faultId, backend] = [key.slice(0, key.lastIndexOf("-")), key.slice(key.lastIndexOf("-") + 1)];
    const file = join(".tmp/faults", `${key}.json`);
    writeFileSync(file, JSON.stringify({ fault: faultId, backend, at: new Date().toISOString(), stress: process.env["TABLEKIT_STRESS"] === "1", cells }, null, 2) + "\n");
  }
}

// ---------------------------------------------------------------------- shared steps

/** A prepared cell: names, options, a seeded schema. */
interface Prepared {
  names: Names;
  options: DatabaseOptions;
}

async function prepare(options: DatabaseOptions, slots: Slots[], extra: { fk: boolean; kids?: number[]; kvKids?: string[] }): Promise<Prepared> {
  const names = freshNames();
  const setup = new Database(options);
  try {
    await createSchema(setup, names, { fk: extra.fk });
    await seed(setup, names, { slots, ...(extra.kids ? { kids: extra.kids } : {}), ...(extra.kvKids ? { kvKids: extra.kvKids } : {}), kvParents: extra.fk });
  } finally {
    await setup.close();
  }
  return { names, options };
}

/** Reads the world through a fresh connection, then drops the schema (PostgreSQL). */
async function reopenAndRead(p: Prepared) {
  const check = new Database(p.options);
  try {
    return await snapshot(check, p.names);
  } finally {
    await dropSchema(check, p.names).catch(() => undefined);
    await check.close();
  }
}

/** The writes made after the fault on the same Database: a plain insert (side#1), then a transaction (side#2). */
async function followUps(db: Database, names: Names): Promise<Settled[]> {
  const plain = await settle(db.insert(names.side, { id: 1, val: "after" }), SETTLE_BOUND_MS);
  const tx = await settle(
    db.transaction((t) => t.insert(names.side, { id: 2, val: "after, in a transaction" })),
    SETTLE_BOUND_MS,
  );
  return [plain, tx];
}

/** Problems with the writes made after the fault, which must resolve and be stored. */
function judgeFollowUps(follow: Settled[], side: Map<number, string>): string[] {
  const problems: string[] = [];
  const what = ["the next write on the same Database", "the next transaction on the same Database"];
  follow.forEach((s, i) => {
    if (s.kind !== "resolved") problems.push(`${what[i]} ${describeSettled(s)}`);
    else if (!side.has(i + 1)) problems.push(`${what[i]} (side#${i + 1}) resolved, but is absent after reopen: the fault left the connection in a transaction`);
  });
  return problems;
}

function sameRow(a: Row, b: Row): boolean {
  const norm = (r: Row) => JSON.stringify(Object.keys(r).sort().map((k) => [k, typeof r[k] === "bigint" ? String(r[k]) : r[k]]));
  return norm(a) === norm(b);
}

// ---------------------------------------------------------------------- COMMIT fails

/** A cell's problems (empty: it passed) and how its call settled, for the table. */
export interface CellOutcome {
  problems: string[];
  outcome: string;
}

/** How a call settled, in a few words: "rejected: ForeignKeyViolationError". */
export function outcomeOf(s: Settled): string {
  return s.kind === "rejected" ? `rejected: ${s.error instanceof Error ? s.error.constructor.name : String(s.error)}` : s.kind === "resolved" ? "resolved" : "did not settle";
}

/** One cell of the COMMIT column. */
export async function commitCell(backend: Backend, m: number): Promise<CellOutcome> {
  const method = METHODS[m]!;
  const n = 0;
  const p = await prepare(backend.options(), [method.before(m, n)], {
    fk: true,
    ...(method.failCommit.kids ? { kids: method.failCommit.kids(m, n) } : {}),
    ...(method.failCommit.kvKids ? { kvKids: method.failCommit.kvKids(m, n) } : {}),
  });
  const ctx = await openCtx(new Database(p.options), p.names);
  const s = await settle((method.failCommit.call ?? method.call)(ctx, m, n), SETTLE_BOUND_MS);
  const follow = await followUps(ctx.db, p.names);
  await settle(closeCtx(ctx), SETTLE_BOUND_MS);
  const world = await reopenAndRead(p);
  const status = statusOf(world, method.before(m, n), method.before(m, n));
  // A failing call has no after-state: anything but the before-state is a change it left behind.
  const changed = status === "present" ? "absent" : "partial";
  return {
    problems: [...judgeCall(s, changed, "reject", describeSlots(world, method.before(m, n), {})), ...judgeFollowUps(follow, world.side)],
    outcome: outcomeOf(s),
  };
}

// ---------------------------------------------------------------------- disk full

/** Mounts a 2 MiB tmpfs on `dir` (root only); rejects when mount fails. */
export function mountTmpfs(dir: string): Promise<void> {
  return run("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir]);
}

/** Unmounts `dir`. */
export function unmount(dir: string): Promise<void> {
  return run("umount", [dir]);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim()}`))));
  });
}

/** Fills the file system holding `dir` to the last byte; returns the filler file to remove. */
export function fillDisk(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** One cell of the disk-full column: the database lives under `mount`. */
export async function diskCell(mount: string, m: number): Promise<CellOutcome> {
  const method = METHODS[m]!;
  const n = 0;
  const dir = join(mount, `m${m}`);
  mkdirSync(dir);
  try {
    const p = await prepare({ filename: join(dir, "t.db") }, [method.before(m, n)], { fk: false });
    const ctx = await openCtx(new Database(p.options), p.names);
    const filler = fillDisk(mount);
    let s: Settled;
    try {
      s = await settle(method.call(ctx, m, n), SETTLE_BOUND_MS);
    } finally {
      unlinkSync(filler);
    }
    const follow = await followUps(ctx.db, p.names);
    await settle(closeCtx(ctx), SETTLE_BOUND_MS);
    const world = await reopenAndRead(p);
    const before = method.before(m, n);
    const after = method.after(m, n);
    return {
      problems: [...judgeCall(s, statusOf(world, before, after), "either", describeSlots(world, before, after)), ...judgeFollowUps(follow, world.side)],
      outcome: outcomeOf(s),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------- SQLITE_BUSY

/** A child process (plain better-sqlite3, not tablekit) that holds a file's write lock on request. */
export class LockHolder {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiter: ((line: string) => void) | undefined;
  #stderr = "";

  constructor() {
    this.#child = spawn(process.execPath, [join(import.meta.dirname, "lock-holder.mjs")], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr.on("data", (chunk: Buffer) => (this.#stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter !== undefined) waiter(line);
      else this.#lines.push(line);
    });
  }

  async #command(text: string, reply: string): Promise<void> {
    this.#child.stdin.write(text + "\n");
    const line =
      this.#lines.shift() ??
      (await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`lock holder did not answer "${text}": ${this.#stderr}`)), 10_000);
        this.#waiter = (l) => {
          clearTimeout(timer);
          resolve(l);
        };
      }));
    if (line !== reply) throw new Error(`lock holder answered "${line}" to "${text}": ${this.#stderr}`);
  }

  /** Opens `file` and takes its write lock (BEGIN IMMEDIATE). */
  hold(file: string): Promise<void> {
    return this.#command(`hold ${file}`, "held");
  }

  /** Commits (nothing) and closes the file, releasing the lock. */
  release(): Promise<void> {
    return this.#command("release", "released");
  }

  /** Ends the child. */
  stop(): void {
    this.#child.stdin.end();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error the in-process transaction of the busy-tx column throws to roll back. */
class Rollback extends Error {}

/**
 * One cell of the SQLITE_BUSY columns, `rounds` times on one file: the lock holder takes the
 * write lock, the call starts and waits for it, the lock is released, and (with `withTx`) a
 * transaction of this process begins at once — before any timer of this process can fire, so
 * before the call's next retry — writes a row, stays open until the call has retried, and rolls
 * back.
 */
export async function busyCell(holder: LockHolder, m: number, withTx: boolean, rounds: number): Promise<string[]> {
  const method = METHODS[m]!;
  const file = join(tempDir(), "busy.db");
  const ns = Array.from({ length: rounds }, (_, n) => n);
  const p = await prepare({ filename: file }, ns.map((n) => method.before(m, n)), { fk: false });
  const ctx = await openCtx(new Database(p.options), p.names);
  const outcomes: { s: Settled; tx: Settled | undefined }[] = [];
  try {
    for (const n of ns) {
      await holder.hold(file);
      const started = performance.now();
      let finished = Number.POSITIVE_INFINITY;
      const call = method.call(ctx, m, n).finally(() => (finished = performance.now()));
      call.catch(() => undefined);
      // The call retries after 1, 2, 4, 8, 16 and 32 ms (then every 50 ms): at 40 ms it is
      // waiting in the 32 ms gap, so its next retry does not race the release.
      await sleep(40);
      const released = performance.now();
      await holder.release();
      // A call that settled while the lock was held never met the fault: the cell would test nothing.
      if (finished < released) throw new Error(`the call settled ${Math.round(finished - started)} ms after it started, while the other process held the lock`);
      let tx: Promise<unknown> | undefined;
      if (withTx) {
        tx = ctx.db.transaction(async (t) => {
          await t.insert(p.names.side, { id: 100 + n, val: "rolled back" });
          // A retry of the call that escaped the connection lock runs inside this transaction
          // (the call's next retry is due within about 25 ms), and is rolled back with it.
          await sleep(80);
          throw new Rollback("roll back");
        });
        tx.catch(() => undefined);
      }
      const s = await settle(call, SETTLE_BOUND_MS);
      outcomes.push({ s, tx: tx === undefined ? undefined : await settle(tx, SETTLE_BOUND_MS) });
    }
  } finally {
    await settle(closeCtx(ctx), SETTLE_BOUND_MS);
  }
  const world = await reopenAndRead(p);
  const problems: string[] = [];
  for (const n of ns) {
    const { s, tx } = outcomes[n]!;
    const before = method.before(m, n);
    const after = method.after(m, n);
    const prefix = rounds > 1 ? `round ${n}: ` : "";
    for (const problem of judgeCall(s, statusOf(world, before, after), "resolve", describeSlots(world, before, after))) problems.push(prefix + problem);
    if (tx !== undefined) {
      if (tx.kind !== "rejected" || !(tx.error instanceof Rollback)) problems.push(`${prefix}the rolled-back transaction ${describeSettled(tx)} instead of rejecting with its own error`);
      if (world.side.has(100 + n)) problems.push(`${prefix}the rolled-back transaction's row is present after reopen`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------- schema change

/**
 * Problems with the rows a call returned: each must equal the row stored under its id, read
 * through a new connection (whose statements were all prepared after any schema change).
 */
async function returnedRows(options: DatabaseOptions, names: Names, method: MethodSpec, s: Settled, label: string): Promise<string[]> {
  if (s.kind !== "resolved" || method.rows === undefined) return [];
  const problems: string[] = [];
  await using db = new Database(options);
  for (const row of method.rows(s.value)) {
    const stored = (await db.execute<Row>(`SELECT * FROM "${names.items}" WHERE id = ?`, [row["id"]]))[0];
    if (stored === undefined || !sameRow(row, stored)) {
      problems.push(`${label}: returned ${JSON.stringify(row, jsonSafe)}, but the stored row reads ${JSON.stringify(stored ?? null, jsonSafe)}`);
    }
  }
  return problems;
}

/**
 * One cell of a schema-change column: a call, an ALTER TABLE through another connection, a call.
 * Each call's returned rows are compared with the stored rows, read through a new connection just
 * after the call (so before the ALTER for the first call).
 */
export async function schemaCell(backend: Backend, m: number, change: "add" | "drop"): Promise<string[]> {
  const method = METHODS[m]!;
  const p = await prepare(backend.options(), [method.before(m, 0), method.before(m, 1)], { fk: false });
  const ctx = await openCtx(new Database(p.options), p.names);
  const other = new Database(p.options);
  const settled: Settled[] = [];
  const problems: string[] = [];
  const labels = ["the call before the change", "the call after the change"];
  try {
    settled.push(await settle(method.call(ctx, m, 0), SETTLE_BOUND_MS));
    problems.push(...(await returnedRows(p.options, p.names, method, settled[0]!, labels[0]!)));
    for (const table of [p.names.items, p.names.kv]) {
      await other.execute(change === "add" ? `ALTER TABLE "${table}" ADD COLUMN added BOOLEAN DEFAULT TRUE` : `ALTER TABLE "${table}" DROP COLUMN note`);
    }
    settled.push(await settle(method.call(ctx, m, 1), SETTLE_BOUND_MS));
    problems.push(...(await returnedRows(p.options, p.names, method, settled[1]!, labels[1]!)));
  } finally {
    await other.close();
    await settle(closeCtx(ctx), SETTLE_BOUND_MS);
  }
  const world = await reopenAndRead(p);
  for (const n of [0, 1]) {
    const s = settled[n]!;
    const before = method.before(m, n);
    const after = method.after(m, n);
    for (const problem of judgeCall(s, statusOf(world, before, after), "resolve", describeSlots(world, before, after))) problems.unshift(`${labels[n]}: ${problem}`);
  }
  return problems;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** The label of a method for test names. */
export function cellName(method: MethodSpec): string {
  return `${method.api}.${method.name}`;
}
