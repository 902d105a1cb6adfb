/**
 * One of the two writers of test/reliability/two-processes.test.ts: writes rows through Table and
 * entries through KVStore on a shared SQLite file for a while, printing "T <name>" / "K <key>" for
 * each acknowledged write and "E <class> <message>" for each failure.
 */
import { Database, Table } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";

const [file, tableName, kvTable, who, seconds] = process.argv.slice(2) as [string, string, string, string, string];
const db = new Database({ filename: file });
const items = new Table<{ id: number; name: string; writer: string }>(tableName, {
  db,
  schema: { id: "INTEGER PRIMARY KEY", name: "TEXT UNIQUE NOT NULL", writer: "TEXT NOT NULL" },
});
await items.initialize();
const kv = await KVStore.open({ db, table: kvTable });
const until = Date.now() + Number(seconds) * 1000;
const lines: string[] = [];
const flush = () => {
  if (lines.length > 0) process.stdout.write(lines.splice(0).join("\n") + "\n");
};
for (let n = 0; Date.now() < until; n++) {
  const name = `${who}-${n}`;
  try {
    if (n % 3 === 2) {
      await db.transaction(async () => {
        await items.create({ name, writer: who });
        await kv.set(`tx:${name}`, n);
      });
      lines.push(`T ${name}`, `K tx:${name}`);
    } else {
      await items.create({ name, writer: who });
      lines.push(`T ${name}`);
      await kv.set(`kv:${name}`, n);
      lines.push(`K kv:${name}`);
    }
  } catch (error) {
    lines.push(`E ${(error as Error).constructor.name} ${String((error as Error).message).replace(/\n/g, " ")}`);
  }
  if (n % 20 === 0) flush();
}
flush();
await kv.close();
await db.close();
