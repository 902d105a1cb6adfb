/** The transaction retry loop's failover rule (src/transaction/retry.ts; issue #18, part 2). */
import { describe, expect, it } from "vitest";
import { AmbiguousCommitError, ConnectionError, SerializationError } from "../../src/errors/errors.js";
import { DEFAULT_RETRY, failoverDelay, withRetries } from "../../src/transaction/retry.js";

const options = { ...DEFAULT_RETRY, onRetry: undefined };

describe("withRetries: connections lost before COMMIT (failover)", () => {
  it("runs the attempt again after a ConnectionError until it succeeds", async () => {
    let n = 0;
    const result = await withRetries(async () => {
      if (++n < 3) throw new ConnectionError("Connection terminated unexpectedly");
      return "committed";
    }, options, { windowMs: 5_000, stopped: () => false });
    expect(result).toBe("committed");
    expect(n).toBe(3);
  });

  it("never runs again after an AmbiguousCommitError (the COMMIT may have happened)", async () => {
    let n = 0;
    const error = await withRetries(async () => {
      n++;
      throw new AmbiguousCommitError("unknown outcome");
    }, options, { windowMs: 5_000, stopped: () => false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousCommitError);
    expect(n).toBe(1);
  });

  it("gives up with the last ConnectionError once the window has passed", async () => {
    let n = 0;
    const started = Date.now();
    const error = await withRetries(async () => {
      throw new ConnectionError(`lost ${++n}`);
    }, options, { windowMs: 400, stopped: () => false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe(`lost ${n}`);
    expect(n).toBeGreaterThan(2); // 50, 100, 200 ms …
    expect(Date.now() - started).toBeLessThan(400 + 200);
  });

  it("does not retry when stopped (the Database closes), with maxRetries 0, or without the failover rule", async () => {
    for (const [retry, failover] of [
      [options, { windowMs: 5_000, stopped: () => true }],
      [{ ...options, maxRetries: 0 }, { windowMs: 5_000, stopped: () => false }],
      [options, undefined],
    ] as const) {
      let n = 0;
      const error = await withRetries(async () => {
        n++;
        throw new ConnectionError("lost");
      }, retry, failover).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(n).toBe(1);
    }
  });

  it("keeps counting serialization failures on their own budget", async () => {
    let n = 0;
    const result = await withRetries(async () => {
      n++;
      if (n % 2 === 1 && n < 8) throw new ConnectionError("lost");
      if (n < 8) throw new SerializationError("40001");
      return n;
    }, { ...options, baseDelayMs: 0, maxRetries: 3 }, { windowMs: 10_000, stopped: () => false });
    expect(result).toBe(8); // 4 connection losses and 3 serialization failures: within maxRetries 3
  });

  it("backs off 50 ms, doubling, at most 1 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(failoverDelay)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });
});
