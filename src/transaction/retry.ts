/**
 * The retry loop of `db.transaction`: re-runs the caller's whole callback (never a recording of its
 * statements) after a serialization failure, with exponential backoff and full jitter.
 *
 * @module
 */
import { AmbiguousCommitError, ConnectionError, SerializationError, TransactionRetryError, ValidationError } from "../errors/errors.js";
import { type TraceTarget, type TransactionTraceContext, retryChannel } from "../diagnostics/tracing.js";

/**
 * Called before a transaction runs again after a serialization failure: `attempt` is the attempt
 * that failed (1-based), `error` its failure, `delayMs` the backoff before the next attempt. For
 * logging and metrics; if it throws, the transaction stops and rejects with that error (the
 * failed attempt was already rolled back).
 */
export type RetryListener = (attempt: number, error: SerializationError, delayMs: number) => void;

/** How a transaction retries serialization failures. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5; 0 disables retrying. */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled on each retry. Default 5. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay in milliseconds. Default 500. */
  maxDelayMs?: number;
  /** Called before each retry; see {@link RetryListener}. */
  onRetry?: RetryListener;
}

/** {@link RetryOptions} with defaults filled in. */
export interface ResolvedRetryOptions {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly onRetry: RetryListener | undefined;
}

/** Defaults for {@link RetryOptions}. */
export const DEFAULT_RETRY = Object.freeze({ maxRetries: 5, baseDelayMs: 5, maxDelayMs: 500 });

function checkCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError(`${name} must be a non-negative integer, got ${String(value)}`, [
      { message: "must be a non-negative integer", path: [name] },
    ]);
  }
  return value;
}

/** Validates retry options, filling in defaults. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  if (options.onRetry !== undefined && typeof options.onRetry !== "function") {
    throw new ValidationError(`onRetry must be a function, got ${typeof options.onRetry}`, [{ message: "must be a function", path: ["onRetry"] }]);
  }
  return {
    maxRetries: checkCount("maxRetries", options.maxRetries, DEFAULT_RETRY.maxRetries),
    baseDelayMs: checkCount("baseDelayMs", options.baseDelayMs, DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: checkCount("maxDelayMs", options.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
    onRetry: options.onRetry,
  };
}

/** The delay before retry number `retry` (1-based): full jitter over an exponentially growing window. */
export function backoffDelay(retry: number, options: Pick<ResolvedRetryOptions, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * window);
}

/**
 * Retrying transactions whose connection was lost before COMMIT was sent (a failover: the primary
 * died, a standby is being promoted). Such an attempt did not commit (the server rolls back a
 * session that ends), so the callback can run again once a new primary accepts connections.
 */
export interface FailoverRetry {
  /** How long after the first such failure attempts are still made, in ms. */
  readonly windowMs: number;
  /** Whether retrying is pointless now (the Database is closing). */
  readonly stopped: () => boolean;
}

/** The delay before failover retry number `retry` (1-based): 50 ms doubling, at most 1 s. */
export function failoverDelay(retry: number): number {
  return Math.min(1_000, 50 * 2 ** (retry - 1));
}

/**
 * Runs `attempt(n)` (n = 1, 2, …) until it succeeds, retrying only {@link SerializationError}s
 * and, when `failover` is given, {@link ConnectionError}s (never an {@link AmbiguousCommitError}:
 * a connection lost during COMMIT may have committed). Other errors propagate unchanged. When
 * serialization retries run out, throws {@link TransactionRetryError} with the attempt count and
 * the last failure as `cause`; when the failover window has passed, the last ConnectionError.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: ResolvedRetryOptions,
  failover?: FailoverRetry,
  trace?: { target: () => TraceTarget; transaction?: TransactionTraceContext | undefined },
): Promise<T> {
  let serializationFailures = 0;
  let connectionFailures = 0;
  let firstLoss: number | undefined;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (failover !== undefined && error instanceof ConnectionError && !(error instanceof AmbiguousCommitError) && options.maxRetries > 0 && !failover.stopped()) {
        firstLoss ??= Date.now();
        const delay = failoverDelay(++connectionFailures);
        if (Date.now() + delay - firstLoss > failover.windowMs) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (!(error instanceof SerializationError)) throw error;
      if (++serializationFailures > options.maxRetries) {
        throw new TransactionRetryError(
          `The transaction failed after ${n} attempt${n === 1 ? "" : "s"} because of conflicting concurrent transactions: ${error.message}`,
          n,
          { cause: error, code: error.code },
        );
      }
      const delay = backoffDelay(serializationFailures, options);
      options.onRetry?.(n, error, delay);
      const wait = (): Promise<void> => (delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : Promise.resolve());
      if (trace !== undefined && retryChannel.hasSubscribers) {
        await retryChannel.tracePromise(wait, {
          ...trace.target(),
          attempt: n,
          error,
          delayMs: delay,
          ...(trace.transaction === undefined ? {} : { transaction: trace.transaction }),
        });
      } else {
        await wait();
      }
    }
  }
}
