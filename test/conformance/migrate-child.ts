/**
 * One of the two application instances of test/conformance/migrations-two-processes.test.ts: opens
 * the database, runs `db.migrate({ dir, table })`, and prints the result as one JSON line
 * (`{"applied":[…]}` or `{"error":"Class: message"}`).
 */
import { Database } from "../../src/index.js";

const [options, dir, table] = process.argv.slice(2) as [string, string, string];
const db = new Database(JSON.parse(options) as Record<string, unknown>);
try {
  const result = await db.migrate({ dir, table });
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (error) {
  process.stdout.write(JSON.stringify({ error: `${(error as Error).name}: ${(error as Error).message}` }) + "\n");
} finally {
  await db.close();
}
