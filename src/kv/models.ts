/**
 * Validation with any Standard Schema (zod, valibot, ArkType, …) for `setModel` and `getModel`.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ValidationError, type ValidationIssue } from "../errors/errors.js";

/** Whether `schema` implements Standard Schema v1. */
export function isStandardSchema(schema: unknown): schema is StandardSchemaV1 {
  if ((typeof schema !== "object" && typeof schema !== "function") || schema === null) return false;
  const props = (schema as { "~standard"?: { version?: unknown; validate?: unknown } })["~standard"];
  return typeof props === "object" && props !== null && props.version === 1 && typeof props.validate === "function";
}

function issuePath(issue: StandardSchemaV1.Issue): (string | number)[] {
  const path: (string | number)[] = [];
  for (const segment of issue.path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    path.push(typeof key === "number" ? key : String(key));
  }
  return path;
}

/**
 * Validates `value` with `schema` and returns the schema's output (which may differ from the
 * input, e.g. after defaults or coercion). Failure is a {@link ValidationError} listing every
 * issue; `when` says whether the value was being written or read.
 */
export async function validateModel<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  when: "write" | "read",
): Promise<StandardSchemaV1.InferOutput<S>> {
  if (!isStandardSchema(schema)) {
    throw new ValidationError("The model must be a Standard Schema (zod, valibot, ArkType, …): an object with a \"~standard\" property of version 1", [
      { message: "not a Standard Schema", path: [] },
    ]);
  }
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return result.value as StandardSchemaV1.InferOutput<S>;
  const issues: ValidationIssue[] = result.issues.map((issue) => ({ message: issue.message, path: issuePath(issue) }));
  const first = issues[0];
  const where = first === undefined || first.path.length === 0 ? "" : ` at ${first.path.join(".")}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : "";
  const action = when === "write" ? "was not written" : "was stored but does not match the model";
  throw new ValidationError(`The value ${action}: ${first?.message ?? "invalid"}${where}${more}`, issues);
}
