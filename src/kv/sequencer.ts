/**
 * Ordering for a {@link KVStore}: writes to one key run one after another in call order, store-wide
 * operations run alone, and a database read may fill the cache only when no write that could make
 * it stale finished (or is undecided in an open transaction) while it ran.
 *
 * Writes are ordered because PostgreSQL runs statements from a pool of connections, and SQLite
 * may retry a busy statement after a later one: without ordering, the database could end with one
 * write and the cache with another. Reads are not ordered; instead each read notes the store's
 * generation when it starts, every finished write stamps its key with a newer generation (only
 * while reads are in flight, so the stamps stay few), and a read whose key was stamped after it
 * started does not fill the cache: the write already put the newer value there.
 *
 * @module
 */

/** A group of keyed writes started between two store-wide operations. */
export class Epoch {
  /** Writes of this epoch not yet finished. */
  count = 0;
  /** Called when `count` drops to 0, if a store-wide operation is waiting for this epoch. */
  drained: (() => void) | undefined;

  constructor(
    /** The store-wide operation that must finish before this epoch's writes run (undefined once it has). */
    public barrier: Promise<void> | undefined,
  ) {}
}

/** A place in one key's write order. */
export class Slot {
  /** Set when the write must wait before running. */
  ready: Promise<void> | undefined;
  /** Whether the write has finished. */
  done = false;
  /** Wakes the next write to the same key, when one waits. */
  wake: (() => void) | undefined;

  /** A place among the writes of `epoch`. */
  constructor(readonly epoch: Epoch) {}
}

/** Resolves once the previous write to a key has finished and the epoch's barrier has lifted. */
async function waitFor(previous: Slot | undefined, epoch: Epoch): Promise<void> {
  if (previous !== undefined && !previous.done) await new Promise<void>((resolve) => (previous.wake = resolve));
  if (epoch.barrier !== undefined) await epoch.barrier;
}

/** What the sequencer needs to know of a transaction scope: whether its outermost level is still open. */
export interface ScopeLike {
  /** Whether this level (the transaction or a savepoint) still runs statements. */
  readonly active: boolean;
  /** The outermost level: its `active` turns false when the transaction commits or rolls back. */
  readonly root: { readonly active: boolean };
}

/** The ordering state of one store. */
export class Sequencer {
  readonly #tails = new Map<string, Slot>();
  #epoch = new Epoch(undefined);
  #gen = 0;
  #floor = 0;
  #readers = 0;
  readonly #stamps = new Map<string, number>();
  readonly #transactions = new Set<{ readonly active: boolean }>();

  /**
   * Takes the next place in `key`'s write order (synchronously, at the call) and returns it; the
   * caller awaits `slot.ready` when set, writes, then calls {@link Sequencer.leave} in a `finally`.
   * `ready` waits for the previous write to `key` and for any store-wide operation requested earlier.
   */
  enter(key: string): Slot {
    const epoch = this.#epoch;
    epoch.count++;
    const previous = this.#tails.get(key);
    const slot = new Slot(epoch);
    this.#tails.set(key, slot);
    if (previous !== undefined || epoch.barrier !== undefined) slot.ready = waitFor(previous, epoch);
    return slot;
  }

  /** Gives up a place taken with {@link Sequencer.enter}: the next write to the key may run. */
  leave(key: string, slot: Slot): void {
    slot.done = true;
    if (slot.wake !== undefined) slot.wake();
    if (this.#tails.get(key) === slot) this.#tails.delete(key);
    const epoch = slot.epoch;
    if (--epoch.count === 0 && epoch.drained !== undefined) epoch.drained();
  }

  /** Runs `op`, a write to `key`, in `key`'s write order (see {@link Sequencer.enter}). */
  async keyed<T>(key: string, op: () => Promise<T>): Promise<T> {
    const slot = this.enter(key);
    try {
      if (slot.ready !== undefined) await slot.ready;
      return await op();
    } finally {
      this.leave(key, slot);
    }
  }

  /**
   * Runs `op` alone: after every keyed write and store-wide operation requested before it, and
   * before any requested after it. Reads are not held up.
   */
  async exclusive<T>(op: () => Promise<T>): Promise<T> {
    const previous = this.#epoch;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const next = new Epoch(done);
    this.#epoch = next;
    try {
      if (previous.barrier !== undefined) await previous.barrier;
      if (previous.count > 0) await new Promise<void>((resolve) => (previous.drained = resolve));
      return await op();
    } finally {
      next.barrier = undefined;
      finish();
    }
  }

  /** Whether any keyed write or store-wide operation is queued or running. */
  get busy(): boolean {
    return this.#epoch.count > 0 || this.#epoch.barrier !== undefined;
  }

  /** Marks the start of a database read that may fill the cache; returns its start generation. */
  beginRead(): number {
    this.#readers++;
    return this.#gen;
  }

  /** Marks the end of a read begun with {@link Sequencer.beginRead} (after any fill). */
  endRead(): void {
    if (--this.#readers === 0 && this.#stamps.size !== 0) this.#stamps.clear();
  }

  /** Whether a read of `key` that began at generation `start` may put its result in the cache. */
  mayFill(key: string, start: number): boolean {
    if (start < this.#floor) return false;
    // Settling a finished transaction raises the floor, so the floor is checked again after it.
    if (this.#transactions.size !== 0 && !this.#transactionsSettled()) return false;
    if (start < this.#floor) return false;
    if (this.#stamps.size === 0) return true;
    const stamp = this.#stamps.get(key);
    return stamp === undefined || stamp <= start;
  }

  /** Records that a write to `key` finished (successfully or not): reads already running must not fill it. */
  written(key: string): void {
    if (this.#readers !== 0) this.#stamps.set(key, ++this.#gen);
  }

  /** Records a change to many keys: no read running now may fill the cache. */
  writtenAll(): void {
    this.#floor = ++this.#gen;
  }

  /**
   * Records a write made inside an open transaction: until that transaction ends, no read fills
   * the cache (its outcome is unknown, and reads outside it see the old value).
   */
  writtenInTransaction(scope: ScopeLike): void {
    this.#transactions.add(scope.root);
    this.writtenAll();
  }

  /** Forgets finished transactions; true when none is open. Reads that overlapped one never fill. */
  #transactionsSettled(): boolean {
    for (const scope of this.#transactions) {
      if (!scope.active) {
        this.#transactions.delete(scope);
        this.writtenAll();
      }
    }
    return this.#transactions.size === 0;
  }
}
