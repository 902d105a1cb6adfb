/**
 * A KVStore's storage adapter, and what the Keyv adapter tells Keyv, come from the connected
 * Database's dialect (`SqlDialect.keyValue`): the default database named by DATABASE_URL, which the
 * adapter cannot see in its options, is told correctly once the store has opened.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KVStore } from "../../src/index.js";
import { KeyvTablekit } from "../../src/keyv.js";
import { dialectOf } from "../../src/queryable.js";
import { kvBackendFor } from "../../src/kv/storage/backends.js";
import { PG_URL, backends, tempDir, uniqueTable } from "../support/backends.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

for (const backend of backends()) {
  describe(`the key-value adapter of the Database's dialect [${backend.name}]`, () => {
    it("KVStore uses the storage its Database's dialect offers", async () => {
      const db = backend.open();
      const kv = await KVStore.open({ db, table: uniqueTable("kv_choice") });
      try {
        expect(kvBackendFor(db)).toBe(db[dialectOf]().keyValue);
        await kv.set("k", { v: 1 });
        expect(await kv.get("k")).toEqual({ v: 1 });
      } finally {
        await kv.close();
        await db.dropTable(kv.tableName, { ifExists: true });
        await db.close();
      }
    });

    it("KeyvTablekit on the default database (DATABASE_URL) tells Keyv the backend it connected to", async () => {
      vi.stubEnv("DATABASE_URL", backend.name === "sqlite" ? `sqlite:${join(tempDir(), "default.db")}` : PG_URL);
      const table = uniqueTable("keyv_default");
      const adapter = new KeyvTablekit({ table });
      const store = await adapter.kvStore();
      try {
        expect(adapter.opts.dialect).toBe(backend.name);
        expect(store.db.dialect).toBe(backend.name);
      } finally {
        await store.db.dropTable(table, { ifExists: true });
        await adapter.disconnect();
      }
    });
  });
}
