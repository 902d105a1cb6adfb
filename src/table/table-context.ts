/**
 * What the parts of a `Table` (reads, writes, pages, streams) need from the Table they serve: a
 * small context object the class makes once, in its constructor, and hands to each of them.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { TableInternals } from "./internal.js";
import type { TableMetadata } from "./metadata.js";
import type { Model } from "./model.js";

/** @internal A Table as its parts see it. */
export interface TableContext {
  /** The table name. */
  readonly name: string;
  /** The Database every call runs on. */
  readonly db: Database;
  /** The model input is validated with, if any. */
  readonly model: Model<unknown, unknown> | undefined;
  /** The Table as the relation loader sees it (for planning `include`). */
  readonly internals: TableInternals;
  /** The Table's metadata, loaded on first use. */
  readonly metadata: TableMetadata;
}

