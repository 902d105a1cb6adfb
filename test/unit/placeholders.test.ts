import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { ValidationError } from "../../src/errors/errors.js";
import { questionToDollar } from "../../src/sql/placeholders.js";

function t(sql: string): { sql: string; count: number } {
  return questionToDollar(sql);
}

describe("questionToDollar: placeholders", () => {
  it("numbers ? placeholders in order", () => {
    expect(t("SELECT * FROM t WHERE a = ? AND b = ?")).toEqual({
      sql: "SELECT * FROM t WHERE a = $1 AND b = $2",
      count: 2,
    });
  });

  it("handles placeholders at the edges and without spaces", () => {
    expect(t("?")).toEqual({ sql: "$1", count: 1 });
    expect(t("?,?")).toEqual({ sql: "$1,$2", count: 2 });
    expect(t("a=?")).toEqual({ sql: "a=$1", count: 1 });
    expect(t("(?)")).toEqual({ sql: "($1)", count: 1 });
  });

  it("goes past nine parameters", () => {
    const sql = "VALUES (" + Array.from({ length: 12 }, () => "?").join(", ") + ")";
    expect(t(sql)).toEqual({
      sql: "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      count: 12,
    });
  });

  it("returns statements without placeholders unchanged", () => {
    const sql = "SELECT 1";
    const result = t(sql);
    expect(result).toEqual({ sql: "SELECT 1", count: 0 });
    expect(result.sql).toBe(sql);
    expect(t("")).toEqual({ sql: "", count: 0 });
  });

  it("leaves casts, arithmetic and lone symbols alone", () => {
    expect(t("SELECT ?::int, ?::text[]")).toEqual({ sql: "SELECT $1::int, $2::text[]", count: 2 });
    expect(t("SELECT 1 - ? / ? * 2")).toEqual({ sql: "SELECT 1 - $1 / $2 * 2", count: 2 });
    expect(t("SELECT 1e5 = ?, 0x1F = ?")).toEqual({ sql: "SELECT 1e5 = $1, 0x1F = $2", count: 2 });
    expect(t("SELECT $ ?")).toEqual({ sql: "SELECT $ $1", count: 1 });
    expect(t("SELECT $abc ?")).toEqual({ sql: "SELECT $abc $1", count: 1 });
    expect(t("SELECT a */ ?")).toEqual({ sql: "SELECT a */ $1", count: 1 });
  });
});

describe("questionToDollar: literals are untouched", () => {
  it("skips single-quoted strings with doubled quotes", () => {
    expect(t("SELECT 'it''s ?', ?")).toEqual({ sql: "SELECT 'it''s ?', $1", count: 1 });
    expect(t("SELECT '', ?")).toEqual({ sql: "SELECT '', $1", count: 1 });
    expect(t("SELECT '''?''', ?")).toEqual({ sql: "SELECT '''?''', $1", count: 1 });
  });

  it("treats a backslash in a standard string as an ordinary character", () => {
    expect(t("SELECT '\\' = ?")).toEqual({ sql: "SELECT '\\' = $1", count: 1 });
  });

  it("skips E'...' strings with backslash escapes", () => {
    expect(t("SELECT E'\\'?', ?")).toEqual({ sql: "SELECT E'\\'?', $1", count: 1 });
    expect(t("SELECT e'\\'?', ?")).toEqual({ sql: "SELECT e'\\'?', $1", count: 1 });
    expect(t("SELECT E'\\\\' = ?")).toEqual({ sql: "SELECT E'\\\\' = $1", count: 1 });
    expect(t("SELECT E'a''?' , ?")).toEqual({ sql: "SELECT E'a''?' , $1", count: 1 });
  });

  it("recognises E only as a word of its own", () => {
    // xe'\' is the word xe followed by the standard string '\'; the ? after it is a placeholder.
    expect(t("SELECT xe'\\' , ?")).toEqual({ sql: "SELECT xe'\\' , $1", count: 1 });
    // E'\' , ?' is one escape string.
    expect(t("SELECT E'\\' , ?'")).toEqual({ sql: "SELECT E'\\' , ?'", count: 0 });
  });

  it("skips other prefixed strings", () => {
    expect(t("SELECT U&'?', B'1', X'1F', N'?', ?")).toEqual({
      sql: "SELECT U&'?', B'1', X'1F', N'?', $1",
      count: 1,
    });
  });

  it("skips double-quoted identifiers with doubled quotes", () => {
    expect(t('SELECT "a""?" FROM t WHERE x = ?')).toEqual({ sql: 'SELECT "a""?" FROM t WHERE x = $1', count: 1 });
    expect(t('SELECT "?" , ?')).toEqual({ sql: 'SELECT "?" , $1', count: 1 });
  });

  it("skips line comments up to the end of the line", () => {
    expect(t("SELECT ? -- why?\n, ?")).toEqual({ sql: "SELECT $1 -- why?\n, $2", count: 2 });
    expect(t("SELECT ? -- why?\r, ?")).toEqual({ sql: "SELECT $1 -- why?\r, $2", count: 2 });
    expect(t("SELECT ? -- why? 'unterminated")).toEqual({ sql: "SELECT $1 -- why? 'unterminated", count: 1 });
  });

  it("skips nested block comments", () => {
    expect(t("SELECT /* a /* ? */ ? */ ?")).toEqual({ sql: "SELECT /* a /* ? */ ? */ $1", count: 1 });
    expect(t("SELECT /* ' */ ?")).toEqual({ sql: "SELECT /* ' */ $1", count: 1 });
    expect(t("SELECT /**/ ?")).toEqual({ sql: "SELECT /**/ $1", count: 1 });
  });

  it("skips dollar-quoted bodies", () => {
    expect(t("SELECT $$ ? $$, ?")).toEqual({ sql: "SELECT $$ ? $$, $1", count: 1 });
    expect(t("SELECT $fn$ ? $$ ? $fn$, ?")).toEqual({ sql: "SELECT $fn$ ? $$ ? $fn$, $1", count: 1 });
    expect(t("SELECT $a1$ ? 'x $a1$, ?")).toEqual({ sql: "SELECT $a1$ ? 'x $a1$, $1", count: 1 });
    expect(t("SELECT $é$ ? $é$, ?")).toEqual({ sql: "SELECT $é$ ? $é$, $1", count: 1 });
    expect(t("SELECT $_$?$_$?")).toEqual({ sql: "SELECT $_$?$_$$1", count: 1 });
  });

  it("does not take a $ inside an identifier for a dollar quote", () => {
    expect(t("SELECT a$b$ FROM t WHERE x = ? AND y$ = ?")).toEqual({
      sql: "SELECT a$b$ FROM t WHERE x = $1 AND y$ = $2",
      count: 2,
    });
    // Digits, then an identifier containing "$" (a regression found by the property test below).
    expect(t("SELECT 2.5foo$barfoo$bar, $1")).toEqual({ sql: "SELECT 2.5foo$barfoo$bar, $1", count: 1 });
    expect(t("SELECT 5x$a$ ?")).toEqual({ sql: "SELECT 5x$a$ $1", count: 1 });
  });

  it("ignores comment and quote openers inside literals", () => {
    expect(t("SELECT '--', '/*', \"'\", ?")).toEqual({ sql: "SELECT '--', '/*', \"'\", $1", count: 1 });
  });

  it("leaves unterminated literals as they are", () => {
    expect(t("SELECT '?")).toEqual({ sql: "SELECT '?", count: 0 });
    expect(t("SELECT \"?")).toEqual({ sql: "SELECT \"?", count: 0 });
    expect(t("SELECT E'\\")).toEqual({ sql: "SELECT E'\\", count: 0 });
    expect(t("SELECT $$ ?")).toEqual({ sql: "SELECT $$ ?", count: 0 });
    expect(t("SELECT $x$ ?")).toEqual({ sql: "SELECT $x$ ?", count: 0 });
    expect(t("SELECT /* /* */ ?")).toEqual({ sql: "SELECT /* /* */ ?", count: 0 });
  });
});

describe("questionToDollar: ?? and $n", () => {
  it("turns ?? into a literal ? operator", () => {
    expect(t("SELECT data ?? 'k', data ??| array['a'], data ??& array['b'] FROM t WHERE id = ?")).toEqual({
      sql: "SELECT data ? 'k', data ?| array['a'], data ?& array['b'] FROM t WHERE id = $1",
      count: 1,
    });
    expect(t("SELECT ???")).toEqual({ sql: "SELECT ?$1", count: 1 });
    expect(t("SELECT ????")).toEqual({ sql: "SELECT ??", count: 0 });
  });

  it("does not touch ?? inside literals", () => {
    expect(t("SELECT '??', ?")).toEqual({ sql: "SELECT '??', $1", count: 1 });
  });

  it("returns $n statements unchanged with the highest n as count", () => {
    const sql = "SELECT * FROM t WHERE a = $2 AND b = $1";
    const result = t(sql);
    expect(result).toEqual({ sql, count: 2 });
    expect(result.sql).toBe(sql);
    expect(t("SELECT $10")).toEqual({ sql: "SELECT $10", count: 10 });
    expect(t("SELECT '$5', $1")).toEqual({ sql: "SELECT '$5', $1", count: 1 });
  });

  it("allows ?? next to $n parameters", () => {
    expect(t("SELECT data ?? $1")).toEqual({ sql: "SELECT data ? $1", count: 1 });
  });

  it("rejects mixing ? placeholders with $n parameters", () => {
    expect(() => t("SELECT ?, $1")).toThrow(ValidationError);
    expect(() => t("SELECT $1, ?")).toThrow(
      "Cannot mix ? placeholders and $n parameters in one statement: use one style (write ?? for a literal ? operator)",
    );
    expect(() => t("SELECT $0, ?")).toThrow(ValidationError);
  });

  it("does not count $n inside literals as mixing", () => {
    expect(t("SELECT '$1', \"$2\", $$ $3 $$, E'$4', ? /* $5 */ -- $6\n")).toEqual({
      sql: "SELECT '$1', \"$2\", $$ $3 $$, E'$4', $1 /* $5 */ -- $6\n",
      count: 1,
    });
  });
});

// ---- property tests ----

function body(tokens: readonly string[], maxLength = 6): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...tokens), { maxLength }).map((parts) => parts.join(""));
}

const singleQuoted = body(["a", " ", "?", "??", "''", '"', "$1", "$$", "--", "/*", "\\", "é"]).map((b) => `'${b}'`);
const escapeString = fc
  .tuple(fc.constantFrom("E", "e"), body(["a", " ", "?", "''", "\\'", "\\\\", "\\?", '"', "$1", "--"]))
  .map(([prefix, b]) => `${prefix}'${b}'`);
const quotedIdentifier = body(["a", " ", "?", '""', "'", "$1", "--", "/*"]).map((b) => `"${b}"`);
const lineComment = fc
  .tuple(body(["a", " ", "?", "'", '"', "$1", "/*", "*/", "$$"]), fc.constantFrom("\n", "\r"))
  .map(([b, end]) => `--${b}${end}`);
const flatComment = body(["a", " ", "?", "'", '"', "$1", "--", "$$", "\n"]);
const blockComment = fc
  .tuple(flatComment, fc.option(flatComment.map((inner) => `/*${inner}*/`)), flatComment)
  .map(([a, nested, b]) => `/*${a}${nested ?? ""}${b}*/`);
const dollarQuoted = fc
  .tuple(fc.constantFrom("", "tag", "x1", "_q", "é"), body(["a", " ", "?", "'", '"', "--", "/*", "$1", "\n"]))
  .map(([tag, b]) => `$${tag}$${b}$${tag}$`);
const plain = body(["a", "b", "x1", "=", "<>", ",", "(", ")", "::", "1", "2.5", "+", "foo$bar", "E", "e"], 4);

const literal = fc.oneof(singleQuoted, escapeString, quotedIdentifier, lineComment, blockComment, dollarQuoted);

type Piece = { kind: "literal" | "plain"; text: string } | { kind: "placeholder" } | { kind: "operator" };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  literal.map((text) => ({ kind: "literal" as const, text })),
  plain.map((text) => ({ kind: "plain" as const, text })),
  fc.constant({ kind: "placeholder" as const }),
  fc.constant({ kind: "operator" as const }),
);

describe("questionToDollar: properties", () => {
  it("numbers exactly the ? placeholders and keeps every literal byte-identical", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        let input = "";
        let expected = "";
        let count = 0;
        for (const p of pieces) {
          // A space between pieces keeps words from merging with the next piece (E + '...', a$ + $tag$).
          input += " ";
          expected += " ";
          if (p.kind === "placeholder") {
            count++;
            input += "?";
            expected += "$" + count;
          } else if (p.kind === "operator") {
            input += "??";
            expected += "?";
          } else {
            input += p.text;
            expected += p.text;
          }
        }
        expect(questionToDollar(input)).toEqual({ sql: expected, count });
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves $n statements unchanged and reports the highest n", () => {
    const numbered = fc.integer({ min: 1, max: 40 });
    const item = fc.oneof(
      literal.map((text) => ({ text, n: 0 })),
      plain.map((text) => ({ text, n: 0 })),
      numbered.map((n) => ({ text: "$" + n, n })),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), (items) => {
        const input = items.map((i) => " " + i.text).join("");
        const highest = items.reduce((max, i) => Math.max(max, i.n), 0);
        const result = questionToDollar(input);
        expect(result.sql).toBe(input);
        expect(result.count).toBe(highest);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but ValidationError and never changes text around the placeholders", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."?$'\"-/*\\Ee1a \n:") }), (sql) => {
        try {
          const result = questionToDollar(sql);
          // Only ?, $ and digits may change (a ? becomes $n, ?? becomes ?); everything else stays in place.
          expect(result.sql.replace(/[?$0-9]/g, "")).toBe(sql.replace(/[?$0-9]/g, ""));
          expect(result.count).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
