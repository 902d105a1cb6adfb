/**
 * Adversary (issue 22, the Keyv adapter as a drop-in for @keyv/postgres): a key-value table that
 * tablekit did not create, whose key column has a linguistic collation.
 *
 * Found by the adversary run: @keyv/postgres creates `keyv (key VARCHAR(255) PRIMARY KEY, value
 * TEXT)` in the database's default collation (`en_US.UTF-8` on most managed servers). KVStore
 * opened such a table (it has a key primary key and a value) but its prefix ranges assume code
 * point order: `scan({ prefix: "a:" })` found nothing of "a:b", "a:z", and Keyv's
 * `clear()` of namespace "sess" left "sess:zzz" behind (ICU sorts "sess:zzz" after "sess;").
 * Ranges and ORDER BY now compare `"key" COLLATE "C"` on PostgreSQL (a no-op on tablekit's own
 * tables, whose key is already COLLATE "C": the primary key index is still used).
 */
import Keyv from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, KVStore, sql } from "../../src/index.js";
import { KeyvTablekit } from "../../src/keyv.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";

describe.runIf(selectedBackendNames().includes("postgres"))("a KV table whose key has a linguistic collation [postgres]", () => {
  let db: Database;
  let table: string;
  let icu: boolean;
  beforeAll(async () => {
    db = new Database(PG_URL);
    table = uniqueTable("adv_kv_icu");
    icu = (await db.fetchOne<{ n: string }>(sql`SELECT count(*)::text AS n FROM pg_collation WHERE collname = 'en-US-x-icu'`))?.n === "1";
    // What @keyv/postgres creates, in a database whose default collation is en_US.
    if (icu) await db.execute(sql.raw(`CREATE TABLE ${table} (key VARCHAR(255) COLLATE "en-US-x-icu" PRIMARY KEY, value TEXT)`));
  });
  afterAll(async () => {
    await db?.dropTable(table, { ifExists: true });
    await db?.close();
  });

  it("prefix scans, key order and Keyv's namespace clear() follow code points", async (context) => {
    if (!icu) context.skip();
    const kv = await KVStore.open({ db, table });
    try {
      for (const key of ["a:z", "a:b", "a;x", "ab", "a-c", "B", "b"]) await kv.set(key, 1);
      const scanned: string[] = [];
      for await (const [key] of kv.scan({ prefix: "a:" })) scanned.push(key);
      expect(scanned).toEqual(["a:b", "a:z"]);
      expect(await kv.keys()).toEqual(["B", "a-c", "a:b", "a:z", "a;x", "ab", "b"]);

      const sessions = new Keyv({ store: new KeyvTablekit({ store: kv }), namespace: "sess", throwOnErrors: true });
      const older = new Keyv({ store: new KeyvTablekit({ store: kv }), namespace: "sess-old", throwOnErrors: true });
      await sessions.set("x", 1);
      await sessions.set("zzz", 2);
      await older.set("y", 3);
      await sessions.clear();
      expect([await sessions.get("x"), await sessions.get("zzz"), await older.get("y")]).toEqual([undefined, undefined, 3]);
    } finally {
      await kv.close();
    }
  });
});
