/**
 * The key-value storage contract (src/kv/storage/storage.ts), run against each backend's adapter
 * directly, as Keyv's test suite runs each storage adapter: what the store core relies on, below
 * the cache and the write ordering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { ValidationError } from "../../src/index.js";
import { kvBackendFor } from "../../src/kv/storage/backends.js";
import { prefixUpperBound } from "../../src/kv/storage/key-range.js";
import type { KVStorage } from "../../src/kv/storage/storage.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`KV storage adapter [${backend.name}]`, () => {
    let db: Database;
    let storage: KVStorage;
    const past = Date.now() - 60_000;
    const future = Date.now() + 3_600_000;

    beforeAll(async () => {
      db = backend.open();
      await db.connect();
      storage = kvBackendFor(db).storage(db, uniqueTable("kv_storage"));
      await storage.prepare();
      await storage.prepare(); // idempotent
    });
    afterAll(async () => {
      await db.dropTable(storage.table);
      await db.close();
    });

    it("point reads and writes: synchronous on embedded SQLite outside a transaction, promises on a server", async () => {
      await storage.clear();
      const written = storage.set("a", "1", 0);
      const read = storage.get("a");
      if (backend.name === "sqlite") {
        expect(written).toBeUndefined();
        expect(read).toEqual({ value: "1", expiresAt: 0 });
      } else {
        expect(written).toBeInstanceOf(Promise);
        expect(read).toBeInstanceOf(Promise);
      }
      await written;
      expect(await storage.get("a")).toEqual({ value: "1", expiresAt: 0 });
      await storage.set("a", "2", future);
      expect(await storage.get("a")).toEqual({ value: "2", expiresAt: future });
      expect(await storage.get("missing")).toBeUndefined();
    });

    it("setMany writes more rows than one statement holds; reads return live rows in code point order", async () => {
      await storage.clear();
      const ids = Array.from({ length: 1203 }, (_, i) => `k${String(i).padStart(5, "0")}`);
      await storage.setMany(ids, ids.map((id) => `v-${id}`), 0);
      await storage.setMany(["é", "Z", "a"], ["x", "y", "z"], future);
      await storage.setMany(["old"], ["gone"], past);
      const now = Date.now();
      expect(await storage.count(now)).toBe(1206);
      expect(await storage.countAll()).toBe(1207);
      const keys = await storage.keys(now);
      expect(keys.slice(0, 2)).toEqual(["Z", "a"]);
      expect(keys.at(-1)).toBe("é");
      expect(keys).not.toContain("old");
      const all = await storage.all(now);
      expect(all[0]).toEqual({ key: "Z", value: "y", expiresAt: future });
      expect(all).toHaveLength(1206);
    });

    it("scan pages a key range by keyset, live rows only; page reads every row", async () => {
      await storage.clear();
      await storage.setMany(["p:1", "p:2", "p:3", "q:1"], ["1", "2", "3", "4"], 0);
      await storage.setMany(["p:0"], ["expired"], past);
      const upper = prefixUpperBound("p:");
      const now = Date.now();
      const first = await storage.scan({ lower: "p:", first: true, upper }, 2, now, false);
      expect(first.map((row) => row.key)).toEqual(["p:1", "p:2"]);
      const second = await storage.scan({ lower: "p:2", first: false, upper }, 2, now, true);
      expect(second.map((row) => row.key)).toEqual(["p:3"]);
      expect((await storage.scan({ lower: "p:1", first: true }, 10, now, false)).map((row) => row.key)).toEqual(["p:1", "p:2", "p:3", "q:1"]);
      expect((await storage.page({ lower: "", first: true }, 10)).map((row) => row.key)).toEqual(["p:0", "p:1", "p:2", "p:3", "q:1"]);
      expect((await storage.page({ lower: "p:1", first: false }, 2)).map((row) => row.value)).toEqual(["2", "3"]);
    });

    it("add writes only over an absent or expired row", async () => {
      await storage.clear();
      expect(await storage.add("x", "first", 0, Date.now())).toBe(true);
      expect(await storage.add("x", "second", 0, Date.now())).toBe(false);
      await storage.set("y", "stale", past);
      expect(await storage.add("y", "fresh", future, Date.now())).toBe(true);
      expect(await storage.get("x")).toEqual({ value: "first", expiresAt: 0 });
      expect(await storage.get("y")).toEqual({ value: "fresh", expiresAt: future });
    });

    it("delete, take and deleteMany report what they removed", async () => {
      await storage.clear();
      await storage.setMany(["a", "b", "c", "d"], ["1", "2", "3", "4"], 0);
      await storage.set("e", "5", past);
      expect(await storage.delete("a")).toBe(0);
      expect(await storage.delete("a")).toBeUndefined();
      expect(await storage.take("b")).toEqual({ value: "2", expiresAt: 0 });
      expect(await storage.take("b")).toBeUndefined();
      // Only live rows count; every named row is gone.
      expect(await storage.deleteMany(["c", "e", "nope"], Date.now())).toBe(1);
      expect(await storage.countAll()).toBe(1);
    });

    it("clear takes a key range; purge deletes expired rows", async () => {
      await storage.clear();
      await storage.setMany(["s:1", "s:2", "t:1"], ["1", "2", "3"], 0);
      await storage.setMany(["u:1", "u:2"], ["4", "5"], past);
      await storage.clear({ lower: "s:", first: true, upper: prefixUpperBound("s:") });
      expect(await storage.keys(0)).toEqual(["t:1", "u:1", "u:2"]);
      expect(await storage.purge(Date.now())).toBe(2);
      expect(await storage.keys(0)).toEqual(["t:1"]);
      await storage.clear({ lower: "t", first: true });
      expect(await storage.countAll()).toBe(0);
    });

    it("compareAndSet and valueOf run in the storage's transaction; firstMatching finds a value pattern", async () => {
      await storage.clear();
      await storage.setMany(["a", "b"], ["plain", "tk1e:sealed"], 0);
      expect(await storage.firstMatching("tk1e:%")).toMatchObject({ key: "b", value: "tk1e:sealed" });
      expect(await storage.firstMatching("zzz%")).toBeUndefined();
      const swapped = await storage.transaction(async (tx) => {
        const first = await storage.compareAndSet("a", "next", "plain", tx);
        const second = await storage.compareAndSet("a", "other", "plain", tx);
        return [first, second, await storage.valueOf("a", tx), await storage.valueOf("nope", tx)];
      });
      expect(swapped).toEqual([true, false, "next", undefined]);
      await expect(
        storage.transaction(async (tx) => {
          await storage.compareAndSet("a", "rolled back", "next", tx);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect(await storage.get("a")).toEqual({ value: "next", expiresAt: 0 });
    });

    it("prepare refuses a table that is not a key-value table", async () => {
      const table = uniqueTable("kv_storage_other");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      try {
        await expect(kvBackendFor(db).storage(db, table).prepare()).rejects.toBeInstanceOf(ValidationError);
      } finally {
        await db.dropTable(table);
      }
    });
  });
}
