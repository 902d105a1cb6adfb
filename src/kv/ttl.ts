/**
 * Time to live in a {@link KVStore}: a write's `ttl` becomes an absolute expiry (epoch
 * milliseconds, 0 for none) stored with the row, as Keyv stores `expires`; a key whose expiry has
 * passed reads as absent whether or not its row was purged; a background timer deletes expired rows.
 *
 * @module
 */
import { checkOptions } from "../crud/statements.js";
import { invalid } from "./input.js";
import type { KVSetOptions } from "./store-options.js";

/** The expiry a write's options give (0: none), checked before any SQL runs. */
export function expiryOf(options: KVSetOptions | undefined): number {
  if (options === undefined || options === null) return 0;
  if (typeof options !== "object") throw invalid("options must be an object such as { ttl: 60_000 }", ["options"]);
  checkOptions(options, ["ttl"], "KVStore writes"); // a misspelled { tll } must not store without expiry
  const ttl = options.ttl;
  if (ttl === undefined) return 0;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) throw invalid("ttl must be a positive, finite number of milliseconds", ["options", "ttl"]);
  const expires = Date.now() + Math.ceil(ttl);
  // Beyond 2^53 ms the expiry is no exact integer (PostgreSQL's BIGINT refused its exponent text).
  if (!Number.isSafeInteger(expires)) throw invalid("ttl is too large: the expiry time must stay below 2^53 ms since 1970 (about 285,000 years)", ["options", "ttl"]);
  return expires;
}

/** Whether a row or cache entry with this expiry is still live at `now`. */
export function isLive(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now;
}

/**
 * Calls `purge` every `intervalMs` (none for 0) until the returned stop function is called; the
 * timer never keeps the process alive, and a failed purge is left for the next tick.
 */
export function startPurgeTimer(intervalMs: number, purge: () => Promise<unknown> | undefined): () => void {
  if (intervalMs === 0) return () => undefined;
  const timer = setInterval(() => {
    purge()?.catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
