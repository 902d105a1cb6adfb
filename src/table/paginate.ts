/**
 * `Table.paginate`: page-number pagination (`{ page, perPage }` → items, total, pages), or keyset
 * pagination (`{ orderBy, after, limit }` → items and the next page's cursor).
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { ValidationError } from "../errors/errors.js";
import { checkOptions } from "../crud/statements.js";
import { type TableMeta, checkOrderBy, isPlainObject, requireKey } from "./internal.js";
import { positiveInteger } from "./input.js";
import { readKeysetRows } from "./keyset-reads.js";
import { decodeCursor, encodeCursor, keysetTerms, takeKeys } from "./pagination.js";
import { finishRows, planRead } from "./read-plan.js";
import type { TableContext } from "./table-context.js";
import type { KeysetPage, Page } from "./types.js";

/** Default rows per page of page-number pagination. */
const DEFAULT_PER_PAGE = 20;

/** @internal `Table.paginate`: a keyset page when `after` or `limit` is given, else a numbered page. */
export async function paginateRows(ctx: TableContext, given: unknown): Promise<KeysetPage<unknown> | Page<unknown>> {
  const meta = ctx.metadata.current() ?? (await ctx.metadata.ready());
  const options = given as Record<string, unknown>;
  if (!isPlainObject(options)) throw new ValidationError("paginate needs an options object", [{ message: "must be an object", path: [] }]);
  checkOptions(options, ["where", "orderBy", "columns", "include", "page", "perPage", "after", "limit"], "paginate");
  const keyset = options["after"] !== undefined || options["limit"] !== undefined;
  if (keyset) {
    if (options["page"] !== undefined || options["perPage"] !== undefined) {
      throw new ValidationError("paginate takes either { page, perPage } or { after, limit }, not both", [{ message: "mixed pagination styles", path: [] }]);
    }
    return keysetPage(ctx, meta, options);
  }
  const page = positiveInteger(options["page"] ?? 1, "page");
  const perPage = positiveInteger(options["perPage"] ?? DEFAULT_PER_PAGE, "perPage");
  const { plans, sel, filter } = await planRead(ctx, meta, options);
  const where = filter as never;
  // Without an ordering, pages follow the primary key, so they neither overlap nor skip rows.
  const orderBy = (options["orderBy"] ?? meta.primaryKey) as never;
  const [total, rows] = await Promise.all([
    ctx.db.count(ctx.name, where),
    ctx.db.select<Row>(ctx.name, { where, orderBy, limit: perPage, offset: (page - 1) * perPage, columns: sel.fetch }),
  ]);
  return { items: await finishRows(ctx, rows, plans, sel), total, page, perPage, pages: Math.ceil(total / perPage) };
}

async function keysetPage(ctx: TableContext, meta: TableMeta, options: Record<string, unknown>): Promise<KeysetPage<unknown>> {
  const limit = positiveInteger(options["limit"], "limit");
  const terms = keysetTerms(checkOrderBy(meta, options["orderBy"] as never), requireKey(meta, "keyset pagination"), meta.numeric);
  const after = options["after"];
  const values = after === undefined || after === null ? undefined : decodeCursor(after, terms);
  const { plans, sel, filter } = await planRead(ctx, meta, options, terms.map((t) => t.column));
  const rows = await readKeysetRows(ctx, terms, sel.fetch, filter, values, limit + 1);
  const more = rows.length > limit;
  if (more) rows.length = limit;
  const last = takeKeys(terms, rows);
  const nextCursor = more && last !== undefined ? encodeCursor(terms, last) : null;
  return { items: await finishRows(ctx, rows, plans, sel), nextCursor };
}
