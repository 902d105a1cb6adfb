/** Splitting migration scripts into statements: what ends a statement and what does not. */
import { describe, expect, it } from "vitest";
import { ScriptSyntaxProblem, splitStatements } from "../../src/sql/split-statements.js";

const sqls = (text: string, flavor: "postgres" | "sqlite") => {
  const result = splitStatements(text, flavor);
  if (result instanceof ScriptSyntaxProblem) throw new Error(result.message);
  return result.map((s) => s.sql);
};

describe("splitStatements", () => {
  it("ignores ';' in strings, identifiers and comments; skips empty statements; keeps lines", () => {
    const text = "-- head; comment\nSELECT 'a;b', \"c;d\" FROM t; ;\n/* x; */ SELECT 1 -- tail;\n;\n\n  INSERT INTO t VALUES ('it''s;')";
    const result = splitStatements(text, "sqlite");
    expect(result).toEqual([
      { sql: "SELECT 'a;b', \"c;d\" FROM t", index: 1, line: 2 },
      { sql: "SELECT 1 -- tail;", index: 2, line: 3 },
      { sql: "INSERT INTO t VALUES ('it''s;')", index: 3, line: 6 },
    ]);
  });

  it("PostgreSQL: dollar quoting, E'' strings, nested comments, BEGIN ATOMIC bodies", () => {
    expect(sqls("CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN 1; END; $fn$ LANGUAGE plpgsql; SELECT $$;$$", "postgres")).toEqual([
      "CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN 1; END; $fn$ LANGUAGE plpgsql",
      "SELECT $$;$$",
    ]);
    expect(sqls("SELECT E'a\\';b'; /* a /* b; */ c; */ SELECT 2", "postgres")).toEqual(["SELECT E'a\\';b'", "SELECT 2"]);
    expect(sqls("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3", "postgres")).toEqual([
      "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END",
      "SELECT 3",
    ]);
    // A transaction-control BEGIN is an ordinary statement.
    expect(sqls("BEGIN; SELECT 1; COMMIT", "postgres")).toEqual(["BEGIN", "SELECT 1", "COMMIT"]);
  });

  it("SQLite: trigger bodies, [..] and `..` identifiers", () => {
    expect(sqls("CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE x SET a = CASE WHEN 1 THEN 'p;q' END; DELETE FROM y; END; SELECT [a;b], `c;d`", "sqlite")).toEqual([
      "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE x SET a = CASE WHEN 1 THEN 'p;q' END; DELETE FROM y; END",
      "SELECT [a;b], `c;d`",
    ]);
  });

  it("reports unterminated strings, identifiers, dollar quotes and comments with their line", () => {
    for (const [text, flavor, message] of [
      ["SELECT 1;\nSELECT 'x", "sqlite", "an unterminated string literal"],
      ['SELECT "x', "postgres", "an unterminated quoted identifier"],
      ["SELECT 1;\n\nSELECT $a$ x", "postgres", "an unterminated dollar-quoted string"],
      ["/* never closed", "sqlite", "an unterminated /* comment"],
    ] as const) {
      const result = splitStatements(text, flavor);
      expect(result).toBeInstanceOf(ScriptSyntaxProblem);
      expect((result as ScriptSyntaxProblem).message).toBe(message);
    }
    expect((splitStatements("SELECT 1;\n\nSELECT $a$ x", "postgres") as ScriptSyntaxProblem).line).toBe(3);
  });
});
