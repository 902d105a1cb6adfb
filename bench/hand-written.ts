/**
 * Measurements behind two keep-or-replace decisions (issue 19, section 6; docs/decisions.md,
 * "Hand-written pieces: the progress bar and the async mutex stay"):
 *
 * - src/backends/sqlite/mutex.ts: an uncontended acquire/release (the cost every SQLite transaction and
 *   every call queued behind one pays), and handing the lock through a queue of N waiters, against
 *   the same lock with an `Array.prototype.shift()` queue, the discipline async-mutex's Semaphore
 *   uses (`_weightedQueues[w].shift()`). async-mutex itself is not a dependency, so it is not run.
 * - src/cli/progress.ts: the cost of one `update()` (export calls it once per row).
 *
 *   npx tsx bench/hand-written.ts
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { createProgress } from "../src/cli/progress.js";
import { Mutex } from "../src/backends/sqlite/mutex.js";

/** The same FIFO lock with a plain array queue and `shift()`. */
class ShiftMutex {
  #locked = false;
  #waiters: (() => void)[] = [];
  get locked(): boolean {
    return this.#locked;
  }
  acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else next();
  }
}

interface Lock {
  acquire(): Promise<void>;
  release(): void;
}

/** ns per acquire/await/release round trip with nobody waiting. */
async function uncontended(lock: Lock, rounds: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    await lock.acquire();
    lock.release();
  }
  return ((performance.now() - start) * 1e6) / rounds;
}

/** ms to hand the lock through `waiters` callers queued at once, each holding it for one tick. */
async function contended(lock: Lock, waiters: number): Promise<number> {
  const start = performance.now();
  await lock.acquire();
  const all = Array.from({ length: waiters }, async () => {
    await lock.acquire();
    lock.release();
  });
  lock.release();
  await Promise.all(all);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function repeat(times: number, run: () => Promise<number>): Promise<number> {
  const results: number[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return median(results);
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

console.log("mutex (median of 7 runs)");
for (const [name, make] of [["tablekit Mutex", () => new Mutex()], ["shift() queue", () => new ShiftMutex()]] as const) {
  await repeat(3, () => uncontended(make(), 200_000)); // warm-up
  const ns = await repeat(7, () => uncontended(make(), 1_000_000));
  const parts = [`${name}: uncontended ${fmt(ns)} ns/op`];
  for (const n of [1_000, 10_000, 100_000]) parts.push(`${n.toLocaleString("en-US")} waiters ${fmt(await repeat(3, () => contended(make(), n)))} ms`);
  console.log(`  ${parts.join(", ")}`);
}

const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
const progress = createProgress({ stream: sink, enabled: true, label: "export t", total: 10_000_000 });
const calls = 10_000_000;
const start = performance.now();
for (let i = 1; i <= calls; i++) progress.update(i);
progress.finish();
console.log(`progress: ${fmt(((performance.now() - start) * 1e6) / calls)} ns per update() (drawn at most every 100 ms)`);
