/**
 * Adversary (issues 14 and 15): a stream outside a transaction on PostgreSQL whose statement is a
 * write (`INSERT … RETURNING`, `UPDATE … RETURNING`) commits by itself when the cursor closes; a
 * deferred constraint then fails at that COMMIT. pg-cursor marks itself done at CommandComplete
 * and ignores the ErrorResponse that follows, and pg hands that ReadyForQuery to nobody, so on the
 * unfixed code:
 * - reading to the end: the last batch never arrived; the loop hung until queryTimeoutMs (5 min by
 *   default, for ever with 0) and then failed with QueryTimeoutError ("the server sent no
 *   answer"), destroying a healthy connection;
 * - breaking out after the first row: the loop ended normally, with a row in the caller's hands
 *   that was never stored and no error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, ForeignKeyViolationError, sql } from "../../src/index.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";

async function settle<T>(promise: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(selectedBackendNames().includes("postgres"))("a stream of a write whose COMMIT fails [postgres]", () => {
  let db: Database;
  const parent = uniqueTable("adv_sp");
  const child = uniqueTable("adv_sc");
  beforeAll(async () => {
    db = new Database({ url: PG_URL, maxConnections: 1 });
    await db.execute(`CREATE TABLE ${parent} (id integer PRIMARY KEY)`);
    await db.execute(`CREATE TABLE ${child} (id integer PRIMARY KEY, parent integer REFERENCES ${parent} (id) DEFERRABLE INITIALLY DEFERRED)`);
  });
  afterAll(async () => {
    await db?.execute(`DROP TABLE IF EXISTS ${child}`);
    await db?.execute(`DROP TABLE IF EXISTS ${parent}`);
    await db?.close();
  });

  it("read to the end: rejects with ForeignKeyViolationError at once (not a hang, not QueryTimeoutError); nothing stored; the connection goes on", async () => {
    const rows: unknown[] = [];
    const loop = (async () => {
      for await (const row of db.stream(sql`INSERT INTO ${sql.id(child)} (id, parent) VALUES (1, 999), (2, 999) RETURNING *`)) rows.push(row);
    })();
    const result = await settle(loop, 3_000);
    expect(result, "still pending after 3 s").not.toBe("pending");
    if (result === "pending") return;
    expect(result.ok, "the stream resolved though its COMMIT failed").toBe(false);
    if (!result.ok) expect(result.error, String(result.error)).toBeInstanceOf(ForeignKeyViolationError);
    expect(await db.execute(`SELECT id FROM ${child}`)).toEqual([]);
    expect(await db.execute("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("break after the first row: the loop reports the failed COMMIT instead of ending normally with a row that was never stored", async () => {
    let handed: unknown;
    const loop = (async () => {
      for await (const row of db.stream(sql`INSERT INTO ${sql.id(child)} (id, parent) VALUES (3, 999), (4, 999), (5, 999) RETURNING *`, { batchSize: 1 })) {
        handed = row;
        break;
      }
    })();
    const result = await settle(loop, 3_000);
    expect(result, "still pending after 3 s").not.toBe("pending");
    if (result === "pending") return;
    expect(handed).toEqual({ id: 3, parent: 999 });
    expect(await db.execute(`SELECT id FROM ${child}`)).toEqual([]);
    expect(result.ok, "the loop ended normally with a row that was not stored").toBe(false);
    if (!result.ok) expect(result.error, String(result.error)).toBeInstanceOf(ForeignKeyViolationError);
    expect(await db.execute("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("a write stream that commits still works, read to the end or broken off", async () => {
    await db.execute(`INSERT INTO ${parent} (id) VALUES (1)`);
    const all: unknown[] = [];
    for await (const row of db.stream(sql`INSERT INTO ${sql.id(child)} (id, parent) VALUES (10, 1), (11, 1) RETURNING id`)) all.push(row);
    expect(all).toEqual([{ id: 10 }, { id: 11 }]);
    for await (const row of db.stream(sql`INSERT INTO ${sql.id(child)} (id, parent) VALUES (12, 1), (13, 1) RETURNING id`, { batchSize: 1 })) {
      expect(row).toEqual({ id: 12 });
      break;
    }
    expect(await db.execute(`SELECT id FROM ${child} ORDER BY id`)).toEqual([{ id: 10 }, { id: 11 }, { id: 12 }, { id: 13 }]);
  });
});
