/**
 * The command's building blocks without a database: value encoding, type inference and
 * conversion, table rendering, the progress bar, index definitions and redaction.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CoercionError, coerceValue, columnKind, inferColumnTypes } from "../../src/cli/column-kinds.js";
import { redactForOutput } from "../../src/cli/common.js";
import { csvLine } from "../../src/cli/commands/export-command.js";
import { parseIndexDefinition } from "../../src/cli/commands/indexes.js";
import { valueFromText } from "../../src/cli/commands/kv-commands.js";
import { renderTable, renderTsv } from "../../src/cli/output.js";
import { createProgress, formatDuration, progressLine } from "../../src/cli/progress.js";
import { formatFromPath } from "../../src/cli/record-readers.js";
import { cellText, parseJson, toJson } from "../../src/cli/values.js";

describe("values", () => {
  it("toJson writes bigints exactly, bytes as \\x hex, Maps and Sets as arrays", () => {
    expect(toJson({ id: 12345678901234567890n, b: Buffer.from([0, 255]), d: new Date(0), m: new Map([["k", 1]]), s: new Set([1]) })).toBe(
      '{"id":12345678901234567890,"b":"\\\\x00ff","d":"1970-01-01T00:00:00.000Z","m":[["k",1]],"s":[1]}',
    );
  });

  it("parseJson keeps integers beyond 2^53 exact and leaves the rest alone", () => {
    expect(parseJson('{"a":9007199254740993,"b":1.5,"c":12}')).toEqual({ a: 9007199254740993n, b: 1.5, c: 12 });
  });

  it("cellText: NULL is null, booleans are words, objects are JSON", () => {
    expect([null, undefined, true, 3n, "", { a: 1 }, new Uint8Array([10])].map(cellText)).toEqual([null, null, "true", "3", "", '{"a":1}', "\\x0a"]);
  });

  it("csvLine quotes the empty string but not NULL", () => {
    expect(csvLine(["a", "", null, "x,y", 'q"q'])).toBe('a,"",,"x,y","q""q"\n');
  });

  it("formatFromPath reads the extension", () => {
    expect([formatFromPath("a.JSONL"), formatFromPath("b.ndjson"), formatFromPath("c.csv"), formatFromPath("d.json"), formatFromPath("e.tsv.gz"), formatFromPath("f.txt")]).toEqual(["jsonl", "jsonl", "csv", "json", "tsv", undefined]);
  });

  it("kv set parses JSON when it can, else keeps the text", () => {
    expect([valueFromText("42", false), valueFromText("hello", false), valueFromText('"q"', false), valueFromText("42", true)]).toEqual([42, "hello", "q", "42"]);
  });
});

describe("column kinds", () => {
  it("recognises the type names of every backend", () => {
    const kinds = {
      integer: ["INTEGER", "bigint", "smallint", "INT8", "int"],
      float: ["DOUBLE PRECISION", "real", "FLOAT8"],
      decimal: ["numeric(10,2)", "DECIMAL TEXT(10,2)"],
      boolean: ["BOOLEAN", "bool"],
      json: ["jsonb", "JSONB TEXT", "json"],
      bytes: ["bytea", "BYTEA BLOB", "BYTES BLOB"],
      timestamp: ["timestamp with time zone", "TIMESTAMPTZ TEXT", "timestamp without time zone"],
      date: ["date", "DATE TEXT"],
      text: ["TEXT", "character varying", "uuid", "STRING"],
      other: ["interval", "point"],
    };
    for (const [kind, names] of Object.entries(kinds)) for (const name of names) expect(columnKind(name), name).toBe(kind);
  });

  it("converts text and JSON values for their column, and refuses what does not fit", () => {
    expect(coerceValue("integer", "42", true)).toBe(42);
    expect(coerceValue("integer", "9007199254740993", true)).toBe(9007199254740993n);
    expect(coerceValue("float", " 2.5 ", true)).toBe(2.5);
    expect(coerceValue("decimal", 9.5, false)).toBe("9.5");
    expect(coerceValue("boolean", "No", true)).toBe(false);
    expect(coerceValue("json", '{"a":[1]}', true)).toEqual({ a: [1] });
    expect(coerceValue("json", '{"a":[1]}', false)).toBe('{"a":[1]}');
    expect(coerceValue("bytes", "\\x0aff", false)).toEqual(Buffer.from([10, 255]));
    expect(coerceValue("timestamp", "2024-01-02T03:04:05Z", true)).toEqual(new Date("2024-01-02T03:04:05Z"));
    expect(coerceValue("text", 5, false)).toBe("5");
    expect(coerceValue("text", { a: 1 }, false)).toBe('{"a":1}');
    expect(coerceValue("integer", null, false)).toBeNull();
    for (const [kind, value] of [["integer", "4.5"], ["integer", true], ["float", "abc"], ["boolean", "maybe"], ["json", "{"], ["bytes", "0aff"], ["timestamp", "soon"], ["date", "01/02/2024"]] as const) {
      expect(() => coerceValue(kind, value, true), `${kind} ${String(value)}`).toThrow(CoercionError);
    }
    expect(() => coerceValue("integer", "three", true)).toThrow('expected an integer, got "three"');
  });

  it("infers conservative types: BIGINT, DOUBLE PRECISION, BOOLEAN, JSONB, else TEXT", () => {
    const records = [
      { i: 1, f: 1, b: true, j: { a: 1 }, s: "x", mixed: 1, nulls: null },
      { i: 2, f: 1.5, b: false, j: [1], s: "y", mixed: "one" },
    ];
    expect(inferColumnTypes(records, ["i", "f", "b", "j", "s", "mixed", "nulls"], false)).toEqual({
      i: "BIGINT",
      f: "DOUBLE PRECISION",
      b: "BOOLEAN",
      j: "JSONB",
      s: "TEXT",
      mixed: "TEXT",
      nulls: "TEXT",
    });
    const csv = [
      { n: "1", d: "2.5", b: "TRUE", zip: "007", exp: "1e3", big: "99999999999999999999" },
      { n: "-20", d: "3", b: "false", zip: "10", exp: "2", big: "1" },
    ];
    expect(inferColumnTypes(csv, ["n", "d", "b", "zip", "exp", "big"], true)).toEqual({
      n: "BIGINT",
      d: "DOUBLE PRECISION",
      b: "BOOLEAN",
      zip: "TEXT",
      exp: "TEXT",
      big: "TEXT",
    });
  });
});

describe("output", () => {
  it("renderTable aligns by display width: wide CJK characters take two columns, combining accents none", () => {
    const out = renderTable(["name", "n"], [{ name: "東京", n: 1 }, { name: "e\u0301te\u0301", n: 2 }, { name: "abcd", n: 3 }]);
    expect(out).toBe(" name | n\n------+---\n 東京 | 1\n e\u0301te\u0301  | 2\n abcd | 3\n(3 rows)\n");
  });

  it("renderTable right-aligns number columns and counts rows", () => {
    expect(renderTable(["n", "name"], [{ n: 5, name: "a" }, { n: 120, name: null }])).toBe(" n   | name\n-----+------\n   5 | a\n 120 | NULL\n(2 rows)\n");
    expect(renderTable([], [])).toBe("(0 rows)\n");
  });

  it("renderTsv escapes backslashes, tabs and line breaks", () => {
    expect(renderTsv(["a"], [{ a: "x\ty\\z\nw" }, { a: null }])).toBe("a\nx\\ty\\\\z\\nw\n\n");
  });
});

describe("progress", () => {
  it("progressLine shows the bar, percentage, rows, rate and ETA", () => {
    expect(progressLine("import t", 500, 25, 100, 2000)).toBe("import t  [######------------------]   25%  500 rows  250 rows/s  ETA 0:06");
    expect(progressLine("export t", 1, 1, undefined, 1000)).toBe("export t  1 row  1 rows/s");
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("draws at most once an interval, erases itself, and prints nothing when disabled", () => {
    const written: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (written.push(chunk.toString()), cb()) });
    let now = 0;
    const progress = createProgress({ enabled: true, stream, label: "x", now: () => now, intervalMs: 100 });
    progress.update(1);
    now = 50;
    progress.update(2);
    now = 150;
    progress.update(3);
    progress.finish();
    progress.finish();
    expect(written).toHaveLength(3);
    expect(written[1]).toContain("3 rows");
    expect(written[2]).toBe("\r\x1b[K");
    const silent: string[] = [];
    const off = createProgress({ enabled: false, stream: new Writable({ write: (c: Buffer, _e, cb) => (silent.push(c.toString()), cb()) }), label: "x" });
    off.update(10);
    off.finish();
    expect(silent).toEqual([]);
  });
});

describe("indexes and redaction", () => {
  it("parseIndexDefinition reads PostgreSQL and CockroachDB definitions", () => {
    expect(parseIndexDefinition("CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)")).toEqual({ unique: true, partial: false, columns: ["id"] });
    expect(parseIndexDefinition("CREATE INDEX t_x ON public.t USING btree (lower(name), age DESC) WHERE (age > 1)")).toEqual({
      unique: false,
      partial: true,
      columns: ["lower(name)", "age DESC"],
    });
    expect(parseIndexDefinition("CREATE INDEX t_y ON defaultdb.public.t (a ASC, b ASC)").columns).toEqual(["a ASC", "b ASC"]);
  });

  it("redactForOutput hides passwords from --db, DATABASE_URL and PGPASSWORD wherever they appear", () => {
    const argv = ["tables", "--db", "postgres://u:p%40ss@h/db"];
    expect(redactForOutput("auth failed for p@ss at postgres://u:p%40ss@h/db", argv, {})).toBe("auth failed for *** at postgres://u:***@h/db");
    expect(redactForOutput("x hunter2 y", [], { DATABASE_URL: "postgres://u@h/db?password=hunter2" })).toBe("x *** y");
    expect(redactForOutput("pw is envpw", [], { PGPASSWORD: "envpw" })).toBe("pw is ***");
  });
});
