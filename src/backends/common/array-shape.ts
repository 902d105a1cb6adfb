/**
 * The shape rule of PostgreSQL's array input, checked before a value is sent (PostgreSQL) or
 * stored (SQLite), so that both backends refuse the same arrays whatever the server version:
 * PostgreSQL 15 refuses `'{{}}'`, PostgreSQL 18 reads it as an empty array.
 *
 * @module
 */

/**
 * What is wrong with the shape of a (possibly nested) JS array bound for an array column, or
 * undefined when PostgreSQL's array input accepts it: sub-arrays may not be mixed with other
 * elements, may not be empty, and must have matching dimensions.
 */
export function arrayShapeProblem(value: readonly unknown[]): string | undefined {
  const shape = (items: readonly unknown[]): string => {
    const arrays = items.filter((item) => Array.isArray(item)) as unknown[][];
    if (arrays.length === 0) return `${items.length}`;
    if (arrays.length !== items.length) throw new ShapeProblem("a multidimensional array mixes sub-arrays with other elements");
    const inner = arrays.map((a) => {
      if (a.length === 0) throw new ShapeProblem("a multidimensional array has an empty sub-array");
      return shape(a);
    });
    if (inner.some((s) => s !== inner[0])) throw new ShapeProblem("the sub-arrays of a multidimensional array must have matching dimensions");
    return `${items.length}x${inner[0]}`;
  };
  try {
    shape(value);
    return undefined;
  } catch (error) {
    if (error instanceof ShapeProblem) return error.message;
    throw error;
  }
}

class ShapeProblem extends Error {}
