/**
 * Adversary (issues 14 item 3, 15 item 4): a column's TYPE changed under a running app on
 * PostgreSQL. The schema-change fixes handle "cached plan must not change result type" (a
 * statement's result columns changed), but a named prepared statement also keeps the parameter
 * types the server inferred when it was first prepared. After `ALTER COLUMN … TYPE` (the classic
 * migration: integer → bigint) or DROP + CREATE with other types, every later call with the same
 * SQL text still binds the old type: on the unfixed code a value valid for the new column was
 * refused with `ValidationError` ("invalid input syntax for type integer", "out of range for
 * type integer") on every call, until the process restarted.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";

describe.runIf(selectedBackendNames().includes("postgres"))("a column type changed by another connection [postgres]", () => {
  let other: pg.Client;
  let db: Database;

  beforeAll(async () => {
    other = new pg.Client(PG_URL);
    await other.connect();
    db = new Database({ url: PG_URL, maxConnections: 2 });
    await db.connect();
  });
  afterAll(async () => {
    await db?.close();
    await other?.end();
  });

  async function stored(table: string): Promise<unknown[]> {
    return (await other.query(`SELECT id, n::text AS n FROM ${table} ORDER BY id`)).rows;
  }

  it("integer → bigint: insert, update, upsert and a filter with a value above 2^31 work at once", async () => {
    const t = uniqueTable("adv_int_bigint");
    await other.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, n integer)`);
    try {
      // Prepare every statement shape once, on every pooled connection.
      for (let i = 1; i <= 4; i++) {
        await db.insert(t, { id: i, n: i });
        await db.update(t, { n: i + 10 }, { id: i });
        await db.upsert(t, { id: i, n: i }, { conflict: ["id"] });
        await db.select(t, { where: { n: i } });
      }
      await other.query(`ALTER TABLE ${t} ALTER COLUMN n TYPE bigint`);
      const big = 3_000_000_000;
      expect(await db.insert(t, { id: 10, n: big })).toEqual({ id: 10, n: big });
      expect(await db.update(t, { n: big + 1 }, { id: 1 })).toEqual({ id: 1, n: big + 1 });
      expect(await db.upsert(t, { id: 2, n: big + 2 }, { conflict: ["id"] })).toEqual({ id: 2, n: big + 2 });
      expect(await db.select(t, { where: { n: big } })).toEqual([{ id: 10, n: big }]);
      expect(await stored(t)).toEqual([
        { id: 1, n: String(big + 1) },
        { id: 2, n: String(big + 2) },
        { id: 3, n: "3" },
        { id: 4, n: "4" },
        { id: 10, n: String(big) },
      ]);
    } finally {
      await other.query(`DROP TABLE IF EXISTS ${t}`);
    }
  });

  it("DROP TABLE + CREATE TABLE with another column type: the same insert works", async () => {
    const t = uniqueTable("adv_recreate");
    await other.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, n integer)`);
    try {
      for (let i = 1; i <= 4; i++) await db.insert(t, { id: i, n: i });
      await other.query(`DROP TABLE ${t}`);
      await other.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, n text)`);
      expect(await db.insert(t, { id: 1, n: "one" })).toEqual({ id: 1, n: "one" });
      expect(await db.insert(t, { id: 2, n: "two" })).toEqual({ id: 2, n: "two" });
      expect(await stored(t)).toEqual([
        { id: 1, n: "one" },
        { id: 2, n: "two" },
      ]);
    } finally {
      await other.query(`DROP TABLE IF EXISTS ${t}`);
    }
  });

  it("inside transactions: after one failed transaction, the next one works (the stale statement is not reused for ever)", async () => {
    const t = uniqueTable("adv_tx_type");
    await other.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, n integer)`);
    try {
      await db.transaction(async (tx) => {
        await tx.insert(t, { id: 1, n: 1 });
      });
      await other.query(`ALTER TABLE ${t} ALTER COLUMN n TYPE bigint`);
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          await db.transaction(async (tx) => {
            await tx.insert(t, { id: 2 + i, n: 3_000_000_000 + i });
          });
          outcomes.push("ok");
        } catch (error) {
          outcomes.push((error as Error).constructor.name);
        }
      }
      // At most the first transaction may fail (the statement failed inside it); the rest work.
      expect(outcomes.slice(1)).toEqual(["ok", "ok"]);
    } finally {
      await other.query(`DROP TABLE IF EXISTS ${t}`);
    }
  });
});
