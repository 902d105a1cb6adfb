/**
 * Acknowledged means stored: a write resolves only after its COMMIT succeeded. A COMMIT that fails
 * (a DEFERRABLE INITIALLY DEFERRED foreign key to a missing parent, a full disk) rejects with the
 * mapped error and stores nothing, on every write path: the synchronous fast path (`queryNow`),
 * `query()` (taken while query events are listened to), `execute`, Table and transactions. A
 * transaction whose COMMIT failed leaves the connection clean: the next write is stored.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, ForeignKeyViolationError, QueryError, Table, TablekitError, type DatabaseOptions, type Row } from "../../src/index.js";
import { backends, rejection, tempDir, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`durable writes [${backend.name}]`, () => {
    let options: DatabaseOptions;
    let db: Database;
    let parent: string;
    let child: string;

    beforeAll(async () => {
      options = backend.options();
      db = new Database(options);
      parent = uniqueTable("dw_parent");
      child = uniqueTable("dw_child");
      await db.execute(`CREATE TABLE ${parent} (id INTEGER PRIMARY KEY)`);
      await db.execute(
        `CREATE TABLE ${child} (id INTEGER PRIMARY KEY, name TEXT, parent_id INTEGER REFERENCES ${parent}(id) DEFERRABLE INITIALLY DEFERRED)`,
      );
      await db.insert(parent, { id: 1 });
    });

    afterAll(async () => {
      await db.execute(`DROP TABLE IF EXISTS ${child}`);
      await db.execute(`DROP TABLE IF EXISTS ${parent}`);
      await db.close();
    });

    /** The rows of the child table as a fresh connection sees them (SQLite: the file reopened). */
    async function stored(): Promise<unknown[]> {
      const fresh = new Database(options);
      try {
        return (await fresh.select(child, { orderBy: "id" })).map((r) => [r["id"], r["name"], r["parent_id"]]);
      } finally {
        await fresh.close();
      }
    }

    async function reset(): Promise<void> {
      await db.execute(`DELETE FROM ${child}`);
      await db.insert(child, { id: 1, name: "kept", parent_id: 1 });
    }

    for (const path of ["fast path", "with query events"] as const) {
      describe(path, () => {
        const listener = (): void => undefined;
        beforeAll(() => {
          if (path === "with query events") db.on("query", listener);
        });
        afterAll(() => {
          db.off("query", listener);
        });

        it("insert rejects when its COMMIT fails, and stores nothing", async () => {
          await reset();
          const error = await rejection(db.insert(child, { id: 2, name: "orphan", parent_id: 99 }));
          expect(error).toBeInstanceOf(ForeignKeyViolationError);
          expect(await stored()).toEqual([[1, "kept", 1]]);
        });

        it("update rejects when its COMMIT fails, and the old row stays", async () => {
          await reset();
          expect(await rejection(db.update<Row>(child, { name: "moved", parent_id: 99 }, { id: 1 }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await stored()).toEqual([[1, "kept", 1]]);
        });

        it("upsert rejects when its COMMIT fails, on both the insert and the update branch", async () => {
          await reset();
          expect(await rejection(db.upsert(child, { id: 2, name: "new", parent_id: 99 }, { conflict: ["id"] }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await rejection(db.upsert(child, { id: 1, name: "upd", parent_id: 99 }, { conflict: ["id"] }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await stored()).toEqual([[1, "kept", 1]]);
        });

        it("execute with RETURNING, delete and batch writes reject when their COMMIT fails", async () => {
          await reset();
          expect(await rejection(db.execute(`INSERT INTO ${child} (id, name, parent_id) VALUES (2, 'x', 98) RETURNING *`))).toBeInstanceOf(
            ForeignKeyViolationError,
          );
          expect(await rejection(db.batchInsert(child, [{ id: 3, name: "b", parent_id: 97 }]))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await rejection(db.batchUpdate(child, [{ id: 1, parent_id: 96 }], "id"))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await rejection(db.updateMany<Row>(child, { parent_id: 95 }, { id: 1 }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await stored()).toEqual([[1, "kept", 1]]);
        });

        it("Table create, update and upsert reject when their COMMIT fails", async () => {
          await reset();
          const table = new Table<{ id: number; name: string | null; parent_id: number | null }>(child, { db });
          expect(await rejection(table.create({ id: 2, name: "t", parent_id: 99 }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await rejection(table.update(1, { parent_id: 99 }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await rejection(table.upsert({ id: 3, name: "u", parent_id: 99 }))).toBeInstanceOf(ForeignKeyViolationError);
          expect(await stored()).toEqual([[1, "kept", 1]]);
        });
      });
    }

    it("a transaction whose COMMIT fails rejects, is rolled back, and the next write is stored", async () => {
      await reset();
      // One connection, so the next statement runs where the failed COMMIT did.
      const single = new Database({ ...options, maxConnections: 1, minConnections: 0 });
      try {
        const error = await rejection(
          single.transaction(async (tx) => {
            await tx.insert(child, { id: 2, name: "in tx", parent_id: 99 });
          }),
        );
        expect(error).toBeInstanceOf(ForeignKeyViolationError);
        await single.insert(child, { id: 3, name: "after", parent_id: 1 });
        await single.transaction(async (tx) => {
          await tx.insert(child, { id: 4, name: "next tx", parent_id: 1 });
        });
      } finally {
        await single.close();
      }
      expect(await stored()).toEqual([
        [1, "kept", 1],
        [3, "after", 1],
        [4, "next tx", 1],
      ]);
    });

    if (backend.name === "sqlite") {
      it("the driver never hands on a connection with a transaction still open", async () => {
        await reset();
        const driver = (await db.driver()) as unknown as { acquire(): Promise<{ query(sql: string, p: unknown[]): Promise<unknown>; release(): void }> };
        const connection = await driver.acquire();
        await connection.query("BEGIN IMMEDIATE", []);
        await connection.query(`INSERT INTO ${child} (id, name, parent_id) VALUES (7, 'abandoned', 1)`, []);
        connection.release(); // neither COMMIT nor ROLLBACK
        // The next holder can BEGIN: SQLite refuses BEGIN while a transaction is still open.
        const next = await driver.acquire();
        await expect(next.query("BEGIN IMMEDIATE", [])).resolves.toBeDefined();
        await next.query("ROLLBACK", []);
        next.release();
        await db.insert(child, { id: 8, name: "next", parent_id: 1 });
        expect(await stored()).toEqual([
          [1, "kept", 1],
          [8, "next", 1],
        ]);
      });

      it("a full disk rejects writes with a typed error; every acknowledged write is stored", { timeout: 30_000 }, async () => {
        const mount = join(tempDir(), "small");
        mkdirSync(mount);
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]);
        try {
          // Ballast that is removed once the disk is full, so the file can be reopened and counted.
          writeFileSync(join(mount, "ballast"), Buffer.alloc(256 * 1024));
          const file = join(mount, "full.db");
          const full = new Database({ filename: file });
          await full.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT)");
          const acknowledged: number[] = [];
          const failures: unknown[] = [];
          const pad = "x".repeat(1000);
          const listener = (): void => undefined;
          // Keep writing after the disk is full: every call must reject, or be stored.
          for (let i = 1; i <= 5000 && failures.length < 100; i++) {
            // Alternate the fast path and query(), and RETURNING (stepped rows) and plain writes.
            if (i % 2 === 0) full.on("query", listener);
            else full.off("query", listener);
            try {
              if (i % 3 === 0) await full.execute("INSERT INTO t (id, pad) VALUES (?, ?)", [i, pad]);
              else await full.insert("t", { id: i, pad });
              acknowledged.push(i);
            } catch (error) {
              failures.push(error);
            }
          }
          full.off("query", listener);
          expect(failures.length).toBe(100);
          for (const failure of failures) {
            expect(failure).toBeInstanceOf(TablekitError);
            expect(failure).toBeInstanceOf(QueryError);
            expect((failure as TablekitError).code).toMatch(/^SQLITE_FULL/);
          }
          await full.close().catch(() => undefined);
          rmSync(join(mount, "ballast"));
          const check = new Database({ filename: file });
          try {
            const ids = (await check.execute<{ id: number }>("SELECT id FROM t ORDER BY id")).map((r) => r.id);
            expect(ids.length).toBe(acknowledged.length);
            expect(ids).toEqual(acknowledged);
          } finally {
            await check.close();
          }
        } finally {
          execFileSync("umount", [mount]);
        }
      });
    }
  });
}
