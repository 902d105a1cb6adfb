/**
 * SQLite's `PRAGMA synchronous` (the `synchronous` option, `?synchronous=` in a `sqlite:` URL):
 * every connection tablekit opens to the file reads back the configured level — the main
 * connection, a transaction (which holds the main connection) and a stream's read-only side
 * connection — with `"full"` (one sync of the WAL per commit) as the default. A bad value is a
 * ConfigError before anything is opened (the file is not created).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, Database, sql, type DatabaseOptions } from "../../src/index.js";
import { rejection, selectedBackendNames, tempDir } from "../support/backends.js";

/** SQLite's numbers for the levels (`PRAGMA synchronous` reads back a number). */
const LEVEL = { normal: 1, full: 2, extra: 3 } as const;

/** The level each kind of connection reports: main, inside a transaction, a stream's side connection. */
async function levels(db: Database): Promise<{ main: unknown; transaction: unknown; stream: unknown; streamConnections: number }> {
  const main = (await db.execute("PRAGMA synchronous"))[0]?.["synchronous"];
  const transaction = await db.transaction(async (tx) => (await tx.execute("PRAGMA synchronous"))[0]?.["synchronous"]);
  let stream: unknown;
  let streamConnections = 0;
  for await (const row of db.stream(sql`SELECT synchronous FROM pragma_synchronous`)) {
    stream = row["synchronous"];
    // Main connection plus the side connection the stream reads from.
    streamConnections = db.stats().total;
  }
  return { main, transaction, stream, streamConnections };
}

describe.runIf(selectedBackendNames().includes("sqlite"))("SQLite synchronous [sqlite]", () => {
  it('is "full" on every connection by default', async () => {
    const db = new Database({ filename: join(tempDir(), "default.db") });
    try {
      expect(await levels(db)).toEqual({ main: LEVEL.full, transaction: LEVEL.full, stream: LEVEL.full, streamConnections: 2 });
    } finally {
      await db.close();
    }
  });

  it.each(["normal", "full", "extra"] as const)('is "%s" on every connection when configured, by option or by URL', async (level) => {
    for (const options of [{ filename: join(tempDir(), "a.db"), synchronous: level }, { url: `sqlite:${join(tempDir(), "b.db")}?synchronous=${level}` }] as DatabaseOptions[]) {
      const db = new Database(options);
      try {
        expect(await levels(db)).toEqual({ main: LEVEL[level], transaction: LEVEL[level], stream: LEVEL[level], streamConnections: 2 });
      } finally {
        await db.close();
      }
    }
  });

  it("the option overrides the URL, and a read-only open uses the level too", async () => {
    const file = join(tempDir(), "ro.db");
    const writer = new Database({ url: `sqlite:${file}?synchronous=extra`, synchronous: "normal" });
    await writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    expect(await writer.execute("PRAGMA synchronous")).toEqual([{ synchronous: LEVEL.normal }]);
    await writer.close();
    const reader = new Database({ url: `sqlite:${file}?mode=ro&synchronous=extra` });
    try {
      expect(await reader.execute("PRAGMA synchronous")).toEqual([{ synchronous: LEVEL.extra }]);
    } finally {
      await reader.close();
    }
  });

  it("an in-memory database takes the level too", async () => {
    const db = new Database({ filename: ":memory:", synchronous: "normal" });
    try {
      expect(await db.execute("PRAGMA synchronous")).toEqual([{ synchronous: LEVEL.normal }]);
    } finally {
      await db.close();
    }
  });

  it.each([
    [{ synchronous: "off" }, 'synchronous must be one of "full", "extra", "normal", got "off"'],
    [{ synchronous: "FULL" }, 'synchronous must be one of "full", "extra", "normal", got "FULL"'],
    [{ synchronous: 2 }, 'synchronous must be one of "full", "extra", "normal", got 2'],
    ["?synchronous=off", 'synchronous must be one of full, extra, normal, got "off"'],
    ["?synchronous=", 'synchronous must be one of full, extra, normal, got ""'],
    ["?synchronous=full&synchronous=normal", "synchronous is given twice"],
  ] as const)("refuses %j before opening anything", async (given, message) => {
    const file = join(tempDir(), "never.db");
    const options: DatabaseOptions = typeof given === "string" ? { url: `sqlite:${file}${given}` } : { filename: file, ...(given as object) };
    let error: unknown;
    try {
      const db = new Database(options);
      error = await rejection(db.execute("SELECT 1"));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect(existsSync(file)).toBe(false);
  });
});
