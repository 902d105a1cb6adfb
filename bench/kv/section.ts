/**
 * The key-value section, on a SQLite WAL file: tablekit's KVStore against a raw better-sqlite3
 * key/value table (prepared statements, JSON text, awaited), Keyv 5 with @keyv/sqlite 4 (Keyv 6
 * has no @keyv/sqlite release yet), and a plain Map (awaited). Every SQLite contender gets the
 * tuning KVStore applies to a file it opens (WAL, synchronous=FULL as tablekit's Database sets
 * by default, 256 MiB mmap, 16 MiB page cache, in-memory temp store), and its own fresh table per
 * workload.
 *
 * Also measured (issue #22): Keyv over tablekit's own adapter (`tablekit/keyv`) beside Keyv over
 * @keyv/sqlite, a KVStore with encryption at rest beside the plain one, and the set, uncached get
 * and batch workloads on PostgreSQL: KVStore and Keyv over `tablekit/keyv` against Keyv over
 * @keyv/postgres (tables `bench_kv_*`, dropped at the end of the section).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import KeyvPostgres from "@keyv/postgres";
import KeyvSqlite from "@keyv/sqlite";
import BetterSqlite3 from "better-sqlite3";
import Keyv from "keyv";
import pg from "pg";
import { KeyvTablekit } from "../../src/kv/keyv-adapter.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { type BenchConfig, wants } from "../harness/config.js";
import {
  type Entry,
  type Role,
  type Session,
  type TargetCheck,
  type Workload,
  type WorkloadResult,
  check,
  displayName,
  runWorkload,
  sequentially,
} from "../harness/measure.js";
import { ratio } from "../harness/stats.js";
import { aheadOf, rate, timeVs, withinOf, withinRaw } from "../harness/targets.js";

const TUNING = ["journal_mode = WAL", "synchronous = FULL", "mmap_size = 268435456", "cache_size = -16384", "temp_store = MEMORY"];

/** The value stored under key number i: a small JSON object (about 100 bytes as JSON). */
interface Value {
  id: number;
  name: string;
  email: string;
  tags: string[];
  active: boolean;
  /** 0 as filled; a new number at every set of the set workload. */
  rev: number;
}

const valueAt = (i: number, rev = 0): Value => ({ id: i, name: `user ${i}`, email: `user${i}@example.com`, tags: ["a", `t${i % 7}`], active: i % 2 === 0, rev });

/**
 * The revision the next set writes: every set stores a value the key does not hold yet. SQLite
 * skips writing a row whose new content equals the old, so rewriting the values the table was
 * filled with measured no-op commits instead of overwrites (see `nextAge` in
 * harness/row-workloads.ts).
 */
let nextRev = 1;
const keyAt = (i: number): string => `user:${i}`;

/** The operations a key-value contender offers (absent: not measured). */
interface KvOps {
  set?(key: string, value: Value): Promise<void>;
  get?(key: string): Promise<Value | undefined>;
  batch?(entries: ReadonlyMap<string, Value>): Promise<void>;
  /** Removes every key (untimed, before a batch run). */
  clear?(): Promise<void>;
  /** Keys stored, for checks (whole-table count). */
  count(): Promise<number>;
  close(): Promise<void>;
}

type KvOp = "set" | "get" | "batch";

interface KvContender {
  contender: string;
  role: Role;
  /** The call measured, per operation. */
  how: Partial<Record<KvOp, string>>;
  /** Its table lives on the PostgreSQL server (dropped at the end of the section). */
  onPostgres?: boolean;
  open(table: string): Promise<KvOps>;
}

function tuned(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  for (const pragma of TUNING) db.pragma(pragma);
  return db;
}

/** Where a tablekit contender opens its store: a SQLite file or a PostgreSQL URL. */
type Target = { path: string } | { url: string };

/** The encryption key of the encrypted contenders (fresh per run; never printed). */
const BENCH_KEY = randomBytes(32);

function kvStore(target: Target, cacheSizeMb: number, bulkLoad: boolean, encrypted = false): KvContender {
  const where = "path" in target ? "file" : "url";
  const opened = `KVStore.open(${where}, { cacheSizeMb: ${cacheSizeMb}${bulkLoad ? ", bulkLoad: true" : ""}${encrypted ? ", encryption: { key }" : ""} })`;
  return {
    contender: encrypted ? "tablekit KVStore, encrypted" : "tablekit KVStore",
    role: encrypted ? "reference" : "tablekit",
    onPostgres: "url" in target,
    how: { set: `await kv.set(k, v), ${opened}`, get: `await kv.get(k), ${opened}`, batch: `await kv.batchUpdate(map)${encrypted ? ", encrypted" : ""}` },
    open: async (table) => {
      const kv = await KVStore.open<Value>({ ...target, table, cacheSizeMb, bulkLoad, purgeIntervalMs: 0, encryption: encrypted ? { key: BENCH_KEY } : undefined });
      return {
        set: (k, v) => kv.set(k, v),
        get: (k) => kv.get(k),
        batch: async (entries) => {
          await kv.batchUpdate(entries);
        },
        clear: () => kv.clear(),
        count: () => kv.size(),
        close: () => kv.close(),
      };
    },
  };
}

function rawTable(file: string): KvContender {
  return {
    contender: "better-sqlite3",
    role: "raw",
    how: {
      set: "await Promise.resolve(upsert.run(k, JSON.stringify(v)))",
      get: "JSON.parse((await Promise.resolve(select.get(k))).value)",
      batch: "upsert.run(k, JSON.stringify(v)) per key in db.transaction()",
    },
    open: async (table) => {
      const db = tuned(file);
      db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      const upsert = db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
      const select = db.prepare<[string], { value: string }>(`SELECT value FROM ${table} WHERE key = ?`);
      const count = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`);
      const batch = db.transaction((entries: ReadonlyMap<string, Value>) => {
        for (const [k, v] of entries) upsert.run(k, JSON.stringify(v));
      });
      return {
        set: async (k, v) => {
          await Promise.resolve(upsert.run(k, JSON.stringify(v)));
        },
        get: async (k) => {
          const row = await Promise.resolve(select.get(k));
          return row === undefined ? undefined : (JSON.parse(row.value) as Value);
        },
        batch: async (entries) => {
          await Promise.resolve(batch(entries));
        },
        clear: async () => {
          db.exec(`DELETE FROM ${table}`);
        },
        count: async () => count.get()!.n,
        close: async () => {
          db.close();
        },
      };
    },
  };
}

function keyvSqlite(file: string): KvContender {
  return {
    contender: "Keyv + @keyv/sqlite",
    role: "peer",
    how: { set: "await keyv.set(k, v)", get: "await keyv.get(k)", batch: "await keyv.setMany(entries) (the adapter has no setMany: one set per key)" },
    open: async (table) => {
      const store = new KeyvSqlite({ uri: `sqlite://${file}`, table, busyTimeout: 5_000 });
      for (const pragma of TUNING) await store.query(`PRAGMA ${pragma}`);
      const keyv = new Keyv<Value>({ store, throwOnErrors: true });
      return {
        set: async (k, v) => {
          await keyv.set(k, v);
        },
        get: (k) => keyv.get(k),
        batch: async (entries) => {
          await keyv.setMany([...entries].map(([key, value]) => ({ key, value })));
        },
        clear: () => keyv.clear(),
        count: async () => Number(((await store.query(`SELECT count(*) AS n FROM ${table}`)) as { n: number }[])[0]?.n),
        close: () => keyv.disconnect(),
      };
    },
  };
}

/** Keyv over tablekit's own adapter, `tablekit/keyv` (a KVStore underneath). */
function keyvTablekit(target: Target, cacheSizeMb: number): KvContender {
  return {
    contender: "Keyv + tablekit/keyv",
    role: "reference",
    onPostgres: "url" in target,
    how: {
      set: `await keyv.set(k, v), new KeyvTablekit({ ${"path" in target ? "path" : "url"}, cacheSizeMb: ${cacheSizeMb} })`,
      get: `await keyv.get(k), new KeyvTablekit({ ${"path" in target ? "path" : "url"}, cacheSizeMb: ${cacheSizeMb} })`,
      batch: "await keyv.setMany(entries) (the adapter's setMany: one batchUpdate)",
    },
    open: async (table) => {
      const store = new KeyvTablekit({ ...target, table, cacheSizeMb });
      const kv = await store.kvStore();
      const keyv = new Keyv<Value>({ store, throwOnErrors: true });
      return {
        set: async (k, v) => {
          await keyv.set(k, v);
        },
        get: (k) => keyv.get(k),
        batch: async (entries) => {
          await keyv.setMany([...entries].map(([key, value]) => ({ key, value })));
        },
        clear: () => keyv.clear(),
        count: () => kv.size(),
        close: () => keyv.disconnect(),
      };
    },
  };
}

function keyvPostgres(url: string): KvContender {
  return {
    contender: "Keyv + @keyv/postgres",
    role: "peer",
    onPostgres: true,
    how: { set: "await keyv.set(k, v)", get: "await keyv.get(k)", batch: "await keyv.setMany(entries) (the adapter's setMany: one multi-row upsert)" },
    open: async (table) => {
      const store = new KeyvPostgres({ uri: url, table });
      const keyv = new Keyv<Value>({ store, throwOnErrors: true });
      return {
        set: async (k, v) => {
          await keyv.set(k, v);
        },
        get: (k) => keyv.get(k),
        batch: async (entries) => {
          await keyv.setMany([...entries].map(([key, value]) => ({ key, value })));
        },
        clear: () => keyv.clear(),
        count: async () => Number(((await store.query(`SELECT count(*) AS n FROM ${table}`)) as { n: string }[])[0]?.n),
        close: () => keyv.disconnect(),
      };
    },
  };
}

/** A named contender faster than others (paired ratio per repetition, as every ratio of the report). */
function namedAheadOf(result: WorkloadResult, mine: string, others: readonly string[]): TargetCheck {
  const measured = result.entries.filter((e) => e.skip === undefined && e.samples.length > 0);
  const me = measured.find((e) => e.contender === mine);
  const them = measured.filter((e) => others.includes(e.contender));
  const text = `${mine} ahead of ${others.join(", ")}`;
  if (me === undefined || them.length === 0) return { text, met: false, detail: "not measured" };
  const behind = them.filter((o) => timeVs(o, me) >= 1);
  const detail = them.map((o) => `${displayName(me)} ${ratio(timeVs(o, me))} the time of ${displayName(o)} (${Math.round(rate(me))} vs ${Math.round(rate(o))} ${result.workload.unit})`).join("; ");
  return { text, met: behind.length === 0, detail };
}

/** A plain Map, awaited: the ceiling of any async cached read. */
function map(role: Role, filled: number): KvContender {
  return {
    contender: "Map",
    role,
    how: { set: "await map.set(k, v)", get: "await map.get(k)", batch: "map.set(k, v) per key" },
    open: async () => {
      const m = new Map<string, Value>();
      for (let i = 0; i < filled; i++) m.set(keyAt(i), valueAt(i));
      return {
        set: async (k, v) => {
          await m.set(k, v);
        },
        get: async (k) => await m.get(k),
        batch: async (entries) => {
          for (const [k, v] of entries) m.set(k, v);
        },
        clear: async () => m.clear(),
        count: async () => m.size,
        close: async () => {},
      };
    },
  };
}

/** Keyv on its default in-memory Map store: Keyv's own cached read. */
function keyvMemory(filled: number): KvContender {
  return {
    contender: "Keyv (in-memory store)",
    role: "peer",
    how: { get: "await keyv.get(k) on Keyv's default Map store" },
    open: async () => {
      const keyv = new Keyv<Value>({ throwOnErrors: true });
      for (let i = 0; i < filled; i++) await keyv.set(keyAt(i), valueAt(i));
      return { get: (k) => keyv.get(k), count: async () => filled, close: () => keyv.disconnect() };
    },
  };
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const batches = new Map<number, Map<string, Value>>();
/** The entries of a batch of n new keys (built once per size). */
function batchOf(n: number): Map<string, Value> {
  let entries = batches.get(n);
  if (entries === undefined) {
    entries = new Map();
    for (let i = 0; i < n; i++) entries.set(`batch:${i}`, valueAt(i));
    batches.set(n, entries);
  }
  return entries;
}

/** Runs the key-value section. */
export async function runKv(config: BenchConfig): Promise<WorkloadResult[]> {
  const file = join(config.dir, "kv.db");
  const sqlite: Target = { path: file };
  const postgres: Target = { url: config.pgUrl };
  const keys = config.kvKeys;
  let tableNo = 0;
  const pgTables: string[] = [];
  const fresh = (prefix: string): string => {
    const name = `${prefix}_${++tableNo}`;
    if (prefix.startsWith("bench_")) pgTables.push(name);
    return name;
  };
  /** One entry per contender, each on its own table, filled through its own API when `fill`. */
  const entriesOf = (op: KvOp, contenders: KvContender[], fill: boolean, make: (ops: KvOps, c: KvContender) => Omit<Session, "close">): Entry[] =>
    contenders.map((c) => {
      const kind = c.role === "tablekit" ? "kv_tablekit" : c.role === "raw" ? "kv_raw" : "kv_keyv";
      const table = fresh(c.onPostgres === true ? `bench_${kind}` : kind);
      let filled = !fill;
      return {
        contender: c.contender,
        role: c.role,
        how: c.how[op] ?? "",
        open: async () => {
          const ops = await c.open(table);
          if (!filled && ops.set !== undefined && ops.batch !== undefined) {
            const all = new Map<string, Value>();
            for (let i = 0; i < keys; i++) all.set(keyAt(i), valueAt(i));
            await ops.batch(all);
            filled = true;
          }
          return { ...make(ops, c), close: () => ops.close() };
        },
      };
    });

  const setRun = (ops: KvOps, c: KvContender): Omit<Session, "close"> => {
    let last: Value | undefined;
    return {
      run: (n) =>
        sequentially(n, (i) => {
          const value = valueAt(i % keys, nextRev++);
          last = value;
          return ops.set!(keyAt(i % keys), value);
        }),
      verify: async (n) => {
        const k = (n - 1) % keys;
        const got = await ops.get!(keyAt(k));
        check(equal(got, last), () => `${c.contender}: ${keyAt(k)} reads back ${JSON.stringify(got)}, not ${JSON.stringify(last)}`);
        const count = await ops.count();
        check(count === keys, () => `${c.contender}: ${count} keys after ${n} sets on ${keys} keys`);
      },
    };
  };
  const getRun = (ops: KvOps, c: KvContender): Omit<Session, "close"> => ({
    run: (n) =>
      sequentially(n, async (i) => {
        const k = (i * 7_001) % keys;
        const got = await ops.get!(keyAt(k));
        check(got !== undefined && got.id === k && got.name === `user ${k}`, () => `${c.contender}: get(${keyAt(k)}) returned ${JSON.stringify(got)}`);
      }),
  });

  const batchRun = (ops: KvOps, c: KvContender): Omit<Session, "close"> => ({
    setup: async () => {
      await ops.clear!();
      batchOf(config.kvBatchKeys); // built untimed
    },
    run: (n) => ops.batch!(batchOf(n)),
    verify: async (n) => {
      const count = await ops.count();
      check(count === n, () => `${c.contender}: ${count} keys after a batch of ${n} into an empty table`);
      const got = await ops.get!(`batch:${n - 1}`);
      check(equal(got, valueAt(n - 1)), () => `${c.contender}: batch:${n - 1} reads back ${JSON.stringify(got)}`);
    },
  });

  const workloads: Workload[] = [
    {
      id: "kv-set",
      section: "kv",
      title: "Key-value: set",
      unit: "sets/s",
      warmN: 2_000,
      repWarmN: 500,
      minN: 500,
      note: `Overwrites ${keys.toLocaleString("en-US")} keys in turn with a value each key does not hold yet, one awaited call at a time (autocommit). Checked: the last key reads back equal; the key count.`,
      entries: entriesOf(
        "set",
        [kvStore(sqlite, 64, false), rawTable(file), keyvSqlite(file), keyvTablekit(sqlite, 64), kvStore(sqlite, 64, false, true), map("reference", keys)],
        true,
        setRun,
      ),
      targets: (w) => [withinRaw(w, 1.5), aheadOf(w, ["Keyv + @keyv/sqlite"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/sqlite"])],
    },
    {
      id: "kv-get-uncached",
      section: "kv",
      title: "Key-value: uncached get",
      unit: "gets/s",
      warmN: 5_000,
      repWarmN: 1_000,
      minN: 1_000,
      note: `Reads from a table of ${keys.toLocaleString("en-US")} keys; KVStore opened with \`cacheSizeMb: 0\` so every get reads SQLite. Checked: every value.`,
      entries: entriesOf("get", [kvStore(sqlite, 0, false), rawTable(file), keyvSqlite(file), keyvTablekit(sqlite, 0), kvStore(sqlite, 0, false, true)], true, getRun),
      targets: (w) => [withinRaw(w, 1.5), aheadOf(w, ["Keyv + @keyv/sqlite"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/sqlite"])],
    },
    {
      id: "kv-get-cached",
      section: "kv",
      title: "Key-value: cached get",
      unit: "gets/s",
      warmN: 20_000,
      repWarmN: 5_000,
      minN: 5_000,
      note: `Every key in memory (KVStore opened with \`bulkLoad: true\`, ${keys.toLocaleString("en-US")} keys). The baseline is an awaited Map.get; Keyv has no cache over SQLite, so its in-memory store stands in. Checked: every value.`,
      entries: entriesOf("get", [kvStore(sqlite, 64, true), map("raw", keys), keyvMemory(keys), keyvTablekit(sqlite, 64), kvStore(sqlite, 64, true, true)], true, getRun),
      targets: (w) => [withinOf(w, 3, "Map"), aheadOf(w, ["Keyv (in-memory store)"])],
    },
    {
      id: "kv-batch",
      section: "kv",
      title: `Key-value: batchUpdate of ${config.kvBatchKeys.toLocaleString("en-US")} keys`,
      unit: "keys/s",
      fixedN: config.kvBatchKeys,
      warmN: Math.min(config.kvBatchKeys, 10_000),
      repWarmN: 0,
      note: "New keys into an emptied table, one call. Checked: the key count and one value read back.",
      entries: entriesOf(
        "batch",
        [kvStore(sqlite, 64, false), rawTable(file), keyvSqlite(file), keyvTablekit(sqlite, 64), kvStore(sqlite, 64, false, true), map("reference", 0)],
        false,
        batchRun,
      ),
      targets: (w) => [aheadOf(w, ["Keyv + @keyv/sqlite"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/sqlite"])],
    },
    {
      id: "kv-pg-set",
      section: "kv",
      title: "Key-value on PostgreSQL: set",
      unit: "sets/s",
      warmN: 500,
      repWarmN: 100,
      minN: 200,
      note: `As kv-set, on the PostgreSQL server (${keys.toLocaleString("en-US")} keys, one awaited call at a time). Checked: the last key reads back equal; the key count.`,
      entries: entriesOf("set", [kvStore(postgres, 64, false), keyvTablekit(postgres, 64), keyvPostgres(config.pgUrl)], true, setRun),
      targets: (w) => [aheadOf(w, ["Keyv + @keyv/postgres"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/postgres"])],
    },
    {
      id: "kv-pg-get-uncached",
      section: "kv",
      title: "Key-value on PostgreSQL: uncached get",
      unit: "gets/s",
      warmN: 1_000,
      repWarmN: 200,
      minN: 500,
      note: `As kv-get-uncached, on the PostgreSQL server; KVStore and the adapter opened with \`cacheSizeMb: 0\`. Checked: every value.`,
      entries: entriesOf("get", [kvStore(postgres, 0, false), keyvTablekit(postgres, 0), keyvPostgres(config.pgUrl)], true, getRun),
      targets: (w) => [aheadOf(w, ["Keyv + @keyv/postgres"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/postgres"])],
    },
    {
      id: "kv-pg-batch",
      section: "kv",
      title: `Key-value on PostgreSQL: batchUpdate of ${config.kvBatchKeys.toLocaleString("en-US")} keys`,
      unit: "keys/s",
      fixedN: config.kvBatchKeys,
      warmN: Math.min(config.kvBatchKeys, 10_000),
      repWarmN: 0,
      note: "As kv-batch, on the PostgreSQL server. Checked: the key count and one value read back.",
      entries: entriesOf("batch", [kvStore(postgres, 64, false), keyvTablekit(postgres, 64), keyvPostgres(config.pgUrl)], false, batchRun),
      targets: (w) => [aheadOf(w, ["Keyv + @keyv/postgres"]), namedAheadOf(w, "Keyv + tablekit/keyv", ["Keyv + @keyv/postgres"])],
    },
  ];

  const results: WorkloadResult[] = [];
  try {
    for (const w of workloads) if (wants(config, w.id)) results.push(await runWorkload(config, w));
  } finally {
    if (pgTables.length > 0) {
      const admin = new pg.Client({ connectionString: config.pgUrl });
      await admin.connect();
      try {
        for (const t of pgTables) await admin.query(`DROP TABLE IF EXISTS "${t}"`);
      } finally {
        await admin.end();
      }
    }
  }
  return results;
}
