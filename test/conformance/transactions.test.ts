import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AmbiguousCommitError,
  ConnectionError,
  Database,
  QueryError,
  SerializationError,
  TransactionRetryError,
  UniqueViolationError,
  ValidationError,
} from "../../src/index.js";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";

/** A promise plus its resolver, to line concurrent tasks up deterministically. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of backends()) {
  describe(`transactions [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("tx");
    const accounts = uniqueTable("tx_accounts");

    beforeAll(async () => {
      db = backend.open({ maxConnections: 5 });
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT UNIQUE NOT NULL" });
      await db.createTable(accounts, { id: "INTEGER PRIMARY KEY", balance: "INTEGER NOT NULL" });
    });
    beforeEach(async () => {
      await db.deleteMany(t, {});
      await db.deleteMany(accounts, {});
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.dropTable(accounts);
      await db.close();
    });

    it("commits and returns the callback's value", async () => {
      const result = await db.transaction(async (tx) => {
        await tx.insert(t, { id: 1, name: "a" });
        await tx.insert(t, { id: 2, name: "b" });
        return 42;
      });
      expect(result).toBe(42);
      expect(await db.count(t)).toBe(2);
    });

    it("rolls back when the callback throws, and rethrows the same error", async () => {
      const boom = new Error("boom");
      await expect(
        db.transaction(async (tx) => {
          await tx.insert(t, { id: 1, name: "a" });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.count(t)).toBe(0);
    });

    it("makes calls on the Database inside the callback join the transaction", async () => {
      const queries = recordQueries(db);
      await expect(
        db.transaction(async () => {
          await db.insert(t, { id: 1, name: "a" });
          expect(await db.count(t)).toBe(1);
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      expect(await db.count(t)).toBe(0);
      expect(queries.some((q) => q === "ROLLBACK")).toBe(true);
    });

    it("rolls back only a failed nested transaction (savepoint)", async () => {
      await db.transaction(async (tx) => {
        await tx.insert(t, { id: 1, name: "outer" });
        await expect(
          tx.transaction(async (inner) => {
            await inner.insert(t, { id: 2, name: "inner" });
            throw new Error("inner fails");
          }),
        ).rejects.toThrow("inner fails");
        await tx.transaction(async (inner) => {
          await inner.insert(t, { id: 3, name: "inner ok" });
        });
      });
      expect((await db.select(t, { orderBy: "id" })).map((r) => r["id"])).toEqual([1, 3]);
    });

    it("lets the caller catch a unique violation in a savepoint and carry on", async () => {
      await db.insert(t, { id: 1, name: "taken" });
      const outcome = await db.transaction(async (tx) => {
        let duplicate = false;
        try {
          await tx.transaction((inner) => inner.insert(t, { id: 2, name: "taken" }));
        } catch (error) {
          duplicate = error instanceof UniqueViolationError;
        }
        await tx.insert(t, { id: 3, name: "other" });
        return duplicate;
      });
      expect(outcome).toBe(true);
      expect((await db.select(t, { orderBy: "id" })).map((r) => r["id"])).toEqual([1, 3]);
    });

    it("db.transaction inside a transaction opens a savepoint", async () => {
      await db.transaction(async () => {
        await db.insert(t, { id: 1, name: "a" });
        await expect(
          db.transaction(async () => {
            await db.insert(t, { id: 2, name: "b" });
            throw new Error("nested");
          }),
        ).rejects.toThrow("nested");
      });
      expect((await db.select(t)).map((r) => r["id"])).toEqual([1]);
    });

    it("treats a statement failure outside a savepoint as fatal to the transaction, the same on every backend", async () => {
      await db.insert(t, { id: 1, name: "taken" });
      let afterwards: unknown;
      await expect(
        db.transaction(async (tx) => {
          await tx.insert(t, { id: 2, name: "kept?" });
          await tx.insert(t, { id: 3, name: "taken" }).catch(() => undefined); // swallowed by the caller
          afterwards = await tx.insert(t, { id: 4, name: "later" }).catch((error: unknown) => error);
          return "done";
        }),
      ).rejects.toBeInstanceOf(UniqueViolationError);
      expect(afterwards).toBeInstanceOf(QueryError);
      expect(await db.count(t)).toBe(1);
    });

    it("refuses statements on a transaction object after it finished", async () => {
      let leaked: Parameters<Parameters<Database["transaction"]>[0]>[0] | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.insert(t, { id: 1, name: "late" })).rejects.toBeInstanceOf(QueryError);
      expect(await db.count(t)).toBe(0);
    });

    it("keeps a write from another task out of an open transaction that then rolls back", async () => {
      const inside = gate();
      const outsideStarted = gate();
      let outside: Promise<unknown> | undefined;
      const tx = db.transaction(async (trx) => {
        await trx.insert(t, { id: 1, name: "inside" });
        inside.open();
        await outsideStarted.promise;
        await sleep(20);
        throw new Error("roll back");
      });
      await inside.promise;
      // Started from outside the transaction's async context: it must not run inside it.
      outside = db.insert(t, { id: 2, name: "outside" });
      outsideStarted.open();
      await expect(tx).rejects.toThrow("roll back");
      await outside;
      expect((await db.select(t)).map((r) => r["name"])).toEqual(["outside"]);
    });

    it("runs many concurrent transactions to completion without lost updates", async () => {
      await db.insert(accounts, { id: 1, balance: 0 });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction(
            async (tx) => {
              const row = await tx.selectOne<{ id: number; balance: number }>(accounts, { where: { id: 1 } });
              await tx.update(accounts, { balance: row!.balance + 1 }, { id: 1 });
            },
            { isolation: "serializable", maxRetries: 50, baseDelayMs: 2 },
          ),
        ),
      );
      expect((await db.selectOne<{ id: number; balance: number }>(accounts, { where: { id: 1 } }))!.balance).toBe(20);
    });

    it("retries a serialization failure by re-running the whole callback, then gives up with TransactionRetryError", async () => {
      let attempts = 0;
      const error = await db
        .transaction(
          async (tx) => {
            attempts++;
            await tx.insert(t, { id: attempts, name: `attempt ${attempts}` });
            throw new SerializationError("simulated conflict");
          },
          { maxRetries: 2, baseDelayMs: 1 },
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionRetryError);
      expect((error as TransactionRetryError).attempts).toBe(3);
      expect((error as TransactionRetryError).cause).toBeInstanceOf(SerializationError);
      expect(attempts).toBe(3);
      expect(await db.count(t)).toBe(0);
    });

    it("succeeds on a later attempt and keeps only that attempt's writes", async () => {
      let attempts = 0;
      const result = await db.transaction(
        async (tx) => {
          attempts++;
          await tx.insert(t, { id: attempts, name: `attempt ${attempts}` });
          if (attempts < 3) throw new SerializationError("simulated conflict");
          return attempts;
        },
        { baseDelayMs: 1 },
      );
      expect(result).toBe(3);
      expect((await db.select(t)).map((r) => r["id"])).toEqual([3]);
    });

    it("validates transaction options before starting", async () => {
      const queries = recordQueries(db);
      await expect(db.transaction(async () => 1, { maxRetries: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.transaction(async () => 1, { isolation: "chaos" as never })).rejects.toBeInstanceOf(ValidationError);
      expect(queries).toEqual([]);
    });

    it("runInTransaction is the same retrying transaction", async () => {
      let attempts = 0;
      const value = await db.runInTransaction(
        async (tx) => {
          attempts++;
          if (attempts === 1) throw new SerializationError("once");
          await tx.insert(t, { id: 1, name: "x" });
          return "ok";
        },
        { maxRetries: 3, baseDelayMs: 1 },
      );
      expect(value).toBe("ok");
      expect(attempts).toBe(2);
      expect(await db.count(t)).toBe(1);
    });

    if (backend.name === "postgres") {
      it("retries real SQLSTATE 40001 failures between two SERIALIZABLE transactions", async () => {
        await db.insert(accounts, { id: 1, balance: 100 });
        await db.insert(accounts, { id: 2, balance: 100 });
        const bothRead = { count: 0, gate: gate() };
        const attempts = [0, 0];
        const begins: string[] = [];
        db.on("query", (e) => {
          if (e.sql.startsWith("BEGIN")) begins.push(e.sql);
        });
        // Write skew: each reads both rows, then writes one. SERIALIZABLE must abort one of them.
        const worker = (index: number, target: number) =>
          db.transaction(
            async (tx) => {
              attempts[index]!++;
              const rows = await tx.select<{ balance: number }>(accounts, { orderBy: "id" });
              const total = rows.reduce((sum, r) => sum + r.balance, 0);
              if (attempts[index] === 1) {
                if (++bothRead.count === 2) bothRead.gate.open();
                await bothRead.gate.promise;
              }
              await tx.update(accounts, { balance: total - 150 }, { id: target });
            },
            { isolation: "serializable", maxRetries: 5, baseDelayMs: 1 },
          );
        await Promise.all([worker(0, 1), worker(1, 2)]);
        expect(attempts[0]! + attempts[1]!).toBeGreaterThanOrEqual(3);
        expect(begins.filter((b) => b === "BEGIN ISOLATION LEVEL SERIALIZABLE").length).toBe(attempts[0]! + attempts[1]!);
        const balances = (await db.select<{ balance: number }>(accounts, { orderBy: "id" })).map((r) => r.balance);
        // Serial order: the first writes 200-150=50, the second then sees 150 in total and writes 0.
        expect(balances.sort((a, b) => a - b)).toEqual([0, 50]);
      });

      it("reports a connection lost before COMMIT was sent as ConnectionError (nothing committed) and does not retry", async () => {
        const killer = backend.open();
        let attempts = 0;
        try {
          const error = await db
            .transaction(async (tx) => {
              attempts++;
              await tx.insert(t, { id: 1, name: "maybe" });
              const pid = (await tx.execute<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0]!.pid;
              await killer.execute("SELECT pg_terminate_backend(?)", [pid]);
              // Let the client see the socket close, so COMMIT is known not to have been sent
              // (without the wait either ConnectionError or AmbiguousCommitError is right).
              await sleep(300);
            })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ConnectionError);
          expect(error).not.toBeInstanceOf(AmbiguousCommitError);
          expect(attempts).toBe(1);
          // The pool heals: the next calls work on a fresh connection.
          expect(await db.count(t)).toBe(0);
        } finally {
          await killer.close();
        }
      });

      it("queues more concurrent transactions than connections and completes them all", async () => {
        const small = backend.open({ maxConnections: 2 });
        try {
          await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              small.transaction(async (tx) => {
                await tx.insert(t, { id: i + 1, name: `n${i}` });
                await sleep(2);
              }),
            ),
          );
          expect(await small.count(t)).toBe(40);
        } finally {
          await small.close();
        }
      });

      it("gives a clear ConnectionError when no connection frees up within acquireTimeoutMs, and stays healthy", async () => {
        const small = backend.open({ maxConnections: 1, acquireTimeoutMs: 100 });
        try {
          const holding = gate();
          const held = small.transaction(async () => {
            await holding.promise;
          });
          await sleep(50);
          const started = Date.now();
          const error = await small.transaction(async () => 1).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ConnectionError);
          expect((error as Error).message).toMatch(/acquireTimeoutMs/);
          expect(Date.now() - started).toBeLessThan(2000);
          holding.open();
          await held;
          expect(await small.transaction(async (tx) => tx.count(t))).toBe(0);
        } finally {
          await small.close();
        }
      });
    }

    if (backend.name === "sqlite") {
      /** Runs `body` while another connection holds the write lock (having inserted row 100), released after 150 ms. */
      async function whileAnotherWriterHoldsTheLock(body: () => Promise<void>): Promise<void> {
        const path = (await db.execute<{ file: string }>("SELECT file FROM pragma_database_list WHERE name = 'main'"))[0]!.file;
        const other = new BetterSqlite3(path);
        try {
          other.exec("BEGIN IMMEDIATE");
          other.prepare(`INSERT INTO "${t}" (id, name) VALUES (100, 'other')`).run();
          setTimeout(() => other.exec("COMMIT"), 150);
          const started = Date.now();
          await body();
          expect(Date.now() - started).toBeGreaterThanOrEqual(100);
        } finally {
          if (other.inTransaction) other.exec("ROLLBACK");
          other.close();
        }
      }

      it("waits for another connection's write lock and retries SQLITE_BUSY instead of surfacing it", async () => {
        await whileAnotherWriterHoldsTheLock(() =>
          db.transaction(async (tx) => {
            await tx.insert(t, { id: 1, name: "mine" });
          }),
        );
        expect((await db.select(t, { orderBy: "id" })).map((r) => r["id"])).toEqual([1, 100]);
      });

      it("retries SQLITE_BUSY for single statements outside a transaction too, running each once", async () => {
        await db.insert(t, { id: 1, name: "mine" });
        await whileAnotherWriterHoldsTheLock(async () => {
          const [inserted, changed] = await Promise.all([db.insert(t, { id: 2, name: "second" }), db.updateMany(t, { name: "renamed" }, { id: 1 })]);
          expect(inserted).toMatchObject({ id: 2, name: "second" });
          expect(changed).toBe(1);
        });
        expect((await db.select(t, { orderBy: "id" })).map((r) => [r["id"], r["name"]])).toEqual([
          [1, "renamed"],
          [2, "second"],
          [100, "other"],
        ]);
      });
    }
  });
}
