/**
 * The world every fault-matrix cell runs in: the tables, how a call's effect is seeded and read
 * back, and the verdict rules shared by every fault (docs/fault-matrix.md).
 *
 * One schema serves every method: `items` (Database and Table methods), `kv` (KVStore methods),
 * and the tables that make a COMMIT fail on demand through foreign keys declared
 * `DEFERRABLE INITIALLY DEFERRED` (checked only at COMMIT, on SQLite and PostgreSQL alike):
 * - `items.parent_id → parents.id`: writing a missing parent id fails at COMMIT;
 * - `kids.item_id → items.id`: deleting an item a kid refers to fails at COMMIT;
 * - `kv.key → kv_parents.key` (only with `fk`): storing a key without a parent fails at COMMIT;
 * - `kv_kids.key → kv.key` (only with `fk`): deleting a key a kid refers to fails at COMMIT.
 * `side` takes the write made after a fault, which must be stored (the connection was left clean).
 */
import { Database, type Row, Table, TablekitError } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { decodeValue, encodeValue } from "../../src/kv/codec.js";
import { uniqueTable } from "../support/backends.js";

/** A parent id that never exists. */
export const MISSING_PARENT = 999_999_999;

/** The state of one `items` row in a slot: null when the row is absent. */
export interface ItemState {
  val: string;
  parent_id: number | null;
}

/** What a call's slots hold: items by id, KV values by key; null means absent. */
export interface Slots {
  items?: Record<number, ItemState | null>;
  kv?: Record<string, string | null>;
}

/** The table names of one cell. */
export interface Names {
  parents: string;
  items: string;
  kids: string;
  kvParents: string;
  kv: string;
  kvKids: string;
  side: string;
}

/** Fresh, unique table names. */
export function freshNames(): Names {
  return {
    parents: uniqueTable("fm_parents"),
    items: uniqueTable("fm_items"),
    kids: uniqueTable("fm_kids"),
    kvParents: uniqueTable("fm_kvparents"),
    kv: uniqueTable("fm_kv"),
    kvKids: uniqueTable("fm_kvkids"),
    side: uniqueTable("fm_side"),
  };
}

/** The row type of `items`. */
export interface Item {
  id: number;
  val: string | null;
  note: string | null;
  parent_id: number | null;
}

/** What a method's call gets: the Database, a Table on `items` and a KVStore on `kv`. */
export interface Ctx {
  db: Database;
  items: Table<Item>;
  kv: KVStore<string>;
  names: Names;
}

/**
 * Creates the schema (raw DDL, the same on both backends but for PostgreSQL's key collation).
 * Without `fk`, only what the calls write: `parents`, `items`, `kv` (no foreign key) and `side`.
 */
export async function createSchema(db: Database, names: Names, options: { fk: boolean }): Promise<void> {
  const collate = db.dialect === "sqlite" ? "" : ` COLLATE "C"`;
  const deferred = "DEFERRABLE INITIALLY DEFERRED";
  await db.execute(`CREATE TABLE "${names.parents}" (id INTEGER PRIMARY KEY)`);
  await db.execute(
    `CREATE TABLE "${names.items}" (id INTEGER PRIMARY KEY, val TEXT, note TEXT, parent_id INTEGER REFERENCES "${names.parents}" (id) ${deferred})`,
  );
  if (options.fk) {
    await db.execute(`CREATE TABLE "${names.kids}" (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES "${names.items}" (id) ${deferred})`);
    await db.execute(`CREATE TABLE "${names.kvParents}" (key TEXT${collate} PRIMARY KEY)`);
  }
  const kvFk = options.fk ? ` REFERENCES "${names.kvParents}" (key) ${deferred}` : "";
  await db.execute(`CREATE TABLE "${names.kv}" (key TEXT${collate} PRIMARY KEY${kvFk}, value TEXT NOT NULL, expires_at BIGINT, note TEXT)`);
  if (options.fk) {
    await db.execute(`CREATE TABLE "${names.kvKids}" (id INTEGER PRIMARY KEY, key TEXT${collate} NOT NULL REFERENCES "${names.kv}" (key) ${deferred})`);
  }
  await db.execute(`CREATE TABLE "${names.side}" (id INTEGER PRIMARY KEY, val TEXT)`);
}

/** Drops the schema (PostgreSQL cells; SQLite cells use a fresh file). */
export async function dropSchema(db: Database, names: Names): Promise<void> {
  const list = [names.kvKids, names.kv, names.kvParents, names.kids, names.items, names.parents, names.side].map((n) => `"${n}"`).join(", ");
  await db.execute(db.dialect === "sqlite" ? `SELECT 1` : `DROP TABLE IF EXISTS ${list} CASCADE`);
}

/** What to seed for one cell: slot states, plus the kids that make deletes fail at COMMIT. */
export interface Seed {
  slots: Slots[];
  kids?: number[];
  kvKids?: string[];
  /** Seed `kv_parents` for every seeded key (the commit fault's `kv` has the foreign key). */
  kvParents?: boolean;
}

/** Writes the seed through `db` (a setup connection). */
export async function seed(db: Database, names: Names, s: Seed): Promise<void> {
  const items: Row[] = [];
  const kv: { key: string; value: string; expires_at: null; note: string }[] = [];
  for (const slots of s.slots) {
    for (const [id, state] of Object.entries(slots.items ?? {})) {
      if (state !== null) items.push({ id: Number(id), val: state.val, parent_id: state.parent_id, note: "seeded" });
    }
    for (const [key, value] of Object.entries(slots.kv ?? {})) {
      if (value !== null) kv.push({ key, value: encodeValue(value), expires_at: null, note: "seeded" });
    }
  }
  if (items.length > 0) await db.batchInsert(names.items, items, { returning: false });
  if (kv.length > 0) {
    if (s.kvParents) await db.batchInsert(names.kvParents, kv.map((e) => ({ key: e.key })), { returning: false });
    await db.batchInsert(names.kv, kv, { returning: false });
  }
  for (const [i, itemId] of (s.kids ?? []).entries()) await db.insert(names.kids, { id: i + 1, item_id: itemId });
  for (const [i, key] of (s.kvKids ?? []).entries()) await db.insert(names.kvKids, { id: i + 1, key });
}

/** Opens the Database, Table and KVStore a method's call uses. */
export async function openCtx(db: Database, names: Names): Promise<Ctx> {
  await db.connect();
  const items = new Table<Item>(names.items, { db });
  await items.initialize();
  const kv = await KVStore.open<string>({ db, table: names.kv, purgeIntervalMs: 0 });
  return { db, items, kv, names };
}

/** Closes what {@link openCtx} opened (errors are returned, not thrown: closing is not what a cell tests). */
export async function closeCtx(ctx: Ctx): Promise<unknown> {
  let failure: unknown;
  await ctx.kv.close().catch((error: unknown) => (failure ??= error));
  await ctx.db.close().catch((error: unknown) => (failure ??= error));
  return failure;
}

/** Everything stored in `items` and `kv`, read through `db` (a fresh connection). */
export interface World {
  items: Map<number, ItemState>;
  kv: Map<string, string>;
  side: Map<number, string>;
}

/** Reads the world. */
export async function snapshot(db: Database, names: Names): Promise<World> {
  const items = new Map<number, ItemState>();
  for (const row of await db.execute<{ id: number | bigint; val: string; parent_id: number | bigint | null }>(`SELECT id, val, parent_id FROM "${names.items}"`)) {
    items.set(Number(row.id), { val: row.val, parent_id: row.parent_id === null ? null : Number(row.parent_id) });
  }
  const kv = new Map<string, string>();
  for (const row of await db.execute<{ key: string; value: string }>(`SELECT key, value FROM "${names.kv}"`)) {
    kv.set(row.key, String(decodeValue(row.value)));
  }
  const side = new Map<number, string>();
  for (const row of await db.execute<{ id: number | bigint; val: string }>(`SELECT id, val FROM "${names.side}"`)) side.set(Number(row.id), row.val);
  return { items, kv, side };
}

/** Whether a call's effect is there: "present" (its after-state), "absent" (its before-state) or "partial" (neither). */
export type Status = "present" | "absent" | "partial";

function slotsMatch(world: World, slots: Slots, keys: Slots): boolean {
  for (const id of Object.keys(keys.items ?? {})) {
    const want = slots.items?.[Number(id)] ?? null;
    const have = world.items.get(Number(id)) ?? null;
    if (want === null ? have !== null : have === null || have.val !== want.val || have.parent_id !== want.parent_id) return false;
  }
  for (const key of Object.keys(keys.kv ?? {})) {
    const want = slots.kv?.[key] ?? null;
    const have = world.kv.get(key) ?? null;
    if (want !== have) return false;
  }
  return true;
}

/** The status of one call given its before- and after-states. */
export function statusOf(world: World, before: Slots, after: Slots): Status {
  const keys: Slots = { items: { ...before.items, ...after.items }, kv: { ...before.kv, ...after.kv } };
  if (slotsMatch(world, after, keys)) return "present";
  if (slotsMatch(world, before, keys)) return "absent";
  return "partial";
}

/** What the slots hold now, for messages. */
export function describeSlots(world: World, before: Slots, after: Slots): string {
  const parts: string[] = [];
  for (const id of Object.keys({ ...before.items, ...after.items })) parts.push(`items#${id}=${JSON.stringify(world.items.get(Number(id)) ?? null)}`);
  for (const key of Object.keys({ ...before.kv, ...after.kv })) parts.push(`kv[${key}]=${JSON.stringify(world.kv.get(key) ?? null)}`);
  return parts.join(" ");
}

/** How a call settled. */
export type Settled = { kind: "resolved"; value: unknown } | { kind: "rejected"; error: unknown } | { kind: "hung" };

/** Settles `promise` within `ms`, or reports it hung. */
export async function settle(promise: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled>((resolve) => (timer = setTimeout(() => resolve({ kind: "hung" }), ms)));
  try {
    return await Promise.race([promise.then((value): Settled => ({ kind: "resolved", value }), (error: unknown): Settled => ({ kind: "rejected", error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short description of an error: its class and message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.split("\n")[0]!.slice(0, 160)}`;
  return String(error);
}

/** What a settled call was, for messages. */
export function describeSettled(s: Settled): string {
  return s.kind === "resolved" ? "resolved" : s.kind === "hung" ? "did not settle" : `rejected (${describeError(s.error)})`;
}

/**
 * The rule every cell checks for one call: it settled; a rejection is a TablekitError and left
 * the before-state; a resolution left the after-state. `mustReject`/`mustResolve` narrow it for
 * faults whose outcome is known. Returns the problems found (empty when the call behaved).
 */
export function judgeCall(s: Settled, status: Status, expect: "reject" | "resolve" | "either", slotsNow: string): string[] {
  const problems: string[] = [];
  if (s.kind === "hung") return [`did not settle within the bound (${slotsNow})`];
  if (s.kind === "rejected") {
    if (!(s.error instanceof TablekitError)) problems.push(`rejected with a non-TablekitError: ${describeError(s.error)}`);
    if (expect === "resolve") problems.push(`rejected (${describeError(s.error)}) where it must succeed`);
    if (status !== "absent") problems.push(`rejected (${describeError(s.error)}), but its effect is ${status} after reopen (${slotsNow})`);
  } else {
    if (expect === "reject") {
      const what = status === "absent" ? "nothing of it is stored after reopen" : "after reopen its slots changed";
      problems.push(`resolved where its COMMIT must fail; ${what} (${slotsNow})`);
    }
    else if (status !== "present") problems.push(`resolved, but its effect is ${status} after reopen (${slotsNow})`);
  }
  return problems;
}

/** A value unique to call `n` of a method. */
export function v(n: number, j = 0): string {
  return `v${n}.${j}`;
}

/** The item id of slot `j` of call `n` of method number `m`. */
export function itemId(m: number, n: number, j = 0): number {
  return (m + 1) * 1_000_000 + n * 4 + j;
}

/** The KV key of slot `j` of call `n` of method number `m`. */
export function kvKey(m: number, n: number, j = 0): string {
  return `m${m}:${n}:${j}`;
}
