/**
 * Statements issued in the same tick to one connection leave in one system call.
 *
 * pg writes each statement's messages separately (corked per statement), so pipelined statements
 * cost a `writev` each: 40% of the CPU time of point reads at concurrency 32 in the profile
 * (`tsx bench/profile.ts postgres-read-c32`). Corking the socket until the tick's end lets the
 * statements that callers issue together (answers arrive in bursts, and their callers' next
 * statements follow within the same tick) go out as one write.
 *
 * @module
 */
import type pg from "pg";

interface Corkable {
  cork(): void;
  uncork(): void;
}

const corked = new WeakSet<Corkable>();

/** Holds the client's writes until the end of the current tick (once per tick and socket). */
export function coalesceWrites(client: pg.ClientBase): void {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  if (stream === undefined || typeof stream.cork !== "function" || typeof stream.uncork !== "function") return;
  const socket = stream as Corkable;
  if (corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  process.nextTick(() => {
    corked.delete(socket);
    socket.uncork();
  });
}
