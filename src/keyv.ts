/**
 * `tablekit/keyv`: a [Keyv](https://keyv.org) storage adapter on tablekit's KVStore.
 *
 * ```ts
 * import Keyv from "keyv";
 * import { KeyvTablekit } from "tablekit/keyv";
 *
 * const keyv = new Keyv({ store: new KeyvTablekit({ url: "sqlite:cache.db" }) });
 * ```
 *
 * @packageDocumentation
 */
// FIRST, as in the main entry point: a clear failure on an unsupported Node.js.
import "./node-version.js";
export { KeyvTablekit, type KeyvTablekitEntry, type KeyvTablekitOptions, type KeyvTablekitOpts } from "./kv/keyv-adapter.js";
