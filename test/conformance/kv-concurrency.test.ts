/**
 * KVStore under concurrency and failure: serial-order outcomes of concurrent calls, cache-fill
 * races, per-key write order, write-through on failing writes, transactions, two stores on one
 * table, and a model-based property test against a Map. Run on every backend.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database, QueryError } from "../../src/index.js";
import type { QueryResult } from "../../src/backends/contract.js";
import { KVStore, type KVStoreOptions } from "../../src/kv/kv-store.js";
import { runOwnStatement } from "../../src/queryable.js";
import { KeyNotFoundError } from "../../src/kv/kv-errors.js";
import { backends, recordQueries, tempDir, uniqueTable } from "../support/backends.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A Database whose point reads and upserts can be held back, to line races up deterministically.
 * The store runs its statements through the internal `runOwnStatement` method, so that is the hook.
 */
class HookedDatabase extends Database {
  /** Awaited after a point read, before its row is handed to the store. */
  afterRead: (() => Promise<void>) | undefined;
  /** Awaited before an INSERT is sent (and can throw to fail it). */
  beforeWrite: ((params: readonly unknown[]) => Promise<void>) | undefined;

  override async [runOwnStatement](sql: string, params: unknown[], single?: boolean): Promise<QueryResult> {
    const write = this.beforeWrite;
    if (write !== undefined && sql.startsWith("INSERT")) await write(params);
    const result = await super[runOwnStatement](sql, params, single);
    const read = this.afterRead;
    if (read !== undefined && single === true && sql.startsWith("SELECT")) await read();
    return result;
  }
}

/** A small deterministic PRNG, so the concurrent workload is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

for (const backend of backends()) {
  describe(`KVStore concurrency [${backend.name}]`, () => {
    let db: HookedDatabase;
    const opened: KVStore<unknown>[] = [];

    beforeAll(async () => {
      db = new HookedDatabase(backend.options({ maxConnections: 8 }));
      await db.connect();
    });
    afterEach(async () => {
      db.afterRead = undefined;
      db.beforeWrite = undefined;
      for (const kv of opened.splice(0)) {
        const table = kv.tableName;
        await kv.close();
        await db.dropTable(table);
      }
    });
    afterAll(async () => {
      await db.close();
    });

    async function store<V = unknown>(options: Omit<KVStoreOptions, "db" | "path" | "url"> = {}): Promise<KVStore<V>> {
      const kv = await KVStore.open<V>({ db, table: uniqueTable("kvc"), purgeIntervalMs: 0, ...options });
      opened.push(kv as KVStore<unknown>);
      return kv;
    }

    /** Every key of the table, read with plain SQL, as key → decoded JSON. */
    async function tableContents(kv: KVStore<unknown>): Promise<Record<string, unknown>> {
      const rows = await db.execute<{ key: string; value: string }>(`SELECT "key", "value" FROM "${kv.tableName}" ORDER BY "key"`);
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
    }

    /** Asserts that every key reads the same from the cache and from the database. */
    async function expectCoherent(kv: KVStore<unknown>, keys: readonly string[]): Promise<void> {
      for (const key of keys) {
        const cached = await kv.isCached(key);
        const viaCache = await kv.get(key);
        expect(await kv.getFresh(key), `key ${key} (cached before: ${cached})`).toEqual(viaCache);
      }
    }

    it("thousands of concurrent calls end in the state of their serial call order", async () => {
      const kv = await store({ cacheSizeMb: 0.02 }); // small: evictions and refills happen too
      const keys = Array.from({ length: 25 }, (_, i) => `k${i}`);
      const next = random(42);
      const model = new Map<string, unknown>();
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 3000; i++) {
        const key = keys[Math.floor(next() * keys.length)]!;
        const roll = next();
        if (roll < 0.45) {
          calls.push(kv.set(key, { i, key }));
          model.set(key, { i, key });
        } else if (roll < 0.8) {
          calls.push(kv.get(key));
        } else if (roll < 0.88) {
          calls.push(kv.pop(key, null));
          model.delete(key);
        } else if (roll < 0.93) {
          const value = { i, default: true };
          calls.push(kv.setDefault(key, value));
          if (!model.has(key)) model.set(key, value);
        } else if (roll < 0.97) {
          calls.push(kv.getFresh(key));
        } else if (roll < 0.995) {
          const other = keys[Math.floor(next() * keys.length)]!;
          calls.push(kv.update({ [key]: i, [other]: -i }));
          model.set(key, i);
          model.set(other, -i);
        } else {
          calls.push(kv.clear());
          model.clear();
        }
      }
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
      const expected = Object.fromEntries([...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(await tableContents(kv)).toEqual(expected);
      expect(await kv.toObject()).toEqual(expected);
      await expectCoherent(kv, keys);
    });

    it("concurrent gets never see a value older than one already returned by a finished set", async () => {
      const kv = await store();
      await kv.set("k", 0);
      for (let round = 1; round <= 200; round++) {
        await kv.refresh(); // empty cache: the gets below read the database and fill the cache
        const reads = [kv.get("k"), kv.get("k")];
        await kv.set("k", round);
        await Promise.all(reads);
        expect(await kv.get("k")).toBe(round);
      }
    });

    it("a read that returns after a newer write finished does not put its old value in the cache", async () => {
      const kv = await store();
      await kv.set("k", "old");
      await kv.refresh();
      const held = gate();
      const readDone = gate();
      db.afterRead = async () => {
        readDone.open();
        await held.promise;
      };
      const slowRead = kv.get("k");
      await readDone.promise; // the read has its row ("old")
      db.afterRead = undefined;
      await kv.set("k", "new"); // finishes first: database and cache say "new"
      held.open();
      expect(await slowRead).toBe("old"); // it read before the write: a valid serial order
      expect(await kv.get("k")).toBe("new"); // but the cache kept the newer value
      expect(await kv.getFresh("k")).toBe("new");
    });

    it("a read overlapping clear, batchUpdate or batchDelete does not fill the cache", async () => {
      const kv = await store();
      for (const change of [() => kv.clear(), () => kv.batchUpdate({ k: "batch" }), () => kv.batchDelete(["k"])]) {
        await kv.set("k", "old");
        await kv.refresh();
        const held = gate();
        const readDone = gate();
        db.afterRead = async () => {
          readDone.open();
          await held.promise;
        };
        const slowRead = kv.get("k");
        await readDone.promise;
        db.afterRead = undefined;
        await change();
        held.open();
        expect(await slowRead).toBe("old");
        expect(await kv.get("k")).toEqual(await kv.getFresh("k"));
        expect(await kv.isCached("k")).toBe((await kv.getFresh("k")) !== undefined);
      }
    });

    it("a slow write to a key is never overtaken by a later write to the same key", async () => {
      const kv = await store();
      const held = gate();
      let first = true;
      db.beforeWrite = async () => {
        if (first) {
          first = false;
          await held.promise; // the first upsert is held before it reaches the database
        }
      };
      const a = kv.set("k", "A");
      const b = kv.set("k", "B");
      const other = kv.set("other", 1); // another key is not held up
      try {
        await other;
        await sleep(20);
        expect(await kv.getFresh("k")).toBeUndefined(); // B waits for A
      } finally {
        held.open();
      }
      await Promise.all([a, b]);
      expect(await kv.get("k")).toBe("B");
      expect(await kv.getFresh("k")).toBe("B");
    });

    it("a failed write leaves the cache and the database in agreement", async () => {
      const kv = await store();
      await kv.set("k", "v1");
      db.beforeWrite = async () => {
        throw new QueryError("simulated failure");
      };
      await expect(kv.set("k", "v2")).rejects.toThrow("simulated failure");
      db.beforeWrite = undefined;
      expect(await kv.get("k")).toBe("v1");
      expect(await kv.getFresh("k")).toBe("v1");
    });

    it("a write rejected by the database (a trigger) changes neither the database nor the cache", async () => {
      const kv = await store();
      const t = kv.tableName;
      await kv.set("k", "v1");
      if (db.dialect === "sqlite") {
        await db.execute(`CREATE TRIGGER "${t}_guard" BEFORE UPDATE ON "${t}" WHEN NEW."value" = '"forbidden"' BEGIN SELECT RAISE(ABORT, 'forbidden value'); END`);
      } else {
        await db.execute(
          `CREATE FUNCTION "${t}_guard"() RETURNS trigger AS $$ BEGIN IF NEW."value" = '"forbidden"' THEN RAISE EXCEPTION 'forbidden value'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
        );
        await db.execute(`CREATE TRIGGER "${t}_guard" BEFORE UPDATE ON "${t}" FOR EACH ROW EXECUTE FUNCTION "${t}_guard"()`);
      }
      try {
        await expect(kv.set("k", "forbidden")).rejects.toThrow("forbidden value");
        await expect(kv.batchUpdate({ k: "forbidden", other: 1 })).rejects.toThrow("forbidden value");
        expect(await kv.get("k")).toBe("v1");
        expect(await kv.getFresh("k")).toBe("v1");
        expect(await kv.has("other")).toBe(false); // the whole batch rolled back
      } finally {
        if (db.dialect !== "sqlite") {
          await db.dropTable(t);
          await db.execute(`DROP FUNCTION "${t}_guard"()`);
        }
      }
    });

    it("a write to a dropped table fails, and the cache does not keep the new value", async () => {
      const kv = await store();
      await kv.set("k", "v1");
      await db.dropTable(kv.tableName);
      await expect(kv.set("k", "v2")).rejects.toBeInstanceOf(QueryError);
      expect(await kv.isCached("k")).toBe(false);
      await expect(kv.getFresh("k")).rejects.toBeInstanceOf(QueryError);
    });

    /** Options for several Databases on one target: the same SQLite file, or the test server. */
    function sharedTarget(): ReturnType<typeof backend.options> {
      return backend.name === "sqlite" ? { filename: join(tempDir(), "shared.db") } : backend.options();
    }

    it("a write after the Database closed fails with ConnectionError and changes nothing", async () => {
      const target = sharedTarget();
      const own = new Database(target);
      const table = uniqueTable("kvc_closed");
      const kv = await KVStore.open({ db: own, table, purgeIntervalMs: 0 });
      await kv.set("k", "v1");
      await own.close();
      await expect(kv.set("k", "v2")).rejects.toBeInstanceOf(ConnectionError);
      await expect(kv.delete("k")).rejects.toBeInstanceOf(ConnectionError);
      // The failed writes dropped the key from the cache (a failure may be ambiguous): it is never "v2".
      expect(await kv.isCached("k")).toBe(false);
      await expect(kv.get("k")).rejects.toBeInstanceOf(ConnectionError);
      await kv.close();
      const check = new Database(target);
      const fresh = await KVStore.open({ db: check, table, purgeIntervalMs: 0 });
      expect(await fresh.get("k")).toBe("v1");
      await fresh.close();
      await check.dropTable(table);
      await check.close();
    });

    it("writes inside a transaction that rolls back leave no trace, in the database or the cache", async () => {
      const kv = await store();
      await kv.update({ a: "committed", b: "committed" });
      await expect(
        db.transaction(async () => {
          await kv.set("a", "rolled back");
          expect(await kv.get("a")).toBe("rolled back"); // the transaction sees its own write
          await kv.delete("b");
          await kv.batchUpdate({ c: 1 });
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      expect(await kv.get("a")).toBe("committed");
      expect(await kv.get("b")).toBe("committed");
      expect(await kv.has("c")).toBe(false);
      await expectCoherent(kv, ["a", "b", "c"]);
      await db.transaction(async () => {
        await kv.set("a", "in transaction");
        await kv.pop("b");
      });
      expect(await kv.get("a")).toBe("in transaction");
      expect(await kv.has("b")).toBe(false);
      await expectCoherent(kv, ["a", "b"]);
    });

    it("two stores on one table: getFresh and refresh see the other's writes", async () => {
      const target = sharedTarget();
      const table = uniqueTable("kvc_two");
      const firstDb = new Database(target);
      const otherDb = new Database(target);
      const kv = await KVStore.open({ db: firstDb, table, purgeIntervalMs: 0 });
      const other = await KVStore.open({ db: otherDb, table, purgeIntervalMs: 0 });
      try {
        await kv.set("k", "v1");
        expect(await other.get("k")).toBe("v1");
        await kv.set("k", "v2");
        expect(await other.get("k")).toBe("v1"); // its cache is not told
        expect(await other.getFresh("k")).toBe("v2");
        await kv.set("k", "v3");
        await other.refresh("k");
        expect(await other.get("k")).toBe("v3");
        await kv.delete("k");
        await other.refresh();
        expect(await other.get("k")).toBeUndefined();
        expect(await other.setDefault("k", "from other")).toBe("from other");
        expect(await kv.getFresh("k")).toBe("from other");
      } finally {
        await other.close();
        await kv.close();
        await firstDb.dropTable(table);
        await firstDb.close();
        await otherDb.close();
      }
    });

    it("two stores writing concurrently to one table never surface a busy error", async () => {
      const target = sharedTarget();
      const table = uniqueTable("kvc_busy");
      const firstDb = new Database(target);
      const otherDb = new Database(target);
      const kv = await KVStore.open({ db: firstDb, table, purgeIntervalMs: 0 });
      const other = await KVStore.open({ db: otherDb, table, purgeIntervalMs: 0 });
      try {
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 300; i++) {
          writes.push(kv.set(`a${i}`, i), other.set(`b${i}`, i));
          if (i % 50 === 0) {
            const batch: Record<string, number> = {};
            for (let j = 0; j < 200; j++) batch[`batch${i}_${j}`] = j;
            writes.push(kv.batchUpdate(batch), other.batchUpdate(Object.fromEntries(Object.entries(batch).map(([k, v]) => [`o${k}`, v]))));
          }
        }
        const outcomes = await Promise.allSettled(writes);
        expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
        expect(await kv.size()).toBe(600 + 2 * 6 * 200);
        expect(await other.getFresh("a299")).toBe(299);
      } finally {
        await other.close();
        await kv.close();
        await firstDb.dropTable(table);
        await firstDb.close();
        await otherDb.close();
      }
    });

    it("batchUpdate writes 100,000 keys in one transaction", async () => {
      const kv = await store();
      const data: Record<string, { i: number }> = {};
      for (let i = 0; i < 100_000; i++) data[`bulk:${i}`] = { i };
      const queries = recordQueries(db);
      const started = performance.now();
      expect(await kv.batchUpdate(data)).toBe(100_000);
      const ms = performance.now() - started;
      expect(queries.filter((q) => q.startsWith("BEGIN")).length).toBe(1);
      expect(queries.filter((q) => q === "COMMIT").length).toBe(1);
      expect(queries.filter((q) => q.startsWith("INSERT")).length).toBeLessThanOrEqual(200);
      expect(await kv.size()).toBe(100_000);
      expect(await kv.getFresh("bulk:99999")).toEqual({ i: 99_999 });
      console.log(`batchUpdate of 100,000 keys on ${backend.name}: ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(20_000);
    });

    it("behaves like a Map under random sequences of operations (model-based)", async () => {
      const keys = ["a", "b", "c", "d", "e"];
      const key = fc.constantFrom(...keys);
      const value = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null), fc.array(fc.boolean(), { maxLength: 3 }), fc.date({ noInvalidDate: true }), fc.bigInt());
      type Model = Map<string, unknown>;
      type Real = KVStore<unknown>;
      const check = async (model: Model, kv: Real) => {
        expect(await kv.size()).toBe(model.size);
        for (const k of keys) expect(await kv.get(k)).toEqual(model.get(k));
      };
      const command = (name: string, apply: (model: Model, kv: Real) => Promise<void>): fc.AsyncCommand<Model, Real> => ({
        check: () => true,
        run: async (model, kv) => {
          await apply(model, kv);
          await check(model, kv);
        },
        toString: () => name,
      });
      const commands = [
        fc.tuple(key, value).map(([k, v]) => command(`set(${k}, ${String(v)})`, async (m, kv) => {
          await kv.set(k, v);
          m.set(k, v);
        })),
        key.map((k) => command(`get(${k})`, async (m, kv) => expect(await kv.get(k, "absent")).toEqual(m.has(k) ? m.get(k) : "absent"))),
        key.map((k) => command(`has(${k})`, async (m, kv) => expect(await kv.has(k)).toBe(m.has(k)))),
        key.map((k) => command(`delete(${k})`, async (m, kv) => {
          if (m.has(k)) await kv.delete(k);
          else await expect(kv.delete(k)).rejects.toBeInstanceOf(KeyNotFoundError);
          m.delete(k);
        })),
        key.map((k) => command(`pop(${k})`, async (m, kv) => {
          expect(await kv.pop(k, "absent")).toEqual(m.has(k) ? m.get(k) : "absent");
          m.delete(k);
        })),
        fc.tuple(key, value).map(([k, v]) => command(`setDefault(${k}, ${String(v)})`, async (m, kv) => {
          if (!m.has(k)) m.set(k, v);
          expect(await kv.setDefault(k, v)).toEqual(m.get(k));
        })),
        fc.dictionary(key, value, { maxKeys: 3 }).map((d) => command(`batchUpdate(${Object.keys(d)})`, async (m, kv) => {
          await kv.batchUpdate(d);
          for (const [k, v] of Object.entries(d)) m.set(k, v);
        })),
        fc.uniqueArray(key, { maxLength: 3 }).map((ks) => command(`batchDelete(${ks})`, async (m, kv) => {
          expect(await kv.batchDelete(ks)).toBe(ks.filter((k) => m.has(k)).length);
          for (const k of ks) m.delete(k);
        })),
        fc.constant(command("clear()", async (m, kv) => {
          await kv.clear();
          m.clear();
        })),
        key.map((k) => command(`getFresh(${k})`, async (m, kv) => expect(await kv.getFresh(k)).toEqual(m.get(k)))),
        fc.constant(command("refresh()", (_m, kv) => kv.refresh())),
        fc.constant(command("loadAll()", async (_m, kv) => void (await kv.loadAll()))),
        fc.constant(command("entries()", async (m, kv) => {
          const sorted = [...m].sort(([a], [b]) => (a < b ? -1 : 1));
          expect(await kv.entries()).toEqual(sorted);
          expect(await kv.keys()).toEqual(sorted.map(([k]) => k));
        })),
      ];
      const table = uniqueTable("kv_model");
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), fc.constantFrom(0, 0.0005, 64), async (cmds, cacheSizeMb) => {
          const kv = await KVStore.open({ db, table, cacheSizeMb, purgeIntervalMs: 0 });
          try {
            await kv.clear();
            await fc.asyncModelRun(() => ({ model: new Map<string, unknown>(), real: kv }), cmds);
          } finally {
            await kv.close();
          }
        }),
        { numRuns: 50 },
      );
      await db.dropTable(table);
    });

    if (backend.name === "sqlite") {
      it("two processes writing to one SQLite file never surface SQLITE_BUSY", async () => {
        const dir = tempDir();
        const path = join(dir, "shared.db");
        const source = new URL("../../src/kv/kv-store.ts", import.meta.url).pathname;
        const script = join(dir, "writer.mts");
        writeFileSync(
          script,
          `import { KVStore } from ${JSON.stringify(source)};\n` +
            `const kv = await KVStore.open(${JSON.stringify(path)}, { purgeIntervalMs: 0 });\n` +
            `const writes = [];\n` +
            `for (let i = 0; i < 400; i++) { writes.push(kv.set("child:" + i, i)); if (i % 100 === 0) writes.push(kv.batchUpdate(Object.fromEntries(Array.from({ length: 500 }, (_, j) => ["childbatch:" + i + ":" + j, j])))); }\n` +
            `await Promise.all(writes);\nawait kv.close();\nconsole.log("done");\n`,
        );
        const parent = await KVStore.open(path, { purgeIntervalMs: 0 });
        const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: process.cwd() });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += String(chunk)));
        child.stderr.on("data", (chunk) => (stderr += String(chunk)));
        const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
        const writes: Promise<unknown>[] = [];
        for (let round = 0; round < 40; round++) {
          for (let i = 0; i < 10; i++) writes.push(parent.set(`parent:${round}:${i}`, i));
          writes.push(parent.batchUpdate(Object.fromEntries(Array.from({ length: 200 }, (_, j) => [`parentbatch:${round}:${j}`, j]))));
          await sleep(5);
        }
        const outcomes = await Promise.allSettled(writes);
        expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
        expect(await exited).toBe(0);
        expect(stderr).toBe("");
        expect(stdout.trim()).toBe("done");
        expect(await parent.size()).toBe(400 + 4 * 500 + 40 * 10 + 40 * 200);
        expect(await parent.getFresh("child:399")).toBe(399);
        await parent.close();
      });
    }
  });
}
