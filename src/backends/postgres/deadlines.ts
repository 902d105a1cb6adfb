/**
 * queryTimeoutMs without a timer per statement: one interval per pool checks the statements in
 * flight and expires those past the limit.
 *
 * A `setTimeout` + `clearTimeout` pair cost 2.2–3.3 µs per statement in a micro-benchmark on the
 * (loaded) development machine, and even `performance.now()` 0.26–0.45 µs: several percent of a
 * pipelined point read. Here a statement costs one small object, linked while it waits and
 * unlinked as soon as it is answered (an entry left linked until the next check kept the
 * statement's closure, and with it its result, alive into the old generation: +11–19% CPU per
 * point read, measured), and reads no clock: a check stamps each entry it sees for the first time with the check's own time, which is never
 * before the entry was added, and expires entries stamped at least `timeoutMs` ago. So an entry
 * expires never before `timeoutMs` and, while the event loop runs, within `timeoutMs` + two
 * check intervals (an interval is 1/20 of the limit, between 10 ms and 1 s).
 *
 * @module
 */

/** One wait for an answer. */
export interface Deadline {
  /** The time of the first check that saw the entry (-1 until then). */
  started: number;
  expire: (() => void) | undefined;
  previous: Deadline | undefined;
  next: Deadline | undefined;
}

/** See the module documentation. */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #every: number;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** @param timeoutMs The limit; must be > 0. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#every = Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 20)));
  }

  /** Calls `expire` once `timeoutMs` have passed, unless {@link Deadlines.done} is called first. */
  add(expire: () => void): Deadline {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#check(), this.#every);
      // Waiting statements keep the process alive by their sockets; the check itself must not.
      this.#timer.unref();
    }
    const entry: Deadline = { started: -1, expire, previous: this.#tail, next: undefined };
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    return entry;
  }

  /**
   * The wait ended in time (or failed by itself): the entry is unlinked at once, so that nothing
   * it refers to (the statement, its result) outlives the statement. Idempotent.
   */
  done(entry: Deadline): void {
    if (entry.expire === undefined) return;
    entry.expire = undefined;
    const { previous, next } = entry;
    if (previous === undefined) this.#head = next;
    else previous.next = next;
    if (next === undefined) this.#tail = previous;
    else next.previous = previous;
    entry.previous = entry.next = undefined;
  }

  #check(): void {
    const now = performance.now();
    // Only waits still in flight are linked: as many as statements awaiting an answer.
    for (let entry = this.#head; entry !== undefined; ) {
      const next = entry.next;
      if (entry.started < 0) entry.started = now;
      else if (now - entry.started >= this.#timeoutMs) {
        const expire = entry.expire;
        this.done(entry);
        expire?.();
      }
      entry = next;
    }
  }

  /** Stops checking (the pool closed). Entries still in flight never expire. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#head = undefined;
    this.#tail = undefined;
  }
}
