/**
 * The observability snippets of docs/observability.md are examples/observability.ts's code (the
 * regions between `#region` markers, with the import path `tablekit`), and they work: the
 * OpenTelemetry one gives a span per statement, transaction, retry and connect, with statements
 * as children of their transaction; the pino one logs every statement as JSON, bigint
 * parameters included.
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { logQueriesWithPino, traceWithOpenTelemetry } from "../../examples/observability.js";
import { SerializationError, UniqueViolationError } from "../../src/index.js";
import { backends, rejection, uniqueTable } from "../support/backends.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function region(text: string, name: string): string {
  const match = new RegExp(`// #region ${name}\\n([\\s\\S]*?)// #endregion ${name}\\n`).exec(text);
  if (match === null) throw new Error(`no region ${name}`);
  return match[1]!.replaceAll('"../src/index.js"', '"tablekit"').trim();
}

/** A span that records what the snippet does with it (the OpenTelemetry SDK's job, minus export). */
class RecordedSpan implements Span {
  attributes: Attributes = {};
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  exceptions: unknown[] = [];
  ended = false;
  readonly #context: SpanContext;
  constructor(
    readonly name: string,
    readonly parent: RecordedSpan | undefined,
    options: SpanOptions,
    id: number,
  ) {
    this.attributes = { ...options.attributes };
    this.#context = { traceId: "0".repeat(31) + "1", spanId: id.toString(16).padStart(16, "0"), traceFlags: 1 };
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(key: string, value: Attributes[string]): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: unknown): void {
    this.exceptions.push(exception);
  }
}

function recordingTracer(): { tracer: Tracer; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan(name: string, options: SpanOptions = {}, parentContext?: Context): Span {
      const parent = parentContext === undefined ? undefined : trace.getSpan(parentContext);
      const span = new RecordedSpan(name, parent instanceof RecordedSpan ? parent : undefined, options, spans.length + 1);
      spans.push(span);
      return span;
    },
    startActiveSpan(): never {
      throw new Error("not used by the snippet");
    },
  } as Tracer;
  return { tracer, spans };
}

describe("docs/observability.md", () => {
  it("shows examples/observability.ts's OpenTelemetry and pino code", () => {
    const example = readFileSync(`${ROOT}/examples/observability.ts`, "utf8");
    const docs = readFileSync(`${ROOT}/docs/observability.md`, "utf8");
    for (const name of ["opentelemetry", "pino"]) expect(docs, name).toContain(region(example, name));
  });
});

for (const backend of backends()) {
  describe(`observability snippets [${backend.name}]`, () => {
    it("OpenTelemetry: spans for connect, transaction (with its statements as children), retry and a failed statement", async () => {
      const { tracer, spans } = recordingTracer();
      const stop = traceWithOpenTelemetry(tracer);
      const db = backend.open();
      const t = uniqueTable("otel");
      try {
        await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
        let runs = 0;
        await db.transaction(
          async (tx) => {
            await tx.insert(t, { id: ++runs });
            if (runs === 1) throw new SerializationError("conflict", { code: "40001" });
          },
          { baseDelayMs: 1 },
        );
        await rejection(db.insert(t, { id: 2 }));
        await db.dropTable(t);
      } finally {
        await db.close();
        stop();
      }
      expect(spans.every((s) => s.ended)).toBe(true);
      expect(spans[0]!.name).toBe("tablekit.connect");
      const transaction = spans.find((s) => s.name === "tablekit.transaction")!;
      expect(transaction.attributes["tablekit.transaction.attempts"]).toBe(2);
      // (PostgreSQL also looks up the table's column types inside: SELECTs, left out here.)
      const children = spans.filter((s) => s.parent === transaction && s.name !== "SELECT").map((s) => s.name);
      expect(children).toEqual(["BEGIN", "INSERT", "ROLLBACK", "tablekit.retry", "BEGIN", "INSERT", "COMMIT"]);
      const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
      // (On PostgreSQL an insert with explicit keys runs in a transaction of its own, which fails too.)
      const failedInsert = failed.filter((s) => s.name === "INSERT");
      expect(failedInsert).toHaveLength(1);
      expect(failedInsert[0]!.exceptions[0]).toBeInstanceOf(UniqueViolationError);
      const insert = spans.find((s) => s.name === "INSERT")!;
      expect(insert.attributes["db.query.text"]).toMatch(/^INSERT INTO/);
      expect(insert.attributes["db.system.name"]).toBe(backend.name === "postgres" ? "postgresql" : "sqlite");
      expect(insert.attributes["db.response.returned_rows"]).toBe(1);
    });

    it("pino: one JSON line per statement, with JSON-safe parameters and the error of a failed one", async () => {
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      });
      const db = backend.open({ logParameters: true });
      logQueriesWithPino(db, pino({ level: "debug" }, destination));
      const t = uniqueTable("pino");
      try {
        await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
        await db.insert(t, { id: 1 });
        await rejection(db.insert(t, { id: 1 }));
        await db.select(t, { where: { id: 1 } });
        await db.dropTable(t);
      } finally {
        await db.close();
      }
      await new Promise((resolve) => setImmediate(resolve));
      const failed = lines.find((l) => l["msg"] === "query failed")!;
      expect(failed["level"]).toBe(40);
      expect((failed["err"] as { type: string }).type).toBe("UniqueViolationError");
      const select = lines.find((l) => String(l["sql"]).includes(`FROM "${t}" WHERE`))!;
      expect(select["params"]).toEqual([1]);
    });
  });
}
