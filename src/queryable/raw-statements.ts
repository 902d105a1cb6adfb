/**
 * A statement a caller gives `execute` (and `executeCount`, `executeMany`, `fetchOne`, `stream`):
 * a `sql` fragment, or SQL text with `?` placeholders (or the dialect's own), turned into the
 * dialect's text and encoded values.
 *
 * @module
 */
import type { SqlDialect } from "../backends/contract.js";
import { ValidationError } from "../errors/errors.js";
import { questionMarkFragment } from "../sql/placeholders.js";
import { renderStatement } from "../sql/render.js";
import { type SqlFragment, isSqlFragment } from "../sql/sql-tag.js";

/** Rendered texts of `?` statements, by their text (the same few statements repeat). */
const PLACEHOLDER_CACHE = new Map<string, string>();

/** A statement ready for the driver: the dialect's text and the encoded values. */
export interface PreparedStatement {
  /** SQL text with the dialect's placeholders. */
  sql: string;
  /** Values encoded for the dialect. */
  params: unknown[];
}

/**
 * Turns `?`/`$n` text or a `sql` fragment into the dialect's SQL with encoded values. A fragment
 * is rendered at the edge (sql/render.ts); text with `?` is read into a fragment shape by the SQL
 * lexer where the dialect numbers its parameters (`rewritesQuestionMarks`), and its rendered text
 * is memoized; text already in the dialect's form passes as it is. Refuses (with
 * {@link ValidationError}) what is neither, params next to a fragment, and params that are not an array.
 */
export function prepareStatement(dialect: SqlDialect, query: string | SqlFragment, params: readonly unknown[] | undefined): PreparedStatement {
  if (isSqlFragment(query)) {
    if (params !== undefined && params.length > 0) {
      throw new ValidationError("Pass values inside the sql`` template, not as a separate params array", [
        { message: "unexpected params", path: ["params"] },
      ]);
    }
    const rendered = renderStatement(query, dialect);
    return { sql: rendered.sql, params: rendered.params.map(dialect.encodeValue) };
  }
  if (typeof query !== "string" || query.trim() === "") {
    throw new ValidationError("execute needs a SQL string or a sql`` fragment", [{ message: "invalid query", path: ["sql"] }]);
  }
  if (params !== undefined && !Array.isArray(params)) {
    throw new ValidationError("params must be an array", [{ message: "must be an array", path: ["params"] }]);
  }
  let text = query;
  if (dialect.rewritesQuestionMarks) {
    let rendered = PLACEHOLDER_CACHE.get(query);
    if (rendered === undefined) {
      const shape = questionMarkFragment(query);
      rendered = shape === undefined ? query : renderStatement(shape, dialect).sql;
      if (PLACEHOLDER_CACHE.size >= 1000) PLACEHOLDER_CACHE.clear();
      PLACEHOLDER_CACHE.set(query, rendered);
    }
    text = rendered;
  }
  return { sql: text, params: params === undefined ? [] : params.map(dialect.encodeValue) };
}
