/**
 * Hooks for logging and tracing (issue 19 §3): tablekit's TracingChannels on
 * node:diagnostics_channel (query, transaction, retry, connect) with Node's start/end/asyncStart/
 * asyncEnd/error events; JSON-safe parameters for listeners; a throwing listener reported by
 * process.emitWarning; onRetry; db.stats().
 */
import diagnostics_channel from "node:diagnostics_channel";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  Database,
  ListenerWarning,
  QueryError,
  SerializationError,
  TRACING_CHANNELS,
  type QueryEvent,
  type QueryTraceContext,
  type RetryTraceContext,
  type TransactionTraceContext,
  sql,
} from "../../src/index.js";
import { backends, rejection, uniqueTable } from "../support/backends.js";

type Phase = "start" | "end" | "asyncStart" | "asyncEnd" | "error";
interface Seen {
  channel: string;
  phase: Phase;
  context: Record<string, unknown>;
}

/** Subscribes to every tablekit channel; returns what was seen and the function that unsubscribes. */
function traceAll(): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const stops: (() => void)[] = [];
  for (const name of Object.values(TRACING_CHANNELS)) {
    const channel = diagnostics_channel.tracingChannel<unknown, Record<string, unknown>>(name);
    const handlers = Object.fromEntries(
      (["start", "end", "asyncStart", "asyncEnd", "error"] as const).map((phase) => [phase, (context: Record<string, unknown>) => seen.push({ channel: name, phase, context })]),
    ) as unknown as Parameters<typeof channel.subscribe>[0];
    channel.subscribe(handlers);
    stops.push(() => channel.unsubscribe(handlers));
  }
  return { seen, stop: () => stops.forEach((stop) => stop()) };
}

function phases(seen: Seen[], channel: string): Phase[] {
  return seen.filter((s) => s.channel === channel).map((s) => s.phase);
}

async function warningsDuring(work: () => Promise<void>): Promise<Error[]> {
  const warnings: Error[] = [];
  const listener = (warning: Error) => warnings.push(warning);
  process.on("warning", listener);
  try {
    await work();
    // emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return warnings;
}

const PASSWORD = "tr4ce-secret";

for (const backend of backends()) {
  describe(`observability [${backend.name}]`, () => {
    const t = uniqueTable("obs");
    const options = backend.options();
    let db: Database;
    let tracing: ReturnType<typeof traceAll> | undefined;

    beforeAll(async () => {
      db = new Database(options);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT UNIQUE" });
      await db.batchInsert(t, [
        { id: 1, name: "ann" },
        { id: 2, name: "bob" },
      ]);
    });
    afterEach(() => {
      tracing?.stop();
      tracing = undefined;
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("a statement is one tablekit:query operation: start, end, asyncStart, asyncEnd, with the SQL, target and rowCount, no values", async () => {
      tracing = traceAll();
      await db.execute(sql`SELECT name FROM ${sql.id(t)} WHERE name <> ${"secret-value"} ORDER BY id`);
      const query = TRACING_CHANNELS.query;
      expect(phases(tracing.seen, query)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
      const context = tracing.seen[0]!.context as unknown as QueryTraceContext;
      // One context object for all four events, so a subscriber can keep its span on it.
      expect(new Set(tracing.seen.map((s) => s.context)).size).toBe(1);
      expect(context.sql).toContain(`SELECT name FROM "${t}"`);
      expect(context.dialect).toBe(backend.name);
      expect(context.inTransaction).toBe(false);
      expect(context.stream).toBe(false);
      expect(context.result).toEqual({ rowCount: 2 }); // never the rows
      expect("params" in context).toBe(false);
      expect(JSON.stringify({ ...context, result: undefined })).not.toContain("secret-value");
      if (backend.name === "postgres") {
        expect(typeof context.host).toBe("string");
        expect(typeof context.port).toBe("number");
      }
      expect(typeof context.database).toBe("string");
    });

    it("a failing statement publishes error (the TablekitError) before asyncStart and asyncEnd", async () => {
      tracing = traceAll();
      const error = await rejection(db.execute(`SELECT nope FROM "${t}"`));
      expect(error).toBeInstanceOf(QueryError);
      expect(phases(tracing.seen, TRACING_CHANNELS.query)).toEqual(["start", "end", "error", "asyncStart", "asyncEnd"]);
      expect(tracing.seen[2]!.context["error"]).toBe(error);
    });

    it("a transaction is one tablekit:transaction operation; its statements (BEGIN…COMMIT) point to its context", async () => {
      tracing = traceAll();
      const result = await db.transaction(async (tx) => {
        await tx.insert(t, { id: 3, name: "cy" });
        await db.count(t); // joins the ambient transaction
        return "done";
      });
      expect(result).toBe("done");
      const tx = tracing.seen.filter((s) => s.channel === TRACING_CHANNELS.transaction);
      expect(tx.map((s) => s.phase)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
      const txContext = tx[0]!.context as unknown as TransactionTraceContext;
      expect(txContext.attempts).toBe(1);
      expect(txContext.result).toBe("done");
      const inside = tracing.seen
        .filter((s) => s.channel === TRACING_CHANNELS.query && s.phase === "start")
        .map((s) => s.context as unknown as QueryTraceContext)
        .filter((c) => c.transaction === txContext);
      expect(inside.length).toBeGreaterThanOrEqual(4);
      expect(inside[0]!.sql).toMatch(/^BEGIN/);
      expect(inside.at(-1)!.sql).toBe("COMMIT");
      expect(inside.every((c) => c.inTransaction)).toBe(true);
      // Transaction starts before its first statement and ends after its last.
      const starts = tracing.seen.map((s) => `${s.channel}:${s.phase}`);
      expect(starts.indexOf("tablekit:transaction:start")).toBeLessThan(starts.indexOf("tablekit:query:start"));
      expect(starts.lastIndexOf("tablekit:transaction:asyncEnd")).toBeGreaterThan(starts.lastIndexOf("tablekit:query:asyncEnd"));
      await db.delete(t, { id: 3 });
    });

    it("retries: onRetry(attempt, error, delay) before each, a tablekit:retry operation per backoff, attempts counted", async () => {
      tracing = traceAll();
      const calls: [number, unknown, number][] = [];
      let runs = 0;
      const value = await db.transaction(
        async (tx) => {
          runs++;
          await tx.count(t);
          if (runs < 3) throw new SerializationError(`conflict ${runs}`, { code: "40001" });
          return runs;
        },
        { onRetry: (attempt, error, delay) => calls.push([attempt, error, delay]), baseDelayMs: 2, maxDelayMs: 4 },
      );
      expect(value).toBe(3);
      expect(calls.map(([attempt, error]) => [attempt, (error as Error).message])).toEqual([
        [1, "conflict 1"],
        [2, "conflict 2"],
      ]);
      for (const [, , delay] of calls) expect(delay).toBeGreaterThanOrEqual(0);
      const retries = tracing.seen.filter((s) => s.channel === TRACING_CHANNELS.retry && s.phase === "start").map((s) => s.context as unknown as RetryTraceContext);
      expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual(calls.map(([attempt, , delay]) => [attempt, delay]));
      const txContext = tracing.seen.find((s) => s.channel === TRACING_CHANNELS.transaction)!.context as unknown as TransactionTraceContext;
      expect(retries[0]!.transaction).toBe(txContext);
      expect(txContext.attempts).toBe(3);
    });

    it("an onRetry that throws ends the transaction with its error (no further attempt)", async () => {
      let runs = 0;
      const error = await rejection(
        db.transaction(
          async () => {
            runs++;
            throw new SerializationError("conflict");
          },
          {
            onRetry: () => {
              throw new Error("onRetry failed");
            },
          },
        ),
      );
      expect((error as Error).message).toBe("onRetry failed");
      expect(runs).toBe(1);
    });

    it("a stream is one tablekit:query operation, ended when the stream ends (also when broken out of)", async () => {
      tracing = traceAll();
      let n = 0;
      for await (const _row of db.stream(t, { batchSize: 1 })) if (++n === 1) break;
      const seen = tracing.seen.filter((s) => s.channel === TRACING_CHANNELS.query && (s.context as unknown as QueryTraceContext).stream);
      expect(seen.map((s) => s.phase)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
      expect((seen[0]!.context as unknown as QueryTraceContext).result?.rowCount).toBeGreaterThanOrEqual(1);
    });

    it("opening a Database is one tablekit:connect operation, without password", async () => {
      tracing = traceAll();
      const other = backend.open();
      try {
        await other.connect();
        expect(phases(tracing.seen, TRACING_CHANNELS.connect)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
        expect(tracing.seen.find((s) => s.channel === TRACING_CHANNELS.connect)!.context["dialect"]).toBe(backend.name);
      } finally {
        await other.close();
      }
    });

    it("with logParameters, query events and trace contexts carry JSON-safe parameters (no bigint)", async () => {
      const logged = new Database({ ...options, logParameters: true, int64: "string" });
      tracing = traceAll();
      try {
        const events: QueryEvent[] = [];
        logged.on("query", (event) => events.push(event));
        const big = 2n ** 60n;
        await logged.select(t, { where: { id: 1 } });
        await logged.execute("SELECT CAST(? AS BIGINT) AS a, CAST(? AS BIGINT) AS b", [2n, big]);
        expect(() => JSON.stringify(events)).not.toThrow();
        // (Schema lookups before the select carry the table name.)
        const mine = (text: string) => text.includes(`FROM "${t}" WHERE`) || text.startsWith("SELECT CAST");
        // As bound: PostgreSQL's driver binds bigints as decimal strings already.
        const two = backend.name === "postgres" ? "2" : 2;
        expect(events.filter((e) => mine(e.sql)).map((e) => e.params)).toEqual([[1], [two, big.toString()]]);
        const contexts = tracing.seen.filter((s) => s.channel === TRACING_CHANNELS.query && s.phase === "start").map((s) => s.context as unknown as QueryTraceContext);
        expect(contexts.filter((c) => mine(c.sql)).map((c) => c.params)).toEqual([[1], [two, big.toString()]]);
        expect(() => JSON.stringify(contexts.map((c) => ({ ...c, result: undefined })))).not.toThrow();
      } finally {
        await logged.close();
      }
    });

    it("a listener that throws is reported once by process.emitWarning, and the query is unaffected", async () => {
      function brokenLogger(): void {
        throw new TypeError("Do not know how to serialize a BigInt");
      }
      db.on("query", brokenLogger);
      try {
        const warnings = await warningsDuring(async () => {
          expect(await db.count(t)).toBe(2);
          expect(await db.count(t)).toBe(2);
        });
        expect(warnings).toHaveLength(1);
        const warning = warnings[0]!;
        expect(warning).toBeInstanceOf(ListenerWarning);
        expect(warning.name).toBe("TablekitListenerWarning");
        expect((warning as ListenerWarning).code).toBe("TABLEKIT_LISTENER_ERROR");
        expect(warning.message).toContain("brokenLogger");
        expect(warning.message).toContain("Do not know how to serialize a BigInt");
        expect((warning.cause as Error).message).toBe("Do not know how to serialize a BigInt");
      } finally {
        db.off("query", brokenLogger);
      }
    });

    it("db.stats(): zeros before connecting; total, idle and waiting while a transaction holds a connection", async () => {
      const small = backend.open({ ...(backend.name === "postgres" ? { maxConnections: 1, minConnections: 1 } : {}) });
      try {
        expect(small.stats()).toEqual({ total: 0, idle: 0, waiting: 0 });
        await small.connect();
        const open = small.stats();
        expect(open.total).toBeGreaterThanOrEqual(1);
        expect(open.idle).toBe(open.total);
        expect(open.waiting).toBe(0);
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inside!: () => void;
        const entered = new Promise<void>((resolve) => (inside = resolve));
        const tx = small.transaction(async (t2) => {
          await t2.execute("SELECT 1 AS one");
          inside();
          await held;
        });
        await entered;
        const queued = small.execute("SELECT 2 AS two");
        await new Promise((resolve) => setTimeout(resolve, 50));
        const busy = small.stats();
        expect(busy.idle).toBe(0);
        expect(busy.waiting).toBe(1);
        release();
        await tx;
        await queued;
        expect(small.stats().waiting).toBe(0);
      } finally {
        await small.close();
      }
      expect(small.stats()).toEqual({ total: 0, idle: 0, waiting: 0 });
    });
  });
}

describe("tracing never shows a password", () => {
  it("connect and query contexts of a URL with a password", async () => {
    const backend = backends().find((b) => b.name === "postgres");
    if (backend === undefined) return;
    const url = new URL(String((backend.options() as { url: string }).url));
    url.password = PASSWORD;
    const db = new Database({ url: url.href });
    const tracing = traceAll();
    try {
      await db.execute("SELECT 1 AS one");
      const text = JSON.stringify(tracing.seen.map((s) => ({ ...s.context, result: undefined, error: String(s.context["error"] ?? "") })));
      expect(text).not.toContain(PASSWORD);
      expect(tracing.seen.some((s) => s.channel === TRACING_CHANNELS.connect)).toBe(true);
    } finally {
      tracing.stop();
      await db.close();
    }
  });
});
