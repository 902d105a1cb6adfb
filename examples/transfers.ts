/**
 * Money transfers between accounts, many at once, each in a serializable transaction that
 * tablekit retries by itself when the database reports a conflict (SQLSTATE 40001, CockroachDB's
 * "restart transaction", SQLite BUSY). Each transfer reads both balances, checks the funds, then
 * writes both: the read-then-write pattern that loses money under weaker isolation. The callback
 * counts its attempts, so the example prints the retries every transfer needed, and checks at the
 * end that no money appeared or vanished.
 *
 * Run it:
 *
 *   npx tsx examples/transfers.ts                                                        # embedded SQLite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/transfers.ts   # PostgreSQL
 *   DATABASE_URL=cockroachdb://root@127.0.0.1:26257/defaultdb npx tsx examples/transfers.ts
 *
 * On SQLite there is one writer at a time, so transactions wait for each other and need no retry;
 * PostgreSQL and CockroachDB run them side by side and abort the ones that conflict. The example
 * drops its table at the end.
 */
import { Database, TransactionRetryError } from "tablekit";

const TABLE = "example_accounts";
const ACCOUNTS = 10;
const OPENING_BALANCE = 100_00; // cents
const TRANSFERS = 80;
const CONCURRENCY = 6;

interface Account {
  id: number;
  owner: string;
  balance: number;
}

/** A transfer the business rules refuse; it rolls the transaction back and is not retried. */
class InsufficientFunds extends Error {}

/** A small deterministic generator, so every run tries the same transfers. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const money = (cents: number): string => (cents / 100).toFixed(2);

/** Moves `amount` cents from one account to another; returns how many times the callback ran. */
async function transfer(db: Database, from: number, to: number, amount: number): Promise<number> {
  let attempts = 0;
  await db.transaction(
    async (tx) => {
      attempts++;
      const rows = await tx.select<Account>(TABLE, { where: { id: { in: [from, to] } } });
      const source = rows.find((a) => a.id === from);
      const target = rows.find((a) => a.id === to);
      if (source === undefined || target === undefined) throw new Error(`unknown account ${from} or ${to}`);
      if (source.balance < amount) throw new InsufficientFunds(`account ${from} has ${money(source.balance)}, needs ${money(amount)}`);
      await tx.update(TABLE, { balance: source.balance - amount }, { id: from });
      await tx.update(TABLE, { balance: target.balance + amount }, { id: to });
    },
    { isolation: "serializable", maxRetries: 20 },
  );
  return attempts;
}

await using db = await Database.open();
console.log(`Transfers on ${db.dialect}: ${db}`);

await db.dropTable(TABLE);
await db.createTable(TABLE, {
  id: "INTEGER PRIMARY KEY",
  owner: "TEXT NOT NULL",
  balance: "INTEGER NOT NULL CHECK (balance >= 0)",
});
await db.batchInsert(
  TABLE,
  Array.from({ length: ACCOUNTS }, (_, i) => ({ id: i + 1, owner: `owner ${i + 1}`, balance: OPENING_BALANCE })),
);

const next = random(42);
const plan = Array.from({ length: TRANSFERS }, (_, n) => {
  const from = 1 + Math.floor(next() * ACCOUNTS);
  const to = 1 + ((from + Math.floor(next() * (ACCOUNTS - 1))) % ACCOUNTS);
  return { n: n + 1, from, to, amount: 1_00 + Math.floor(next() * 40_00) };
});

let committed = 0;
let refused = 0;
let gaveUp = 0;
let retries = 0;
let mostAttempts = 1;
let cursor = 0;
const started = performance.now();

// CONCURRENCY workers take the next planned transfer until none is left.
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (cursor < plan.length) {
      const { n, from, to, amount } = plan[cursor++]!;
      try {
        const attempts = await transfer(db, from, to, amount);
        committed++;
        retries += attempts - 1;
        mostAttempts = Math.max(mostAttempts, attempts);
        if (attempts > 1) console.log(`transfer #${n}: ${money(amount)} from ${from} to ${to} committed after ${attempts - 1} ${attempts === 2 ? "retry" : "retries"}`);
      } catch (error) {
        if (error instanceof InsufficientFunds) refused++;
        else if (error instanceof TransactionRetryError) {
          gaveUp++;
          retries += error.attempts - 1;
          console.log(`transfer #${n}: gave up after ${error.attempts} attempts`);
        } else throw error;
      }
    }
  }),
);

const seconds = (performance.now() - started) / 1000;
const accounts = await db.select<Account>(TABLE, { orderBy: "id" });
const total = accounts.reduce((sum, a) => sum + a.balance, 0);
console.log(`Balances: ${accounts.map((a) => `${a.id}=${money(a.balance)}`).join("  ")}`);
console.log(
  `${committed} transfers committed, ${refused} refused for insufficient funds, ${gaveUp} gave up, ` +
    `in ${seconds.toFixed(2)} s with ${CONCURRENCY} at a time.`,
);
console.log(`Retries needed: ${retries} in all; the most attempts a transfer took: ${mostAttempts}.`);
if (total !== ACCOUNTS * OPENING_BALANCE) throw new Error(`money was lost or created: the total is ${money(total)}, expected ${money(ACCOUNTS * OPENING_BALANCE)}`);
console.log(`Total ${money(total)}: unchanged, as it must be.`);
await db.dropTable(TABLE); // so the example can run again and leaves nothing behind
