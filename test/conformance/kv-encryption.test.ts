/**
 * KVStore encryption at rest (issue #22): AES-256-GCM per value with a fresh nonce and the key id
 * stored with it; tamper detection; a wrong key failing on the first read without writing; key
 * rotation in resumable batches; keys never shown. On every backend.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import Keyv from "keyv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Database, DecryptionError, EncryptionKeyError, ValidationError } from "../../src/index.js";
import { KeyvTablekit } from "../../src/keyv.js";
import { KVStore, type KVStoreOptions } from "../../src/kv/kv-store.js";
import type { KVRotateProgress } from "../../src/kv/rotation.js";
import { backends, rejection, uniqueTable } from "../support/backends.js";

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

/** Every way a key could leak into text: hex, base64, base64url, latin1 bytes. */
function leaks(text: string, key: Buffer): boolean {
  return [key.toString("hex"), key.toString("base64"), key.toString("base64url"), key.toString("latin1")].some((form) => text.includes(form));
}

for (const backend of backends()) {
  describe(`KVStore encryption [${backend.name}]`, () => {
    let db: Database;
    const tables: string[] = [];
    const opened: KVStore<unknown>[] = [];

    beforeAll(async () => {
      db = backend.open();
      await db.connect();
    });
    afterEach(async () => {
      for (const kv of opened.splice(0)) await kv.close();
      for (const table of tables.splice(0)) await db.dropTable(table);
    });
    afterAll(async () => {
      await db.close();
    });

    async function store(table: string, options: Omit<KVStoreOptions, "db" | "path" | "url" | "table"> = {}): Promise<KVStore<unknown>> {
      if (!tables.includes(table)) tables.push(table);
      const kv = await KVStore.open({ db, table, purgeIntervalMs: 0, ...options });
      opened.push(kv);
      return kv;
    }
    const stored = async (table: string, key: string): Promise<string> => (await db.fetchOne<{ value: string }>(`SELECT "value" FROM "${table}" WHERE "key" = ?`, [key]))!.value;
    const overwrite = (table: string, key: string, value: string): Promise<unknown> => db.execute(`UPDATE "${table}" SET "value" = ? WHERE "key" = ?`, [value, key]);
    const allRows = (table: string): Promise<{ key: string; value: string }[]> => db.execute(`SELECT "key", "value" FROM "${table}" ORDER BY "key"`);

    it("stores ciphertext with the key id, a fresh nonce per value, and reads every value back exactly (cache and database)", async () => {
      const table = uniqueTable("kvenc");
      const kv = await store(table, { encryption: { key: KEY_A } });
      const value = { name: "Nana", token: "secret-token-123", when: new Date("2024-01-02T03:04:05.678Z"), big: 2n ** 70n, tags: new Set(["x"]) };
      await kv.set("user:1", value);
      await kv.set("user:2", value);
      await kv.batchUpdate({ "user:3": "plain string", "user:4": [1, 2, 3] });
      expect(await kv.setDefault("user:5", { d: 1 })).toEqual({ d: 1 });
      const one = await stored(table, "user:1");
      expect(one.startsWith(`tk1e:${kv.encryptionKeyId}:`)).toBe(true);
      expect(one).not.toContain("secret-token-123");
      expect(one).not.toBe(await stored(table, "user:2")); // fresh nonce: equal values differ at rest
      for (const row of await allRows(table)) expect(row.value.startsWith("tk1e:")).toBe(true);
      expect(await kv.isCached("user:1")).toBe(true);
      expect(await kv.get("user:1")).toEqual(value);

      const fresh = await store(table, { encryption: { key: KEY_A } });
      expect(await fresh.isCached("user:1")).toBe(false);
      expect(await fresh.get("user:1")).toEqual(value);
      expect(await fresh.entries()).toEqual([
        ["user:1", value],
        ["user:2", value],
        ["user:3", "plain string"],
        ["user:4", [1, 2, 3]],
        ["user:5", { d: 1 }],
      ]);
      const scanned: unknown[] = [];
      for await (const [, v] of fresh.scan({ prefix: "user:", batchSize: 2 })) scanned.push(v);
      expect(scanned).toHaveLength(5);
      expect(await fresh.pop("user:3")).toBe("plain string");
      const bulk = await store(table, { encryption: { key: KEY_A }, bulkLoad: true });
      expect(await bulk.isCached("user:4")).toBe(true);
      expect(await bulk.get("user:4")).toEqual([1, 2, 3]);
    });

    it("rejects a modified ciphertext, nonce or tag, a value moved to another key, and a plaintext row, with DecryptionError", async () => {
      const table = uniqueTable("kvenc");
      const kv = await store(table, { encryption: { key: KEY_A }, cacheSizeMb: 0 });
      await kv.set("k", { secret: "a fairly long value, so the ciphertext has bytes to flip" });
      await kv.set("other", "x");
      const original = await stored(table, "k");
      const header = original.slice(0, original.lastIndexOf(":") + 1);
      const body = Buffer.from(original.slice(header.length), "base64");
      const flipped = (at: number): string => {
        const copy = Buffer.from(body);
        copy[at] = copy[at]! ^ 0x01;
        return header + copy.toString("base64");
      };
      for (const [what, at] of [
        ["nonce", 0],
        ["ciphertext", 12 + 3],
        ["tag", body.length - 1],
      ] as const) {
        await overwrite(table, "k", flipped(at));
        const error = await rejection(kv.get("k"));
        expect(error, what).toBeInstanceOf(DecryptionError);
        expect((error as DecryptionError).key).toBe("k");
      }
      await overwrite(table, "k", header + body.subarray(0, 20).toString("base64")); // truncated
      expect(await rejection(kv.get("k"))).toBeInstanceOf(DecryptionError);
      await overwrite(table, "k", await stored(table, "other")); // a valid value, of another key
      expect(await rejection(kv.get("k"))).toBeInstanceOf(DecryptionError);
      await overwrite(table, "k", '{"secret":"injected"}'); // plaintext written by other SQL
      expect(await rejection(kv.get("k"))).toBeInstanceOf(DecryptionError);
      await overwrite(table, "k", original);
      expect(await kv.get("k")).toEqual({ secret: "a fairly long value, so the ciphertext has bytes to flip" });
    });

    it("a wrong key fails on the first read with EncryptionKeyError and writes nothing", async () => {
      const table = uniqueTable("kvenc");
      const kv = await store(table, { encryption: { key: KEY_A } });
      await kv.batchUpdate({ a: 1, b: 2 });
      const before = await allRows(table);
      const error = await rejection(KVStore.open({ db, table, encryption: { key: KEY_B }, purgeIntervalMs: 0 }));
      expect(error).toBeInstanceOf(EncryptionKeyError);
      expect((error as Error).message).toMatch(/wrong encryption key/);
      expect((error as EncryptionKeyError).storedKeyId).toBe(kv.encryptionKeyId);
      expect(leaks((error as Error).message, KEY_A) || leaks((error as Error).message, KEY_B)).toBe(false);
      expect(await allRows(table)).toEqual(before);
      // A value sealed with an unknown key, met later, is the same error.
      const other = await store(uniqueTable("kvenc"), { encryption: { key: KEY_B } });
      await other.set("zz", 1);
      await db.execute(`INSERT INTO "${table}" ("key", "value") VALUES (?, ?)`, ["zz", await stored(other.tableName, "zz")]);
      const fresh = await store(table, { encryption: { key: KEY_A }, cacheSizeMb: 0 });
      expect(await fresh.get("a")).toBe(1);
      expect(await rejection(fresh.get("zz"))).toBeInstanceOf(EncryptionKeyError);
    });

    it("rotate re-encrypts in batches with progress, is resumable, and keeps writes made meanwhile", async () => {
      const table = uniqueTable("kvenc");
      const plain = await store(table);
      await plain.set("legacy", "stored before encryption"); // rotate encrypts plaintext rows too
      await plain.close();
      const kv = await store(table, { encryption: { key: KEY_A } });
      const entries = new Map<string, unknown>();
      for (let i = 0; i < 1_200; i++) entries.set(`k${String(i).padStart(4, "0")}`, { i });
      await kv.batchUpdate(entries);
      const idA = kv.encryptionKeyId;

      // Interrupted after the first page.
      const seen: KVRotateProgress[] = [];
      const stop = new Error("stop");
      expect(
        await rejection(
          kv.rotate(KEY_B, {
            batchSize: 500,
            onProgress: (p) => {
              seen.push(p);
              throw stop;
            },
          }),
        ),
      ).toBe(stop);
      expect(seen).toEqual([{ examined: 500, reencrypted: 500, total: 1_201, lastKey: "k0499" }]);
      const idB = kv.encryptionKeyId;
      expect(idB).not.toBe(idA);
      await kv.set("k0001", { i: "new" }); // written with the new key
      await kv.close();
      // Half rotated: the old key alone no longer opens the store; the new key alone cannot read the rest.
      expect(await rejection(KVStore.open({ db, table, encryption: { key: KEY_A }, purgeIntervalMs: 0 }))).toBeInstanceOf(EncryptionKeyError);
      const onlyNew = await store(table, { encryption: { key: KEY_B }, cacheSizeMb: 0 });
      expect(await onlyNew.get("k0001")).toEqual({ i: "new" });
      expect(await rejection(onlyNew.get("k0999"))).toBeInstanceOf(EncryptionKeyError);

      // Resume with the new key, the old one for reading.
      const resumed = await store(table, { encryption: { key: KEY_B, previousKeys: [KEY_A] }, cacheSizeMb: 0 });
      const progress: KVRotateProgress[] = [];
      const writes: Promise<void>[] = [];
      const done = await resumed.rotate(KEY_B, {
        batchSize: 500,
        after: seen[0]!.lastKey,
        onProgress: (p) => {
          progress.push(p);
          writes.push(resumed.set("k1100", { i: "during" }));
        },
      });
      await Promise.all(writes);
      expect(progress.map((p) => p.examined)).toEqual([500, 701]);
      // k1100 was written with the new key during the rotation: skipped, not overwritten.
      expect(done).toMatchObject({ examined: 701, reencrypted: 700, total: 1_201 });
      const again = await resumed.rotate(KEY_B);
      expect(again.reencrypted).toBe(0); // every row is on the new key already

      for (const row of await allRows(table)) expect(row.value.startsWith(`tk1e:${idB}:`)).toBe(true);
      const onlyB = await store(table, { encryption: { key: KEY_B }, cacheSizeMb: 0 });
      expect(await onlyB.get("k0001")).toEqual({ i: "new" });
      expect(await onlyB.get("k1100")).toEqual({ i: "during" });
      expect(await onlyB.get("k0999")).toEqual({ i: 999 });
      expect(await onlyB.get("legacy")).toBe("stored before encryption");
      expect(await onlyB.size()).toBe(1_201);
    });

    it("with nameKey, key names are stored as keyed hashes: reads by name, listings and rotation work, prefix scans are refused", async () => {
      const table = uniqueTable("kvenc");
      const NAME_KEY = randomBytes(32);
      const kv = await store(table, { encryption: { key: KEY_A, nameKey: NAME_KEY } });
      await kv.set("user:alice@example.com", { role: "admin" });
      await kv.batchUpdate({ "user:bob@example.com": 2, "user:carol@example.com": 3, gone: 0 });
      expect(await kv.setDefault("user:dave@example.com", 4)).toBe(4);
      await kv.delete("gone");
      expect(await kv.pop("user:carol@example.com")).toBe(3);
      expect(await kv.batchDelete(["user:dave@example.com", "missing"])).toBe(1);
      await kv.set("user:erin@example.com", 5);
      const rows = await allRows(table);
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row.key).toMatch(/^h1:[A-Za-z0-9_-]{43}$/);
        expect(row.key + row.value).not.toMatch(/user|example|admin/);
      }
      const fresh = await store(table, { encryption: { key: KEY_A, nameKey: NAME_KEY }, cacheSizeMb: 0 });
      expect(await fresh.get("user:alice@example.com")).toEqual({ role: "admin" });
      expect(await fresh.has("user:carol@example.com")).toBe(false);
      expect((await fresh.keys()).sort()).toEqual(["user:alice@example.com", "user:bob@example.com", "user:erin@example.com"]);
      expect(new Map(await fresh.entries())).toEqual(new Map<string, unknown>([["user:alice@example.com", { role: "admin" }], ["user:bob@example.com", 2], ["user:erin@example.com", 5]]));
      const scanned: string[] = [];
      for await (const [key] of fresh.scan({ batchSize: 1 })) scanned.push(key);
      expect(scanned.sort()).toEqual(["user:alice@example.com", "user:bob@example.com", "user:erin@example.com"]);
      await expect(fresh.scan({ prefix: "user:" }).next()).rejects.toBeInstanceOf(ValidationError);
      await expect(fresh.clear({ prefix: "user:" })).rejects.toBeInstanceOf(ValidationError);
      // A value moved onto another hashed key fails authentication.
      await overwrite(table, rows[1]!.key, rows[0]!.value);
      expect(await rejection(fresh.entries())).toBeInstanceOf(DecryptionError);
      await overwrite(table, rows[1]!.key, rows[1]!.value);
      // The wrong nameKey finds nothing (and writes nothing).
      const wrongNames = await store(table, { encryption: { key: KEY_A, nameKey: KEY_B }, cacheSizeMb: 0 });
      expect(await wrongNames.get("user:alice@example.com")).toBeUndefined();
      await kv.rotate(KEY_B);
      const rotated = await store(table, { encryption: { key: KEY_B, nameKey: NAME_KEY }, cacheSizeMb: 0 });
      expect(await rotated.get("user:erin@example.com")).toBe(5);
      expect(await allRows(table)).toHaveLength(3);
    });

    it("never shows a key: util.inspect, String, JSON and errors hold key ids only", async () => {
      const table = uniqueTable("kvenc");
      const kv = await store(table, { encryption: { key: KEY_A, previousKeys: [KEY_B], nameKey: randomBytes(32) } });
      await kv.set("a", 1);
      for (const text of [inspect(kv, { depth: 10, showHidden: true }), String(kv), JSON.stringify(kv) ?? ""]) {
        expect(leaks(text, KEY_A) || leaks(text, KEY_B)).toBe(false);
      }
      const short = randomBytes(16);
      const error = await rejection(KVStore.open({ db, table, encryption: { key: short } }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/32 bytes.*16 bytes/);
      expect(leaks(inspect(error, { depth: 10 }), short)).toBe(false);
      expect(await rejection(KVStore.open({ db, table, encryption: { key: "x".repeat(32) as never } }))).toBeInstanceOf(ValidationError);
      expect(await rejection(kv.rotate(randomBytes(31)))).toBeInstanceOf(ValidationError);
      const unencrypted = await store(uniqueTable("kvenc"));
      expect(await rejection(unencrypted.rotate(KEY_B))).toBeInstanceOf(ValidationError);
    });

    it("sub-tables from table() encrypt with the store's current key, also after a rotate", async () => {
      const table = uniqueTable("kvenc");
      const kv = await store(table, { encryption: { key: KEY_A } });
      await kv.rotate(KEY_B);
      const subName = uniqueTable("kvenc_sub");
      tables.push(subName);
      const sub = await kv.table(subName);
      await sub.set("s", { secret: "sub-table value" });
      expect(await stored(subName, "s")).toMatch(new RegExp(`^tk1e:${kv.encryptionKeyId}:`));
      expect(sub.encryptionKeyId).toBe(kv.encryptionKeyId);
      const fresh = await store(subName, { encryption: { key: KEY_B }, cacheSizeMb: 0 });
      expect(await fresh.get("s")).toEqual({ secret: "sub-table value" });
    });

    it("the Keyv adapter passes encryption through", async () => {
      const table = uniqueTable("kvenc");
      tables.push(table);
      const adapter = new KeyvTablekit({ db, table, encryption: { key: KEY_A } });
      const keyv = new Keyv({ store: adapter });
      await keyv.set("s", { token: "abc-secret" });
      expect(await stored(table, "keyv:s")).toMatch(/^tk1e:/);
      expect(await keyv.get("s")).toEqual({ token: "abc-secret" });
      await keyv.disconnect();
    });
  });
}
