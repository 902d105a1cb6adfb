/**
 * Adversary (issue 14/15 rule "every call settles in bounded time"): `db.close()`.
 *
 * - A second `close()` called while the first waits for running calls resolved at once on the
 *   unfixed code (`close` returned early in the "closing" state), so code awaiting it (a shutdown
 *   hook, `await using` plus an explicit close) went on while the transaction was still running
 *   and the connections open. Fixed: every call to close() returns the same closing.
 * - A stream whose iterator was abandoned (next() called, then neither finished nor return()ed —
 *   e.g. manual iteration that threw between two next() calls) kept the Database "active" for
 *   ever: `close()` never settled, on both backends, so a graceful shutdown hung. Fixed
 *   (src/lifecycle/open-streams.ts): once closing, a stream unread for STREAM_IDLE_GRACE_MS is
 *   ended (cursor and connection released) and its next `next()` rejects with ConnectionError
 *   rather than ending quietly (a quietly truncated stream would be worse than the hang). A stream
 *   still being read is waited for, like any running call.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ConnectionError, Database, sql } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

async function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

for (const backend of backends()) {
  describe(`db.close() [${backend.name}]`, () => {
    const opened: Database[] = [];
    afterAll(async () => {
      await Promise.all(opened.map((db) => within(db.close(), 1_000)));
    });

    it("a second close() waits for the first: neither resolves before the running transaction has finished", async () => {
      const options = backend.options();
      const db = new Database(options);
      opened.push(db);
      const table = uniqueTable("adv_close");
      await db.execute(`CREATE TABLE ${table} (id integer PRIMARY KEY)`);
      let committed = false;
      const running = db.transaction(async (tx) => {
        await tx.insert(table, { id: 1 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        committed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const first = db.close();
      const second = db.close();
      await second;
      expect(committed, "the second close() resolved while the transaction was still running").toBe(true);
      await first;
      await running;
      expect(db.closed).toBe(true);
      const reopened = new Database(options);
      try {
        expect(await reopened.select(table)).toEqual([{ id: 1 }]);
        await reopened.execute(`DROP TABLE ${table}`);
      } finally {
        await reopened.close();
      }
    });

    it("close() settles when a stream iterator was abandoned, and the iterator then rejects instead of ending quietly", async () => {
      const db = backend.open();
      opened.push(db);
      const table = uniqueTable("adv_abandon");
      await db.execute(`CREATE TABLE ${table} (id integer)`);
      await db.batchInsert(table, Array.from({ length: 500 }, (_, i) => ({ id: i })));
      const iterator = db.stream(sql`SELECT id FROM ${sql.id(table)}`, { batchSize: 10 })[Symbol.asyncIterator]();
      await iterator.next();
      // Abandoned: neither read to the end nor return()ed.
      const result = await within(db.close().then(() => "closed"), 2_000);
      expect(result).toBe("closed");
      // The abandoned iterator must not end quietly as if the table had 10 rows.
      await expect(iterator.next()).rejects.toBeInstanceOf(ConnectionError);
    });

    it("close() waits for a stream that is still being read (slowly, each row under the grace period) and it delivers every row", async () => {
      const db = backend.open();
      opened.push(db);
      const table = uniqueTable("adv_slow");
      await db.execute(`CREATE TABLE ${table} (id integer)`);
      await db.batchInsert(table, Array.from({ length: 24 }, (_, i) => ({ id: i })));
      const seen: number[] = [];
      let closed = false;
      const reading = (async () => {
        for await (const row of db.stream<{ id: number }>(sql`SELECT id FROM ${sql.id(table)} ORDER BY id`, { batchSize: 5 })) {
          seen.push(row.id);
          if (closed) throw new Error("close() resolved while the stream was still being read");
          if (seen.length === 1) void db.close().then(() => (closed = true));
          // 24 rows x 60 ms outlasts the grace period as a whole, but no single pause does.
          await new Promise((resolve) => setTimeout(resolve, 60));
        }
      })();
      await reading;
      expect(seen).toHaveLength(24);
      await within(db.close(), 2_000);
      expect(closed).toBe(true);
    });
  });
}
