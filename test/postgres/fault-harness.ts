/**
 * Helpers for the fault tests on a private server (PgCluster): settle a call with its time, and
 * watch the process for exceptions or rejections that escape tablekit.
 */
import { expect } from "vitest";
import { AmbiguousCommitError, ConnectionError, TablekitError } from "../../src/index.js";
import { PgCluster } from "../support/pg-cluster.js";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How a call ended, and when (ms since `since`). */
export interface Settled<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  at: number;
}

/** Tracks a call: `settled` resolves (never rejects) when the call does. */
export function track<T>(promise: Promise<T>, since: () => number): { settled: Promise<Settled<T>>; done: () => boolean } {
  let finished = false;
  const settled = promise.then(
    (value) => ({ ok: true, value, at: Date.now() - since() }),
    (error: unknown) => ({ ok: false, error, at: Date.now() - since() }),
  );
  void settled.then(() => (finished = true));
  return { settled, done: () => finished };
}

/** Waits for `settled` up to `boundMs`; "pending" when it did not settle in time. */
export async function within<T>(settled: Promise<T>, boundMs: number): Promise<T | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), boundMs)));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Collects every uncaught exception and unhandled rejection while installed (the listeners also
 * keep such an error from ending the test process, so that the test can report it).
 */
export class ProcessWatch {
  readonly escaped: unknown[] = [];
  readonly #onError = (error: unknown) => {
    this.escaped.push(error);
  };

  install(): void {
    process.on("uncaughtException", this.#onError);
    process.on("unhandledRejection", this.#onError);
  }

  uninstall(): void {
    process.off("uncaughtException", this.#onError);
    process.off("unhandledRejection", this.#onError);
  }

  /** Fails when anything escaped; clears the list. */
  async expectNone(): Promise<void> {
    await sleep(50); // unhandled rejections are reported after a turn of the event loop
    const escaped = this.escaped.splice(0);
    expect(escaped.map((e) => `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`)).toEqual([]);
  }
}

/** The error of a failed call must be a typed connection-loss error. */
export function expectLossError(label: string, result: Settled<unknown>, allowed: "connection" | "ambiguous" | "either"): void {
  expect(result.ok, `${label} should have failed`).toBe(false);
  const error = result.error;
  const text = `${label}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`;
  expect(error instanceof TablekitError, text).toBe(true);
  if (allowed === "connection") expect(error instanceof ConnectionError, text).toBe(true);
  else if (allowed === "ambiguous") expect(error instanceof AmbiguousCommitError, text).toBe(true);
  else expect(error instanceof ConnectionError || error instanceof AmbiguousCommitError, text).toBe(true);
}

/**
 * A private server for the fault tests, with the tables every one of them uses (`items`: 50,000
 * rows to read and stream; `acks`: acknowledged inserts; `loaded`: COPY's target), then `extra`
 * statements of the test's own, all in database `test`.
 */
export async function startFaultCluster(extra: readonly string[] = []): Promise<PgCluster> {
  const cluster = await PgCluster.start();
  const setup = [
    "CREATE TABLE items (id int PRIMARY KEY, s text NOT NULL)",
    "INSERT INTO items SELECT g, repeat('x', 40) FROM generate_series(1, 50000) g",
    "CREATE TABLE acks (id int PRIMARY KEY)",
    "CREATE TABLE loaded (id int, s text)",
    ...extra,
  ];
  for (const statement of setup) cluster.psql(statement, "test");
  return cluster;
}
