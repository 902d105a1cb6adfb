/**
 * The symbol keys of {@link Queryable}'s methods for tablekit's own modules: not exported from
 * the package, so only tablekit can call them (re-exported by queryable.ts).
 *
 * @module
 */

// The key of Queryable's method for statements tablekit builds itself (declared with the backend
// contract, where the backends' key-value adapters see it too).
/** @internal */
export { runOwnStatement } from "../backends/contract.js";

/**
 * The key of {@link Queryable}'s method that gives the Database's driver (for the schema-version
 * reads of the value checks); not exported from the package.
 * @internal
 */
export const ownDriver: unique symbol = Symbol("tablekit.ownDriver");

/**
 * The key of {@link Queryable}'s method that gives the SQL dialect it builds statements for (a
 * Table's filters and pages); not exported from the package.
 * @internal
 */
export const dialectOf: unique symbol = Symbol("tablekit.dialectOf");

/**
 * The key of {@link Queryable}'s method for reads tablekit composes itself (a Table's pages);
 * not exported from the package.
 * @internal
 */
export const executeRead: unique symbol = Symbol("tablekit.executeRead");

/** @internal The key of {@link Queryable}'s filter context for statements a Table builds itself. */
export const filterContextFor: unique symbol = Symbol("tablekit.filterContextFor");
