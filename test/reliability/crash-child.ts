/**
 * The writer killed by test/reliability/crash.test.ts: it writes batches and KV entries in a loop
 * and prints one line per acknowledged write ("B <batch>" or "K <key> <value>") only after the
 * write's promise resolved.
 */
import { Database } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";

const [url, table, kvTable, run] = process.argv.slice(2) as [string, string, string, string];
const db = new Database(url);
const kv = await KVStore.open({ db, table: kvTable });
const BATCH = 50;
process.stdout.write("READY\n");
for (let n = 0; ; n++) {
  const batch = `${run}-${n}`;
  await db.batchInsert(
    table,
    Array.from({ length: BATCH }, (_, i) => ({ batch, seq: i, payload: "x".repeat(100) })),
    { returning: false },
  );
  process.stdout.write(`B ${batch}\n`);
  const key = `${run}:${n}`;
  await kv.set(key, { n, batch });
  process.stdout.write(`K ${key} ${n}\n`);
}
