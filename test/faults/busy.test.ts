/**
 * Fault matrix, columns "SQLITE_BUSY" and "SQLITE_BUSY + rollback" (test/faults/faults.ts),
 * SQLite only: another process holds the file's write lock while each call runs; in the second
 * column a transaction of this process begins and rolls back meanwhile. Stress runs repeat each
 * cell (TABLEKIT_STRESS=1).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scale } from "../reliability/scale.js";
import { selectedBackendNames } from "../support/backends.js";
import { LockHolder, busyCell, cellName, recordCell, writeResults } from "./faults.js";
import { METHODS } from "./methods.js";

/**
 * Rounds per cell. With a transaction rolling back, a retry of the call can still win the race
 * against the release's round trip to the lock holder (a few ms of the call's 32 ms gap), so
 * even npm test makes two rounds there.
 */
const ROUNDS = { alone: scale(1, 10), withTx: scale(2, 10) };

describe.runIf(selectedBackendNames().includes("sqlite"))("fault matrix: SQLITE_BUSY from another process [sqlite]", () => {
  let holder: LockHolder;
  beforeAll(() => {
    holder = new LockHolder();
  });
  afterAll(() => {
    holder.stop();
    writeResults();
  });

  for (const withTx of [false, true]) {
    describe(withTx ? "with a transaction rolling back in this process meanwhile" : "alone", () => {
      METHODS.forEach((method, m) => {
        it(cellName(method), { timeout: 60_000 }, async () => {
          const problems = await busyCell(holder, m, withTx, withTx ? ROUNDS.withTx : ROUNDS.alone);
          recordCell(withTx ? "busy-tx" : "busy", "sqlite", cellName(method), problems);
          expect(problems).toEqual([]);
        });
      });
    });
  }
});
