/**
 * Builds one flat {@link SqlFragment} piece by piece: trusted text (keywords, and identifiers
 * validated and quoted as `sql.id` does), bound values, and other fragments spliced in flat. The
 * statement builders (crud/statements.ts) use it so that a statement is one fragment with no
 * nesting, rendered for the driver in one loop (sql/render.ts).
 *
 * @module
 */
import { SqlFragment } from "./sql-tag.js";

/** An appender of text, values and fragments; {@link FragmentBuilder.build} gives the fragment. */
export class FragmentBuilder {
  readonly #strings: string[] = [];
  readonly #values: unknown[] = [];
  #current = "";

  /** Appends trusted SQL text (never user input: identifiers go through `quoteIdentifier(assertIdentifier(…))`). */
  text(text: string): this {
    this.#current += text;
    return this;
  }

  /** Appends a bound value (already encoded for the dialect). */
  value(value: unknown): this {
    this.#strings.push(this.#current);
    this.#values.push(value);
    this.#current = "";
    return this;
  }

  /** Appends a fragment's text and values in place, flattening any fragments nested in it. */
  fragment(fragment: SqlFragment): this {
    const strings = fragment.strings;
    const values = fragment.values;
    this.#current += strings[0]!;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value instanceof SqlFragment) this.fragment(value);
      else this.value(value);
      this.#current += strings[i + 1]!;
    }
    return this;
  }

  /** The fragment built so far. */
  build(): SqlFragment {
    return new SqlFragment([...this.#strings, this.#current], this.#values);
  }
}
