/**
 * A script that uses a Database and never calls close(): run by exit-without-close.test.ts as a
 * child process, which must exit by itself. argv[2] is the database URL.
 */
import { Database } from "../../src/index.js";

const db = new Database({ url: process.argv[2]!, minConnections: 3 });
const table = `forgot_close_${process.pid}`;
await db.execute(`CREATE TABLE ${table} (id integer PRIMARY KEY, n integer)`);
await db.insert(table, { id: 1, n: 1 });
await Promise.all([db.count(table), db.count(table), db.select(table)]);
await db.transaction(async (tx) => {
  await tx.update(table, { n: 2 }, { id: 1 });
});
for await (const row of db.stream(table)) void row;
await db.execute(`DROP TABLE ${table}`);
console.log("done, without close()");
