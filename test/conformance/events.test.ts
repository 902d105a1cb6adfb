/**
 * Query events: one event per statement with the SQL as sent (placeholders, never values), timing,
 * row counts, the dialect, whether a transaction was open, and the error on failure. Parameters
 * only with `logParameters: true`; listeners cannot break queries; passwords never show.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PG_URL, backends, uniqueTable, rejection } from "../support/backends.js";
import { Database, QueryError, UniqueViolationError, ValidationError, sql, type QueryEvent } from "../../src/index.js";

/** Collects every event a Database emits. */
function collect(db: Database): QueryEvent[] {
  const events: QueryEvent[] = [];
  db.on("query", (event) => events.push(event));
  return events;
}

/** Everything an event could show, as text (bigints included). */
function dump(event: QueryEvent): string {
  return [
    JSON.stringify(event, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
    inspect(event, { depth: 10, showHidden: true }),
    event.error === undefined ? "" : `${event.error.message}\n${String(event.error.stack)}\n${inspect(event.error, { depth: 10 })}`,
  ].join("\n");
}

const PASSWORD = "hunter2";

for (const backend of backends()) {
  describe(`events [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("events");
    // One database (one SQLite file), opened again below with other options.
    const options = backend.options();
    const q = `"${t}"`;
    const ph = (n: number) => (backend.name === "sqlite" ? "?" : `$${n}`);

    beforeAll(async () => {
      db = new Database(options);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL UNIQUE" });
    });

    beforeEach(async () => {
      await db.deleteMany(t, {});
      await db.batchInsert(t, [
        { id: 1, name: "ann" },
        { id: 2, name: "bob" },
      ]);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("an event carries the SQL with placeholders and no values, timing, rowCount, dialect and inTransaction", async () => {
      const events = collect(db);
      const rows = await db.execute(`SELECT id FROM ${q} WHERE name <> ? ORDER BY id`, ["secret-value"]);
      expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(Object.keys(event).sort()).toEqual(["dialect", "durationMs", "inTransaction", "rowCount", "sql"]);
      expect(event.sql).toBe(`SELECT id FROM ${q} WHERE name <> ${ph(1)} ORDER BY id`);
      expect(typeof event.durationMs).toBe("number");
      expect(Number.isFinite(event.durationMs)).toBe(true);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(event.rowCount).toBe(2);
      expect(event.dialect).toBe(backend.name);
      expect(event.inTransaction).toBe(false);
      expect("params" in event).toBe(false);
      expect("error" in event).toBe(false);
      expect(dump(event)).not.toContain("secret-value");
    });

    it("CRUD helpers and the sql tag emit their statements without values", async () => {
      const events = collect(db);
      await db.insert(t, { name: "secret-insert" }); // no explicit id: that write also advances the id sequence (generated-keys.test.ts)
      await db.select(t, { where: { name: "secret-select" } });
      await db.execute(sql`SELECT id FROM ${sql.id(t)} WHERE name = ${"secret-tag"}`);
      expect(events.map((e) => e.sql)).toEqual([
        `INSERT INTO ${q} ("name") VALUES (${ph(1)}) RETURNING *`,
        `SELECT * FROM ${q} WHERE "name" = ${ph(1)}`,
        `SELECT id FROM ${q} WHERE name = ${ph(1)}`,
      ]);
      expect(events.map((e) => e.rowCount)).toEqual([1, 0, 0]);
      for (const event of events) expect(dump(event)).not.toMatch(/secret-/);
    });

    it("rowCount is the number of rows changed by a write", async () => {
      const events = collect(db);
      expect(await db.executeCount(`UPDATE ${q} SET name = name || ? WHERE id >= ?`, ["!", 1])).toBe(2);
      expect(await db.deleteMany(t, { id: 2 })).toBe(1);
      expect(events.map((e) => e.rowCount)).toEqual([2, 1]);
    });

    it("statements inside db.transaction have inTransaction true, including BEGIN and COMMIT", async () => {
      const events = collect(db);
      await db.transaction(async (tx) => {
        await tx.insert(t, { id: 10, name: "in-tx" });
        await db.select(t, { where: { id: 10 } }); // joins the ambient transaction
        await tx.transaction(async (inner) => {
          await inner.count(t);
        });
      });
      await db.count(t);
      const inTx = events.slice(0, -1);
      expect(inTx.length).toBeGreaterThanOrEqual(5);
      expect(inTx[0]!.sql).toMatch(/^BEGIN/);
      expect(inTx.at(-1)!.sql).toBe("COMMIT");
      expect(inTx.map((e) => e.inTransaction)).toEqual(inTx.map(() => true));
      expect(inTx.map((e) => e.sql)).toEqual(
        expect.arrayContaining([
          `INSERT INTO ${q} ("id", "name") VALUES (${ph(1)}, ${ph(2)}) RETURNING *`,
          `SELECT * FROM ${q} WHERE "id" = ${ph(1)}`,
          `SELECT count(*) AS count FROM ${q}`,
        ]),
      );
      expect(events.at(-1)).toMatchObject({ sql: `SELECT count(*) AS count FROM ${q}`, inTransaction: false, rowCount: 1 });
    });

    it("a failing statement emits its error, and still rejects with that same error", async () => {
      const events = collect(db);
      const error = await rejection(db.execute(`SELECT nope FROM ${q} WHERE id = ?`, [1]));
      expect(error).toBeInstanceOf(QueryError);
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(event.error).toBe(error);
      expect(event.rowCount).toBe(0);
      expect(event.sql).toBe(`SELECT nope FROM ${q} WHERE id = ${ph(1)}`);
      expect(event.dialect).toBe(backend.name);
      expect(event.inTransaction).toBe(false);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
    });

    it("a failure inside a transaction emits the error with inTransaction true, then ROLLBACK", async () => {
      const events = collect(db);
      const error = await rejection(
        db.transaction(async (tx) => {
          await tx.insert(t, { id: 20, name: "ann" }); // duplicate name
        }),
      );
      expect(error).toBeInstanceOf(UniqueViolationError);
      const failed = events.filter((e) => e.error !== undefined);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.error).toBe(error);
      expect(failed[0]!.inTransaction).toBe(true);
      expect(events.at(-1)).toMatchObject({ sql: "ROLLBACK", inTransaction: true });
      expect(events.at(-1)!.error).toBeUndefined();
    });

    it("a finished stream emits one event with the number of rows", async () => {
      const events = collect(db);
      const seen: unknown[] = [];
      for await (const row of db.stream(t, { orderBy: "id", batchSize: 1 })) seen.push(row["id"]);
      expect(seen).toEqual([1, 2]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ rowCount: 2, inTransaction: false, dialect: backend.name });
      expect(events[0]!.sql).toBe(`SELECT * FROM ${q} ORDER BY "id" ASC NULLS LAST`);
    });

    it("params are absent by default and present with logParameters: true", async () => {
      const logged = new Database({ ...options, logParameters: true });
      try {
        const events = collect(logged);
        await logged.execute(`SELECT id FROM ${q} WHERE name = ? OR name = ?`, ["ann", "zed"]);
        await logged.select(t, { where: { name: "bob" } });
        await logged.execute(`SELECT id FROM ${q}`);
        await rejection(logged.execute(`SELECT nope FROM ${q} WHERE name = ?`, ["oops"]));
        expect(events.map((e) => e.params)).toEqual([["ann", "zed"], ["bob"], [], ["oops"]]);
        expect(events[3]!.error).toBeInstanceOf(QueryError);
      } finally {
        await logged.close();
      }
      const quiet = new Database({ ...options, logParameters: false });
      try {
        const events = collect(quiet);
        await quiet.execute(`SELECT id FROM ${q} WHERE name = ?`, ["ann"]);
        expect(events).toHaveLength(1);
        expect("params" in events[0]!).toBe(false);
      } finally {
        await quiet.close();
      }
    });

    it("a listener that throws does not break the query, nor the other listeners", async () => {
      const thrower = () => {
        throw new Error("listener failure");
      };
      db.on("query", thrower);
      const events = collect(db);
      try {
        expect(await db.execute(`SELECT name FROM ${q} WHERE id = ?`, [1])).toEqual([{ name: "ann" }]);
        const error = await rejection(db.execute(`SELECT nope FROM ${q}`));
        expect(error).toBeInstanceOf(QueryError);
        expect(await db.transaction(async (tx) => (await tx.count(t)) + 1)).toBe(3);
        expect(events.length).toBeGreaterThanOrEqual(5);
      } finally {
        db.off("query", thrower);
      }
    });

    it("off() removes a listener; on() and off() chain", async () => {
      const calls: string[] = [];
      const a = (e: QueryEvent) => calls.push(`a:${e.rowCount}`);
      const b = (e: QueryEvent) => calls.push(`b:${e.rowCount}`);
      expect(db.on("query", a).on("query", b)).toBe(db);
      await db.count(t);
      expect(calls).toEqual(["a:1", "b:1"]);
      expect(db.off("query", a)).toBe(db);
      await db.count(t);
      expect(calls).toEqual(["a:1", "b:1", "b:1"]);
      db.off("query", b);
      db.off("query", b); // removing twice is harmless
      await db.count(t);
      expect(calls).toEqual(["a:1", "b:1", "b:1"]);
    });

    it('on() with another event name raises ValidationError', () => {
      expect(() => db.on("change" as "query", () => undefined)).toThrow(ValidationError);
    });

    if (backend.name === "postgres") {
      it("event payloads never contain the password of the URL", async () => {
        const url = new URL(PG_URL);
        url.password = PASSWORD;
        const secret = new Database({ url: url.toString(), logParameters: true });
        try {
          const events = collect(secret);
          await secret.execute(`SELECT id FROM ${q} WHERE name = ?`, ["ann"]);
          await secret.insert(t, { id: 30, name: "pw-test" });
          await rejection(secret.execute("SELEC broken"));
          await rejection(secret.insert(t, { id: 31, name: "ann" }));
          await secret.transaction(async (tx) => {
            await tx.count(t);
          });
          expect(events.length).toBeGreaterThanOrEqual(7);
          for (const event of events) expect(dump(event)).not.toContain(PASSWORD);
          expect(String(secret)).not.toContain(PASSWORD);
        } finally {
          await secret.close();
        }
      });
    }
  });
}

describe("the password of a URL", () => {
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/test`;

  it("never appears in String(db) or util.inspect(db)", () => {
    const db = new Database(url);
    expect(String(db)).toBe("Database(postgres://postgres@127.0.0.1:5432/test)");
    expect(`${db}`).not.toContain(PASSWORD);
    expect(inspect(db)).not.toContain(PASSWORD);
    expect(inspect(db, { showHidden: true, depth: 10 })).not.toContain(PASSWORD);
    expect(inspect({ nested: { db } }, { depth: 10 })).not.toContain(PASSWORD);
    expect(JSON.stringify(db)).not.toContain(PASSWORD);
    expect(Object.keys(db).join(",")).not.toContain(PASSWORD);
  });

  it("never appears for a Database built with fromUrl, or with a password option", () => {
    const fromUrl = Database.fromUrl(url);
    expect(String(fromUrl)).not.toContain(PASSWORD);
    expect(inspect(fromUrl)).not.toContain(PASSWORD);
    const fields = new Database({ host: "127.0.0.1", user: "postgres", password: PASSWORD, database: "test" });
    expect(String(fields)).toBe("Database(postgres://postgres@127.0.0.1:5432/test)");
    expect(inspect(fields, { showHidden: true })).not.toContain(PASSWORD);
    const query = new Database(`postgres://postgres@127.0.0.1:5432/test?password=${PASSWORD}`);
    expect(String(query)).not.toContain(PASSWORD);
    expect(inspect(query)).not.toContain(PASSWORD);
  });
});
