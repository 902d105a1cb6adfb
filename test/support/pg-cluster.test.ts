/** The private-cluster helper itself: start, query, freeze/thaw, kill and restart. */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PgCluster, canStartClusters } from "./pg-cluster.js";

describe.runIf(canStartClusters())("test support: private PostgreSQL cluster", () => {
  it("starts, answers, survives kill and restart, and is removed", { timeout: 60_000 }, async () => {
    const cluster = await PgCluster.start();
    try {
      const query = async () => {
        const client = new pg.Client({ connectionString: cluster.url(), connectionTimeoutMillis: 2_000 });
        await client.connect();
        try {
          return (await client.query("SELECT current_database() AS db")).rows[0].db;
        } finally {
          await client.end();
        }
      };
      expect(await query()).toBe("test");
      cluster.kill();
      await expect(query()).rejects.toThrow();
      await cluster.startServer();
      expect(await query()).toBe("test");
    } finally {
      await cluster.destroy();
    }
    expect(cluster.pid()).toBeUndefined();
  });
});
