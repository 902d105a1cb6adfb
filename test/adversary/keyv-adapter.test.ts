/**
 * Adversary (issue 22): the Keyv adapter and KVStore TTLs under an operator's inputs.
 *
 * Found by the adversary run:
 * - `new KeyvTablekit({ url })` kept the URL, password included, in `adapter.opts.url`; Keyv keeps
 *   the adapter in its own `opts.store`, so `util.inspect(keyv)`/`JSON.stringify(adapter)` (a logged
 *   Keyv instance) printed the database password. The URL is now kept with its password as `***`.
 * - A huge ttl (`1e20`, `Number.MAX_SAFE_INTEGER`) was stored on SQLite but rejected on PostgreSQL
 *   with an untyped QueryError ("invalid input syntax for type bigint: 1.0000000179630704e+20"):
 *   KVStore now refuses a ttl whose expiry is beyond 2^53 ms with a ValidationError on every
 *   backend, and the Keyv adapter stores such a ttl without a database expiry (Keyv's own
 *   `expires` still applies), as it already did for Infinity.
 */
import { inspect } from "node:util";
import Keyv from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KVStore, ValidationError, sql } from "../../src/index.js";
import { KeyvTablekit } from "../../src/keyv.js";
import { backends, uniqueTable } from "../support/backends.js";

describe("the Keyv adapter keeps passwords out of what it shows", () => {
  it("util.inspect and JSON.stringify of the adapter and of Keyv do not show the URL's password", async () => {
    const adapter = new KeyvTablekit({ url: "postgres://app:Sup3rS3cret@127.0.0.1:1/app?connect_timeout=1" });
    const keyv = new Keyv({ store: adapter });
    keyv.on("error", () => {});
    const shown = [inspect(adapter, { depth: 8 }), inspect(keyv, { depth: 8 }), JSON.stringify(adapter)].join("\n");
    expect(shown).not.toContain("Sup3rS3cret");
    expect(adapter.opts.url).toBe("postgres://app:***@127.0.0.1:1/app?connect_timeout=1");
    await adapter.disconnect();
  });
});

for (const backend of backends()) {
  describe(`huge TTLs [${backend.name}]`, () => {
    let kv: KVStore<unknown>;
    beforeAll(async () => {
      kv = await KVStore.open({ db: backend.open(), table: uniqueTable("adv_kv_ttl") });
    });
    afterAll(async () => {
      const db = kv?.db;
      await kv?.close();
      await db?.dropTable(kv.tableName, { ifExists: true });
      await db?.close();
    });

    it("KVStore.set with a ttl beyond 2^53 ms is a ValidationError on every backend, and writes nothing", async () => {
      for (const ttl of [1e20, Number.MAX_SAFE_INTEGER]) {
        await expect(kv.set("huge", 1, { ttl })).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await kv.has("huge")).toBe(false);
      await kv.set("long", 1, { ttl: 1e12 }); // 31 years: fine
      expect(await kv.get("long")).toBe(1);
    });

    it("Keyv's set with a huge ttl stores the value on every backend", async () => {
      const keyv = new Keyv({ store: new KeyvTablekit({ store: kv }), throwOnErrors: true });
      for (const ttl of [1e20, Number.MAX_SAFE_INTEGER, 2 ** 31]) {
        expect(await keyv.set(`t${ttl}`, "v", ttl)).toBe(true);
        expect(await keyv.get(`t${ttl}`)).toBe("v");
      }
    });
  });
}

for (const backend of backends()) {
  describe(`a keyv table written by @keyv/postgres or @keyv/sqlite [${backend.name}]`, () => {
    let db: ReturnType<typeof backend.open>;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_keyv_legacy");
      // What @keyv/postgres and @keyv/sqlite store: Keyv's serialized text, as is.
      await db.execute(sql.raw(`CREATE TABLE ${table} (key VARCHAR(255) PRIMARY KEY, value TEXT)`));
      await db.execute(sql`INSERT INTO ${sql.id(table)} (key, value) VALUES ('app:user', '{"value":{"name":"Nana"},"expires":null}')`);
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("get reads the old rows", async () => {
      const keyv = new Keyv({ store: new KeyvTablekit({ db, table }), namespace: "app", throwOnErrors: true });
      expect(await keyv.get("user")).toEqual({ name: "Nana" });
    });

    // CANNOT BE FIXED in the adapter (docs/kv.md, "Rows that @keyv/postgres or @keyv/sqlite
    // wrote"): the adapter hands Keyv the old row's text decoded (an object, since it is JSON), which
    // Keyv's get accepts but Keyv's iterator does not (keyv 5's generateIterator deserializes
    // strings only; for anything else deserializeData returns undefined while the serializer is on,
    // and the iterator reads `undefined.expires`): a TypeError from inside Keyv. Handing Keyv the
    // text instead breaks Keyv with its serializer off, whose iterator needs the object (it does not
    // deserialize at all), and whose { value, expires } objects the codec stores as the very same
    // plain JSON. No value works for both (Keyv's iterator needs a primitive string in one mode
    // and an object with .value/.expires in the other), and Keyv never tells its store whether it
    // serializes (it sets only `store.namespace`), so the adapter cannot choose per call either.
    it.fails("keyv.iterator() over the old rows yields them", async () => {
      const keyv = new Keyv({ store: new KeyvTablekit({ db, table }), namespace: "app", throwOnErrors: true });
      const seen: unknown[] = [];
      for await (const entry of keyv.iterator!(undefined)) seen.push(entry);
      expect(seen).toEqual([["user", { name: "Nana" }]]);
    });

    it("with Keyv's serializer off, keyv.iterator() over the same rows yields them (why the adapter must hand Keyv the object)", async () => {
      const keyv = new Keyv({ store: new KeyvTablekit({ db, table }), namespace: "app", serialize: undefined, deserialize: undefined, throwOnErrors: true });
      const seen: unknown[] = [];
      for await (const entry of keyv.iterator!(undefined)) seen.push(entry);
      expect(seen).toEqual([["user", { name: "Nana" }]]);
    });

    // Runs last in this block: it rewrites the old rows.
    it("after the one-time rewrite docs/kv.md gives, keyv.iterator() with Keyv's serializer on yields them, and get still reads them", async () => {
      const adapter = new KeyvTablekit({ db, table });
      const store = await adapter.kvStore();
      for await (const [key, value] of store.scan()) {
        if (typeof value !== "string") await store.set(key, JSON.stringify(value));
      }
      await adapter.disconnect();
      const keyv = new Keyv({ store: new KeyvTablekit({ db, table }), namespace: "app", throwOnErrors: true });
      const seen: unknown[] = [];
      for await (const entry of keyv.iterator!(undefined)) seen.push(entry);
      expect(seen).toEqual([["user", { name: "Nana" }]]);
      expect(await keyv.get("user")).toEqual({ name: "Nana" });
    });
  });
}

for (const backend of backends()) {
  describe(`Keyv setMany with a key given twice [${backend.name}]`, () => {
    // Found by the adversary run: the adapter grouped entries by ttl and wrote the groups in the
    // order their ttl first appeared, so a key given twice with different ttls kept its FIRST value
    // when the later entry's ttl group came first (Keyv's own Map store keeps the last, as set() in
    // turn does). Fixed in KeyvTablekit.setMany: only each key's last entry is written.
    it("keeps the last entry, as set() in turn and Keyv's Map store do", async () => {
      const kv = await KVStore.open({ db: backend.open(), table: uniqueTable("adv_keyv_setmany") });
      try {
        const keyv = new Keyv({ store: new KeyvTablekit({ store: kv }), throwOnErrors: true });
        const entries = [
          { key: "a", value: 1, ttl: 60_000 },
          { key: "k", value: "first", ttl: 120_000 },
          { key: "k", value: "last", ttl: 60_000 },
        ];
        await keyv.setMany(entries);
        expect(await keyv.get("k")).toBe("last");
        const map = new Keyv();
        await map.setMany(entries);
        expect(await map.get("k")).toBe("last");
      } finally {
        await kv.close();
        await kv.db.dropTable(kv.tableName, { ifExists: true });
        await kv.db.close();
      }
    });
  });
}
