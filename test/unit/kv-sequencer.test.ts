/**
 * KVStore internals without a database: write ordering and cache-fill rules (Sequencer), the
 * byte-bounded cache, prefix bounds and derived identifiers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENTRY_OVERHEAD_BYTES, ValueCache, entrySize, entryValue } from "../../src/kv/cache.js";
import { prefixUpperBound } from "../../src/kv/storage/key-range.js";
import { expiryIndexName } from "../../src/backends/common/kv-sql-statements.js";
import { Sequencer } from "../../src/kv/sequencer.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Sequencer", () => {
  it("runs writes to one key in call order, and writes to other keys meanwhile", async () => {
    const seq = new Sequencer();
    const log: string[] = [];
    const first = deferred();
    const a = seq.keyed("k", async () => {
      await first.promise;
      log.push("a");
    });
    const b = seq.keyed("k", async () => void log.push("b"));
    const c = seq.keyed("other", async () => void log.push("c"));
    await c;
    await tick();
    expect(log).toEqual(["c"]);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(["c", "a", "b"]);
  });

  it("keeps the order after a failed write", async () => {
    const seq = new Sequencer();
    const log: string[] = [];
    const a = seq.keyed("k", async () => {
      await tick();
      throw new Error("a failed");
    });
    const b = seq.keyed("k", async () => void log.push("b"));
    await expect(a).rejects.toThrow("a failed");
    await b;
    expect(log).toEqual(["b"]);
  });

  it("runs an exclusive operation after earlier writes and before later ones", async () => {
    const seq = new Sequencer();
    const log: string[] = [];
    const slow = deferred();
    const w1 = seq.keyed("a", async () => {
      await slow.promise;
      log.push("w1");
    });
    const x = seq.exclusive(async () => void log.push("x"));
    const w2 = seq.keyed("b", async () => void log.push("w2"));
    const y = seq.exclusive(async () => void log.push("y"));
    const w3 = seq.keyed("a", async () => void log.push("w3"));
    await tick();
    expect(log).toEqual([]);
    expect(seq.busy).toBe(true);
    slow.resolve();
    await Promise.all([w1, x, w2, y, w3]);
    expect(log).toEqual(["w1", "x", "w2", "y", "w3"]);
    expect(seq.busy).toBe(false);
  });

  it("lets a read fill the cache only when no write to its key finished since it began", () => {
    const seq = new Sequencer();
    const early = seq.beginRead();
    seq.written("k");
    const late = seq.beginRead();
    expect(seq.mayFill("k", early)).toBe(false);
    expect(seq.mayFill("other", early)).toBe(true);
    expect(seq.mayFill("k", late)).toBe(true);
    seq.endRead();
    seq.endRead();
    const again = seq.beginRead();
    seq.writtenAll();
    expect(seq.mayFill("anything", again)).toBe(false);
    expect(seq.mayFill("anything", seq.beginRead())).toBe(true);
  });

  it("refuses fills while a transaction that wrote is open, and for reads that overlapped it", () => {
    const seq = new Sequencer();
    const root = { active: true };
    const scope = { active: true, root };
    const before = seq.beginRead();
    seq.writtenInTransaction(scope);
    const during = seq.beginRead();
    expect(seq.mayFill("k", during)).toBe(false);
    root.active = false;
    expect(seq.mayFill("k", before)).toBe(false);
    expect(seq.mayFill("k", during)).toBe(false);
    expect(seq.mayFill("k", seq.beginRead())).toBe(true);
  });
});

describe("ValueCache", () => {
  it("counts bytes from key and stored text and evicts least recently used entries", () => {
    expect(entrySize("ab", '"xyz"')).toBe(ENTRY_OVERHEAD_BYTES + 2 * (2 + 5));
    const one = entrySize("k0", '"' + "x".repeat(100) + '"');
    const cache = new ValueCache(one * 3);
    for (let i = 0; i < 3; i++) cache.set(`k${i}`, '"' + "x".repeat(100) + '"', "x".repeat(100), true, 0);
    expect(cache.count).toBe(3);
    expect(cache.get("k0")).toBeDefined(); // k0 becomes most recently used
    cache.set("k3", '"' + "x".repeat(100) + '"', "x".repeat(100), true, 0);
    expect(cache.peek("k1")).toBeUndefined();
    expect(cache.peek("k0")).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it("decodes lazily and only once", () => {
    const cache = new ValueCache(10_000);
    cache.set("k", '{"a":1}', undefined, false, 0);
    const entry = cache.get("k")!;
    expect(entry.text).toBe('{"a":1}');
    const first = entryValue(entry);
    expect(first).toEqual({ a: 1 });
    expect(entry.text).toBeUndefined();
    expect(entryValue(entry)).toBe(first);
  });

  it("drops expired entries, skips entries larger than the cache, and does nothing at size 0", () => {
    const cache = new ValueCache(1_000);
    cache.set("old", "1", 1, true, Date.now() - 1);
    cache.set("new", "1", 1, true, Date.now() + 60_000);
    cache.set("never", "1", 1, true, 0);
    cache.set("huge", "x".repeat(1_000), "x", true, 0);
    expect(cache.dropExpired(Date.now())).toBe(1);
    expect(cache.peek("old")).toBeUndefined();
    expect(cache.peek("huge")).toBeUndefined();
    expect(cache.count).toBe(2);
    const none = new ValueCache(0);
    none.set("k", "1", 1, true, 0);
    expect(none.enabled).toBe(false);
    expect(none.get("k")).toBeUndefined();
  });
});

/** Compares strings by code point, as SQLite BINARY, PostgreSQL "C" and CockroachDB do. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe("prefixUpperBound", () => {
  it.each([
    ["user:", "user;"],
    ["a", "b"],
    ["a\uffff", "a\u{10000}"],
    ["a\u{10FFFF}", "b"],
    ["\ud7ff", "\ue000"],
    ["%_", "%`"],
  ])("%j → %j", (prefix, upper) => {
    expect(prefixUpperBound(prefix)).toBe(upper);
  });

  it("has no bound for the empty prefix or one made of U+10FFFF only", () => {
    expect(prefixUpperBound("")).toBeUndefined();
    expect(prefixUpperBound("\u{10FFFF}\u{10FFFF}")).toBeUndefined();
  });

  it("bounds exactly the strings that start with the prefix (property)", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{10FFFF}"), maxLength: 4 });
    fc.assert(
      fc.property(text, text, (prefix, s) => {
        const upper = prefixUpperBound(prefix);
        const inRange = compareCodePoints(s, prefix) >= 0 && (upper === undefined || compareCodePoints(s, upper) < 0);
        expect(inRange).toBe(s.startsWith(prefix));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("expiryIndexName", () => {
  it("stays within 63 characters and differs between long table names", () => {
    expect(expiryIndexName("data")).toBe("data_expires_at");
    const a = expiryIndexName("t".repeat(63));
    const b = expiryIndexName("t".repeat(62) + "u");
    expect(a.length).toBeLessThanOrEqual(63);
    expect(b.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });
});
