/**
 * Adversary (issue 19, diagnostics_channel tracing): a subscriber that throws. Held up: the
 * operation's outcome never changes (results and typed errors as without the subscriber). What
 * Node does with the subscriber's exception is Node's rule for diagnostics_channel: it is
 * re-thrown on the next tick as an uncaught exception (docs/observability.md says so).
 */
import diagnostics_channel from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryError, TRACING_CHANNELS, sql } from "../../src/index.js";
import { backends } from "../support/backends.js";
import { ProcessWatch, sleep } from "../postgres/fault-harness.js";

const watch = new ProcessWatch();
beforeAll(() => watch.install());
afterAll(() => watch.uninstall());

for (const backend of backends()) {
  describe(`a tracing subscriber that throws [${backend.name}]`, () => {
    for (const event of ["start", "end", "asyncStart", "asyncEnd", "error"] as const) {
      it(`in ${event}: statements and transactions settle as without it`, async () => {
        const channel = diagnostics_channel.tracingChannel(TRACING_CHANNELS.query);
        const noop = (): void => undefined;
        const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop, [event]: () => { throw new Error(`subscriber fails in ${event}`); } };
        channel.subscribe(handlers);
        const db = backend.open();
        try {
          expect(await db.fetchOne<{ a: number }>(sql`SELECT 1 AS a`)).toEqual({ a: 1 });
          await expect(db.execute("SELECT no_such_column FROM no_such_table")).rejects.toBeInstanceOf(QueryError);
          expect(await db.transaction(async (tx) => (await tx.fetchOne<{ b: number }>(sql`SELECT 2 AS b`))?.b)).toBe(2);
        } finally {
          channel.unsubscribe(handlers);
          await db.close();
        }
        await sleep(5);
        // Node's rule: each throw comes back as an uncaught exception; nothing else escapes.
        expect(watch.escaped.length).toBeGreaterThan(0);
        expect(watch.escaped.every((e) => String(e).includes("subscriber fails"))).toBe(true);
        watch.escaped.length = 0;
      });
    }
  });
}
