/**
 * Adversary (issue 18 part 3 × issue 19 section 4): `close()` with an abandoned stream that a
 * replica serves.
 *
 * Found by the adversary run: a table stream served by a replica (`db.stream("t")` outside a
 * transaction) was not among the streams close() ends when their consumer stopped reading
 * without return(): close() waited for it for ever (the replica's pool waits for the connection
 * the stream holds), and so did every read queued behind it on the replica's pool. Fixed in
 * Database.streamRead (tracked like a stream on the primary). The shared server plays the
 * replica here (any server answers as one); nothing is stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";
import { within } from "../postgres/fault-harness.js";

describe.runIf(selectedBackendNames().includes("postgres"))("an abandoned stream on a replica [postgres]", () => {
  const direct = new Database(PG_URL);
  let table: string;
  beforeAll(async () => {
    table = uniqueTable("adv_replica_stream");
    await direct.createTable(table, { id: "INTEGER PRIMARY KEY" });
    await direct.execute(`INSERT INTO ${table} SELECT generate_series(1, 5000)`);
  });
  afterAll(async () => {
    await direct.dropTable(table, { ifExists: true });
    await direct.close();
  });

  it("close() ends it after the grace period, reads queued behind it run, its next() rejects", { timeout: 20_000 }, async () => {
    const db = new Database({ url: PG_URL, replicas: [PG_URL], maxConnections: 1 });
    const rows = db.stream(table, { batchSize: 100 })[Symbol.asyncIterator]();
    expect((await rows.next()).done).toBe(false);
    expect(db.replicaStats()?.replicas[0]?.reads).toBe(1);
    const counting = db.count(table); // queued on the replica's only connection
    const closing = db.close();
    expect(await within(closing, 5_000)).not.toBe("pending");
    expect(await within(counting, 1_000)).toBe(5000);
    let error: unknown;
    try {
      for (let r = await rows.next(); r.done !== true; r = await rows.next());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectionError);
  });
});
