/**
 * The checks of a {@link KVStore} call's arguments, made before any SQL runs: keys, the pairs of
 * a batch (encoded once, so a value that cannot be stored fails before anything is written), and
 * the keys of a batch delete.
 *
 * @module
 */
import { ValidationError } from "../errors/errors.js";
import { encodeValue } from "./codec.js";

/** A {@link ValidationError} with one issue at `path`. */
export function invalid(message: string, path: (string | number)[]): ValidationError {
  return new ValidationError(message, [{ message, path }]);
}

/** A key must be a well-formed string without U+0000 (which PostgreSQL cannot store). */
export function checkKey(key: unknown, path: (string | number)[] = ["key"]): asserts key is string {
  if (typeof key !== "string") throw invalid(`A key must be a string, not ${key === null ? "null" : typeof key}`, path);
  if (key.indexOf("\u0000") !== -1) throw invalid("A key cannot contain the character U+0000 (PostgreSQL cannot store it)", path);
  if (!(key as string & { isWellFormed(): boolean }).isWellFormed()) throw invalid("A key cannot contain a lone UTF-16 surrogate", path);
}

/** One pair of a batch: the codec text and the value it encodes. */
export interface EncodedPair<V> {
  /** The codec text. */
  text: string;
  /** The value given. */
  value: V;
}

/** The pairs of `update`/`batchUpdate`, validated and encoded before any SQL runs (last value of a repeated key wins). */
export function encodeEntries<V>(entries: Readonly<Record<string, V>> | Iterable<readonly [string, V]>): Map<string, EncodedPair<V>> {
  const out = new Map<string, EncodedPair<V>>();
  const add = (key: unknown, value: V, path: (string | number)[]): void => {
    checkKey(key, path);
    try {
      out.set(key, { text: encodeValue(value), value });
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(error.message, error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
      throw error;
    }
  };
  if (typeof entries !== "object" || entries === null) throw invalid("Pass an object of key/value pairs, a Map, or an iterable of [key, value] pairs", []);
  if (Symbol.iterator in entries) {
    let i = 0;
    for (const pair of entries as Iterable<readonly [string, V]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw invalid("Each entry must be a [key, value] pair", [i]);
      add(pair[0], pair[1], [i++]);
    }
  } else {
    for (const key of Object.keys(entries)) add(key, (entries as Record<string, V>)[key] as V, [key]);
  }
  return out;
}

/** The distinct keys of `batchDelete`, checked, in the order given. */
export function checkKeyList(keys: Iterable<string>): string[] {
  if (typeof keys !== "object" || keys === null || !(Symbol.iterator in keys) || typeof keys === "string") {
    throw invalid("batchDelete takes an array (or iterable) of keys", []);
  }
  const unique = new Set<string>();
  let i = 0;
  for (const key of keys) {
    checkKey(key, [i++]);
    unique.add(key);
  }
  return [...unique];
}
