/**
 * Adversary (issue 15 item 5): the documented pool semantics. docs/production.md and
 * docs/database.md say `acquireTimeoutMs` bounds the wait for a free pooled connection and that
 * its default (0) is to wait, while `connectTimeoutMs` bounds opening a connection. On the unfixed
 * code pg's pool used `connectTimeoutMs` for both, so with the defaults a call queued behind busy
 * connections for longer than connectTimeoutMs (10 s by default; a burst of slow reports) failed
 * with pg's "timeout exceeded when trying to connect" — a ConnectionError that reads as "the
 * server cannot be reached", and one without the busy count issue 15 asked the acquire-timeout
 * message to give.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames } from "../support/backends.js";

describe.runIf(selectedBackendNames().includes("postgres"))("waiting for a pooled connection [postgres]", () => {
  let db: Database;
  beforeAll(async () => {
    db = new Database({ url: PG_URL, maxConnections: 1, connectTimeoutMs: 400 });
    await db.connect();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("without acquireTimeoutMs, a call waits for the busy connection longer than connectTimeoutMs and succeeds", async () => {
    const busy = db.transaction(async (tx) => {
      await tx.execute("SELECT pg_sleep(1.2)");
      return "committed";
    });
    const started = Date.now();
    const queued = db.execute("SELECT 1 AS one").then(
      (rows) => rows,
      (error: unknown) => `${(error as Error).constructor.name}: ${(error as Error).message}`,
    );
    expect(await queued).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeGreaterThan(900);
    expect(await busy).toBe("committed");
  });

  it("opening a connection is still bounded by connectTimeoutMs (an unreachable server)", async () => {
    // A listening socket that never answers the startup message.
    const net = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as import("node:net").AddressInfo).port;
    const mute = new Database({ url: `postgres://u@127.0.0.1:${port}/x`, connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      const error = await mute.execute("SELECT 1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await mute.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
