/**
 * Scenario 3, server loss: while 32 clients run a CRUD mix on PostgreSQL, the server goes away and
 * comes back. Every call settles within a bound, failures are ConnectionError or
 * AmbiguousCommitError (never a raw driver error), and the same Database works again afterwards.
 *
 * `npm test` cuts a TCP proxy in front of the shared server (other test files keep using it);
 * `npm run test:stress` restarts a real server: a private one (PgCluster), never the shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousCommitError, ConnectionError, Database } from "../../src/index.js";
import { PG_URL, selectedBackendNames, uniqueTable } from "../support/backends.js";
import { PgCluster } from "../support/pg-cluster.js";
import { CuttableProxy } from "./proxy.js";
import { STRESS, countUnhandledRejections, report } from "./scale.js";

/** The bound within which every call must settle, documented in docs/reliability.md. */
const SETTLE_BOUND_MS = 15_000;
const CLIENTS = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const url = new URL(PG_URL);

describe.runIf(selectedBackendNames().includes("postgres"))("reliability: server loss [postgres]", () => {
  const proxy = new CuttableProxy(url.hostname, Number(url.port || 5432));
  let db: Database;
  let cluster: PgCluster | undefined;
  const t = uniqueTable("server_loss");

  beforeAll(async () => {
    if (STRESS) cluster = await PgCluster.start();
    else await proxy.start();
    const target = cluster !== undefined ? cluster.url() : `postgres://${url.username || "postgres"}@127.0.0.1:${proxy.port}${url.pathname}`;
    db = new Database({ url: target, maxConnections: 10, connectTimeoutMs: 5_000 });
    await db.createTable(t, { id: "INTEGER PRIMARY KEY", n: "INTEGER NOT NULL" });
  });
  afterAll(async () => {
    await db.dropTable(t).catch(() => undefined);
    await db.close();
    await proxy.stop();
    await cluster?.destroy();
  });

  async function outage(): Promise<void> {
    if (cluster !== undefined) {
      await cluster.restart("fast");
    } else {
      await proxy.cut();
      await sleep(1_000);
      await proxy.start();
    }
  }

  it(`settles every call of ${CLIENTS} clients within ${SETTLE_BOUND_MS} ms across an outage, with typed errors, and heals`, { timeout: 120_000 }, async () => {
    let stop = false;
    let ok = 0;
    let slowest = 0;
    const failures: unknown[] = [];
    const unhandled = await countUnhandledRejections(async () => {
      const clients = Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; !stop; i++) {
          const id = c * 100_000 + i + 1;
          const started = Date.now();
          try {
            switch (i % 4) {
              case 0:
                await db.insert(t, { id, n: i });
                break;
              case 1:
                await db.selectOne(t, { where: { id: id - 1 } });
                break;
              case 2:
                await db.update(t, { n: i }, { id: id - 2 });
                break;
              default:
                await db.transaction(async (tx) => {
                  await tx.insert(t, { id, n: -i });
                  await tx.delete(t, { id });
                });
            }
            ok++;
          } catch (error) {
            failures.push(error);
            await sleep(20);
          } finally {
            slowest = Math.max(slowest, Date.now() - started);
          }
        }
      });
      await sleep(500);
      await outage();
      await sleep(1_500);
      stop = true;
      await Promise.all(clients);
    });
    // Work succeeds again on the same Database.
    const after = await db.insert(t, { id: 999_999_999, n: 1 });
    expect(after).toMatchObject({ id: 999_999_999 });
    report("server-loss", "postgres", { clients: CLIENTS, ok, failures: failures.length, slowestMs: slowest, unhandled, mode: STRESS ? "private server restart (fast)" : "proxy cut" });

    expect(unhandled).toBe(0);
    expect(slowest).toBeLessThan(SETTLE_BOUND_MS);
    expect(failures.length).toBeGreaterThan(0); // the outage was felt
    for (const error of failures) {
      expect(error instanceof ConnectionError || error instanceof AmbiguousCommitError, String(error)).toBe(true);
    }
  });
});
