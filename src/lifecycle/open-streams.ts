/**
 * The streams a Database has open outside transactions, so that `close()` can end the ones their
 * consumer abandoned (an iterator that was neither read to the end nor `return()`ed), instead of
 * waiting for them for ever.
 *
 * A stream counts as abandoned once the Database is closing and its consumer has not asked for a
 * row for {@link STREAM_IDLE_GRACE_MS}: a loop still reading (and working on each row) keeps its
 * stream alive and `close()` waits for it, as for any running call. An ended stream releases its
 * cursor and connection at once, and the consumer's next `next()` rejects with a
 * {@link ConnectionError} (never a quiet, truncated end).
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import type { Row } from "../backends/contract.js";
import { ConnectionError } from "../errors/errors.js";

/**
 * How long a stream may go without its consumer asking for a row, while its Database is closing,
 * before `close()` ends it (ms).
 */
export const STREAM_IDLE_GRACE_MS = 1_000;

/** @internal A stream of row batches that its Database may end early; see the module documentation. */
export interface BatchSource extends AsyncIterable<Row[]> {
  /**
   * Called each time the consumer asks for the next row: throws the {@link ConnectionError} when
   * `close()` ended the stream, else records that the stream is in use.
   */
  checkpoint?(): void;
}

interface Entry {
  inner: AsyncIterator<Row[]> | undefined;
  /** Whether the driver is producing a batch right now (never ended then). */
  busy: boolean;
  lastPull: number;
  ended: ConnectionError | undefined;
  ending: Promise<void> | undefined;
}

/** @internal The open streams of one Database. */
export class OpenStreams {
  readonly #open = new Set<Entry>();

  /**
   * Wraps `open` (a generator that enters and leaves the Database's in-flight count itself) so
   * that {@link OpenStreams.endAbandoned} can end it.
   */
  track(open: () => AsyncIterator<Row[]>): BatchSource {
    const entry: Entry = { inner: undefined, busy: false, lastPull: performance.now(), ended: undefined, ending: undefined };
    const streams = this.#open;
    return {
      checkpoint(): void {
        if (entry.ended !== undefined) throw entry.ended;
        entry.lastPull = performance.now();
      },
      async *[Symbol.asyncIterator](): AsyncGenerator<Row[]> {
        streams.add(entry);
        let finished = false;
        try {
          for (;;) {
            if (entry.ended !== undefined) throw entry.ended;
            entry.busy = true;
            let next: IteratorResult<Row[]>;
            try {
              entry.inner ??= open();
              next = await entry.inner.next();
            } catch (error) {
              finished = true;
              throw error;
            } finally {
              entry.busy = false;
              entry.lastPull = performance.now();
            }
            if (next.done === true) {
              finished = true;
              return;
            }
            yield next.value;
          }
        } finally {
          streams.delete(entry);
          if (entry.ending !== undefined) await entry.ending;
          else if (!finished && entry.inner !== undefined) await entry.inner.return?.();
        }
      },
    };
  }

  /**
   * While the Database is closing: every `tickMs`, ends the streams whose consumer has not asked
   * for a row for `graceMs`, until `drained` (no call in flight any more) resolves.
   */
  async endAbandoned(drained: Promise<void>, graceMs = STREAM_IDLE_GRACE_MS, tickMs = Math.max(10, graceMs / 4)): Promise<void> {
    let done = false;
    void drained.then(() => (done = true));
    while (!done) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, tickMs)))]);
      clearTimeout(timer);
      if (done) return;
      const now = performance.now();
      for (const entry of this.#open) {
        if (entry.busy || entry.ended !== undefined || now - entry.lastPull < graceMs) continue;
        entry.ended = new ConnectionError(
          `The Database was closed while this stream was open and unread for ${graceMs} ms; the stream was ended before its last row (read it to the end, or break out of the loop, before close())`,
        );
        const inner = entry.inner;
        entry.ending = inner === undefined ? Promise.resolve() : Promise.resolve(inner.return?.()).then(() => undefined, () => undefined);
      }
    }
  }
}
