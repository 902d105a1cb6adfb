/**
 * The names the docs' code blocks use without declaring them: the context their prose sets up
 * ("`db` is an open Database"). Each block is compiled as its own module with these globals in
 * scope (test/docs/doc-examples.ts); a block that declares the same name shadows it. Keep this
 * list short and general: a name only one block needs belongs in that block.
 */
import type { Database, KVStore } from "tablekit";

declare global {
  /** An open database (any backend). */
  const db: Database;
  /** A database on PostgreSQL. */
  const pg: Database;
  /** A key-value store. */
  const kv: KVStore;
}
