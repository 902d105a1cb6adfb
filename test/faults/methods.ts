/**
 * The rows of the fault matrix: every public write method, each as a small entry saying how to
 * call it (call `n` of method number `m` touches only its own slots: item ids and KV keys from
 * {@link itemId} and {@link kvKey}), what its slots hold before and after it succeeds, and how to
 * make its COMMIT fail. Adding a method is adding one entry.
 */
import { type Row, sql } from "../../src/index.js";
import { type Ctx, type ItemState, MISSING_PARENT, type Slots, itemId, kvKey, v } from "./world.js";

/** One write method of the public API. */
export interface MethodSpec {
  /** The class the method belongs to. */
  api: "Database" | "Table" | "KVStore";
  /** The method's name. */
  name: string;
  /** What call `n`'s slots hold before it (seeded by the cell). */
  before(m: number, n: number): Slots;
  /** What they hold once call `n` succeeded. */
  after(m: number, n: number): Slots;
  /** Makes call `n`. */
  call(ctx: Ctx, m: number, n: number): Promise<unknown>;
  /** The `items` rows a successful call returned, for methods that return rows. */
  rows?(result: unknown): Row[];
  /**
   * How call `n`'s COMMIT is made to fail: kids to seed (so a delete breaks a deferred foreign
   * key) and the call to make instead of `call` (one that writes a missing parent). Nothing else
   * about the call changes: the statement itself succeeds, only COMMIT fails.
   */
  failCommit: {
    kids?(m: number, n: number): number[];
    kvKids?(m: number, n: number): string[];
    call?(ctx: Ctx, m: number, n: number): Promise<unknown>;
  };
}

const OLD: ItemState = { val: "old", parent_id: null };
const item = (val: string): ItemState => ({ val, parent_id: null });
const ids = (m: number, n: number, count: number): number[] => Array.from({ length: count }, (_, j) => itemId(m, n, j));
const keys = (m: number, n: number, count: number): string[] => Array.from({ length: count }, (_, j) => kvKey(m, n, j));
const itemSlots = (list: number[], state: (j: number) => ItemState | null): Slots => ({ items: Object.fromEntries(list.map((id, j) => [id, state(j)])) });
const kvSlots = (list: string[], state: (j: number) => string | null): Slots => ({ kv: Object.fromEntries(list.map((key, j) => [key, state(j)])) });

/** The write methods, in the order of the table. */
export const METHODS: MethodSpec[] = [
  // ------------------------------------------------------------------ Database
  {
    api: "Database",
    name: "insert",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => null),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.db.insert(ctx.names.items, { id: itemId(m, n), val: v(n) }),
    failCommit: { call: (ctx, m, n) => ctx.db.insert(ctx.names.items, { id: itemId(m, n), val: v(n), parent_id: MISSING_PARENT }) },
  },
  {
    api: "Database",
    name: "update",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.db.update<Row>(ctx.names.items, { val: v(n) }, { id: itemId(m, n) }),
    failCommit: { call: (ctx, m, n) => ctx.db.update<Row>(ctx.names.items, { val: v(n), parent_id: MISSING_PARENT }, { id: itemId(m, n) }) },
  },
  {
    api: "Database",
    name: "upsert",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.db.upsert(ctx.names.items, { id: itemId(m, n), val: v(n) }, { conflict: ["id"] }),
    failCommit: { call: (ctx, m, n) => ctx.db.upsert(ctx.names.items, { id: itemId(m, n), val: v(n), parent_id: MISSING_PARENT }, { conflict: ["id"] }) },
  },
  {
    api: "Database",
    name: "delete",
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => null),
    call: (ctx, m, n) => ctx.db.delete(ctx.names.items, { id: itemId(m, n) }),
    failCommit: { kids: (m, n) => ids(m, n, 1) },
  },
  {
    api: "Database",
    name: "updateMany",
    before: (m, n) => itemSlots(ids(m, n, 2), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 2), () => item(v(n))),
    call: (ctx, m, n) => ctx.db.updateMany(ctx.names.items, { val: v(n) }, { id: { in: ids(m, n, 2) } }),
    failCommit: { call: (ctx, m, n) => ctx.db.updateMany(ctx.names.items, { val: v(n), parent_id: MISSING_PARENT }, { id: { in: ids(m, n, 2) } }) },
  },
  {
    api: "Database",
    name: "deleteMany",
    before: (m, n) => itemSlots(ids(m, n, 2), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 2), () => null),
    call: (ctx, m, n) => ctx.db.deleteMany(ctx.names.items, { id: { in: ids(m, n, 2) } }),
    // Only the second row has a kid: the first row's deletion must not survive either.
    failCommit: { kids: (m, n) => [itemId(m, n, 1)] },
  },
  {
    api: "Database",
    name: "batchInsert",
    rows: (r) => r as Row[],
    before: (m, n) => itemSlots(ids(m, n, 3), () => null),
    after: (m, n) => itemSlots(ids(m, n, 3), (j) => item(v(n, j))),
    call: (ctx, m, n) => ctx.db.batchInsert(ctx.names.items, ids(m, n, 3).map((id, j) => ({ id, val: v(n, j) }))),
    failCommit: {
      call: (ctx, m, n) => ctx.db.batchInsert(ctx.names.items, ids(m, n, 3).map((id, j) => ({ id, val: v(n, j), parent_id: j === 2 ? MISSING_PARENT : null }))),
    },
  },
  {
    api: "Database",
    name: "batchUpdate",
    rows: (r) => r as Row[],
    before: (m, n) => itemSlots(ids(m, n, 3), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 3), (j) => item(v(n, j))),
    call: (ctx, m, n) => ctx.db.batchUpdate(ctx.names.items, ids(m, n, 3).map((id, j) => ({ id, val: v(n, j) }))),
    failCommit: {
      call: (ctx, m, n) => ctx.db.batchUpdate(ctx.names.items, ids(m, n, 3).map((id, j) => ({ id, val: v(n, j), parent_id: j === 2 ? MISSING_PARENT : null }))),
    },
  },
  {
    api: "Database",
    name: "execute",
    before: (m, n) => itemSlots(ids(m, n, 2), () => null),
    after: (m, n) => itemSlots(ids(m, n, 2), (j) => item(v(n, j))),
    call: (ctx, m, n) =>
      ctx.db.execute(sql`INSERT INTO ${sql.id(ctx.names.items)} (id, val) VALUES (${itemId(m, n, 0)}, ${v(n, 0)}), (${itemId(m, n, 1)}, ${v(n, 1)}) RETURNING id`),
    failCommit: {
      call: (ctx, m, n) =>
        ctx.db.execute(
          sql`INSERT INTO ${sql.id(ctx.names.items)} (id, val, parent_id) VALUES (${itemId(m, n, 0)}, ${v(n, 0)}, ${null}), (${itemId(m, n, 1)}, ${v(n, 1)}, ${MISSING_PARENT}) RETURNING id`,
        ),
    },
  },
  {
    api: "Database",
    name: "transaction",
    before: (m, n) => ({ items: { [itemId(m, n, 0)]: OLD, [itemId(m, n, 1)]: null } }),
    after: (m, n) => ({ items: { [itemId(m, n, 0)]: item(v(n, 0)), [itemId(m, n, 1)]: item(v(n, 1)) } }),
    call: (ctx, m, n) =>
      ctx.db.transaction(async (tx) => {
        await tx.update(ctx.names.items, { val: v(n, 0) }, { id: itemId(m, n, 0) });
        await tx.insert(ctx.names.items, { id: itemId(m, n, 1), val: v(n, 1) });
      }),
    failCommit: {
      call: (ctx, m, n) =>
        ctx.db.transaction(async (tx) => {
          await tx.update(ctx.names.items, { val: v(n, 0) }, { id: itemId(m, n, 0) });
          await tx.insert(ctx.names.items, { id: itemId(m, n, 1), val: v(n, 1), parent_id: MISSING_PARENT });
        }),
    },
  },
  // ------------------------------------------------------------------ Table
  {
    api: "Table",
    name: "create",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => null),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.items.create({ id: itemId(m, n), val: v(n) }),
    failCommit: { call: (ctx, m, n) => ctx.items.create({ id: itemId(m, n), val: v(n), parent_id: MISSING_PARENT }) },
  },
  {
    api: "Table",
    name: "update",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.items.update(itemId(m, n), { val: v(n) }),
    failCommit: { call: (ctx, m, n) => ctx.items.update(itemId(m, n), { val: v(n), parent_id: MISSING_PARENT }) },
  },
  {
    api: "Table",
    name: "delete",
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => null),
    call: (ctx, m, n) => ctx.items.delete(itemId(m, n)),
    failCommit: { kids: (m, n) => ids(m, n, 1) },
  },
  {
    api: "Table",
    name: "batchCreate",
    rows: (r) => r as Row[],
    before: (m, n) => itemSlots(ids(m, n, 3), () => null),
    after: (m, n) => itemSlots(ids(m, n, 3), (j) => item(v(n, j))),
    call: (ctx, m, n) => ctx.items.batchCreate(ids(m, n, 3).map((id, j) => ({ id, val: v(n, j) }))),
    failCommit: { call: (ctx, m, n) => ctx.items.batchCreate(ids(m, n, 3).map((id, j) => ({ id, val: v(n, j), parent_id: j === 2 ? MISSING_PARENT : null }))) },
  },
  {
    api: "Table",
    name: "batchUpdate",
    rows: (r) => r as Row[],
    before: (m, n) => itemSlots(ids(m, n, 3), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 3), (j) => item(v(n, j))),
    call: (ctx, m, n) => ctx.items.batchUpdate(ids(m, n, 3).map((id, j) => ({ id, val: v(n, j) }))),
    failCommit: { call: (ctx, m, n) => ctx.items.batchUpdate(ids(m, n, 3).map((id, j) => ({ id, val: v(n, j), parent_id: j === 2 ? MISSING_PARENT : null }))) },
  },
  {
    api: "Table",
    name: "upsert",
    rows: (r) => (r === null ? [] : [r as Row]),
    before: (m, n) => itemSlots(ids(m, n, 1), () => OLD),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.items.upsert({ id: itemId(m, n), val: v(n) }),
    failCommit: { call: (ctx, m, n) => ctx.items.upsert({ id: itemId(m, n), val: v(n), parent_id: MISSING_PARENT }) },
  },
  {
    api: "Table",
    name: "getOrCreate",
    rows: (r) => [(r as { row: Row }).row],
    before: (m, n) => itemSlots(ids(m, n, 1), () => null),
    after: (m, n) => itemSlots(ids(m, n, 1), () => item(v(n))),
    call: (ctx, m, n) => ctx.items.getOrCreate({ id: itemId(m, n) }, { val: v(n) }),
    failCommit: { call: (ctx, m, n) => ctx.items.getOrCreate({ id: itemId(m, n) }, { val: v(n), parent_id: MISSING_PARENT }) },
  },
  // ------------------------------------------------------------------ KVStore
  // Under the COMMIT fault, `kv.key` references `kv_parents`, and only seeded keys have a parent:
  // a write of a new key fails at COMMIT as it is, so most KV entries need no special call.
  {
    api: "KVStore",
    name: "set",
    before: (m, n) => kvSlots(keys(m, n, 1), () => null),
    after: (m, n) => kvSlots(keys(m, n, 1), () => v(n)),
    call: (ctx, m, n) => ctx.kv.set(kvKey(m, n), v(n)),
    failCommit: {},
  },
  {
    api: "KVStore",
    name: "delete",
    before: (m, n) => kvSlots(keys(m, n, 1), () => "old"),
    after: (m, n) => kvSlots(keys(m, n, 1), () => null),
    call: (ctx, m, n) => ctx.kv.delete(kvKey(m, n)),
    failCommit: { kvKids: (m, n) => keys(m, n, 1) },
  },
  {
    api: "KVStore",
    name: "pop",
    before: (m, n) => kvSlots(keys(m, n, 1), () => "old"),
    after: (m, n) => kvSlots(keys(m, n, 1), () => null),
    call: (ctx, m, n) => ctx.kv.pop(kvKey(m, n)),
    failCommit: { kvKids: (m, n) => keys(m, n, 1) },
  },
  {
    api: "KVStore",
    name: "update",
    // The first key exists (and has a parent); the two new ones have none under the COMMIT fault.
    before: (m, n) => kvSlots(keys(m, n, 3), (j) => (j === 0 ? "old" : null)),
    after: (m, n) => kvSlots(keys(m, n, 3), (j) => v(n, j)),
    call: (ctx, m, n) => ctx.kv.update(Object.fromEntries(keys(m, n, 3).map((key, j) => [key, v(n, j)]))),
    failCommit: {},
  },
  {
    api: "KVStore",
    name: "batchUpdate",
    before: (m, n) => kvSlots(keys(m, n, 3), (j) => (j === 0 ? "old" : null)),
    after: (m, n) => kvSlots(keys(m, n, 3), (j) => v(n, j)),
    call: (ctx, m, n) => ctx.kv.batchUpdate(new Map(keys(m, n, 3).map((key, j) => [key, v(n, j)]))),
    failCommit: {},
  },
  {
    api: "KVStore",
    name: "batchDelete",
    before: (m, n) => kvSlots(keys(m, n, 3), () => "old"),
    after: (m, n) => kvSlots(keys(m, n, 3), () => null),
    call: (ctx, m, n) => ctx.kv.batchDelete(keys(m, n, 3)),
    failCommit: { kvKids: (m, n) => [kvKey(m, n, 2)] },
  },
  {
    api: "KVStore",
    name: "setDefault",
    before: (m, n) => kvSlots(keys(m, n, 1), () => null),
    after: (m, n) => kvSlots(keys(m, n, 1), () => v(n)),
    call: (ctx, m, n) => ctx.kv.setDefault(kvKey(m, n), v(n)),
    failCommit: {},
  },
];

/** "Database.insert", …: a method's name in the table. */
export function methodLabel(method: MethodSpec): string {
  return `${method.api}.${method.name}`;
}
