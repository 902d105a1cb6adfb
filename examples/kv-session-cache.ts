/**
 * KVStore as a session cache: sessions expire by themselves (TTL), reads come from the in-memory
 * cache, and a second store (think: another process) sees the same sessions through getFresh. With
 * no configuration it uses the embedded SQLite file ./tablekit.db; set DATABASE_URL (e.g.
 * postgres://postgres@127.0.0.1:5432/test) to run the same code on PostgreSQL or CockroachDB.
 * It drops its table at the end, and removes ./tablekit.db if it created the file.
 *
 * Run it: npm exec -- tsx examples/kv-session-cache.ts
 */
import { randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { z } from "zod";
import { KeyNotFoundError, KVStore } from "tablekit";

const Session = z.object({ userId: z.number().int(), roles: z.set(z.string()), createdAt: z.date() });
type Session = z.infer<typeof Session>;

const SESSION_TTL_MS = 200; // short, so the example can show expiry; use e.g. 30 * 60_000 in an app

/** Logs a user in: a new session, validated by the schema, expiring after the TTL. */
async function login(sessions: KVStore<Session>, userId: number, roles: string[]): Promise<string> {
  const id = randomUUID();
  // Validated before anything is written; the Set and the Date round-trip exactly.
  await sessions.setModel(`session:${id}`, { userId, roles: new Set(roles), createdAt: new Date() }, Session, { ttl: SESSION_TTL_MS });
  return id;
}

/** The session's data, or undefined once it expired or the user logged out. */
async function currentUser(sessions: KVStore<Session>, id: string): Promise<Session | undefined> {
  return sessions.getModel(`session:${id}`, Session); // served from the cache after the first read
}

async function main(): Promise<void> {
  // The store opens its own Database (the embedded default) and closes it at the end of the scope.
  await using sessions = await KVStore.open<Session>({ table: "example_sessions", cacheSizeMb: 16, purgeIntervalMs: 100 });
  console.log(`Session store: ${sessions}`);
  await sessions.clear();

  const ann = await login(sessions, 1, ["admin", "editor"]);
  const bob = await login(sessions, 2, ["viewer"]);
  console.log("Ann's session:", await currentUser(sessions, ann));
  console.log("Is Ann's session cached?", await sessions.isCached(`session:${ann}`));
  console.log("Sessions open:", await sessions.size());

  // Logout deletes the session; deleting it twice is an error the caller can recognise.
  await sessions.delete(`session:${bob}`);
  try {
    await sessions.delete(`session:${bob}`);
  } catch (error) {
    if (error instanceof KeyNotFoundError) console.log("Bob was already logged out");
    else throw error;
  }

  // Another store on the same table (another process, in a real deployment) reads the database.
  await using other = await KVStore.open<Session>({ db: sessions.db, table: "example_sessions" });
  console.log("Seen from another store:", (await other.getFresh(`session:${ann}`))?.userId);

  // After the TTL the session reads as absent everywhere, and the purge timer deletes the row.
  await new Promise((resolve) => setTimeout(resolve, SESSION_TTL_MS + 150));
  console.log("Ann's session after the TTL:", await currentUser(sessions, ann));
  console.log("Sessions open:", await sessions.size());
  const rows = await sessions.fetchOne<{ n: number }>('SELECT count(*) AS n FROM "example_sessions"');
  console.log("Rows left after the background purge:", Number(rows?.n));

  await sessions.dropTable("example_sessions");
}

// Without DATABASE_URL the store uses ./tablekit.db: remove it afterwards if this example created it.
const embeddedFile = process.env["DATABASE_URL"] === undefined && !existsSync("tablekit.db") ? "tablekit.db" : undefined;
try {
  await main();
} finally {
  if (embeddedFile !== undefined) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${embeddedFile}${suffix}`, { force: true });
}
