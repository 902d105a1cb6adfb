/**
 * Adversary (issue 17, 64-bit integer keys on SQLite): a write whose returned key does not fit a
 * JavaScript number, under the default `int64: "number"`.
 *
 * Found by the adversary run. Since BIGINT/INT8 primary keys read as 64-bit on SQLite too, a key
 * given as text beyond 2^53 (`{ id: "9007199254740993" }`; a bigint is refused before writing, on
 * both) cannot be returned as a number. PostgreSQL runs an insert/upsert that gives the generated
 * key an explicit value in a transaction with its sequence update, so it writes nothing and raises
 * `UnsafeIntegerError`; SQLite committed the row and raised `CommittedButUnreadableError`. Fixed in
 * src/queryable/read-before-commit.ts: on SQLite such a write (an explicit value ≥ 1 for the rowid
 * key, outside a transaction) runs in a transaction too and reads its row before COMMIT.
 *
 * The writes PostgreSQL commits by themselves (an `update`, a table without a generated key) still
 * commit on both and raise `CommittedButUnreadableError`; inside a transaction both raise the
 * `UnsafeIntegerError` and the transaction rolls back. The cases below pin both backends to the
 * same outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommittedButUnreadableError, Database, UnsafeIntegerError } from "../../src/index.js";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`an int8 key beyond 2^53 under int64 "number" [${backend.name}]`, () => {
    let db: Database;
    let reader: Database<"string">;
    let table: string;
    beforeAll(async () => {
      const options = backend.options();
      db = new Database(options);
      reader = new Database({ ...options, int64: "string" });
      table = uniqueTable("adv_int8_unsafe");
      await db.createTable(table, { id: "BIGINT PRIMARY KEY", n: "INTEGER" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
      await reader?.close();
    });

    it("batchInsert writes nothing and raises UnsafeIntegerError on every backend", async () => {
      await expect(db.batchInsert(table, [{ id: "9007199254740997", n: 1 }], { returning: true })).rejects.toBeInstanceOf(UnsafeIntegerError);
      expect(await reader.count(table, { id: "9007199254740997" })).toBe(0);
    });

    it("insert writes nothing and raises UnsafeIntegerError, as on PostgreSQL", async () => {
      await expect(db.insert(table, { id: "9007199254740993", n: 1 })).rejects.toBeInstanceOf(UnsafeIntegerError);
      expect(await reader.count(table, { id: "9007199254740993" })).toBe(0);
    });

    it("upsert writes nothing and raises UnsafeIntegerError, as on PostgreSQL", async () => {
      const error = await db.upsert(table, { id: "9007199254740995", n: 1 }, { conflict: ["id"] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsafeIntegerError);
      expect(error).not.toBeInstanceOf(CommittedButUnreadableError);
      expect(await reader.count(table, { id: "9007199254740995" })).toBe(0);
    });

    it("an explicit key with an unreadable BIGINT column writes nothing on every backend", async () => {
      const t = uniqueTable("adv_int8_col");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", b: "BIGINT" });
      try {
        await expect(db.insert(t, { id: 7, b: "9007199254740993" })).rejects.toBeInstanceOf(UnsafeIntegerError);
        expect(await reader.count(t)).toBe(0);
        // A generated key: committed by itself on every backend, then reported as committed.
        await expect(db.insert(t, { b: "9007199254740993" })).rejects.toBeInstanceOf(CommittedButUnreadableError);
        expect(await reader.count(t)).toBe(1);
        // Readable rows with an explicit key are written and returned as before.
        expect(await db.insert(t, { id: 9, b: 5 })).toEqual({ id: 9, b: 5 });
        expect(await db.upsert(t, { id: 9, b: 6 }, { conflict: ["id"] })).toEqual({ id: 9, b: 6 });
      } finally {
        await db.dropTable(t);
      }
    });

    it("only a write whose row may be unreadable pays for the transaction", async () => {
      const narrow = uniqueTable("adv_int8_narrow");
      const wide = uniqueTable("adv_int8_wide");
      await db.createTable(narrow, { id: "INTEGER PRIMARY KEY", n: "INTEGER", s: "TEXT" });
      await db.createTable(wide, { id: "INTEGER PRIMARY KEY", b: "BIGINT" });
      try {
        await db.insert(narrow, { id: 1, n: 1 });
        await db.insert(wide, { id: 1, b: 1 });
        const seen = recordQueries(db);
        await db.insert(narrow, { id: 2, n: 2, s: "x" });
        await db.upsert(narrow, { id: 2, n: 3 }, { conflict: ["id"] });
        await db.insert(wide, { b: 2 });
        const plain = seen.splice(0);
        if (backend.name === "sqlite") expect(plain.filter((q) => /^\s*(BEGIN|COMMIT)/i.test(q))).toEqual([]);
        await db.insert(wide, { id: 3, b: 3 });
        // PostgreSQL updates the key's sequence in a transaction; SQLite reads the row before COMMIT.
        expect(seen.some((q) => /^\s*BEGIN/i.test(q))).toBe(true);
        expect(await db.count(narrow)).toBe(2);
        expect(await db.count(wide)).toBe(3);
      } finally {
        await db.dropTable(narrow);
        await db.dropTable(wide);
      }
    });

    it("an update to an unreadable key is committed and reported so on every backend", async () => {
      await db.insert(table, { id: 41, n: 1 });
      await expect(db.update(table, { id: "9007199254740997" }, { id: 41 })).rejects.toBeInstanceOf(CommittedButUnreadableError);
      expect(await reader.count(table, { id: "9007199254740997" })).toBe(1);
      await reader.deleteMany(table, { id: "9007199254740997" });
    });

    it("a table without a generated key commits and reports it on every backend", async () => {
      const t = uniqueTable("adv_int8_text");
      await db.createTable(t, { k: "TEXT PRIMARY KEY", b: "BIGINT" });
      try {
        await expect(db.insert(t, { k: "a", b: "9007199254740993" })).rejects.toBeInstanceOf(CommittedButUnreadableError);
        await expect(db.upsert(t, { k: "b", b: "9007199254740993" }, { conflict: ["k"] })).rejects.toBeInstanceOf(CommittedButUnreadableError);
        expect(await reader.count(t)).toBe(2);
      } finally {
        await db.dropTable(t);
      }
    });

    it("inside a transaction raises UnsafeIntegerError and the transaction rolls back, on every backend", async () => {
      const outcome = await db
        .transaction(async (tx) => {
          await tx.insert(table, { id: 50, n: 1 });
          await tx.insert(table, { id: "9007199254740999", n: 1 });
        })
        .catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(UnsafeIntegerError);
      expect(await reader.count(table, { id: 50 })).toBe(0);
      expect(await reader.count(table, { id: "9007199254740999" })).toBe(0);
      // The ambient form: db.insert inside db.transaction joins it.
      const ambient = await db
        .transaction(async () => {
          await db.insert(table, { id: 51, n: 1 });
          await db.insert(table, { id: "9007199254740999", n: 1 });
        })
        .catch((e: unknown) => e);
      expect(ambient).toBeInstanceOf(UnsafeIntegerError);
      expect(await reader.count(table, { id: 51 })).toBe(0);
      // The Database is usable afterwards (no transaction left open).
      expect(await db.insert(table, { id: 52, n: 1 })).toEqual({ id: 52, n: 1 });
    });
  });
}
