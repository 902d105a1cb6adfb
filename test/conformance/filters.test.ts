/**
 * Filters and ordering (docs/database.md, "Filters and ordering"): every operator, AND/OR/NOT,
 * Date and boolean comparisons, the three orderBy forms with NULLS FIRST/LAST, and injection
 * attempts, with identical results on every backend.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends, recordQueries, uniqueTable } from "../support/backends.js";
import { Database, IdentifierError, ValidationError, type OrderBy, type Row, type Where } from "../../src/index.js";

const INJECTION = "'; DROP TABLE x; --";

interface Person {
  id: string;
  name: string;
  age: number | null;
  active: boolean | null;
  born: Date | null;
  nickname: string | null;
  team: string;
}

/** The seeded rows. Ages are unique (one NULL), so every order by age is fully determined. */
const PEOPLE: Omit<Person, "id">[] = [
  { name: "Alice", age: 30, active: true, born: new Date("1990-01-01T00:00:00.000Z"), nickname: "al", team: "red" },
  { name: "alice", age: 25, active: false, born: new Date("1995-06-15T12:30:00.000Z"), nickname: null, team: "blue" },
  { name: "Bob", age: 40, active: true, born: new Date("1985-03-10T08:00:00.000Z"), nickname: "bobby", team: "red" },
  { name: "Carol", age: null, active: true, born: null, nickname: null, team: "blue" },
  { name: "Dave", age: 35, active: false, born: new Date("1988-12-31T23:59:59.999Z"), nickname: "d", team: "green" },
  { name: "Eve", age: 22, active: true, born: new Date("2001-07-04T00:00:00.000Z"), nickname: null, team: "red" },
  { name: "Frank", age: 50, active: null, born: new Date("1975-02-02T00:00:00.000Z"), nickname: "frankie", team: "green" },
  { name: "Grace", age: 28, active: true, born: new Date("1996-09-09T09:09:09.123Z"), nickname: "gg", team: "blue" },
  { name: "O'Brien", age: 45, active: false, born: new Date("1980-05-05T00:00:00.000Z"), nickname: null, team: "green" },
  { name: INJECTION, age: 33, active: true, born: new Date("1991-01-01T00:00:00.000Z"), nickname: "--", team: "red" },
];

const ALL_NAMES = PEOPLE.map((p) => p.name).sort();

/** Names (sorted in JS, so the database's collation plays no part) of the people matching `keep`. */
function expected(keep: (p: Omit<Person, "id">) => boolean): string[] {
  return PEOPLE.filter(keep)
    .map((p) => p.name)
    .sort();
}

for (const backend of backends()) {
  describe(`filters [${backend.name}]`, () => {
    let db: Database;
    let seen: string[];
    const t = uniqueTable("filters");
    const ids = new Map<string, string>();

    /** The names of the rows matching `where`, sorted in JS. */
    async function names(where: Where<Person>): Promise<string[]> {
      const rows = await db.select<Person>(t, { where });
      return rows.map((r) => r.name).sort();
    }

    /** The names of all rows, in the order `orderBy` gives. */
    async function ordered(orderBy: OrderBy, where?: Where<Person>): Promise<string[]> {
      const rows = await db.select<Person>(t, where === undefined ? { orderBy } : { orderBy, where });
      return rows.map((r) => r.name);
    }

    /** Checks that the table still holds the seeded rows, unchanged. */
    async function expectIntact(): Promise<void> {
      const rows = await db.execute<Row>(`SELECT name, age FROM "${t}"`);
      expect(rows).toHaveLength(PEOPLE.length);
      expect(rows.map((r) => r["name"]).sort()).toEqual(ALL_NAMES);
      expect(await db.tableExists(t)).toBe(true);
    }

    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, {
        id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
        name: "TEXT NOT NULL",
        age: "INTEGER",
        active: "BOOLEAN",
        born: "TIMESTAMPTZ",
        nickname: "TEXT",
        team: "TEXT NOT NULL",
      });
      for (const person of PEOPLE) {
        const row = await db.insert<Person>(t, person);
        ids.set(person.name, row.id);
      }
      seen = recordQueries(db);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it("the seeded table reads back as written", async () => {
      const rows = await db.select<Person>(t);
      expect(rows).toHaveLength(10);
      const byName = new Map(rows.map((r) => [r.name, r]));
      for (const person of PEOPLE) expect(byName.get(person.name)).toEqual({ id: ids.get(person.name), ...person });
    });

    it("equality on text, integer and uuid columns", async () => {
      expect(await names({ name: "Bob" })).toEqual(["Bob"]);
      expect(await names({ name: "bob" })).toEqual([]);
      expect(await names({ age: 30 })).toEqual(["Alice"]);
      expect(await names({ team: "green" })).toEqual(["Dave", "Frank", "O'Brien"]);
      expect(await names({ id: ids.get("Grace")! })).toEqual(["Grace"]);
      expect(await names({ team: "red", age: 22 })).toEqual(["Eve"]);
      expect(await names({ team: "red", age: 25 })).toEqual([]);
      expect(await names({})).toEqual(ALL_NAMES);
    });

    it("null means IS NULL", async () => {
      expect(await names({ age: null })).toEqual(["Carol"]);
      expect(await names({ active: null })).toEqual(["Frank"]);
      expect(await names({ nickname: null })).toEqual(expected((p) => p.nickname === null));
      expect(await names({ nickname: null, team: "blue" })).toEqual(["Carol", "alice"]);
    });

    it("eq and ne, including null", async () => {
      expect(await names({ age: { eq: 30 } })).toEqual(["Alice"]);
      expect(await names({ age: { eq: null } })).toEqual(["Carol"]);
      // ne is SQL <>: rows whose value is NULL never match.
      expect(await names({ age: { ne: 30 } })).toEqual(expected((p) => p.age !== null && p.age !== 30));
      expect(await names({ age: { ne: 30 } })).toHaveLength(8);
      expect(await names({ age: { ne: null } })).toEqual(expected((p) => p.age !== null));
      expect(await names({ nickname: { ne: "al" } })).toEqual(["Bob", "Dave", "Frank", "Grace", INJECTION].sort());
      expect(await names({ active: { ne: null } })).toEqual(expected((p) => p.active !== null));
    });

    it("gt, gte, lt, lte and ranges", async () => {
      expect(await names({ age: { gt: 40 } })).toEqual(["Frank", "O'Brien"]);
      expect(await names({ age: { gte: 40 } })).toEqual(["Bob", "Frank", "O'Brien"]);
      expect(await names({ age: { lt: 25 } })).toEqual(["Eve"]);
      expect(await names({ age: { lte: 25 } })).toEqual(["Eve", "alice"]);
      expect(await names({ age: { gte: 25, lt: 33 } })).toEqual(["Alice", "Grace", "alice"]);
      expect(await names({ age: { gt: 100 } })).toEqual([]);
      expect(await names({ age: { gt: 0 } })).toHaveLength(9);
      expect(await names({ name: { gte: "D", lt: "F" } })).toEqual(["Dave", "Eve"]);
    });

    it("in and notIn with strings, numbers and uuids", async () => {
      expect(await names({ name: { in: ["Bob", "Eve", "Nobody"] } })).toEqual(["Bob", "Eve"]);
      expect(await names({ age: { in: [22, 50, 99] } })).toEqual(["Eve", "Frank"]);
      expect(await names({ id: { in: [ids.get("Alice")!, ids.get("Dave")!] } })).toEqual(["Alice", "Dave"]);
      expect(await names({ name: { in: ["O'Brien", INJECTION] } })).toEqual([INJECTION, "O'Brien"].sort());
      expect(await names({ name: { notIn: ["Bob", "Eve"] } })).toEqual(ALL_NAMES.filter((n) => n !== "Bob" && n !== "Eve"));
      // NOT IN never matches a NULL value.
      expect(await names({ age: { notIn: [30, 25] } })).toEqual(expected((p) => p.age !== null && p.age !== 30 && p.age !== 25));
      expect(await names({ id: { notIn: [ids.get("Alice")!] } })).toHaveLength(9);
      expect(await names({ team: { in: ["blue"] }, age: { notIn: [28] } })).toEqual(["alice"]);
      // A long list is still one parameter.
      const many = Array.from({ length: 5000 }, (_, i) => i + 1000);
      expect(await names({ age: { in: [...many, 45] } })).toEqual(["O'Brien"]);
    });

    it("in: [] matches nothing and notIn: [] matches everything", async () => {
      expect(await names({ name: { in: [] } })).toEqual([]);
      expect(await names({ age: { in: [] } })).toEqual([]);
      expect(await names({ name: { notIn: [] } })).toEqual(ALL_NAMES);
      // notIn: [] matches NULL values too (it is always true).
      expect(await names({ age: { notIn: [] } })).toEqual(ALL_NAMES);
      expect(await names({ OR: [{ age: { in: [] } }, { name: "Bob" }] })).toEqual(["Bob"]);
      expect(await db.count(t, { id: { in: [] } })).toBe(0);
    });

    it("in and notIn refuse null elements, objects and non-arrays before any SQL", async () => {
      await expect(db.select(t, { where: { age: { in: [1, null] } } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { notIn: [null] } } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { in: [{ a: 1 }] } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { in: 30 } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: [1, 2] } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
    });

    it("like is case-sensitive on every backend", async () => {
      expect(await names({ name: { like: "A%" } })).toEqual(["Alice"]);
      expect(await names({ name: { like: "a%" } })).toEqual(["alice"]);
      expect(await names({ name: { like: "%lic%" } })).toEqual(["Alice", "alice"]);
      expect(await names({ name: { like: "%LIC%" } })).toEqual([]);
      expect(await names({ name: { like: "_ve" } })).toEqual(["Eve"]);
      expect(await names({ name: { like: "_VE" } })).toEqual([]);
      expect(await names({ name: { like: "Bob" } })).toEqual(["Bob"]);
      expect(await names({ name: { like: "bob" } })).toEqual([]);
      expect(await names({ name: { like: "%'%" } })).toEqual([INJECTION, "O'Brien"].sort());
      expect(await names({ nickname: { like: "%" } })).toEqual(expected((p) => p.nickname !== null));
    });

    it("ilike is case-insensitive on every backend", async () => {
      expect(await names({ name: { ilike: "a%" } })).toEqual(["Alice", "alice"]);
      expect(await names({ name: { ilike: "A%" } })).toEqual(["Alice", "alice"]);
      expect(await names({ name: { ilike: "%RAC%" } })).toEqual(["Grace"]);
      expect(await names({ name: { ilike: "BOB" } })).toEqual(["Bob"]);
      expect(await names({ name: { ilike: "_VE" } })).toEqual(["Eve"]);
      expect(await names({ name: { ilike: "o'b%" } })).toEqual(["O'Brien"]);
      expect(await names({ name: { ilike: "zz%" } })).toEqual([]);
    });

    it("like and ilike refuse a pattern that is not a string", async () => {
      await expect(db.select(t, { where: { name: { like: 5 } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { name: { ilike: null } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
    });

    it("isNull true and false", async () => {
      expect(await names({ age: { isNull: true } })).toEqual(["Carol"]);
      expect(await names({ age: { isNull: false } })).toEqual(expected((p) => p.age !== null));
      expect(await names({ nickname: { isNull: true } })).toEqual(expected((p) => p.nickname === null));
      expect(await names({ nickname: { isNull: false } })).toEqual(expected((p) => p.nickname !== null));
      expect(await names({ born: { isNull: true } })).toEqual(["Carol"]);
      await expect(db.select(t, { where: { age: { isNull: "yes" } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
    });

    it("several operators on one column are ANDed", async () => {
      expect(await names({ age: { gt: 20, lt: 40, ne: 30 } })).toEqual(["Dave", "Eve", "Grace", INJECTION, "alice"].sort());
      expect(await names({ name: { like: "%e", ne: "Eve" } })).toEqual(["Alice", "Dave", "Grace", "alice"]);
      expect(await names({ age: { gt: 40, lt: 40 } })).toEqual([]);
    });

    it("AND, OR and NOT, combined and nested", async () => {
      expect(await names({ OR: [{ name: "Bob" }, { age: { lt: 25 } }] })).toEqual(["Bob", "Eve"]);
      expect(await names({ AND: [{ active: true }, { age: { gt: 29 } }] })).toEqual(["Alice", "Bob", INJECTION].sort());
      // NOT (active = true): NULL is not matched either.
      expect(await names({ NOT: { active: true } })).toEqual(["Dave", "O'Brien", "alice"]);
      // NOT of an array negates the AND of its filters (NULL AND FALSE is FALSE, so Frank matches).
      expect(await names({ NOT: [{ active: true }, { team: "red" }] })).toEqual(["Carol", "Dave", "Frank", "Grace", "O'Brien", "alice"]);
      expect(await names({ NOT: { age: null } })).toEqual(expected((p) => p.age !== null));
      // Sibling keys are ANDed with the OR.
      expect(await names({ team: "red", OR: [{ age: { lt: 25 } }, { age: { gt: 35 } }] })).toEqual(["Bob", "Eve"]);
      // A filter with several columns inside OR is one AND term.
      expect(await names({ OR: [{ team: "blue", active: true }, { team: "green", active: false }] })).toEqual(
        ["Carol", "Dave", "Grace", "O'Brien"].sort(),
      );
      // Deep nesting.
      const deep: Where<Person> = {
        OR: [
          { AND: [{ active: true }, { age: { gte: 40 } }] },
          { NOT: { OR: [{ age: { lt: 45 } }, { age: null }] } },
          { AND: [{ team: "blue" }, { NOT: [{ nickname: { isNull: true } }] }] },
        ],
      };
      expect(await names(deep)).toEqual(["Bob", "Frank", "Grace", "O'Brien"]);
      expect(await names({ AND: [{ OR: [{ team: "red" }, { team: "blue" }] }, { NOT: { name: { like: "%e" } } }, { age: { isNull: false } }] })).toEqual(
        [INJECTION, "Bob"],
      );
      // Empty combinations: AND [] and OR with {} match everything, OR [] nothing, NOT {} nothing.
      expect(await names({ AND: [] })).toEqual(ALL_NAMES);
      expect(await names({ OR: [] })).toEqual([]);
      expect(await names({ OR: [{}, { name: "Bob" }] })).toEqual(ALL_NAMES);
      expect(await names({ NOT: {} })).toEqual([]);
    });

    it("malformed AND/OR/NOT are ValidationErrors before any SQL", async () => {
      await expect(db.select(t, { where: { OR: { name: "Bob" } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { AND: "x" } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { NOT: 1 } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { OR: [1] } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
    });

    it("Date comparisons on a TIMESTAMPTZ column", async () => {
      const d1990 = new Date("1990-01-01T00:00:00.000Z");
      expect(await names({ born: d1990 })).toEqual(["Alice"]);
      expect(await names({ born: { eq: d1990 } })).toEqual(["Alice"]);
      expect(await names({ born: { gt: d1990 } })).toEqual(expected((p) => p.born !== null && p.born > d1990));
      expect(await names({ born: { gte: d1990 } })).toEqual(expected((p) => p.born !== null && p.born >= d1990));
      expect(await names({ born: { lt: d1990 } })).toEqual(["Bob", "Dave", "Frank", "O'Brien"]);
      expect(await names({ born: { lte: d1990 } })).toEqual(["Alice", "Bob", "Dave", "Frank", "O'Brien"]);
      // Millisecond precision at the boundaries.
      const grace = new Date("1996-09-09T09:09:09.123Z");
      expect(await names({ born: grace })).toEqual(["Grace"]);
      expect(await names({ born: { gt: new Date(grace.getTime() - 1), lt: new Date(grace.getTime() + 1) } })).toEqual(["Grace"]);
      expect(await names({ born: { gt: grace, lt: new Date("1997-01-01T00:00:00.000Z") } })).toEqual([]);
      const dave = new Date("1988-12-31T23:59:59.999Z");
      expect(await names({ born: { gte: dave, lt: new Date("1989-01-01T00:00:00.000Z") } })).toEqual(["Dave"]);
      expect(await names({ born: { ne: d1990 } })).toHaveLength(8);
      // The same instant written with another time zone offset is the same value.
      expect(await names({ born: new Date("1990-01-01T02:00:00+02:00") })).toEqual(["Alice"]);
    });

    it("boolean filters", async () => {
      expect(await names({ active: true })).toEqual(expected((p) => p.active === true));
      expect(await names({ active: false })).toEqual(["Dave", "O'Brien", "alice"]);
      expect(await names({ active: { eq: true } })).toEqual(expected((p) => p.active === true));
      expect(await names({ active: { ne: true } })).toEqual(["Dave", "O'Brien", "alice"]);
      expect(await names({ active: { isNull: true } })).toEqual(["Frank"]);
      const rows = await db.select<Person>(t, { where: { active: false }, columns: ["active"] });
      expect(rows).toEqual([{ active: false }, { active: false }, { active: false }]);
    });

    it("in and notIn with Dates on a TIMESTAMPTZ column", async () => {
      const d1990 = new Date("1990-01-01T00:00:00.000Z");
      const dave = new Date("1988-12-31T23:59:59.999Z");
      expect(await names({ born: { in: [d1990, dave] } })).toEqual(["Alice", "Dave"]);
      expect(await names({ born: { in: [new Date("1990-01-01T00:00:00.001Z")] } })).toEqual([]);
      expect(await names({ born: { notIn: [d1990, dave] } })).toEqual(expected((p) => p.born !== null && p.name !== "Alice" && p.name !== "Dave"));
    });

    it("in and notIn with booleans", async () => {
      expect(await names({ active: { in: [false] } })).toEqual(["Dave", "O'Brien", "alice"]);
      expect(await names({ active: { in: [true, false] } })).toEqual(expected((p) => p.active !== null));
      expect(await names({ active: { notIn: [true] } })).toEqual(["Dave", "O'Brien", "alice"]);
    });

    it("orderBy as a string with several terms and NULLS LAST", async () => {
      expect(await ordered("team ASC, age DESC NULLS LAST")).toEqual([
        "Grace", "alice", "Carol",
        "Frank", "O'Brien", "Dave",
        "Bob", INJECTION, "Alice", "Eve",
      ]);
      expect(await ordered("team desc, age asc nulls first")).toEqual([
        "Eve", "Alice", INJECTION, "Bob",
        "Dave", "O'Brien", "Frank",
        "Carol", "alice", "Grace",
      ]);
      expect(await ordered("  age  ,name", { team: "red" })).toEqual(["Eve", "Alice", INJECTION, "Bob"]);
      // "name ASC, age DESC NULLS LAST" over names whose order does not depend on collation.
      expect(await ordered("name ASC, age DESC NULLS LAST", { name: { in: ["Grace", "Bob", "Frank", "Dave", "Eve"] } })).toEqual([
        "Bob", "Dave", "Eve", "Frank", "Grace",
      ]);
    });

    it("orderBy as an object (keys in order) and as an array of tuples and strings", async () => {
      const expectedOrder = ["Grace", "alice", "Carol", "Frank", "O'Brien", "Dave", "Bob", INJECTION, "Alice", "Eve"];
      // Without NULLS, put the NULL row first or last explicitly only where it matters: within "blue".
      const withoutNull = expectedOrder.filter((n) => n !== "Carol");
      expect(await ordered({ team: "asc", age: "desc" }, { age: { isNull: false } })).toEqual(withoutNull);
      expect(await ordered({ team: "ASC", age: "DESC" }, { age: { isNull: false } })).toEqual(withoutNull);
      expect(await ordered([["team", "asc"], ["age", "desc"]], { age: { isNull: false } })).toEqual(withoutNull);
      expect(await ordered(["team", ["age", "desc"]], { age: { isNull: false } })).toEqual(withoutNull);
      expect(await ordered(["team ASC", "age DESC NULLS LAST"])).toEqual(expectedOrder);
      expect(await ordered([["age"]], { team: "green" })).toEqual(["Dave", "O'Brien", "Frank"]);
      expect(await ordered({ age: "desc" }, { team: "green" })).toEqual(["Frank", "O'Brien", "Dave"]);
    });

    it("NULLS FIRST / NULLS LAST place NULLs identically on every backend", async () => {
      const asc = expected((p) => p.age !== null).sort((a, b) => age(a) - age(b));
      const desc = [...asc].reverse();
      expect(await ordered("age ASC NULLS FIRST")).toEqual(["Carol", ...asc]);
      expect(await ordered("age ASC NULLS LAST")).toEqual([...asc, "Carol"]);
      expect(await ordered("age DESC NULLS FIRST")).toEqual(["Carol", ...desc]);
      expect(await ordered("age DESC NULLS LAST")).toEqual([...desc, "Carol"]);
      expect(await ordered("age NULLS LAST")).toEqual([...asc, "Carol"]);
      expect(await ordered(["age DESC NULLS FIRST"])).toEqual(["Carol", ...desc]);
      // Booleans: false < true, NULL placed as asked.
      const byActive = await db.select<Person>(t, { orderBy: "active ASC NULLS FIRST, age ASC NULLS LAST", columns: ["name", "active"] });
      expect(byActive.map((r) => r.name)).toEqual(["Frank", "alice", "Dave", "O'Brien", "Eve", "Grace", "Alice", INJECTION, "Bob", "Carol"]);
      const byBorn = await ordered("born DESC NULLS LAST");
      expect(byBorn[0]).toBe("Eve");
      expect(byBorn[9]).toBe("Carol");
      expect(byBorn.slice(0, 9)).toEqual(
        PEOPLE.filter((p) => p.born !== null)
          .sort((a, b) => b.born!.getTime() - a.born!.getTime())
          .map((p) => p.name),
      );
    });

    it("malformed orderBy is a ValidationError, a malformed column an IdentifierError, before any SQL", async () => {
      await expect(db.select(t, { orderBy: "age SIDEWAYS" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "age NULLS MIDDLE" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "age,," })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "lower(name)" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: { age: "up" } as unknown as OrderBy })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: [["age", "desc", "x"]] as unknown as OrderBy })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: 5 as unknown as OrderBy })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: [["bad col", "asc"]] })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { orderBy: { "1x": "asc" } })).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
    });

    it("injection through a filter key is an IdentifierError before any SQL; the table is intact", async () => {
      await expect(db.select(t, { where: { "name; DROP TABLE x": 1 } as Where })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { where: { [`name = name; DROP TABLE "${t}"; --`]: 1 } as Where })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { where: { OR: [{ 'name" OR 1=1 --': "x" }] } as Where })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.deleteMany(t, { "1=1 OR name": "x" } as Where)).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.count(t, { NOT: { "age) OR (1=1": 1 } } as Where)).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      await expectIntact();
    });

    it("injection through orderBy is refused before any SQL; the table is intact", async () => {
      await expect(db.select(t, { orderBy: "name; DROP TABLE x" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: `name; DROP TABLE "${t}"` })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "name DESC; DELETE FROM x" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: "(SELECT 1)" })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: { "name; DROP TABLE x": "asc" } })).rejects.toBeInstanceOf(IdentifierError);
      await expect(db.select(t, { orderBy: { name: "asc; DROP TABLE x" } as unknown as OrderBy })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { orderBy: [["name; DROP TABLE x", "asc"]] })).rejects.toBeInstanceOf(IdentifierError);
      expect(seen).toEqual([]);
      await expectIntact();
    });

    it("an unknown operator is a ValidationError before any SQL; the table is intact", async () => {
      await expect(db.select(t, { where: { age: { evil: 1 } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { "gt; DROP TABLE x": 1 } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: {} } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.deleteMany(t, { age: { evil: 1 } } as unknown as Where)).rejects.toBeInstanceOf(ValidationError);
      await expect(db.updateMany(t, { age: 0 }, { name: { raw: "1=1" } } as unknown as Where)).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      await expectIntact();
      expect(await db.count(t, { age: 0 })).toBe(0);
    });

    it("hostile values are bound and matched literally; the table is intact", async () => {
      expect(await names({ name: INJECTION })).toEqual([INJECTION]);
      expect(await names({ name: { eq: INJECTION } })).toEqual([INJECTION]);
      expect(await names({ name: { like: "'; DROP%" } })).toEqual([INJECTION]);
      expect(await names({ name: { ilike: "%drop table%" } })).toEqual([INJECTION]);
      expect(await names({ name: { in: [INJECTION, "x' OR '1'='1"] } })).toEqual([INJECTION]);
      expect(await names({ name: "O'Brien" })).toEqual(["O'Brien"]);
      expect(await names({ name: "x' OR '1'='1" })).toEqual([]);
      expect(await names({ name: "Bob' --" })).toEqual([]);
      expect(await names({ nickname: "--" })).toEqual([INJECTION]);
      expect(await names({ name: `"; DROP TABLE "${t}"; --` })).toEqual([]);
      expect(await names({ name: "\\'; DROP TABLE x; --" })).toEqual([]);
      expect(await db.count(t, { name: { notIn: [INJECTION] } })).toBe(9);
      expect(await db.deleteMany(t, { name: "x' OR '1'='1" })).toBe(0);
      expect(await db.updateMany(t, { age: 0 }, { name: "' OR 1=1 --" })).toBe(0);
      await expectIntact();
      expect(await db.count(t, { age: 0 })).toBe(0);
    });

    it("an undefined, function or symbol filter value is a ValidationError, never ignored", async () => {
      await expect(db.select(t, { where: { name: undefined } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { gt: undefined } } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { age: { gt: null } } as unknown as Where })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { name: (() => "x") as unknown as string } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.select(t, { where: { name: Symbol("x") as unknown as string } })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.deleteMany(t, { id: undefined })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toEqual([]);
      await expectIntact();
    });
  });
}

/** The seeded age of a person, by name. */
function age(name: string): number {
  return PEOPLE.find((p) => p.name === name)!.age!;
}
