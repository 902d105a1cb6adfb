/**
 * Adversary (issue 14 item 4, "never throw after committing"): `KVStore.pop` is `DELETE …
 * RETURNING` and decodes the returned value afterwards. When the stored text cannot be decoded
 * (a row written by other SQL, an older format), the DELETE has already committed: on the unfixed
 * code pop rejected with a plain `QueryError` ("not valid JSON") while the key was gone for good,
 * so a caller treating the failure as "nothing popped" lost the value without knowing. The error
 * must say the delete happened (`CommittedButUnreadableError`, an `AmbiguousCommitError`).
 * Inside a transaction the error is the plain one (the transaction can still roll back).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousCommitError, CommittedButUnreadableError, Database, KVStore, QueryError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`KVStore.pop of a value it cannot decode [${backend.name}]`, () => {
    let db: Database;
    let kv: KVStore;
    const table = uniqueTable("adv_pop");
    beforeAll(async () => {
      db = backend.open();
      kv = await KVStore.open({ db, table });
    });
    afterAll(async () => {
      await kv?.close();
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("outside a transaction: the key is deleted and the error says so (CommittedButUnreadableError)", async () => {
      await db.execute(`INSERT INTO ${table} (key, value) VALUES ('bad', '{not json')`);
      const error = await kv.pop("bad").catch((e: unknown) => e);
      expect(await db.execute(`SELECT key FROM ${table} WHERE key = 'bad'`)).toEqual([]);
      expect(error, String(error)).toBeInstanceOf(CommittedButUnreadableError);
      expect(error).toBeInstanceOf(AmbiguousCommitError);
      expect((error as Error).cause).toBeInstanceOf(QueryError);
    });

    it("inside a transaction: the plain decoding error, and the transaction that fails with it keeps the key", async () => {
      await db.execute(`INSERT INTO ${table} (key, value) VALUES ('bad2', '{not json')`);
      const error = await db.transaction(() => kv.pop("bad2")).catch((e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(QueryError);
      expect(error).not.toBeInstanceOf(AmbiguousCommitError);
      expect(await db.execute(`SELECT key FROM ${table} WHERE key = 'bad2'`)).toEqual([{ key: "bad2" }]);
    });
  });
}
