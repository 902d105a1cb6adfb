/**
 * Tracing and logging: OpenTelemetry spans for every statement, transaction, retry and connect,
 * from tablekit's channels on node:diagnostics_channel (no adapter package), and pino logs of
 * every statement from the `query` event. docs/observability.md shows the same two snippets
 * (test/examples/observability.test.ts checks that they are this file's code, and runs them).
 *
 * Run it (with no OpenTelemetry SDK registered, the spans go nowhere; the pino lines print):
 *
 *   npx tsx examples/observability.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/observability.ts
 */
import { pathToFileURL } from "node:url";
// #region opentelemetry
import diagnostics_channel from "node:diagnostics_channel";
import { type Attributes, type Span, type Tracer, SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { TRACING_CHANNELS, type QueryTraceContext, type TraceTarget } from "tablekit";

/** Starts an OpenTelemetry span for every tablekit operation; returns the function that stops. */
export function traceWithOpenTelemetry(tracer: Tracer = trace.getTracer("tablekit")): () => void {
  // Node passes the same context object to every event of one operation: the span is kept on it.
  const spans = new WeakMap<object, Span>();
  const stops = Object.entries(TRACING_CHANNELS).map(([operation, name]) => {
    const channel = diagnostics_channel.tracingChannel<unknown, TraceTarget & Record<string, unknown>>(name);
    const handlers = {
      start(ctx: TraceTarget & Record<string, unknown>) {
        // Statements and retries of a transaction are children of its span.
        const parent = spans.get((ctx["transaction"] as object | undefined) ?? {});
        const attributes: Attributes = {
          "db.system.name": ctx.dialect === "postgres" ? "postgresql" : ctx.dialect,
          "db.namespace": ctx.database,
          ...(ctx.host === undefined ? {} : { "server.address": ctx.host, "server.port": ctx.port }),
        };
        let spanName = `tablekit.${operation}`;
        if (operation === "query") {
          const query = ctx as unknown as QueryTraceContext;
          attributes["db.query.text"] = query.sql;
          spanName = query.sql.trimStart().split(/\s/, 1)[0]!.toUpperCase();
        }
        if (operation === "retry") attributes["tablekit.retry.attempt"] = ctx["attempt"] as number;
        const parentContext = parent === undefined ? context.active() : trace.setSpan(context.active(), parent);
        spans.set(ctx, tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes }, parentContext));
      },
      end() {},
      asyncStart() {},
      error(ctx: TraceTarget & Record<string, unknown>) {
        const error = ctx["error"] as Error;
        spans.get(ctx)?.recordException(error);
        spans.get(ctx)?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      },
      // tablekit's operations are promises: every one ends with asyncEnd.
      asyncEnd(ctx: TraceTarget & Record<string, unknown>) {
        const span = spans.get(ctx);
        const result = ctx["result"] as { rowCount?: number } | undefined;
        if (operation === "query" && result?.rowCount !== undefined) span?.setAttribute("db.response.returned_rows", result.rowCount);
        if (operation === "transaction") span?.setAttribute("tablekit.transaction.attempts", ctx["attempts"] as number);
        span?.end();
        spans.delete(ctx);
      },
    };
    channel.subscribe(handlers);
    return () => channel.unsubscribe(handlers);
  });
  return () => stops.forEach((stop) => stop());
}
// #endregion opentelemetry

// #region pino
import type { Logger } from "pino";
import type { Database } from "tablekit";

/** Logs every statement of `db` with pino: debug on success, warn with the error on failure. */
export function logQueriesWithPino(db: Database, logger: Logger): void {
  // Parameters are in the event only with logParameters: true, as JSON-safe values.
  db.on("query", ({ error, ...event }) => {
    if (error === undefined) logger.debug(event, "query");
    else logger.warn({ ...event, err: error }, "query failed");
  });
}
// #endregion pino

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { pino } = await import("pino");
  const { Database } = await import("../src/index.js");
  const stop = traceWithOpenTelemetry();
  await using db = new Database({ logParameters: true });
  logQueriesWithPino(db, pino({ level: "debug" }));
  await db.createTable("example_observed", { id: "INTEGER PRIMARY KEY", name: "TEXT UNIQUE" }, { ifNotExists: true });
  await db.transaction(async (tx) => {
    await tx.insert("example_observed", { id: 1, name: "ann" });
    await tx.select("example_observed", { where: { id: 1 } });
  });
  await db.insert("example_observed", { id: 2, name: "ann" }).catch(() => undefined); // a UniqueViolationError, logged
  await db.dropTable("example_observed");
  stop();
}
