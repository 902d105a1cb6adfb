/**
 * Models: any Standard Schema validator (zod, valibot, arktype, …) checks a Table's input before
 * any SQL runs. Every issue is collected, with its path, into one {@link ValidationError}.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ValidationError, type ValidationIssue } from "../errors/errors.js";
import { formatForMessage } from "../sql/identifiers.js";
import { isPlainObject } from "./internal.js";

/**
 * A model: any Standard Schema (https://standardschema.dev) whose output is a row object. Its
 * input type is what `create` accepts, its output type is the Table's row type.
 *
 * ```ts
 * import { z } from "zod";
 * const UserModel = z.object({ id: z.uuid().optional(), name: z.string().min(1), email: z.email() });
 * const users = new Table("users", { model: UserModel });   // rows typed { id?: string; name: string; email: string }
 * ```
 */
export type Model<Input = unknown, Output = Input> = StandardSchemaV1<Input, Output>;

/** @internal Throws unless `model` implements Standard Schema v1. */
export function checkModel(model: unknown, table: string): asserts model is Model<unknown, unknown> | undefined {
  if (model === undefined) return;
  const props = (model as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.["~standard"];
  if (props === undefined || props === null || props.version !== 1 || typeof props.validate !== "function") {
    throw new ValidationError(
      `The model of table ${formatForMessage(table)} must implement Standard Schema v1 (zod, valibot, arktype, …): an object with "~standard".validate`,
      [{ message: "not a Standard Schema", path: ["model"] }],
    );
  }
}

function segment(part: PropertyKey | StandardSchemaV1.PathSegment): string | number {
  const key = typeof part === "object" && part !== null ? part.key : part;
  return typeof key === "symbol" ? String(key) : key;
}

/**
 * @internal Validates `value`; on success returns the model's output (which must be a plain
 * object), on failure pushes every issue onto `issues` with `prefix` before its path and returns
 * undefined.
 */
export async function validateRow(
  model: Model<unknown, unknown>,
  value: unknown,
  prefix: readonly (string | number)[],
  issues: ValidationIssue[],
): Promise<Record<string, unknown> | undefined> {
  let result = model["~standard"].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues !== undefined) {
    for (const issue of result.issues) {
      issues.push({ message: String(issue.message), path: [...prefix, ...(issue.path ?? []).map(segment)] });
    }
    return undefined;
  }
  if (!isPlainObject(result.value)) {
    issues.push({ message: "the model's output must be a plain object of column values", path: [...prefix] });
    return undefined;
  }
  return result.value;
}

/** How many issues the message spells out; every one is in `issues`. */
const ISSUES_IN_MESSAGE = 3;

/** @internal The ValidationError for a model's issues: the message names the table and the first issues. */
export function modelError(table: string, what: string, issues: readonly ValidationIssue[]): ValidationError {
  let message = `Invalid ${what} for table ${formatForMessage(table)}: `;
  const shown = Math.min(issues.length, ISSUES_IN_MESSAGE);
  for (let i = 0; i < shown; i++) {
    const issue = issues[i]!;
    const path = issue.path.length === 0 ? "" : issue.path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replaceAll(".[", "[") + ": ";
    message += (i === 0 ? "" : "; ") + path + issue.message;
  }
  if (issues.length > shown) message += `; and ${issues.length - shown} more`;
  return new ValidationError(message, issues);
}
