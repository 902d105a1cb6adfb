/** The queryTimeoutMs bookkeeping: one interval, never early, finished entries dropped anywhere. */
import { describe, expect, it } from "vitest";
import { Deadlines } from "../../src/backends/postgres/deadlines.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Deadlines", () => {
  it("expires a wait not before the limit and within two check intervals after it; finished waits never expire", async () => {
    const deadlines = new Deadlines(200); // checks every 10 ms
    const started = performance.now();
    let expiredAt = -1;
    const finished: boolean[] = [];
    deadlines.add(() => (expiredAt = performance.now() - started));
    // A finished wait behind the long one is dropped and never fires.
    for (let i = 0; i < 5; i++) deadlines.done(deadlines.add(() => finished.push(true)));
    await sleep(150);
    expect(expiredAt).toBe(-1);
    await sleep(200);
    deadlines.stop();
    expect(expiredAt).toBeGreaterThanOrEqual(200);
    expect(expiredAt).toBeLessThan(350);
    expect(finished).toEqual([]);
  });
});
