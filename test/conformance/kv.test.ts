/**
 * KVStore conformance: the dict-like API, TTL, scans, sub-tables, lifecycle and bad input, run
 * unchanged on every backend (Keyv's pattern: one suite, many stores).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database, IdentifierError, ValidationError } from "../../src/index.js";
import { KVStore, type KVStoreOptions } from "../../src/kv/kv-store.js";
import { KeyNotFoundError } from "../../src/kv/kv-errors.js";
import { backends, recordQueries, tempDir, uniqueTable } from "../support/backends.js";
import { join } from "node:path";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of backends()) {
  describe(`KVStore [${backend.name}]`, () => {
    let db: Database;
    const opened: KVStore<unknown>[] = [];

    beforeAll(async () => {
      db = backend.open();
      await db.connect();
    });
    afterEach(async () => {
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
      const kv = await KVStore.open<V>({ db, table: uniqueTable("kv"), purgeIntervalMs: 0, ...options });
      opened.push(kv as KVStore<unknown>);
      return kv;
    }

    /** The row as stored, read with plain SQL (never through the store). */
    async function storedRow(kv: KVStore<unknown>, key: string): Promise<{ value: string; expires_at: unknown } | null> {
      return db.fetchOne(`SELECT "value", "expires_at" FROM "${kv.tableName}" WHERE "key" = ?`, [key]);
    }

    async function rowCount(kv: KVStore<unknown>): Promise<number> {
      return Number((await db.fetchOne<{ n: unknown }>(`SELECT count(*) AS n FROM "${kv.tableName}"`))!.n);
    }

    describe("dict API", () => {
      it("sets and gets values, persisted so a fresh store on the same table reads them", async () => {
        const kv = await store();
        await kv.set("user:1", { name: "Nana", age: 20 });
        expect(await kv.get("user:1")).toEqual({ name: "Nana", age: 20 });
        expect((await storedRow(kv, "user:1"))!.value).toBe('{"name":"Nana","age":20}');
        const other = await KVStore.open({ db, table: kv.tableName, purgeIntervalMs: 0 });
        expect(await other.isCached("user:1")).toBe(false);
        expect(await other.get("user:1")).toEqual({ name: "Nana", age: 20 });
        await other.close();
      });

      it("returns undefined or the fallback for an absent key", async () => {
        const kv = await store();
        expect(await kv.get("missing")).toBeUndefined();
        expect(await kv.get("missing", "fallback")).toBe("fallback");
        await kv.set("present", 0);
        expect(await kv.get("present", "fallback")).toBe(0);
      });

      it("replaces a value and its row", async () => {
        const kv = await store();
        await kv.set("k", 1);
        await kv.set("k", "two");
        expect(await kv.get("k")).toBe("two");
        expect(await rowCount(kv)).toBe(1);
        expect((await storedRow(kv, "k"))!.value).toBe('"two"');
      });

      it("has reports presence from the cache and from the database", async () => {
        const kv = await store();
        await kv.set("a", null);
        expect(await kv.has("a")).toBe(true);
        expect(await kv.has("b")).toBe(false);
        await db.execute(`INSERT INTO "${kv.tableName}" ("key", "value") VALUES (?, ?)`, ["b", "1"]);
        expect(await kv.has("b")).toBe(true);
      });

      it("delete removes the key from the database and the cache", async () => {
        const kv = await store();
        await kv.set("a", 1);
        await kv.delete("a");
        expect(await kv.isCached("a")).toBe(false);
        expect(await kv.get("a")).toBeUndefined();
        expect(await storedRow(kv, "a")).toBeNull();
      });

      it("delete of an absent key throws KeyNotFoundError carrying the key, not in the message", async () => {
        const kv = await store();
        const error = await kv.delete("secret-session-id").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(KeyNotFoundError);
        expect((error as KeyNotFoundError).key).toBe("secret-session-id");
        expect((error as KeyNotFoundError).table).toBe(kv.tableName);
        expect((error as Error).message).not.toContain("secret-session-id");
      });

      it("size, keys, values and entries list live keys in code point order", async () => {
        const kv = await store();
        // UTF-16 order would put the astral character before U+FFFF; code point order puts it after.
        const keys = ["b", "a", "é", "😀", "\uffff", "A", "a:1"];
        for (const [i, key] of keys.entries()) await kv.set(key, i);
        const expected = ["A", "a", "a:1", "b", "é", "\uffff", "😀"];
        expect(await kv.size()).toBe(keys.length);
        expect(await kv.keys()).toEqual(expected);
        expect(await kv.values()).toEqual(expected.map((k) => keys.indexOf(k)));
        expect(await kv.entries()).toEqual(expected.map((k) => [k, keys.indexOf(k)]));
      });

      if (backend.name === "postgres") {
        it("declares the key column COLLATE \"C\" on PostgreSQL, so key order is code point order whatever the database's collation", async () => {
          const kv = await store();
          const row = await db.fetchOne<{ collation_name: string }>(
            "SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'key'",
            [kv.tableName],
          );
          expect(row!.collation_name).toBe("C");
        });
      }

      it("pop returns the value and deletes it; absent keys give the fallback or KeyNotFoundError", async () => {
        const kv = await store();
        await kv.set("a", { x: 1 });
        expect(await kv.pop("a")).toEqual({ x: 1 });
        expect(await storedRow(kv, "a")).toBeNull();
        expect(await kv.isCached("a")).toBe(false);
        expect(await kv.pop("a", "fallback")).toBe("fallback");
        expect(await kv.pop("a", undefined)).toBeUndefined();
        await expect(kv.pop("a")).rejects.toBeInstanceOf(KeyNotFoundError);
      });

      it("update and batchUpdate take objects, Maps and pairs, and return the number of keys", async () => {
        const kv = await store();
        expect(await kv.update({ a: 1, b: 2 })).toBe(2);
        expect(await kv.update(new Map<string, unknown>([["c", 3]]))).toBe(1);
        expect(await kv.batchUpdate([["d", 4], ["d", 5]] as const)).toBe(1);
        expect(await kv.toObject()).toEqual({ a: 1, b: 2, c: 3, d: 5 });
        expect(await kv.batchUpdate({})).toBe(0);
      });

      it("clear deletes every row and empties the cache", async () => {
        const kv = await store();
        await kv.update({ a: 1, b: 2 });
        await kv.clear();
        expect(await rowCount(kv)).toBe(0);
        expect(await kv.isCached("a")).toBe(false);
        expect(await kv.size()).toBe(0);
      });

      it("setDefault stores the value only when the key is absent, and returns what is stored", async () => {
        const kv = await store();
        expect(await kv.setDefault("a", { first: true })).toEqual({ first: true });
        expect(await kv.setDefault("a", { first: false })).toEqual({ first: true });
        expect(JSON.parse((await storedRow(kv, "a"))!.value)).toEqual({ first: true });
        // A value stored behind the store's back is found in the database, not overwritten.
        await db.execute(`INSERT INTO "${kv.tableName}" ("key", "value") VALUES (?, ?)`, ["b", '"theirs"']);
        expect(await kv.setDefault("b", "mine")).toBe("theirs");
      });

      it("setDefault replaces an expired value", async () => {
        const kv = await store();
        await kv.set("a", "old", { ttl: 20 });
        await sleep(40);
        expect(await kv.setDefault("a", "new")).toBe("new");
        expect(await kv.getFresh("a")).toBe("new");
        expect((await storedRow(kv, "a"))!.expires_at).toBeNull();
      });

      it("batchDelete deletes present keys in one transaction and counts them", async () => {
        const kv = await store();
        await kv.update({ a: 1, b: 2, c: 3 });
        const queries = recordQueries(db);
        expect(await kv.batchDelete(["a", "c", "missing", "a"])).toBe(2);
        expect(queries.filter((q) => q.startsWith("BEGIN")).length).toBe(1);
        expect(await kv.keys()).toEqual(["b"]);
        expect(await kv.isCached("a")).toBe(false);
        expect(await kv.batchDelete([])).toBe(0);
      });

      it("toObject gives a plain object whose keys, even __proto__, are own properties", async () => {
        const kv = await store();
        await kv.update({ b: 2, a: [1] });
        await kv.set("__proto__", { polluted: true });
        const object = await kv.toObject();
        expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
        expect(Object.keys(object)).toEqual(["__proto__", "a", "b"]);
        expect(Object.getOwnPropertyDescriptor(object, "__proto__")!.value).toEqual({ polluted: true });
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      });

      it("copy gives an independent Map", async () => {
        const kv = await store();
        await kv.update({ a: { n: 1 }, b: 2 });
        const copy = await kv.copy();
        expect(copy).toEqual(new Map<string, unknown>([["a", { n: 1 }], ["b", 2]]));
        (copy.get("a") as { n: number }).n = 99;
        copy.set("c", 3);
        expect(await kv.get("a")).toEqual({ n: 1 });
        expect(await kv.has("c")).toBe(false);
      });
    });

    describe("cache", () => {
      it("isCached follows writes and reads; a 0 MiB cache caches nothing", async () => {
        const kv = await store();
        await kv.set("a", 1);
        expect(await kv.isCached("a")).toBe(true);
        await db.execute(`INSERT INTO "${kv.tableName}" ("key", "value") VALUES (?, ?)`, ["b", "2"]);
        expect(await kv.isCached("b")).toBe(false);
        expect(await kv.get("b")).toBe(2);
        expect(await kv.isCached("b")).toBe(true);
        const none = await store({ cacheSizeMb: 0 });
        await none.set("a", 1);
        expect(await none.get("a")).toBe(1);
        expect(await none.isCached("a")).toBe(false);
        expect(none.cacheStats).toEqual({ keys: 0, bytes: 0, maxBytes: 0 });
      });

      it("serves cached values without reading the database, and getFresh reads it", async () => {
        const kv = await store();
        await kv.set("a", "cached");
        await db.execute(`UPDATE "${kv.tableName}" SET "value" = ? WHERE "key" = ?`, ['"changed"', "a"]);
        const queries = recordQueries(db);
        expect(await kv.get("a")).toBe("cached");
        expect(queries).toEqual([]);
        expect(await kv.getFresh("a")).toBe("changed");
        expect(await kv.get("a")).toBe("changed");
        expect(await kv.getFresh("gone", "fallback")).toBe("fallback");
      });

      it("refresh(key) re-reads one key, and drops it when it is gone", async () => {
        const kv = await store();
        await kv.update({ a: 1, b: 2 });
        await db.execute(`UPDATE "${kv.tableName}" SET "value" = ? WHERE "key" = ?`, ["10", "a"]);
        await db.execute(`DELETE FROM "${kv.tableName}" WHERE "key" = ?`, ["b"]);
        expect(await kv.get("a")).toBe(1);
        await kv.refresh("a");
        await kv.refresh("b");
        expect(await kv.get("a")).toBe(10);
        expect(await kv.isCached("b")).toBe(false);
        expect(await kv.get("b")).toBeUndefined();
      });

      it("refresh() empties the cache, and reloads it for a bulkLoad store", async () => {
        const kv = await store();
        await kv.update({ a: 1, b: 2 });
        await kv.refresh();
        expect(kv.cacheStats.keys).toBe(0);
        const bulk = await store({ table: kv.tableName, bulkLoad: true });
        expect(await bulk.isCached("a")).toBe(true);
        await db.execute(`UPDATE "${kv.tableName}" SET "value" = ? WHERE "key" = ?`, ["7", "b"]);
        await bulk.refresh();
        expect(await bulk.isCached("b")).toBe(true);
        expect(await bulk.get("b")).toBe(7);
        opened.splice(opened.indexOf(bulk as KVStore<unknown>), 1);
        await bulk.close();
      });

      it("loadAll loads every key that fits, in key order, and reports how many", async () => {
        const kv = await store();
        const data: Record<string, string> = {};
        for (let i = 0; i < 1200; i++) data[`k${String(i).padStart(4, "0")}`] = "x".repeat(100);
        await kv.batchUpdate(data);
        await kv.refresh();
        expect(await kv.loadAll()).toBe(1200);
        expect(kv.cacheStats.keys).toBe(1200);
        const small = await store({ table: kv.tableName, cacheSizeMb: 0.05 });
        const loaded = await small.loadAll();
        expect(loaded).toBeGreaterThan(0);
        expect(loaded).toBeLessThan(1200);
        expect(small.cacheStats.bytes).toBeLessThanOrEqual(small.cacheStats.maxBytes);
        expect(await small.isCached("k0000")).toBe(true);
        expect(await small.isCached("k1199")).toBe(false);
        opened.splice(opened.indexOf(small as KVStore<unknown>), 1);
        await small.close();
      });

      it("bounds the cache in bytes, evicting the least recently used keys", async () => {
        const kv = await store({ cacheSizeMb: 0.01 }); // 10,485 bytes
        const big = "y".repeat(1000); // about 2 KB cached
        for (let i = 0; i < 20; i++) await kv.set(`k${i}`, big);
        const stats = kv.cacheStats;
        expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
        expect(stats.keys).toBeLessThan(20);
        expect(await kv.isCached("k19")).toBe(true);
        expect(await kv.isCached("k0")).toBe(false);
        expect(await kv.get("k0")).toBe(big);
        // A value larger than the whole cache is stored but never cached.
        await kv.set("huge", "z".repeat(20_000));
        expect(await kv.isCached("huge")).toBe(false);
        expect(await kv.get("huge")).toHaveLength(20_000);
      });

      it("keeps its own copy of a value: changing the object after set changes nothing", async () => {
        const kv = await store();
        const user = { name: "Nana", tags: ["a"] };
        await kv.set("user", user);
        user.name = "changed";
        user.tags.push("b");
        expect(await kv.get("user")).toEqual({ name: "Nana", tags: ["a"] });
      });
    });

    describe("scan", () => {
      it("iterates pairs of a prefix in key order, in pages, whatever the prefix contains", async () => {
        const kv = await store();
        const keys = ["user:1", "user:2", "user:10", "user;", "user", "usez", "u%_", "u%_x", "u%ax", "a\uffff", "a\uffffb", "a😀", "b", "\u{10FFFF}", "\u{10FFFF}x"];
        for (const key of keys) await kv.set(key, key.length);
        const scanned = async (prefix: string, batchSize = 2) => {
          const out: [string, unknown][] = [];
          for await (const pair of kv.scan({ prefix, batchSize })) out.push(pair);
          return out;
        };
        const byCodePoint = (a: string, b: string) => {
          const x = Array.from(a, (c) => c.codePointAt(0)!);
          const y = Array.from(b, (c) => c.codePointAt(0)!);
          for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
          return x.length - y.length;
        };
        for (const prefix of ["user:", "user", "u%_", "a\uffff", "a", "\u{10FFFF}", "", "nothing"]) {
          const expected = keys.filter((k) => k.startsWith(prefix)).sort(byCodePoint);
          expect((await scanned(prefix)).map(([k]) => k), `prefix ${JSON.stringify(prefix)}`).toEqual(expected);
        }
        expect(await scanned("user:", 1000)).toEqual([["user:1", 6], ["user:10", 7], ["user:2", 6]]);
      });

      it("allows writes while iterating and can stop early", async () => {
        const kv = await store();
        for (let i = 0; i < 10; i++) await kv.set(`k${i}`, i);
        const seen: string[] = [];
        for await (const [key] of kv.scan({ batchSize: 3 })) {
          seen.push(key);
          await kv.set(`z${key}`, 0); // after every k*, so visited later
          if (seen.length === 12) break;
        }
        expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
        expect(seen.slice(10)).toEqual(["zk0", "zk1"]);
      });

      it("for await over the store iterates every pair", async () => {
        const kv = await store();
        await kv.update({ b: 2, a: 1 });
        const pairs: [string, unknown][] = [];
        for await (const pair of kv) pairs.push(pair);
        expect(pairs).toEqual([["a", 1], ["b", 2]]);
      });

      it("refuses a bad prefix or batch size", async () => {
        const kv = await store();
        await expect(kv.scan({ prefix: 5 as never }).next()).rejects.toBeInstanceOf(ValidationError);
        await expect(kv.scan({ batchSize: 0 }).next()).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe("TTL", () => {
      it("never returns an expired key, from the cache or the database", async () => {
        const kv = await store();
        await kv.set("short", "v", { ttl: 150 });
        await kv.set("long", "v", { ttl: 60_000 });
        await kv.set("forever", "v");
        expect(await kv.get("short")).toBe("v");
        await sleep(200);
        expect(await kv.get("short")).toBeUndefined();
        expect(await kv.getFresh("short")).toBeUndefined();
        expect(await kv.has("short")).toBe(false);
        expect(await kv.isCached("short")).toBe(false);
        expect(await kv.size()).toBe(2);
        expect(await kv.keys()).toEqual(["forever", "long"]);
        const scanned: string[] = [];
        for await (const [key] of kv.scan()) scanned.push(key);
        expect(scanned).toEqual(["forever", "long"]);
        await expect(kv.delete("short")).rejects.toBeInstanceOf(KeyNotFoundError);
        expect(await kv.pop("long")).toBe("v");
      });

      it("stores the expiry as epoch milliseconds, and a set without ttl clears it", async () => {
        const kv = await store();
        const before = Date.now();
        await kv.set("k", 1, { ttl: 10_000 });
        const expiresAt = Number((await storedRow(kv, "k"))!.expires_at);
        expect(expiresAt).toBeGreaterThanOrEqual(before + 10_000);
        expect(expiresAt).toBeLessThanOrEqual(Date.now() + 10_000);
        await kv.set("k", 2);
        expect((await storedRow(kv, "k"))!.expires_at).toBeNull();
        await kv.batchUpdate({ a: 1 }, { ttl: 5_000 });
        expect(Number((await storedRow(kv, "a"))!.expires_at)).toBeGreaterThan(Date.now());
      });

      it("purgeExpired deletes expired rows; the background timer does too", async () => {
        const kv = await store();
        await kv.set("a", 1, { ttl: 20 });
        await kv.set("b", 1, { ttl: 20 });
        await kv.set("c", 1);
        await sleep(40);
        expect(await rowCount(kv)).toBe(3);
        expect(await kv.purgeExpired()).toBe(2);
        expect(await rowCount(kv)).toBe(1);
        const timed = await store({ purgeIntervalMs: 20 });
        await timed.set("a", 1, { ttl: 10 });
        for (let i = 0; i < 300 && (await rowCount(timed)) > 0; i++) await sleep(10);
        expect(await rowCount(timed)).toBe(0);
      });

      it("refuses a ttl that is not a positive number, writing nothing", async () => {
        const kv = await store();
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "10" as never]) {
          await expect(kv.set("k", 1, { ttl })).rejects.toBeInstanceOf(ValidationError);
        }
        expect(await rowCount(kv)).toBe(0);
      });
    });

    describe("sub-tables", () => {
      it("table(name) is another store on the same Database, with its own cache", async () => {
        const kv = await store();
        const users = await kv.table(uniqueTable("kv_users"));
        expect(await kv.table(users.tableName)).toBe(users);
        const [x, y] = await Promise.all([kv.table(uniqueTable("kv_x")), kv.table(users.tableName)]);
        expect(y).toBe(users);
        const [p, q] = await Promise.all([kv.table(x.tableName + "_2"), kv.table(x.tableName + "_2")]);
        expect(p).toBe(q);
        const extra = [x.tableName, p.tableName];
        expect(await kv.table(kv.tableName)).toBe(kv);
        expect(users.db).toBe(db);
        await users.set("alice", { age: 30 });
        await kv.set("alice", "not a user");
        expect(await users.get("alice")).toEqual({ age: 30 });
        expect(await kv.get("alice")).toBe("not a user");
        expect(await db.tableExists(users.tableName)).toBe(true);
        const name = users.tableName;
        await kv.close();
        expect(users.closed).toBe(true);
        expect(p.closed).toBe(true);
        expect(db.closed).toBe(false);
        await db.dropTable(name);
        for (const table of extra) await db.dropTable(table);
      });
    });

    describe("lifecycle", () => {
      it("close makes later calls fail with ConnectionError, leaves a given Database open, and is idempotent", async () => {
        const kv = await store();
        await kv.set("a", 1);
        await kv.close();
        await kv.close();
        expect(kv.closed).toBe(true);
        await expect(kv.get("a")).rejects.toBeInstanceOf(ConnectionError);
        await expect(kv.set("a", 2)).rejects.toBeInstanceOf(ConnectionError);
        await expect(kv.size()).rejects.toBeInstanceOf(ConnectionError);
        expect(db.closed).toBe(false);
      });

      it("close waits for writes already called", async () => {
        const kv = await store();
        const writes = Array.from({ length: 50 }, (_, i) => kv.set(`k${i}`, i));
        await kv.close();
        await Promise.all(writes);
        expect(await rowCount(kv)).toBe(50);
      });

      it("refuses an invalid table name before creating anything", async () => {
        const before = await db.listTables();
        for (const table of ["bad name", "1abc", 'x"; DROP TABLE y; --', "", "a".repeat(64), 42 as never]) {
          await expect(KVStore.open({ db, table })).rejects.toBeInstanceOf(IdentifierError);
        }
        expect(await db.listTables()).toEqual(before);
      });

      it("refuses a table that exists but is not a key-value table", async () => {
        const table = uniqueTable("not_kv");
        await db.createTable(table, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
        await expect(KVStore.open({ db, table })).rejects.toBeInstanceOf(ValidationError);
        await db.dropTable(table);
      });

      it("adds expires_at to a key/value table made without it", async () => {
        const table = uniqueTable("legacy");
        await db.execute(`CREATE TABLE "${table}" ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL)`);
        await db.execute(`INSERT INTO "${table}" ("key", "value") VALUES (?, ?)`, ["a", '{"x":1}']);
        const kv = await KVStore.open({ db, table, purgeIntervalMs: 0 });
        opened.push(kv);
        expect(await kv.get("a")).toEqual({ x: 1 });
        await kv.set("b", 2, { ttl: 1000 });
        expect((await db.columns(table)).map((c) => c.name)).toEqual(["key", "value", "expires_at"]);
      });

      it("refuses contradicting or malformed options", async () => {
        await expect(KVStore.open({ db, path: "x.db" })).rejects.toBeInstanceOf(ValidationError);
        await expect(KVStore.open({ db: {} as Database })).rejects.toBeInstanceOf(ValidationError);
        await expect(KVStore.open({ db, cacheSizeMb: -1 })).rejects.toBeInstanceOf(ValidationError);
        await expect(KVStore.open({ db, purgeIntervalMs: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe("bad input writes nothing", () => {
      const badKeys: unknown[] = [1, undefined, null, { k: 1 }, Symbol("k"), "nul\u0000key", "lone\ud800surrogate"];

      it("refuses keys that are not strings (or cannot be stored) with ValidationError", async () => {
        const kv = await store();
        for (const key of badKeys) {
          const k = key as string;
          await expect(kv.set(k, 1), String(typeof key)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.get(k)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.has(k)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.delete(k)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.pop(k, 0)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.setDefault(k, 1)).rejects.toBeInstanceOf(ValidationError);
          await expect(kv.getFresh(k)).rejects.toBeInstanceOf(ValidationError);
        }
        await expect(kv.batchUpdate([["ok", 1], [2 as never, 2]])).rejects.toBeInstanceOf(ValidationError);
        await expect(kv.batchDelete(["ok", 3 as never])).rejects.toBeInstanceOf(ValidationError);
        await expect(kv.batchDelete("abc" as never)).rejects.toBeInstanceOf(ValidationError);
        expect(await rowCount(kv)).toBe(0);
      });

      it("refuses unstorable values (functions, symbols, cycles, class instances, undefined)", async () => {
        const kv = await store();
        const cycle: Record<string, unknown> = { a: 1 };
        cycle["self"] = cycle;
        class Point {
          constructor(public x = 1) {}
        }
        const values: unknown[] = [
          () => 1,
          Symbol("s"),
          cycle,
          [1, [2, cycle]],
          new Point(),
          new WeakMap(),
          /regex/,
          new Map([["f", () => 1]]),
          new Set([Symbol("s")]),
          { nested: { fn: () => 1 } },
          undefined,
          new Int32Array(2),
        ];
        for (const value of values) {
          const error = await kv.set("k", value).catch((e: unknown) => e);
          expect(error, String(value)).toBeInstanceOf(ValidationError);
          await expect(kv.setDefault("k", value)).rejects.toBeInstanceOf(ValidationError);
        }
        await expect(kv.batchUpdate({ a: 1, b: () => 1 })).rejects.toBeInstanceOf(ValidationError);
        await expect(kv.update({ a: 1, b: undefined })).rejects.toBeInstanceOf(ValidationError);
        expect(await rowCount(kv)).toBe(0);
        expect(kv.cacheStats.keys).toBe(0);
      });

      it("names where in the value the problem is", async () => {
        const kv = await store();
        const error = (await kv.set("k", { user: { tags: ["a", () => 1] } }).catch((e: unknown) => e)) as ValidationError;
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message).toContain("value.user.tags[1]");
        expect(error.issues[0]!.path).toEqual(["user", "tags", 1]);
        const batch = (await kv.batchUpdate({ good: 1, bad: { f: Symbol("x") } }).catch((e: unknown) => e)) as ValidationError;
        expect(batch.issues[0]!.path).toEqual(["bad", "f"]);
      });
    });

    if (backend.name === "sqlite") {
      describe("embedded default", () => {
        it("opens a SQLite file from a path, owns that Database and closes it", async () => {
          const path = join(tempDir(), "kv.db");
          let database: Database;
          {
            await using kv = await KVStore.open(path, { table: "data", bulkLoad: false, optimize: true, cacheSizeMb: 64 });
            database = kv.db;
            expect(kv.db.dialect).toBe("sqlite");
            await kv.set("a", 1);
          }
          expect(database.closed).toBe(true);
          const again = await KVStore.open({ path });
          expect(again.tableName).toBe("data");
          expect(await again.get("a")).toBe(1);
          await again.close();
          expect(again.db.closed).toBe(true);
        });

        it("the purge timer does not keep the process alive", async () => {
          const { spawnSync } = await import("node:child_process");
          const dir = tempDir();
          const script = join(dir, "open-and-leave.mts");
          const { writeFileSync } = await import("node:fs");
          const source = new URL("../../src/kv/kv-store.ts", import.meta.url).pathname;
          writeFileSync(
            script,
            `import { KVStore } from ${JSON.stringify(source)};\n` +
              `const kv = await KVStore.open(${JSON.stringify(join(dir, "t.db"))}, { purgeIntervalMs: 10 });\n` +
              `await kv.set("a", 1, { ttl: 5 });\nconsole.log("opened");\n`,
          );
          const started = Date.now();
          const result = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), encoding: "utf8", timeout: 20_000 });
          expect(result.stderr).toBe("");
          expect(result.stdout.trim()).toBe("opened");
          expect(result.status).toBe(0);
          expect(Date.now() - started).toBeLessThan(15_000);
        });
      });
    }
  });
}
