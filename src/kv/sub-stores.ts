/**
 * The sub-stores of a {@link KVStore} (`kv.table(name)`): one store per table name, opened once
 * even when asked for concurrently, forgotten when closed, and closed with the store that made them.
 *
 * @module
 */

/** What the registry needs of a store. */
interface Closable {
  readonly closed: boolean;
  close(): Promise<void>;
}

/** The open sub-stores of one store, by table name. */
export class SubStores<S extends Closable> {
  readonly #open = new Map<string, S>();
  readonly #opening = new Map<string, Promise<S>>();

  /** The sub-store of `name`: the open one, the one being opened, or a new one from `open`. */
  async get(name: string, open: () => Promise<S>): Promise<S> {
    const existing = this.#open.get(name);
    if (existing !== undefined && !existing.closed) return existing;
    // Concurrent calls for the same table share one opening.
    let opening = this.#opening.get(name);
    if (opening === undefined) {
      opening = open();
      this.#opening.set(name, opening);
      try {
        this.#open.set(name, await opening);
      } finally {
        this.#opening.delete(name);
      }
    }
    return opening;
  }

  /** Forgets `store`, closed on its own, if it still is the sub-store of `name`. */
  forget(name: string, store: S): void {
    if (this.#open.get(name) === store) this.#open.delete(name);
  }

  /** Closes every open sub-store. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.values()].map((store) => store.close()));
  }
}
