/**
 * Adversary (issue 19 section 2, PostgreSQL DETAIL/HINT): row values that the message hides must
 * not be printed anyway through the error's `cause`.
 *
 * Found by the adversary run: a UniqueViolationError's message says `Key (email)=(***) already
 * exists. (values hidden …)`, but its `cause` (node-postgres's DatabaseError) kept
 * `detail: 'Key (email)=(alice@…) already exists.'` as a plain property, so `console.error(error)`,
 * `util.inspect(error)` and loggers that serialise causes printed the values (the same for a
 * CHECK violation's `Failing row contains (…)`, the whole row). The driver's raw DETAIL is now
 * not enumerable (still readable: the CLI shows it, as psql does). Fixed in mapPostgresError.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckViolationError, type Database, UniqueViolationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`row values in constraint errors stay hidden, cause included [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_details");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE", n: "INTEGER CHECK (n > 0)" });
      await db.insert(table, { id: 1, email: "alice@hidden.example", n: 1 });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    /** Every way an error is commonly printed. */
    function printed(error: unknown): string {
      return [inspect(error, { depth: 10 }), JSON.stringify(error), String(error), (error as Error).stack ?? ""].join("\n");
    }

    it("a unique violation, in autocommit and in a transaction", async () => {
      const plain = await db.insert(table, { id: 2, email: "alice@hidden.example", n: 1 }).catch((e: unknown) => e);
      const inTx = await db.transaction((tx) => tx.insert(table, { id: 3, email: "alice@hidden.example", n: 1 })).catch((e: unknown) => e);
      for (const error of [plain, inTx]) {
        expect(error).toBeInstanceOf(UniqueViolationError);
        expect(printed(error)).not.toContain("alice@hidden.example");
      }
    });

    it("a CHECK violation (PostgreSQL's DETAIL is the whole failing row)", async () => {
      const error = await db.insert(table, { id: 4, email: "bob@hidden.example", n: -1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckViolationError);
      expect(printed(error)).not.toContain("bob@hidden.example");
    });
  });
}
