/**
 * Scenario 1, the bank invariant: concurrent workers transfer money between accounts through
 * SERIALIZABLE transactions. Money is neither created nor destroyed, no balance goes negative,
 * every transfer is committed exactly once or reported failed to its caller, and no promise
 * rejection goes unhandled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, TablekitError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";
import { countUnhandledRejections, report, scale } from "./scale.js";

const WORKERS = 16;
const TRANSFERS_PER_WORKER = scale(25, 500);
const ACCOUNTS = 50;
const INITIAL = 1_000;

for (const backend of backends()) {
  describe(`reliability: bank invariant [${backend.name}]`, () => {
    let db: Database;
    const accounts = uniqueTable("bank_accounts");
    const ledger = uniqueTable("bank_ledger");

    beforeAll(async () => {
      db = backend.open({ maxConnections: 10 });
      await db.createTable(accounts, { id: "INTEGER PRIMARY KEY", balance: "INTEGER NOT NULL CHECK (balance >= 0)" });
      await db.createTable(ledger, { transfer_id: "TEXT PRIMARY KEY", amount: "INTEGER NOT NULL" });
      await db.batchInsert(accounts, Array.from({ length: ACCOUNTS }, (_, i) => ({ id: i + 1, balance: INITIAL })), { returning: false });
    });
    afterAll(async () => {
      await db.dropTable(ledger);
      await db.dropTable(accounts);
      await db.close();
    });

    it(`keeps the total with ${WORKERS} workers x ${TRANSFERS_PER_WORKER} transfers at SERIALIZABLE`, { timeout: 600_000 }, async () => {
      const committed = new Set<string>();
      const failed = new Map<string, unknown>();
      let attempts = 0;
      let declined = 0;
      const unhandled = await countUnhandledRejections(async () => {
        await Promise.all(
          Array.from({ length: WORKERS }, async (_, worker) => {
            for (let n = 0; n < TRANSFERS_PER_WORKER; n++) {
              const id = `${worker}-${n}`;
              const from = 1 + Math.floor(Math.random() * ACCOUNTS);
              const to = 1 + ((from + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS);
              const amount = 1 + Math.floor(Math.random() * 200);
              try {
                const moved = await db.transaction(
                  async (tx) => {
                    attempts++;
                    const source = await tx.selectOne<{ id: number; balance: number }>(accounts, { where: { id: from } });
                    if (source!.balance < amount) return false; // the transfer checks the balance
                    const target = await tx.selectOne<{ id: number; balance: number }>(accounts, { where: { id: to } });
                    await tx.update(accounts, { balance: source!.balance - amount }, { id: from });
                    await tx.update(accounts, { balance: target!.balance + amount }, { id: to });
                    await tx.insert(ledger, { transfer_id: id, amount });
                    return true;
                  },
                  { isolation: "serializable", maxRetries: 30, baseDelayMs: 2, maxDelayMs: 100 },
                );
                if (moved) committed.add(id);
                else declined++;
              } catch (error) {
                failed.set(id, error);
              }
            }
          }),
        );
      });
      const total = WORKERS * TRANSFERS_PER_WORKER;
      const balances = await db.select<{ id: number; balance: number }>(accounts);
      const sum = balances.reduce((s, a) => s + a.balance, 0);
      const ledgerIds = new Set((await db.select<{ transfer_id: string }>(ledger)).map((r) => r.transfer_id));
      const retries = attempts - total;
      report("bank", backend.name, { workers: WORKERS, transfers: total, committed: committed.size, declined, failed: failed.size, retries, unhandled, sumBefore: ACCOUNTS * INITIAL, sumAfter: sum });

      expect(unhandled).toBe(0);
      expect(sum).toBe(ACCOUNTS * INITIAL);
      expect(balances.every((a) => a.balance >= 0)).toBe(true);
      // Committed exactly once: the ledger holds exactly the transfers reported as committed.
      expect([...ledgerIds].sort()).toEqual([...committed].sort());
      expect(committed.size + declined + failed.size).toBe(total);
      for (const error of failed.values()) expect(error).toBeInstanceOf(TablekitError);
      expect(committed.size).toBeGreaterThan(0);
    });
  });
}
