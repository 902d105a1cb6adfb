/**
 * The edge between tablekit's one SQL form and the driver: a statement is a `sql` fragment until
 * here, where its placeholders are written in the dialect's style (`?` on SQLite, `$n` on
 * PostgreSQL). {@link renderStatement} is the only place tablekit writes placeholders; the
 * statement shape cache (crud/shape-cache.ts) memoizes its text per statement shape.
 *
 * @module
 */
import type { RenderedSql, SqlFragment } from "./sql-tag.js";

/** What rendering needs from a dialect: its placeholder for a 1-based parameter index. */
export interface PlaceholderStyle {
  /** `"?"` on SQLite, `"$n"` on PostgreSQL. */
  placeholder(index: number): string;
}

/**
 * Renders a statement's fragment for the driver: the text with the dialect's placeholders and the
 * values in placeholder order (as they are in the fragment: already encoded for tablekit's own
 * statements; `execute` encodes a caller's).
 *
 * ```ts
 * renderStatement(sql`SELECT * FROM ${sql.id("t")} WHERE id = ${1}`, dialect);
 * // { sql: 'SELECT * FROM "t" WHERE id = $1', params: [1] } on PostgreSQL
 * ```
 */
export function renderStatement(fragment: SqlFragment, dialect: PlaceholderStyle): RenderedSql {
  return fragment.render(dialect.placeholder);
}
