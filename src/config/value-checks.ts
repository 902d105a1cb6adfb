/**
 * Checks of one option value each, throwing a ConfigError that names the option (and shows the
 * value only where it cannot be a secret).
 *
 * @module
 */
import { ConfigError } from "../errors/errors.js";
import { INVALID_HOST, isValidHost } from "./host-names.js";

/** A value for a message: strings quoted, other primitives as written, objects by their type only. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return typeof value;
}

/** Checks an optional string field (`nonEmpty`: and not empty). */
export function checkString(name: string, value: unknown, nonEmpty: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "string") throw new ConfigError(`${name} must be a string, got ${describeValue(value)}`);
  if (nonEmpty && value.length === 0) throw new ConfigError(`${name} must not be empty`);
}

/** Checks an optional integer field against a range. */
export function checkInteger(name: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be an integer ${range}, got ${describeValue(value)}`);
  }
}

/** Checks an optional duration in ms: a finite number ≥ 0. */
export function checkTimeout(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a finite number of milliseconds ≥ 0, got ${describeValue(value)}`);
  }
}

/** Checks an optional field against its valid values. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): void {
  if (value === undefined) return;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.map((v) => `"${v}"`).join(", ")}, got ${describeValue(value)}`);
  }
}

/** Checks an optional host field: a host name, IP address or socket directory (never shown: it may hold a password). */
export function checkHost(name: string, value: unknown): void {
  checkString(name, value, true);
  if (typeof value === "string" && !isValidHost(value)) throw new ConfigError(`${name} ${INVALID_HOST}`);
}

