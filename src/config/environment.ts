/**
 * Reading defaults from the environment: libpq's `PG*` variables, for the dialects whose client
 * reads them (the backend registry says which).
 *
 * @module
 */
import { serverDefaultsOf } from "../backends/registry.js";
import type { DialectName } from "./option-values.js";

/** The environment variables a config is resolved against (`process.env` by default). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** `value`, or undefined when it is empty. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

/**
 * A reader of libpq's variables (`PGUSER`, `PGSSLMODE` …) for `dialect`: a variable's non-empty
 * value, or undefined for every variable when the dialect's client does not read them
 * (CockroachDB's).
 */
export function libpqVariables(env: Environment, dialect: DialectName): (name: string) => string | undefined {
  const reads = serverDefaultsOf(dialect).libpqEnvironment;
  return (name) => (reads ? nonEmpty(env[name]) : undefined);
}
