/**
 * The Keyv adapter (`tablekit/keyv`) against Keyv's own compliance suite, @keyv/test-suite (the one
 * every Keyv storage adapter runs: API, values, namespaces, iteration), on every backend, plus the
 * adapter's own behaviour: opening from a URL, TTL on the row, setMany/getMany, tablekit's codec
 * with Keyv's serializer off.
 */
import keyvTestSuite, { keyvIteratorTests } from "@keyv/test-suite";
import Keyv from "keyv";
import * as vitest from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Database, ValidationError } from "../../src/index.js";
import { KeyvTablekit } from "../../src/keyv.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { PG_URL, backends, tempDir, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`Keyv adapter [${backend.name}]`, () => {
    let db: Database;
    let kv: KVStore<unknown>;

    beforeAll(async () => {
      db = backend.open();
      await db.connect();
      kv = await KVStore.open({ db, table: uniqueTable("keyv"), purgeIntervalMs: 0 });
    });
    afterAll(async () => {
      await kv.close();
      await db.dropTable(kv.tableName);
      await db.close();
    });

    describe("@keyv/test-suite", () => {
      // Keyv's suite makes a new store for every Keyv it builds; they share one KVStore (one table, one cache).
      const store = (): KeyvTablekit => new KeyvTablekit(kv);
      // The suite is typed against its own copy of vitest; ours has the same test API.
      const test = vitest as unknown as Parameters<typeof keyvTestSuite>[0];
      keyvTestSuite(test, Keyv, store);
      keyvIteratorTests(test, Keyv, store);
    });

    describe("@keyv/test-suite, values encrypted and key names hashed", () => {
      let secret: KVStore<unknown>;
      beforeAll(async () => {
        secret = await KVStore.open({ db, table: uniqueTable("keyv_enc"), purgeIntervalMs: 0, encryption: { key: randomBytes(32), nameKey: randomBytes(32) } });
      });
      afterAll(async () => {
        await db.dropTable(secret.tableName);
        await secret.close();
      });
      const store = (): KeyvTablekit => new KeyvTablekit(secret);
      const test = vitest as unknown as Parameters<typeof keyvTestSuite>[0];
      keyvTestSuite(test, Keyv, store);
      keyvIteratorTests(test, Keyv, store);
    });

    describe("adapter", () => {
      it("opens from a URL or path, sets the row's TTL, and closes what it opened on disconnect", async () => {
        const table = uniqueTable("keyv_url");
        const store = backend.name === "sqlite" ? new KeyvTablekit({ path: join(tempDir(), "keyv.db"), table }) : new KeyvTablekit({ url: PG_URL, table });
        expect(store.opts.dialect).toBe(backend.name);
        const keyv = new Keyv({ store, namespace: "app" });
        expect(typeof keyv.iterator).toBe("function");
        await keyv.set("a", { n: 1 }, 60_000);
        await keyv.set("b", "two");
        expect(await keyv.get("a")).toEqual({ n: 1 });
        const inner = await store.kvStore();
        const rows = await inner.fetchAll<{ key: string; expires_at: unknown }>(`SELECT "key", "expires_at" FROM "${table}" ORDER BY "key"`);
        expect(rows.map((r) => r.key)).toEqual(["app:a", "app:b"]);
        expect(Number(rows[0]!.expires_at)).toBeGreaterThan(Date.now());
        expect(rows[1]!.expires_at).toBeNull();
        if (backend.name === "postgres") await inner.dropTable(table);
        await keyv.disconnect();
        expect(inner.closed).toBe(true);
      });

      it("setMany, getMany, hasMany and deleteMany go through the store in batches", async () => {
        const keyv = new Keyv({ store: new KeyvTablekit(kv), namespace: "many", throwOnErrors: true });
        await keyv.clear();
        expect(await keyv.setMany([{ key: "x", value: 1 }, { key: "y", value: 2, ttl: 60_000 }, { key: "z", value: 3 }])).toEqual([true, true, true]);
        expect(await keyv.getMany(["x", "y", "nope", "z"])).toEqual([1, 2, undefined, 3]);
        expect(await keyv.hasMany(["x", "nope"])).toEqual([true, false]);
        expect(await kv.get("many:y")).toEqual(expect.any(String)); // Keyv's serialized { value, expires }
        expect(await keyv.deleteMany(["x", "y"])).toBe(true);
        expect(await keyv.deleteMany(["x", "y"])).toBe(false);
        expect(await keyv.get("z")).toBe(3);
      });

      it("with Keyv's serializer off, tablekit's codec stores Date, bigint, Map, Set and bytes exactly", async () => {
        const keyv = new Keyv({ store: new KeyvTablekit(kv), namespace: "raw", serialize: undefined, deserialize: undefined, throwOnErrors: true });
        const value = { when: new Date("2024-01-02T03:04:05.678Z"), big: 12345678901234567890n, map: new Map([["k", 1]]), set: new Set([1, 2]), bytes: new Uint8Array([0, 255]) };
        await keyv.set("v", value);
        const fresh = await KVStore.open({ db, table: kv.tableName, purgeIntervalMs: 0 });
        try {
          const keyv2 = new Keyv({ store: new KeyvTablekit(fresh), namespace: "raw", serialize: undefined, deserialize: undefined });
          expect(await keyv2.get("v")).toEqual(value);
        } finally {
          await fresh.close();
        }
      });

      it("clear() keeps to its namespace; without a namespace it clears the table", async () => {
        const a = new Keyv({ store: new KeyvTablekit(kv), namespace: "ns_a" });
        const b = new Keyv({ store: new KeyvTablekit(kv), namespace: "ns_b" });
        await a.set("k", 1);
        await b.set("k", 2);
        await a.clear();
        expect(await a.get("k")).toBeUndefined();
        expect(await b.get("k")).toBe(2);
        const all = new Keyv({ store: new KeyvTablekit(kv), useKeyPrefix: false });
        all.namespace = undefined;
        await all.clear();
        expect(await kv.size()).toBe(0);
      });

      it("KVStore.clear({ prefix }) deletes exactly the keys starting with the prefix, and forgets them in the cache", async () => {
        const other = await KVStore.open({ db, table: uniqueTable("kv_prefix"), purgeIntervalMs: 0 });
        try {
          await other.batchUpdate({ "a:": 1, "a:x": 2, "a;": 3, a: 4, "b:x": 5, "a:\u{10FFFF}": 6 });
          expect(await other.get("a:x")).toBe(2); // cached
          await other.clear({ prefix: "a:" });
          expect(await other.keys()).toEqual(["a", "a;", "b:x"]);
          expect(await other.get("a:x")).toBeUndefined();
          await expect(other.clear({ prefix: 1 as never })).rejects.toBeInstanceOf(ValidationError);
          await expect(other.clear({ prefx: "a" } as never)).rejects.toBeInstanceOf(ValidationError);
          expect(await other.size()).toBe(3);
        } finally {
          await other.dropTable(other.tableName);
          await other.close();
        }
      });

      it("an opening failure rejects the calls (and is emitted to an error listener), never an unhandled rejection", async () => {
        const store = new KeyvTablekit({ path: join(tempDir(), "missing-dir", "x.db") });
        const emitted: unknown[] = [];
        store.on("error", (error) => emitted.push(error));
        const keyv = new Keyv({ store, throwOnErrors: true });
        await expect(keyv.get("a")).rejects.toThrow();
        await expect(keyv.set("a", 1)).rejects.toThrow();
        expect(emitted).toHaveLength(1);
        await keyv.disconnect(); // settles although the store never opened
      });

      it("refuses bad options before opening anything", () => {
        expect(() => new KeyvTablekit({ url: "sqlite::memory:", db })).toThrow(ValidationError);
        expect(() => new KeyvTablekit({ tabel: "x" } as never)).toThrow(ValidationError);
      });
    });
  });
}
