/**
 * `Table.getOrCreate`: the row matching a filter of column values, or a new one made of the
 * defaults and the filter, correct under concurrency when the filter covers a UNIQUE constraint
 * (the insert is `ON CONFLICT DO NOTHING`; a call that loses the race reads the winner's row).
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { CommittedButUnreadableError, UnsafeIntegerError, ValidationError, type ValidationIssue } from "../errors/errors.js";
import { formatForMessage } from "../sql/identifiers.js";
import { sql } from "../sql/sql-tag.js";
import type { Where } from "../sql/where.js";
import { checkData, hideColumns, isPlainObject } from "./internal.js";
import { checkedInput } from "./input.js";
import type { TableContext } from "./table-context.js";

/** @internal The row found or created, and whether this call created it. */
export interface FoundOrCreated {
  readonly row: Row;
  readonly created: boolean;
}

/** @internal `Table.getOrCreate`: see its TSDoc. */
export async function getOrCreateRow(ctx: TableContext, where: unknown, defaults: unknown): Promise<FoundOrCreated> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  if (!isPlainObject(where) || Object.keys(where).length === 0) {
    throw new ValidationError("getOrCreate needs where: an object of column values, e.g. { email }", [{ message: "required", path: ["where"] }]);
  }
  const problems: ValidationIssue[] = [];
  for (const [column, value] of Object.entries(where)) {
    if (value === undefined || Array.isArray(value) || isPlainObject(value)) {
      problems.push({ message: "must be a column value (operators are not allowed: the values are also written)", path: ["where", column] });
    }
  }
  if (problems.length > 0) throw new ValidationError(`Invalid getOrCreate filter for table ${formatForMessage(ctx.name)}: ${problems.map((p) => p.path[1]).join(", ")} must be column values`, problems);
  checkData(meta, where, "getOrCreate where");
  checkData(meta, defaults, "getOrCreate defaults");
  // On the primary: a replica that lags would miss the row the insert below then conflicts with.
  const find = () => ctx.db.primary(() => ctx.db.selectOne<Row>(ctx.name, meta.visible === undefined ? { where: where as Where } : { where: where as Where, columns: meta.visible }));
  const existing = await find();
  if (existing !== null) return { row: existing, created: false };
  const data = await checkedInput(ctx, meta, { ...(defaults as Row), ...(where as Row) }, "getOrCreate data");
  const columns = Object.keys(data).filter((c) => data[c] !== undefined);
  const insert =
    columns.length === 0
      ? sql`INSERT INTO ${sql.id(ctx.name)} DEFAULT VALUES ON CONFLICT DO NOTHING RETURNING *`
      : sql`INSERT INTO ${sql.id(ctx.name)} (${sql.join(columns.map((c) => sql.id(c)))}) VALUES (${sql.join(columns.map((c) => data[c]))}) ON CONFLICT DO NOTHING RETURNING *`;
  let inserted: Row | undefined;
  try {
    inserted = (await ctx.db.execute<Row>(insert))[0];
  } catch (error) {
    if (error instanceof UnsafeIntegerError && !ctx.metadata.inTransaction()) {
      throw new CommittedButUnreadableError(
        `The getOrCreate insert on table ${formatForMessage(ctx.name)} was committed, but the returned row could not be read: ${error.message}. Do not retry it.`,
        { cause: error },
      );
    }
    throw error;
  }
  if (inserted !== undefined) return { row: hideColumns(meta, inserted), created: true };
  const winner = await find();
  if (winner !== null) return { row: winner, created: false };
  // The conflict was on another unique column than `where`: a plain insert raises its UniqueViolationError.
  return { row: hideColumns(meta, await ctx.db.insert<Row>(ctx.name, data)), created: true };
}
