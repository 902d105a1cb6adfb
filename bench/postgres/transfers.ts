/**
 * Transfers between accounts at concurrency 16, at READ COMMITTED and SERIALIZABLE. One transfer:
 * read the payer's balance, then move `min(amount, balance)` with two relative updates in id order
 * (no deadlocks), each also counting the move. tablekit retries serialization failures by itself;
 * every other contender runs in the harness's copy of tablekit's retry loop (SQLSTATE 40001 and
 * 40P01, up to 5 retries, exponential backoff with full jitter from 5 ms, capped at 500 ms).
 * Checked after every run: the total balance is unchanged, and the moves add up to two per
 * committed transfer (at SERIALIZABLE also: no balance below zero).
 *
 * @module
 */
import { sql as dsql, eq } from "drizzle-orm";
import type pg from "pg";
import { TransactionRetryError } from "../../src/index.js";
import type { BenchConfig } from "../harness/config.js";
import { type Entry, type Role, type Workload, check, concurrently } from "../harness/measure.js";
import { aheadOf } from "../harness/targets.js";
import { openDrizzlePg, openDrizzlePjs, openKnex, openKysely, openPg, openPostgresJs, openTablekit, pgAccountsTable } from "./connect.js";

export type Isolation = "read committed" | "serializable";

const START_BALANCE = 1_000;
const RETRY = { maxRetries: 5, baseDelayMs: 5, maxDelayMs: 500 };

/** One transfer attempt: returns when committed, throws the driver's error otherwise. */
type Attempt = (from: number, to: number, amount: number) => Promise<void>;

interface TransferContender {
  key: string;
  contender: string;
  role: Role;
  how: string;
  /**
   * Opens a client. A contender that retries by itself (tablekit) reports how many times its
   * transaction callback ran in `tries`; the others are retried by the harness.
   */
  open(table: string, isolation: Isolation): Promise<{ attempt: Attempt; tries?: () => number; close(): Promise<void> }>;
}

/** The SQLSTATE of an error or of one of its causes. */
function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The harness's retry loop, the same policy as tablekit's (src/transaction/retry.ts). */
async function withRetry(attempt: () => Promise<void>, counts: { retries: number }): Promise<boolean> {
  for (let n = 1; ; n++) {
    try {
      await attempt();
      return true;
    } catch (error) {
      const state = sqlState(error);
      if (state !== "40001" && state !== "40P01") throw error;
      if (n > RETRY.maxRetries) return false;
      counts.retries++;
      const window = Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** (n - 1));
      const delay = Math.floor(Math.random() * window);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The two updates of a transfer, in id order: [id, delta][]. */
function moves(from: number, to: number, amount: number): [number, number][] {
  return from < to
    ? [
        [from, -amount],
        [to, amount],
      ]
    : [
        [to, amount],
        [from, -amount],
      ];
}

function contenders(config: BenchConfig): TransferContender[] {
  return [
    {
      key: "tablekit",
      contender: "tablekit",
      role: "tablekit",
      how: "db.transaction(fn, { isolation }) (retries by itself); selectOne + execute",
      open: async (t, isolation) => {
        const db = await openTablekit(config);
        const update = `UPDATE ${t} SET balance = balance + ?, moves = moves + 1 WHERE id = ?`;
        let tries = 0;
        return {
          tries: () => tries,
          attempt: (from, to, want) =>
            db.transaction(
              async (tx) => {
                tries++;
                const row = await tx.selectOne<{ id: number; balance: number }>(t, { where: { id: from } });
                for (const [id, delta] of moves(from, to, Math.min(want, row!.balance))) await tx.execute(update, [delta, id]);
              },
              { isolation },
            ),
          close: () => db.close(),
        };
      },
    },
    {
      key: "pg",
      contender: "pg",
      role: "raw",
      how: "BEGIN ISOLATION LEVEL … / named prepared statements / COMMIT on a pooled client",
      open: async (t, isolation) => {
        const pool = openPg(config);
        const begin = `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`;
        return {
          attempt: async (from, to, want) => {
            const client = await pool.connect();
            let broken = false;
            try {
              await client.query(begin);
              const { rows } = await client.query<{ balance: number }>({ name: `s_${t}`, text: `SELECT balance FROM ${t} WHERE id = $1`, values: [from] });
              for (const [id, delta] of moves(from, to, Math.min(want, rows[0]!.balance))) {
                await client.query({ name: `u_${t}`, text: `UPDATE ${t} SET balance = balance + $1, moves = moves + 1 WHERE id = $2`, values: [delta, id] });
              }
              await client.query("COMMIT");
            } catch (error) {
              await client.query("ROLLBACK").catch(() => {
                broken = true;
              });
              throw error;
            } finally {
              client.release(broken);
            }
          },
          close: () => pool.end(),
        };
      },
    },
    {
      key: "pjs",
      contender: "postgres.js",
      role: "raw",
      how: "sql.begin('isolation level …', fn) with tagged queries",
      open: async (t, isolation) => {
        const sql = openPostgresJs(config);
        const tbl = sql(t);
        return {
          attempt: async (from, to, want) => {
            await sql.begin(`isolation level ${isolation}`, async (tx) => {
              const [row] = await tx<{ balance: number }[]>`select balance from ${tbl} where id = ${from}`;
              for (const [id, delta] of moves(from, to, Math.min(want, row!.balance))) {
                await tx`update ${tbl} set balance = balance + ${delta}, moves = moves + 1 where id = ${id}`;
              }
            });
          },
          close: () => sql.end({ timeout: 5 }),
        };
      },
    },
    {
      key: "kysely",
      contender: "Kysely",
      role: "peer",
      how: "transaction().setIsolationLevel(…).execute(fn)",
      open: async (t, isolation) => {
        const db = openKysely(config);
        return {
          attempt: async (from, to, want) => {
            await db
              .transaction()
              .setIsolationLevel(isolation)
              .execute(async (trx) => {
                const row = (await trx.selectFrom(t).select("balance").where("id", "=", from).executeTakeFirstOrThrow()) as { balance: number };
                for (const [id, delta] of moves(from, to, Math.min(want, row.balance))) {
                  await trx
                    .updateTable(t)
                    .set((eb) => ({ balance: eb("balance", "+", delta), moves: eb("moves", "+", 1) }))
                    .where("id", "=", id)
                    .execute();
                }
              });
          },
          close: () => db.destroy(),
        };
      },
    },
    {
      key: "knex",
      contender: "Knex",
      role: "peer",
      how: "knex.transaction(fn, { isolationLevel })",
      open: async (t, isolation) => {
        const k = openKnex(config);
        return {
          attempt: async (from, to, want) => {
            await k.transaction(
              async (trx) => {
                const row = (await trx(t).select("balance").where("id", from).first()) as { balance: number };
                for (const [id, delta] of moves(from, to, Math.min(want, row.balance))) {
                  await trx(t).where("id", id).update({ balance: k.raw("balance + ?", [delta]), moves: k.raw("moves + 1") });
                }
              },
              { isolationLevel: isolation },
            );
          },
          close: () => k.destroy(),
        };
      },
    },
    ...(["pg", "postgres.js"] as const).map(
      (driver): TransferContender => ({
        key: driver === "pg" ? "drizzlepg" : "drizzlepjs",
        contender: `Drizzle (${driver})`,
        role: "peer",
        how: "db.transaction(fn, { isolationLevel })",
        open: async (name, isolation) => {
          const { db, close } = driver === "pg" ? openDrizzlePg(config) : openDrizzlePjs(config);
          const d = db as ReturnType<typeof openDrizzlePg>["db"];
          const t = pgAccountsTable(name);
          return {
            attempt: async (from, to, want) => {
              await d.transaction(
                async (tx) => {
                  const [row] = await tx.select({ balance: t.balance }).from(t).where(eq(t.id, from));
                  for (const [id, delta] of moves(from, to, Math.min(want, row!.balance))) {
                    await tx
                      .update(t)
                      .set({ balance: dsql`${t.balance} + ${delta}`, moves: dsql`${t.moves} + 1` })
                      .where(eq(t.id, id));
                  }
                },
                { isolationLevel: isolation },
              );
            },
            close,
          };
        },
      }),
    ),
  ];
}

/** What the transfer workloads need from the admin connection. */
export interface AccountsAdmin {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The two transfer workloads; `prepare` creates the accounts tables, `cleanup` drops them. */
export function transferWorkloads(config: BenchConfig, admin: AccountsAdmin): { workload: Workload; prepare(): Promise<void>; cleanup(): Promise<void> }[] {
  const c = config.transferConcurrency;
  return (["read committed", "serializable"] as const).map((isolation) => {
    const tag = isolation === "serializable" ? "ser" : "rc";
    const tableOf = (k: string) => `bench_pg_acct_${tag}_${k}`;
    const all = contenders(config);
    const entries: Entry[] = all.map((ct) => {
      const table = tableOf(ct.key);
      return {
        contender: ct.contender,
        role: ct.role,
        how: ct.how,
        open: async () => {
          const client = await ct.open(table, isolation);
          let committed = 0;
          return {
            setup: async () => {
              await admin.query(`UPDATE ${table} SET balance = ${START_BALANCE}, moves = 0`);
            },
            run: async (n) => {
              const counts = { retries: 0 };
              let gaveUp = 0;
              const triesBefore = client.tries?.() ?? 0;
              await concurrently(n, c, async (i) => {
                const from = ((i * 37) % config.accounts) + 1;
                const to = ((from + (i % (config.accounts - 1))) % config.accounts) + 1;
                const amount = 1 + (i % 10);
                if (client.tries !== undefined) {
                  try {
                    await client.attempt(from, to, amount);
                  } catch (error) {
                    if (!(error instanceof TransactionRetryError)) throw error;
                    gaveUp++;
                  }
                } else if (!(await withRetry(() => client.attempt(from, to, amount), counts))) gaveUp++;
              });
              // tablekit: every run of its callback beyond the first of each transfer is a retry
              if (client.tries !== undefined) counts.retries = client.tries() - triesBefore - n;
              committed = n - gaveUp;
              return { ops: committed, metrics: { retries: counts.retries, retriesPerTx: counts.retries / Math.max(1, committed), gaveUp } };
            },
            verify: async () => {
              const { rows } = await admin.query<{ total: string; moves: string; low: number }>(
                `SELECT sum(balance)::text AS total, sum(moves)::text AS moves, min(balance) AS low FROM ${table}`,
              );
              const r = rows[0]!;
              check(Number(r.total) === START_BALANCE * config.accounts, () => `${ct.contender}: total balance ${r.total} after transfers`);
              check(Number(r.moves) === 2 * committed, () => `${ct.contender}: ${r.moves} moves recorded for ${committed} committed transfers`);
              check(isolation !== "serializable" || r.low >= 0, () => `${ct.contender}: a balance went negative (${r.low}) at SERIALIZABLE`);
            },
            close: () => client.close(),
          };
        },
      };
    });
    const workload: Workload = {
      id: `postgres-transfers-${tag}`,
      section: "postgres",
      title: `PostgreSQL: transfers between ${config.accounts} accounts, concurrency ${c}, ${isolation.toUpperCase()}`,
      unit: "tx/s",
      warmN: 300,
      repWarmN: 100,
      minN: 200,
      metrics: { retries: "retries", retriesPerTx: "retries per tx", gaveUp: "gave up" },
      note:
        "Committed transactions per second. tablekit retries by itself; every other contender runs in the harness's copy of tablekit's retry loop " +
        "(SQLSTATE 40001/40P01, 5 retries, backoff 5–500 ms with full jitter). Checked: total balance unchanged, two moves recorded per committed transfer" +
        (isolation === "serializable" ? ", no negative balance." : "."),
      entries,
      targets: (w) => [aheadOf(w)],
    };
    return {
      workload,
      prepare: async () => {
        for (const ct of all) {
          const t = tableOf(ct.key);
          await admin.query(`DROP TABLE IF EXISTS ${t}`);
          await admin.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, balance integer NOT NULL, moves integer NOT NULL DEFAULT 0)`);
          await admin.query(`INSERT INTO ${t} (id, balance) SELECT g, ${START_BALANCE} FROM generate_series(1, ${config.accounts}) g`);
        }
      },
      cleanup: async () => {
        for (const ct of all) await admin.query(`DROP TABLE IF EXISTS ${tableOf(ct.key)}`);
      },
    };
  });
}
