import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/errors.js";
import { registerSqliteFunctions } from "../../src/backends/sqlite/sqlite-functions.js";
import { translateCreateTable } from "../../src/backends/sqlite/sqlite-schema.js";
import {
  decodeBoolean,
  decodeDate,
  decodeDecimal,
  decodeJson,
  decodeTimestamp,
  encodeSqliteValue,
} from "../../src/backends/sqlite/sqlite-types.js";
import { valueKindOfDeclaredType, type ValueKind } from "../../src/backends/common/declared-types.js";

describe("valueKindOfDeclaredType", () => {
  const cases: ReadonlyArray<readonly [string | null, ValueKind]> = [
    [null, "other"],
    ["", "other"],
    // translated spellings
    ["DECIMAL TEXT(10,2)", "decimal"],
    ["NUMERIC TEXT", "decimal"],
    ["JSONB TEXT", "json"],
    ["JSON TEXT", "json"],
    ["ARRAY JSON TEXT", "json"],
    ["TIMESTAMPTZ TEXT", "timestamp"],
    ["TIMESTAMPTZ TEXT(6)", "timestamp"],
    ["TIMESTAMP TEXT", "timestamp"],
    ["DATE TEXT", "date"],
    ["TIME TEXT", "text"],
    ["TIMETZ TEXT", "text"],
    ["UUID TEXT", "text"],
    ["INET TEXT", "text"],
    ["BYTEA BLOB", "bytes"],
    ["BYTES BLOB", "bytes"],
    ["INTEGER", "integer"],
    // plain user types
    ["BOOLEAN", "boolean"],
    ["bool", "boolean"],
    ["JSON", "json"],
    ["jsonb", "json"],
    ["TEXT_ARRAY JSON TEXT", "json"],
    ["TEXT[]", "json"],
    ["DATETIME", "timestamp"],
    ["TIMESTAMP", "timestamp"],
    ["timestamp with time zone", "timestamp"],
    ["DATE", "date"],
    ["NUMERIC", "decimal"],
    ["decimal(10, 2)", "decimal"],
    ["BLOB", "bytes"],
    ["BIGINT", "integer"],
    ["INT8", "integer"],
    ["int", "integer"],
    ["SMALLINT", "integer"],
    ["UNSIGNED BIG INT", "integer"],
    ["BIGSERIAL", "integer"],
    ["VARCHAR(20)", "text"],
    ["CHARACTER VARYING(30)", "text"],
    ["TEXT", "text"],
    ["CLOB", "text"],
    ["STRING", "text"],
    ["UUID", "text"],
    ["REAL", "other"],
    ["FLOAT8", "other"],
    ["DOUBLE PRECISION", "other"],
    ["INTERVAL", "other"],
    ["POINT", "other"],
    ["my_enum", "other"],
  ];
  it.each(cases)("%j → %s", (declared, kind) => {
    expect(valueKindOfDeclaredType(declared)).toBe(kind);
    // cached result is the same
    expect(valueKindOfDeclaredType(declared)).toBe(kind);
  });
});

describe("decodeTimestamp", () => {
  it("reads ISO-8601 extended years (±YYYYYY, written by other tools) as Dates, as PostgreSQL does (issue 14)", () => {
    for (const text of ["+010000-01-01T00:00:00.000Z", "-000001-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "-271821-04-20T00:00:00.000Z"]) {
      const read = decodeTimestamp(text);
      expect(read).toBeInstanceOf(Date);
      expect((read as Date).toISOString()).toBe(text);
    }
  });

  it.each([
    ["2026-11-23T10:00:00.000Z", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23T12:00:00.123+02:00", "2026-11-23T10:00:00.123Z"],
    ["2026-11-23 12:30:00+0230", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23 05:00:00-05", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23 10:00:00", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23 10:00:00.5", "2026-11-23T10:00:00.500Z"],
    ["2026-11-23T10:00:00.123456Z", "2026-11-23T10:00:00.123Z"],
    ["2026-11-23 10:00", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23", "2026-11-23T00:00:00.000Z"],
    ["0099-01-01T00:00:00Z", "0099-01-01T00:00:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["1795428000000", "2026-11-23T10:00:00.000Z"],
  ])("%s", (input, iso) => {
    const d = decodeTimestamp(input);
    expect(d).toBeInstanceOf(Date);
    expect((d as Date).toISOString()).toBe(iso);
  });

  it("decodes unix milliseconds given as number or bigint", () => {
    expect((decodeTimestamp(1795428000000) as Date).toISOString()).toBe("2026-11-23T10:00:00.000Z");
    expect((decodeTimestamp(1795428000000n) as Date).toISOString()).toBe("2026-11-23T10:00:00.000Z");
  });

  it("returns null, Dates and unparseable values unchanged", () => {
    expect(decodeTimestamp(null)).toBeNull();
    const d = new Date();
    expect(decodeTimestamp(d)).toBe(d);
    for (const bad of ["infinity", "not a date", "2026-13-01", "2026-02-30", "2023-02-29", "2026-11-23T25:00:00Z", "2026-11-23T10:00:00+02:99"]) {
      expect(decodeTimestamp(bad)).toBe(bad);
    }
    expect(decodeTimestamp(Number.NaN)).toBeNaN();
    const buf = Buffer.from("x");
    expect(decodeTimestamp(buf)).toBe(buf);
  });
});

describe("decodeBoolean", () => {
  it("decodes numbers, bigints and text", () => {
    expect([0, 1, 0n, 1n, 2].map(decodeBoolean)).toEqual([false, true, false, true, true]);
    expect(["t", "f", "true", "FALSE", " yes ", "off", "1", "0"].map(decodeBoolean)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(decodeBoolean(true)).toBe(true);
    expect(decodeBoolean(null)).toBeNull();
    expect(decodeBoolean("maybe")).toBe("maybe");
  });
});

describe("decodeJson", () => {
  it("parses text and leaves everything else", () => {
    expect(decodeJson('{"a":[1,"x",null]}')).toEqual({ a: [1, "x", null] });
    expect(decodeJson("123")).toBe(123);
    expect(decodeJson('"hello"')).toBe("hello");
    expect(decodeJson("null")).toBeNull();
    expect(decodeJson(null)).toBeNull();
    expect(decodeJson("not json")).toBe("not json");
    expect(decodeJson(5)).toBe(5);
    const buf = Buffer.from("{}");
    expect(decodeJson(buf)).toBe(buf);
  });
});

describe("decodeDecimal", () => {
  it("turns numbers into exact plain text", () => {
    expect(decodeDecimal(19.99)).toBe("19.99");
    expect(decodeDecimal(12345678901234.99)).toBe("12345678901234.99");
    expect(decodeDecimal(1e21)).toBe("1000000000000000000000");
    expect(decodeDecimal(-1.5e-7)).toBe("-0.00000015");
    expect(decodeDecimal(1.25e-10)).toBe("0.000000000125");
    expect(decodeDecimal(-0)).toBe("0");
    expect(decodeDecimal(42)).toBe("42");
    expect(decodeDecimal(12345678901234567890123n)).toBe("12345678901234567890123");
    expect(decodeDecimal("19.990")).toBe("19.990");
    expect(decodeDecimal(null)).toBeNull();
  });
});

describe("decodeDate", () => {
  it("returns YYYY-MM-DD text", () => {
    expect(decodeDate("2026-11-23")).toBe("2026-11-23");
    expect(decodeDate("2026-11-23T00:00:00.000Z")).toBe("2026-11-23");
    expect(decodeDate(new Date("2026-11-23T10:00:00Z"))).toBe("2026-11-23");
    expect(decodeDate("2026-11-23T00:00:00+05:00")).toBe("2026-11-23T00:00:00+05:00");
    expect(decodeDate(null)).toBeNull();
  });
});

describe("encodeSqliteValue", () => {
  it("converts JavaScript values for binding", () => {
    expect(encodeSqliteValue(true)).toBe(1);
    expect(encodeSqliteValue(false)).toBe(0);
    expect(encodeSqliteValue(undefined)).toBeNull();
    expect(encodeSqliteValue(null)).toBeNull();
    expect(encodeSqliteValue("s")).toBe("s");
    expect(encodeSqliteValue(1.5)).toBe(1.5);
    expect(encodeSqliteValue(5)).toBe(5n);
    expect(encodeSqliteValue(-0)).toBe(0n);
    expect(encodeSqliteValue(2 ** 53)).toBe(2 ** 53);
    expect(() => encodeSqliteValue(Number.NaN)).toThrow(ValidationError); // SQLite would store NULL (issue 14)
    expect(encodeSqliteValue(2n ** 60n)).toBe(2n ** 60n);
    expect(encodeSqliteValue(new Date("2026-11-23T10:00:00Z"))).toBe("2026-11-23T10:00:00.000Z");
    expect(encodeSqliteValue({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(encodeSqliteValue([1, "x"])).toBe('[1,"x"]');
    expect(encodeSqliteValue(Object.assign(Object.create(null) as object, { k: 1 }))).toBe('{"k":1}');
    expect(encodeSqliteValue({ toJSON: () => "v" })).toBe('"v"');
  });

  it("keeps Buffers and views Uint8Arrays without copying", () => {
    const buf = Buffer.from([1, 2, 3]);
    expect(encodeSqliteValue(buf)).toBe(buf);
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    const view = backing.subarray(1, 4);
    const encoded = encodeSqliteValue(view) as Buffer;
    expect(Buffer.isBuffer(encoded)).toBe(true);
    expect([...encoded]).toEqual([1, 2, 3]);
    backing[2] = 7;
    expect([...encoded]).toEqual([1, 7, 3]);
  });

  it("rejects unstorable values with ValidationError", () => {
    const circular: Record<string, unknown> = {};
    circular["self"] = circular;
    for (const bad of [
      () => 1,
      Symbol("s"),
      new Date(Number.NaN),
      new Map([[1, 2]]),
      new Set([1]),
      new (class Foo {})(),
      new Int32Array(2),
      circular,
      { n: 1n },
    ]) {
      expect(() => encodeSqliteValue(bad)).toThrow(ValidationError);
    }
  });
});

describe("round trip through a real SQLite table", () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(":memory:");
    registerSqliteFunctions(db);
  });
  afterEach(() => {
    db.close();
  });

  const decoders: Record<ValueKind, (v: unknown) => unknown> = {
    boolean: decodeBoolean,
    json: decodeJson,
    timestamp: decodeTimestamp,
    decimal: decodeDecimal,
    bytes: (v) => v,
    integer: (v) => v,
    date: decodeDate,
    text: (v) => v,
    other: (v) => v,
  };

  function selectDecoded(sql: string, ...params: unknown[]): Record<string, unknown>[] {
    const stmt = db.prepare(sql).safeIntegers(true);
    const kinds = stmt.columns().map((c) => [c.name, valueKindOfDeclaredType(c.type)] as const);
    return (stmt.all(...params.map(encodeSqliteValue)) as Record<string, unknown>[]).map((row) => {
      const out: Record<string, unknown> = {};
      for (const [name, kind] of kinds) out[name] = decoders[kind](row[name]);
      return out;
    });
  }

  it("stores and reads back the example schema with PostgreSQL's JavaScript types", () => {
    db.pragma("foreign_keys = ON");
    db.exec(translateCreateTable("teams", { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "STRING" }, { ifNotExists: true }));
    db.exec(
      translateCreateTable(
        "people",
        {
          id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
          name: "TEXT NOT NULL",
          email: "STRING UNIQUE",
          active: "BOOLEAN DEFAULT TRUE",
          n: "INT8",
          price: "DECIMAL(10,2)",
          created_at: "TIMESTAMPTZ DEFAULT now()",
          meta: "JSONB",
          data: "BYTES",
          team_id: "UUID REFERENCES teams(id) ON DELETE CASCADE",
          age: "INTEGER CHECK (age >= 0)",
          birthday: "DATE",
          tags: "TEXT[] DEFAULT '{}'",
          // unique_rowid() outside an integer key is refused (no other backend has it): a 64-bit literal default instead.
          rid: "INT8 DEFAULT 9007199254740993",
        },
        { ifNotExists: true },
      ),
    );
    const team = db.prepare("INSERT INTO teams (name) VALUES (?) RETURNING id").get("core") as { id: string };

    const insert = db.prepare(
      "INSERT INTO people (name, email, active, n, price, created_at, meta, data, team_id, age, birthday, tags) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const created = new Date("2026-11-23T10:00:00.123Z");
    const values = [
      "Ada",
      "ada@example.com",
      false,
      9007199254740993n,
      "12345678901234.99",
      created,
      123,
      new Uint8Array([0, 1, 254, 255]),
      team.id,
      36,
      "1815-12-10",
      ["a", "b"],
    ];
    insert.run(...values.map(encodeSqliteValue));
    // JSON "123" as text: must stay the text '123', not become the number 123.
    db.prepare("INSERT INTO people (name, meta, price) VALUES (?, ?, ?)").run(
      ...["Bob", "123", "19.990"].map(encodeSqliteValue),
    );
    db.prepare("INSERT INTO people (name, meta) VALUES (?, ?)").run(
      ...["Cy", { nested: { list: [1, 2.5, "x", null, true] } }].map(encodeSqliteValue),
    );

    const before = Date.now();
    const rows = selectDecoded("SELECT * FROM people ORDER BY name");
    expect(rows).toHaveLength(3);
    const [ada, bob, cy] = rows as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];

    expect(ada["id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ada["name"]).toBe("Ada");
    expect(ada["email"]).toBe("ada@example.com");
    expect(ada["active"]).toBe(false);
    expect(ada["n"]).toBe(9007199254740993n);
    expect(ada["price"]).toBe("12345678901234.99");
    expect(ada["created_at"]).toBeInstanceOf(Date);
    expect((ada["created_at"] as Date).getTime()).toBe(created.getTime());
    expect(ada["meta"]).toBe(123);
    expect(Buffer.isBuffer(ada["data"])).toBe(true);
    expect([...(ada["data"] as Buffer)]).toEqual([0, 1, 254, 255]);
    expect(ada["team_id"]).toBe(team.id);
    expect(ada["age"]).toBe(36n);
    expect(ada["birthday"]).toBe("1815-12-10");
    expect(ada["tags"]).toEqual(["a", "b"]);
    expect(typeof ada["rid"]).toBe("bigint");
    expect(ada["rid"] as bigint).toBeGreaterThan(2n ** 53n);

    // defaults
    expect(bob["active"]).toBe(true);
    expect(bob["price"]).toBe("19.990");
    expect(bob["meta"]).toBe(123);
    expect(bob["created_at"]).toBeInstanceOf(Date);
    expect(Math.abs((bob["created_at"] as Date).getTime() - before)).toBeLessThan(60_000);
    expect(bob["tags"]).toEqual([]);
    expect(bob["data"]).toBeNull();
    expect(bob["birthday"]).toBeNull();
    expect(bob["rid"]).toBe(9007199254740993n);
    expect(bob["id"]).not.toBe(ada["id"]);
    expect(cy["meta"]).toEqual({ nested: { list: [1, 2.5, "x", null, true] } });

    // stored representation: exact text, blob and integer storage classes
    expect(
      db
        .prepare(
          "SELECT typeof(price) AS p, typeof(meta) AS m, typeof(created_at) AS c, typeof(data) AS d, typeof(active) AS a, typeof(rid) AS r, meta AS raw_meta FROM people WHERE name = 'Ada'",
        )
        .get(),
    ).toEqual({ p: "text", m: "text", c: "text", d: "blob", a: "integer", r: "integer", raw_meta: "123" });

    // constraints still enforced
    // a JavaScript integer bound to TEXT-affinity columns is stored without a trailing ".0"
    db.prepare("UPDATE people SET price = ?, name = ? WHERE name = 'Cy'").run(encodeSqliteValue(10), encodeSqliteValue(7));
    expect(db.prepare("SELECT price, name FROM people WHERE name = '7'").get()).toEqual({ price: "10", name: "7" });
    db.prepare("UPDATE people SET name = 'Cy' WHERE name = '7'").run();

    expect(() => db.prepare("INSERT INTO people (name, age) VALUES ('Neg', -1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO people (name, email) VALUES ('Dup', 'ada@example.com')").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO people (email) VALUES ('x@y')").run()).toThrow(/NOT NULL/);
    db.prepare("DELETE FROM teams").run();
    expect(selectDecoded("SELECT name FROM people ORDER BY name").map((r) => r["name"])).toEqual(["Bob", "Cy"]);

    // expression columns have no declared type and are left as they are
    expect(selectDecoded("SELECT price || '' AS p, active AS a FROM people WHERE name = ?", "Bob")).toEqual([
      { p: "19.990", a: true },
    ]);
  });
});
