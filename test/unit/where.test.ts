import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { IdentifierError, TablekitError, ValidationError } from "../../src/errors/errors.js";
import type { ValidationIssue } from "../../src/errors/errors.js";
import { compileWhereFragment, MAX_WHERE_DEPTH } from "../../src/sql/where.js";
import type { Where, WhereContext, WhereDialect } from "../../src/sql/where.js";

/** A test dialect: the filter compiler's needs plus the placeholder the edge renders with. */
type TestDialect = WhereDialect & { placeholder(index: number): string };

/**
 * The filter as text with `dialect`'s placeholders, continuing after `params` (the one compiler,
 * compileWhereFragment, then the fragment rendered as a statement's edge renders it).
 */
function compileWhere(where: Where | undefined | null, dialect: TestDialect, params: unknown[], context?: WhereContext): string {
  const fragment = compileWhereFragment(where, dialect, context);
  return fragment === undefined ? "" : fragment.render(dialect.placeholder, params).sql;
}

/** A SQLite-like dialect: ? placeholders, booleans as 0/1, dates as ISO text, lists as JSON. */
const sqlite: TestDialect = {
  placeholder: () => "?",
  encodeValue: (value) =>
    typeof value === "boolean" ? (value ? 1 : 0) : value instanceof Date ? value.toISOString() : value,
  inList: (column, placeholder, negate) =>
    `${column} ${negate ? "NOT IN" : "IN"} (SELECT value FROM json_each(${placeholder}))`,
  encodeList: (values) => JSON.stringify(values),
  ilike: (column, placeholder, negate) => `lower(${column}) ${negate ? "NOT LIKE" : "LIKE"} lower(${placeholder})`,
};

/** A PostgreSQL-like dialect: $n placeholders, values as is, lists as one array parameter. */
const pg: TestDialect = {
  placeholder: (index) => "$" + index,
  encodeValue: (value) => value,
  inList: (column, placeholder, negate) =>
    negate ? `NOT (${column} = ANY(${placeholder}))` : `${column} = ANY(${placeholder})`,
  encodeList: (values) => values,
  ilike: (column, placeholder, negate) => `${column} ${negate ? "NOT ILIKE" : "ILIKE"} ${placeholder}`,
};

function compile(
  where: unknown,
  dialect: TestDialect = pg,
  context?: WhereContext,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = compileWhere(where as Where, dialect, params, context);
  return { sql, params };
}

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

function issuesOf(where: unknown, context?: WhereContext): readonly ValidationIssue[] {
  return validationError(() => compile(where, pg, context)).issues;
}

describe("compileWhere: equality", () => {
  it("returns an empty condition for no filter", () => {
    for (const where of [undefined, null, {}]) {
      const params: unknown[] = ["kept"];
      expect(compileWhere(where as Where, pg, params)).toBe("");
      expect(params).toEqual(["kept"]);
    }
  });

  it("compiles a value to = with an encoded parameter", () => {
    expect(compile({ active: true }, sqlite)).toEqual({ sql: '"active" = ?', params: [1] });
    expect(compile({ active: true }, pg)).toEqual({ sql: '"active" = $1', params: [true] });
  });

  it("joins several keys with AND in key order", () => {
    expect(compile({ name: "ann", age: 30, score: 1.5 })).toEqual({
      sql: '"name" = $1 AND "age" = $2 AND "score" = $3',
      params: ["ann", 30, 1.5],
    });
  });

  it("compiles null to IS NULL without a parameter", () => {
    expect(compile({ deleted_at: null, id: 1 })).toEqual({ sql: '"deleted_at" IS NULL AND "id" = $1', params: [1] });
  });

  it("treats Date, Uint8Array, Buffer and bigint as values", () => {
    const date = new Date("2024-01-02T03:04:05.000Z");
    const bytes = new Uint8Array([1, 2, 3]);
    const buffer = Buffer.from("ab");
    expect(compile({ at: date, data: bytes, blob: buffer, big: 10n }, sqlite)).toEqual({
      sql: '"at" = ? AND "data" = ? AND "blob" = ? AND "big" = ?',
      params: ["2024-01-02T03:04:05.000Z", bytes, buffer, 10n],
    });
  });

  it("treats instances of other classes as values", () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const money = new Money(5);
    expect(compile({ price: money })).toEqual({ sql: '"price" = $1', params: [money] });
  });

  it("treats objects with a null prototype as operator objects", () => {
    const ops = Object.assign(Object.create(null) as Record<string, unknown>, { gt: 3 });
    expect(compile({ n: ops })).toEqual({ sql: '"n" > $1', params: [3] });
  });

  it("continues placeholder numbering after parameters already present", () => {
    const params: unknown[] = ["new name"];
    expect(compileWhere({ id: 7, age: { gt: 1 } }, pg, params)).toBe('"id" = $2 AND "age" > $3');
    expect(params).toEqual(["new name", 7, 1]);
  });

  it("never puts values into the SQL text", () => {
    const hostile = "x' OR 1=1; DROP TABLE users; --";
    const { sql, params } = compile({ name: hostile, bio: { like: hostile }, tag: { in: [hostile] } }, sqlite);
    expect(sql).toBe(
      '"name" = ? AND "bio" LIKE ? AND "tag" IN (SELECT value FROM json_each(?))',
    );
    expect(params).toEqual([hostile, hostile, JSON.stringify([hostile])]);
  });
});

describe("compileWhere: operators", () => {
  it("compiles comparison operators", () => {
    expect(compile({ a: { eq: 1 }, b: { ne: 2 }, c: { gt: 3 }, d: { gte: 4 }, e: { lt: 5 }, f: { lte: 6 } })).toEqual({
      sql: '"a" = $1 AND "b" <> $2 AND "c" > $3 AND "d" >= $4 AND "e" < $5 AND "f" <= $6',
      params: [1, 2, 3, 4, 5, 6],
    });
  });

  it("compiles eq null and ne null to NULL tests", () => {
    expect(compile({ a: { eq: null }, b: { ne: null } })).toEqual({
      sql: '"a" IS NULL AND "b" IS NOT NULL',
      params: [],
    });
  });

  it("encodes comparison values", () => {
    const date = new Date(0);
    expect(compile({ at: { gte: date }, ok: { eq: false } }, sqlite)).toEqual({
      sql: '"at" >= ? AND "ok" = ?',
      params: ["1970-01-01T00:00:00.000Z", 0],
    });
  });

  it("passes an object value through eq", () => {
    expect(compile({ meta: { eq: { a: 1 } } })).toEqual({ sql: '"meta" = $1', params: [{ a: 1 }] });
  });

  it("ANDs several operators on one column inside parentheses", () => {
    expect(compile({ age: { gt: 25, lte: 60 } }, sqlite)).toEqual({
      sql: '("age" > ? AND "age" <= ?)',
      params: [25, 60],
    });
    expect(compile({ age: { gt: 25, lte: 60 }, name: "x" })).toEqual({
      sql: '("age" > $1 AND "age" <= $2) AND "name" = $3',
      params: [25, 60, "x"],
    });
  });

  it("compiles in and notIn through the dialect, as one list parameter", () => {
    expect(compile({ id: { in: [1, 2, 3] } }, sqlite)).toEqual({
      sql: '"id" IN (SELECT value FROM json_each(?))',
      params: ["[1,2,3]"],
    });
    expect(compile({ id: { notIn: [1, 2] } }, sqlite)).toEqual({
      sql: '"id" NOT IN (SELECT value FROM json_each(?))',
      params: ["[1,2]"],
    });
    expect(compile({ id: { in: [1, 2, 3] } }, pg)).toEqual({ sql: '"id" = ANY($1)', params: [[1, 2, 3]] });
    expect(compile({ id: { notIn: ["a"] } }, pg)).toEqual({ sql: 'NOT ("id" = ANY($1))', params: [["a"]] });
  });

  it("encodes each list element before encoding the list", () => {
    expect(compile({ flag: { in: [true, false] }, at: { in: [new Date(0)] } }, sqlite)).toEqual({
      sql: '"flag" IN (SELECT value FROM json_each(?)) AND "at" IN (SELECT value FROM json_each(?))',
      params: ["[1,0]", '["1970-01-01T00:00:00.000Z"]'],
    });
  });

  it("compiles empty lists to constant conditions without parameters", () => {
    expect(compile({ id: { in: [] } })).toEqual({ sql: "1 = 0", params: [] });
    expect(compile({ id: { notIn: [] } })).toEqual({ sql: "1 = 1", params: [] });
  });

  it("compiles like and ilike", () => {
    expect(compile({ name: { like: "a%" } }, sqlite)).toEqual({ sql: '"name" LIKE ?', params: ["a%"] });
    expect(compile({ name: { ilike: "a%" } }, sqlite)).toEqual({ sql: 'lower("name") LIKE lower(?)', params: ["a%"] });
    expect(compile({ name: { ilike: "a%" } }, pg)).toEqual({ sql: '"name" ILIKE $1', params: ["a%"] });
  });

  it("compiles isNull", () => {
    expect(compile({ a: { isNull: true }, b: { isNull: false } })).toEqual({
      sql: '"a" IS NULL AND "b" IS NOT NULL',
      params: [],
    });
  });
});

describe("compileWhere: AND, OR, NOT", () => {
  it("parenthesizes OR and the AND groups inside it", () => {
    expect(compile({ a: 1, OR: [{ b: 2 }, { c: 3, d: 4 }] })).toEqual({
      sql: '"a" = $1 AND ("b" = $2 OR ("c" = $3 AND "d" = $4))',
      params: [1, 2, 3, 4],
    });
  });

  it("uses a single OR alternative as is", () => {
    expect(compile({ OR: [{ b: 2 }] })).toEqual({ sql: '"b" = $1', params: [2] });
  });

  it("flattens AND into the surrounding conjunction", () => {
    expect(compile({ a: 1, AND: [{ b: 2 }, { c: { gt: 3 } }] })).toEqual({
      sql: '"a" = $1 AND "b" = $2 AND "c" > $3',
      params: [1, 2, 3],
    });
  });

  it("lets AND repeat a column", () => {
    expect(compile({ AND: [{ tag: { ne: "a" } }, { tag: { ne: "b" } }] })).toEqual({
      sql: '"tag" <> $1 AND "tag" <> $2',
      params: ["a", "b"],
    });
  });

  it("compiles empty OR to 1 = 0 and empty AND to 1 = 1", () => {
    expect(compile({ OR: [] })).toEqual({ sql: "1 = 0", params: [] });
    expect(compile({ AND: [] })).toEqual({ sql: "1 = 1", params: [] });
    expect(compile({ AND: [{}, {}] })).toEqual({ sql: "1 = 1", params: [] });
    expect(compile({ a: 1, OR: [] })).toEqual({ sql: '"a" = $1 AND 1 = 0', params: [1] });
  });

  it("makes an OR with an empty alternative always true and drops its parameters", () => {
    expect(compile({ OR: [{ a: 1 }, {}], b: 2 })).toEqual({ sql: '1 = 1 AND "b" = $1', params: [2] });
    expect(compile({ b: 2, OR: [{ a: 1 }, {}] }, sqlite)).toEqual({ sql: '"b" = ? AND 1 = 1', params: [2] });
  });

  it("compiles NOT of a filter and of a list of filters", () => {
    expect(compile({ NOT: { a: 1 } })).toEqual({ sql: 'NOT ("a" = $1)', params: [1] });
    expect(compile({ NOT: { a: 1, b: 2 } })).toEqual({ sql: 'NOT ("a" = $1 AND "b" = $2)', params: [1, 2] });
    expect(compile({ NOT: [{ a: 1 }, { b: { in: [1] } }] })).toEqual({
      sql: 'NOT ("a" = $1 AND "b" = ANY($2))',
      params: [1, [1]],
    });
    expect(compile({ NOT: { OR: [{ a: 1 }, { b: 2 }] } })).toEqual({
      sql: 'NOT (("a" = $1 OR "b" = $2))',
      params: [1, 2],
    });
  });

  it("compiles NOT of an empty filter to 1 = 0", () => {
    expect(compile({ NOT: {} })).toEqual({ sql: "1 = 0", params: [] });
    expect(compile({ NOT: [] })).toEqual({ sql: "1 = 0", params: [] });
  });

  it("nests combinators with placeholders in text order", () => {
    const where = {
      status: "open",
      OR: [{ NOT: { owner: null } }, { AND: [{ age: { gte: 18, lt: 65 } }, { OR: [{ x: 1 }, { y: 2 }] }] }],
      NOT: [{ banned: true }],
    };
    expect(compile(where)).toEqual({
      sql:
        '"status" = $1 AND (NOT ("owner" IS NULL) OR (("age" >= $2 AND "age" < $3) AND ("x" = $4 OR "y" = $5))) ' +
        'AND NOT ("banned" = $6)',
      params: ["open", 18, 65, 1, 2, true],
    });
  });

  it("accepts nesting up to the depth limit", () => {
    let where: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < MAX_WHERE_DEPTH; i++) where = { NOT: where };
    const { sql, params } = compile(where);
    expect(sql).toBe("NOT (".repeat(MAX_WHERE_DEPTH) + '"a" = $1' + ")".repeat(MAX_WHERE_DEPTH));
    expect(params).toEqual([1]);
  });
});

describe("Where type", () => {
  interface User {
    id: number;
    name: string;
    age: number | null;
    created_at: Date;
  }

  it("types filters by row", () => {
    const where: Where<User> = {
      age: { gte: 18, lt: 65 },
      created_at: { lt: new Date(0) },
      OR: [{ name: "ann" }, { name: { ilike: "b%" } }, { age: null }],
      NOT: { id: { in: [1, 2] } },
    };
    // @ts-expect-error: gt must be a number for a number column
    const wrong: Where<User> = { id: { gt: "x" } };
    void wrong;
    expect(compile(where)).toEqual({
      sql: '("age" >= $1 AND "age" < $2) AND "created_at" < $3 AND ("name" = $4 OR "name" ILIKE $5 OR "age" IS NULL) AND NOT ("id" = ANY($6))',
      params: [18, 65, new Date(0), "ann", "b%", [1, 2]],
    });
  });
});

describe("compileWhere: column names", () => {
  const context = { table: "users", columns: new Set(["id", "name", "age"]) };

  it("rejects keys that are not plain identifiers", () => {
    for (const key of ["name; DROP TABLE users", 'name"', "1a", "", "a b", "users.name", "a".repeat(64)]) {
      expect(() => compile({ [key]: 1 }), key).toThrow(IdentifierError);
    }
    expect(() => compile({ "name; DROP TABLE users": 1 })).toThrow(
      'Invalid column name "name; DROP TABLE users": a name must be a plain identifier',
    );
  });

  it("rejects unknown columns when the table's columns are known", () => {
    expect(() => compile({ nmae: "x" }, pg, context)).toThrow(
      'Unknown column "nmae" in table "users"; known columns: "id", "name", "age"',
    );
    expect(() => compile({ OR: [{ id: 1 }, { NOT: { nmae: 1 } }] }, pg, context)).toThrow(IdentifierError);
    expect(compile({ name: "x" }, pg, context)).toEqual({ sql: '"name" = $1', params: ["x"] });
  });

  it("leaves params as they were when it throws", () => {
    const params: unknown[] = ["kept"];
    expect(() => compileWhere({ id: 1, age: { gt: 2 }, nmae: 3 }, pg, params, context)).toThrow(IdentifierError);
    expect(params).toEqual(["kept"]);
    expect(() => compileWhere({ id: 1, age: { gt: undefined } }, pg, params)).toThrow(ValidationError);
    expect(params).toEqual(["kept"]);
  });
});

describe("compileWhere: invalid filters", () => {
  it("rejects undefined values, which must never be ignored", () => {
    const error = validationError(() => compile({ id: undefined }));
    expect(error.message).toBe("Invalid filter: id is undefined; use null to match NULL");
    expect(error.issues).toEqual([{ message: "is undefined; use null to match NULL", path: ["id"] }]);
    expect(validationError(() => compile({ id: undefined }, pg, { table: "users" })).message).toBe(
      'Invalid filter for table "users": id is undefined; use null to match NULL',
    );
  });

  it("rejects undefined operator values", () => {
    expect(issuesOf({ age: { gt: undefined } })).toEqual([
      { message: "is undefined; use null to match NULL", path: ["age", "gt"] },
    ]);
    expect(issuesOf({ age: { eq: undefined } })).toEqual([
      { message: "is undefined; use null to match NULL", path: ["age", "eq"] },
    ]);
  });

  it("rejects arrays as direct values", () => {
    const error = validationError(() => compile({ id: [1, 2] }));
    expect(error.message).toBe("Invalid filter: id is an array; to match any of several values write { in: [...] }");
    expect(error.issues[0]?.path).toEqual(["id"]);
    expect(issuesOf({ id: { eq: [1] } })[0]?.path).toEqual(["id", "eq"]);
  });

  it("rejects unknown operators, listing the valid ones", () => {
    const error = validationError(() => compile({ age: { gt: 1, greaterThan: 5 } }));
    expect(error.message).toBe(
      "Invalid filter: age.greaterThan is not a known operator; valid operators are eq, ne, gt, gte, lt, lte, in, notIn, like, ilike, isNull (to compare with an object value, write { eq: value })",
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toEqual(["age", "greaterThan"]);
  });

  it("quotes and escapes odd operator names in the message", () => {
    const error = validationError(() => compile({ age: { "a\nb": 1 } }));
    expect(error.message.startsWith('Invalid filter: age."a\\nb" is not a known operator')).toBe(true);
  });

  it("rejects an empty operator object", () => {
    expect(issuesOf({ age: {} })).toEqual([
      {
        message: "is an empty operator object; use an operator such as { eq: value }, or null to match NULL",
        path: ["age"],
      },
    ]);
  });

  it("rejects malformed operator values", () => {
    expect(issuesOf({ a: { in: 1 } })).toEqual([{ message: "must be an array of values, not a number", path: ["a", "in"] }]);
    expect(issuesOf({ a: { notIn: "x" } })).toEqual([
      { message: "must be an array of values, not a string", path: ["a", "notIn"] },
    ]);
    expect(issuesOf({ a: { like: 1 } })).toEqual([{ message: "must be a string pattern, not a number", path: ["a", "like"] }]);
    expect(issuesOf({ a: { ilike: null } })).toEqual([{ message: "must be a string pattern, not null", path: ["a", "ilike"] }]);
    expect(issuesOf({ a: { isNull: "yes" } })).toEqual([{ message: "must be true or false, not a string", path: ["a", "isNull"] }]);
    expect(issuesOf({ a: { gt: null } })).toEqual([
      { message: "cannot be null here; comparisons with NULL never match (use isNull)", path: ["a", "gt"] },
    ]);
  });

  it("rejects bad list elements with their index", () => {
    expect(issuesOf({ a: { in: [1, null, undefined, { x: 1 }, [2]] } })).toEqual([
      { message: "is null, which never matches in a list; combine with { isNull: true } in an OR instead", path: ["a", "in", 1] },
      { message: "is undefined; use null to match NULL", path: ["a", "in", 2] },
      { message: "is an object; list elements must be plain values", path: ["a", "in", 3] },
      { message: "is an array; to match any of several values write { in: [...] }", path: ["a", "in", 4] },
    ]);
  });

  it("rejects functions and symbols as values", () => {
    expect(issuesOf({ a: () => 1 })).toEqual([{ message: "is a function, which cannot be compared", path: ["a"] }]);
    expect(issuesOf({ a: Symbol("s") })).toEqual([{ message: "is a symbol, which cannot be compared", path: ["a"] }]);
    expect(issuesOf({ a: { eq: () => 1 } })[0]?.path).toEqual(["a", "eq"]);
    expect(issuesOf({ a: { in: [Symbol("s")] } })[0]?.path).toEqual(["a", "in", 0]);
  });

  it("rejects malformed AND, OR and NOT", () => {
    expect(issuesOf({ AND: { a: 1 } })).toEqual([
      { message: "must be an array of filters, e.g. AND: [{ a: 1 }, { b: 2 }], not an object", path: ["AND"] },
    ]);
    expect(issuesOf({ OR: "a" })).toEqual([
      { message: "must be an array of filters, e.g. OR: [{ a: 1 }, { b: 2 }], not a string", path: ["OR"] },
    ]);
    expect(issuesOf({ OR: undefined })[0]?.path).toEqual(["OR"]);
    expect(issuesOf({ OR: [{ a: 1 }, 5] })).toEqual([{ message: "must be a filter object, not a number", path: ["OR", 1] }]);
    expect(issuesOf({ AND: [null] })).toEqual([{ message: "must be a filter object, not null", path: ["AND", 0] }]);
    expect(issuesOf({ NOT: [[]] })).toEqual([{ message: "must be a filter object, not an array", path: ["NOT", 0] }]);
    expect(issuesOf({ NOT: 1 })).toEqual([
      { message: "must be a filter object or an array of filters, not a number", path: ["NOT"] },
    ]);
    expect(issuesOf({ NOT: new Date(0) })).toEqual([
      { message: "must be a filter object or an array of filters, not a Date", path: ["NOT"] },
    ]);
  });

  it("rejects a filter that is not a plain object", () => {
    for (const [where, type] of [
      ["id = 1", "a string"],
      [[{ id: 1 }], "an array"],
      [new Date(0), "a Date"],
      [5, "a number"],
    ] as const) {
      const error = validationError(() => compile(where));
      expect(error.message).toBe(`Invalid filter: the filter must be a plain object such as { id: 1 }, not ${type}`);
      expect(error.issues[0]?.path).toEqual([]);
    }
  });

  it("reports every problem, spelling out the first three in the message", () => {
    const error = validationError(() =>
      compile({ a: undefined, b: { gt: undefined }, OR: [{ c: [1] }], d: {}, e: { like: 1 } }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([["a"], ["b", "gt"], ["OR", 0, "c"], ["d"], ["e", "like"]]);
    expect(error.message).toBe(
      "Invalid filter: a is undefined; use null to match NULL; b.gt is undefined; use null to match NULL; " +
        "OR[0].c is an array; to match any of several values write { in: [...] }; and 2 more",
    );
  });

  it("guards against deep nesting", () => {
    let where: Record<string, unknown> = { a: 1 };
    for (let i = 0; i <= MAX_WHERE_DEPTH; i++) where = { AND: [where] };
    const error = validationError(() => compile(where));
    expect(error.message).toMatch(/nests AND\/OR\/NOT deeper than 32 levels$/);

    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 10_000; i++) deep = { NOT: deep };
    expect(() => compile(deep)).toThrow(ValidationError);
  });

  it("guards against self-referencing filters", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.OR = [cyclic];
    expect(() => compile(cyclic)).toThrow(ValidationError);
  });

  it("guards against filters that share sub-filters exponentially", () => {
    let shared: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 25; i++) shared = { OR: [shared, shared] };
    const started = Date.now();
    const error = validationError(() => compile(shared));
    expect(error.message).toMatch(/has more than 100000 filter objects and conditions$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

// ---- property tests ----

const context = { table: "t", columns: new Set(["a", "b", "c_1"]) };

/** Filters built from valid parts with some junk mixed in. */
const value = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.array(fc.integer(), { maxLength: 3 })) },
);
const operatorName = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "like", "ilike", "isNull") },
  { weight: 1, arbitrary: fc.constant("bogus") },
);
const operatorValue = fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.string({ maxLength: 3 }), fc.boolean());
const operators = fc.dictionary(operatorName, operatorValue, { minKeys: 1, maxKeys: 2 });
const columnName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("a", "b", "c_1") },
  { weight: 1, arbitrary: fc.constantFrom("nmae", "x y", "1") },
);

const { filter } = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthIdentifier: "where", maxDepth: 3 },
    fc.dictionary(columnName, fc.oneof(value, operators), { maxKeys: 3 }),
    fc
      .tuple(
        fc.dictionary(columnName, fc.oneof(value, operators), { maxKeys: 2 }),
        fc.constantFrom("AND", "OR", "NOT", "NOT[]"),
        fc.array(tie("filter"), { maxLength: 3, depthIdentifier: "where" }),
      )
      .map(([columns, combinator, children]) => {
        const where: Record<string, unknown> = { ...columns };
        if (combinator === "NOT") where.NOT = children[0] ?? {};
        else if (combinator === "NOT[]") where.NOT = children;
        else where[combinator] = children;
        return where;
      }),
  ),
}));

describe("compileWhere: properties", () => {
  it("either compiles with numbered placeholders in text order or throws a TablekitError", () => {
    fc.assert(
      fc.property(filter, fc.boolean(), (where, withContext) => {
        const params: unknown[] = ["pre"];
        let sql: string;
        try {
          sql = compileWhere(where as Where, pg, params, withContext ? context : undefined);
        } catch (error) {
          expect(error).toBeInstanceOf(TablekitError);
          expect(params).toEqual(["pre"]);
          return;
        }
        const numbers = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        expect(numbers).toEqual(Array.from({ length: params.length - 1 }, (_, i) => i + 2));
      }),
      { numRuns: 500 },
    );
  });

  it("binds the same parameters for ? placeholders, one ? each", () => {
    fc.assert(
      fc.property(filter, (where) => {
        const params: unknown[] = [];
        try {
          const sql = compileWhere(where as Where, sqlite, params);
          expect(sql.split("?").length - 1).toBe(params.length);
        } catch (error) {
          expect(error).toBeInstanceOf(TablekitError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("quotes any identifier key and rejects every other key with IdentifierError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), fc.integer(), (key, n) => {
        fc.pre(key !== "AND" && key !== "OR" && key !== "NOT");
        try {
          expect(compile({ [key]: n })).toEqual({ sql: `"${key}" = $1`, params: [n] });
          expect(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(key)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(IdentifierError);
          expect(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(key)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("throws only TablekitError subclasses on arbitrary JSON input", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => {
        try {
          compile(json, sqlite, context);
        } catch (error) {
          expect(error).toBeInstanceOf(TablekitError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("never writes values into the SQL text: the text is the same whatever the value", () => {
    const build = (v: unknown): Record<string, unknown> => ({
      a: v,
      b: { like: String(v), ne: v },
      OR: [{ c_1: { in: [v] } }, { a: { ilike: String(v) } }],
    });
    const reference = compile(build("ref"), sqlite).sql;
    expect(reference).toBe(
      '"a" = ? AND ("b" LIKE ? AND "b" <> ?) AND ("c_1" IN (SELECT value FROM json_each(?)) OR lower("a") LIKE lower(?))',
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean()), (v) => {
        const { sql, params } = compile(build(v), sqlite);
        expect(sql).toBe(reference);
        expect(params).toHaveLength(5);
      }),
    );
  });
});

describe("compileWhereFragment", () => {
  it("gives the filter as a sql fragment whose placeholders the dialect renders at the edge", () => {
    const where: Where = { name: { ilike: "a%" }, age: { gte: 30 }, id: { in: [1, 2] } };
    const fragment = compileWhereFragment(where, pg)!;
    const params: unknown[] = [];
    expect(fragment.render((i) => `$${i}`)).toEqual({ sql: compileWhere(where, pg, params), params });
    const sqliteParams: unknown[] = [];
    expect(compileWhereFragment(where, sqlite)!.render(() => "?")).toEqual({ sql: compileWhere(where, sqlite, sqliteParams), params: sqliteParams });
  });

  it("is undefined for an empty filter and refuses what compileWhere refuses", () => {
    expect(compileWhereFragment({}, pg)).toBeUndefined();
    expect(compileWhereFragment(undefined, pg)).toBeUndefined();
    expect(() => compileWhereFragment({ age: { nope: 1 } } as never, pg)).toThrow(ValidationError);
  });
});
