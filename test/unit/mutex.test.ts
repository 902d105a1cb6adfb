/**
 * The SQLite driver's lock (src/backends/sqlite/mutex.ts), kept rather than replaced by async-mutex
 * (docs/decisions.md, "Hand-written pieces: …"): waiters get it in arrival order, it is handed
 * over without ever being free in between (so the driver's synchronous fast path, which runs a
 * statement when `locked` is false, cannot slip in ahead of a queued caller), and the queue's
 * periodic compaction keeps that order past its 1024-entry threshold.
 */
import { describe, expect, it } from "vitest";
import { Mutex } from "../../src/backends/sqlite/mutex.js";

describe("Mutex", () => {
  it("is free, then held, then free again", async () => {
    const mutex = new Mutex();
    expect(mutex.locked).toBe(false);
    await mutex.acquire();
    expect(mutex.locked).toBe(true);
    mutex.release();
    expect(mutex.locked).toBe(false);
  });

  it("hands the lock over in arrival order, never free between holders", async () => {
    const mutex = new Mutex();
    await mutex.acquire();
    const order: number[] = [];
    const lockedWhenFreed: boolean[] = [];
    const waiters = [1, 2, 3].map(async (n) => {
      await mutex.acquire();
      order.push(n);
      await Promise.resolve();
      mutex.release();
      lockedWhenFreed.push(mutex.locked);
    });
    mutex.release();
    // Released with waiters queued: still held (by the first waiter), not free for a newcomer.
    expect(mutex.locked).toBe(true);
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(lockedWhenFreed).toEqual([true, true, false]);
    expect(mutex.locked).toBe(false);
  });

  it("keeps arrival order across queue compaction (more than 1024 waiters, joined while draining)", { timeout: 5_000 }, async () => {
    const mutex = new Mutex();
    await mutex.acquire();
    const order: number[] = [];
    const all: Promise<void>[] = [];
    const enqueue = (n: number): void => {
      all.push(
        (async () => {
          await mutex.acquire();
          order.push(n);
          // Late arrivals join while the queue is being drained and compacted.
          if (n % 1000 === 0 && n < 5000) for (let k = 1; k <= 500; k++) enqueue(10_000 + n + k);
          mutex.release();
        })(),
      );
    };
    for (let n = 1; n <= 5000; n++) enqueue(n);
    mutex.release();
    while (all.length > order.length) await Promise.all(all);
    const expected = [...Array.from({ length: 5000 }, (_, i) => i + 1)];
    for (const n of [1000, 2000, 3000, 4000]) for (let k = 1; k <= 500; k++) expected.push(10_000 + n + k);
    expect(order).toEqual(expected);
    expect(mutex.locked).toBe(false);
  });
});
