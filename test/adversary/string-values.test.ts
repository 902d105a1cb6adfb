/**
 * Adversary (issue 14 item 5, "the same values on every backend: exact round-trip, or
 * ValidationError before anything is written"): strings that are not storable text.
 *
 * Found by the adversary run: a lone UTF-16 surrogate was silently stored as U+FFFD on both
 * backends, and U+0000 was stored on SQLite but refused by the PostgreSQL server (QueryError).
 * Both are now a ValidationError before any SQL, in column values and inside JSON (strings and
 * keys): see checkString in src/backends/common/json-value.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, ValidationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`strings that are not storable text [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_strings");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", s: "TEXT", j: backend.name === "sqlite" ? "JSON" : "JSONB" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    /** Exact round-trip, or a ValidationError and nothing stored. */
    async function exactOrRefused(id: number, row: Record<string, unknown>): Promise<void> {
      let written: unknown;
      try {
        written = await db.insert(table, { id, ...row });
      } catch (error) {
        expect(error, String(error)).toBeInstanceOf(ValidationError);
        expect(await db.selectOne(table, { where: { id } })).toBeNull();
        return;
      }
      expect(written).toMatchObject(row);
      expect(await db.selectOne(table, { where: { id } })).toMatchObject(row);
    }

    it("a lone surrogate in a TEXT column is stored exactly or refused", async () => {
      await exactOrRefused(1, { s: "a\ud800b" });
    });

    it("U+0000 in a TEXT or JSON value is a ValidationError before any SQL, on every backend", async () => {
      for (const [id, row] of [
        [2, { s: "a\u0000b" }],
        [3, { j: { k: "a\u0000b" } }],
      ] as const) {
        const error = await db.insert(table, { id, ...row }).catch((e: unknown) => e);
        expect(error, `${id}: ${String(error)}`).toBeInstanceOf(ValidationError);
      }
    });
  });
}
