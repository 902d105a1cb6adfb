/**
 * The backend contract's old path, kept for the modules of src/kv until they import
 * src/backends/contract.ts themselves (see docs/architecture.md).
 *
 * @module
 */
export type * from "../backends/contract.js";
