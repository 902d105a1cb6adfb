/**
 * The plain-object test every module shares.
 *
 * @module
 */

/**
 * Whether `value` is a plain object: `{ … }` or `Object.create(null)`, not an array, a Date, a
 * Buffer, a Map or a class instance.
 *
 * ```ts
 * isPlainObject({ a: 1 }); // true
 * isPlainObject(new Date()); // false
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
