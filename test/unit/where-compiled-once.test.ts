/**
 * A `where` given to a Table is compiled exactly once: the compile that validates it is the one
 * the statement runs (issue #16, "validating a filter means compiling it once"). Counted by
 * wrapping compileWhereFragment, the one filter compiler of src/sql/where.ts. For writes, include
 * filters and cursor streams, the count is of the compiles whose input holds the caller's filter
 * (a marker value in it), since those calls also compile filters of their own (key lists).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const compiles = { count: 0, inputs: [] as unknown[] };

/** How many compiles had an input holding `marker` (the caller's filter, alone or inside AND: [...]). */
function compilesOf(marker: string): number {
  return compiles.inputs.filter((input) => JSON.stringify(input)?.includes(marker) === true).length;
}

vi.mock("../../src/sql/where.js", async (importOriginal) => {
  const original = await importOriginal<Record<string, unknown>>();
  // Every compile entry point is wrapped (today only compileWhereFragment; a second compiler
  // added later, or the text compileWhere of before, is counted too). A compile entry point that
  // calls another through its own module binding is counted once.
  const wrapped: Record<string, unknown> = { ...original };
  for (const [name, value] of Object.entries(original)) {
    if (!name.startsWith("compileWhere") || typeof value !== "function") continue;
    wrapped[name] = (...args: unknown[]) => {
      compiles.count++;
      compiles.inputs.push(args[0]);
      return (value as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped;
});

const { Database } = await import("../../src/index.js");
const { Table, hasMany, manyToMany } = await import("../../src/table/index.js");
const { IdentifierError, ValidationError } = await import("../../src/errors/errors.js");

describe("a Table read compiles its where once", () => {
  const db = new Database({ filename: join(mkdtempSync(join(tmpdir(), "tk-where-once-")), "test.db") });
  const users = new Table<{ id: number; name: string; age: number }>("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT", age: "INTEGER" } });
  const where = { age: { gte: 30 }, name: { like: "a%" } } as const;

  beforeAll(async () => {
    await users.batchCreate([{ name: "ann", age: 31 }, { name: "al", age: 40 }, { name: "bob", age: 50 }, { name: "amy", age: 20 }]);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    compiles.count = 0;
    compiles.inputs = [];
  });

  it("list", async () => {
    expect((await users.list({ where, orderBy: "id" })).map((r) => r.name)).toEqual(["ann", "al"]);
    expect(compiles.count).toBe(1);
  });

  it("findOne", async () => {
    expect((await users.findOne(where, { orderBy: "age DESC" }))?.name).toBe("al");
    expect(compiles.count).toBe(1);
  });

  it("count", async () => {
    expect(await users.count(where)).toBe(2);
    expect(compiles.count).toBe(1);
  });

  it("paginate by page (count and rows share one compile)", async () => {
    const page = await users.paginate({ where, perPage: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((r) => r.name)).toEqual(["ann"]);
    expect(compiles.count).toBe(1);
  });

  it("paginate by keyset", async () => {
    const page = await users.paginate({ where, limit: 5 });
    expect(page.items.map((r) => r.name)).toEqual(["ann", "al"]);
    expect(compiles.count).toBe(1);
  });

  it("a bad filter is still refused, with the same errors", async () => {
    await expect(users.list({ where: { nope: 1 } as never })).rejects.toThrow(IdentifierError);
    await expect(users.count({ age: { between: 1 } } as never)).rejects.toThrow(ValidationError);
    await expect(users.findOne("x" as never)).rejects.toThrow(ValidationError);
  });
});

describe("a Table write, include filter and cursor stream compile the caller's where once", () => {
  const db = new Database({ filename: join(mkdtempSync(join(tmpdir(), "tk-where-once-w-")), "test.db") });
  const posts = new Table<{ id: number; user_id: number; title: string }>("posts", {
    db,
    schema: { id: "INTEGER PRIMARY KEY", user_id: "INTEGER", title: "TEXT" },
  });
  const tags = new Table<{ id: number; label: string }>("tags", { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
  const userTags = new Table<{ user_id: number; tag_id: number }>("user_tags", { db, schema: { user_id: "INTEGER", tag_id: "INTEGER" } });
  const users = new Table("users", {
    db,
    schema: { id: "INTEGER PRIMARY KEY", name: "TEXT", age: "INTEGER" },
    relations: {
      posts: hasMany(posts, "user_id"),
      tags: manyToMany(tags, { through: "user_tags", sourceKey: "user_id", targetKey: "tag_id" }),
    },
  });
  // No primary key: streams go through a database cursor.
  const events = new Table<{ name: string; n: number }>("events", { db, schema: { name: "TEXT", n: "INTEGER" } });

  beforeAll(async () => {
    await users.batchCreate([{ name: "ann", age: 31 }, { name: "bob", age: 50 }]);
    await posts.batchCreate([{ user_id: 1, title: "marker-one" }, { user_id: 1, title: "other" }, { user_id: 2, title: "marker-two" }]);
    await tags.batchCreate([{ label: "marker-red" }, { label: "blue" }]);
    await userTags.batchCreate([{ user_id: 1, tag_id: 1 }, { user_id: 1, tag_id: 2 }, { user_id: 2, tag_id: 1 }]);
    await events.batchCreate([{ name: "marker-a", n: 1 }, { name: "b", n: 2 }, { name: "marker-c", n: 3 }]);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    compiles.count = 0;
    compiles.inputs = [];
  });

  it("updateMany", async () => {
    expect(await users.updateMany({ name: { like: "marker-upd%" }, age: { gte: 0 } }, { age: 1 })).toBe(0);
    expect(await users.updateMany({ name: { in: ["ann", "marker-upd"] } }, { age: 32 })).toBe(1);
    expect(compilesOf("marker-upd")).toBe(2);
  });

  it("updateMany and deleteMany with the same compiled shape and other values touch the right rows", async () => {
    await events.batchCreate([{ name: "same-1", n: 10 }, { name: "same-2", n: 20 }]);
    expect(await events.updateMany({ name: "same-1" }, { n: 11 })).toBe(1);
    expect(await events.updateMany({ name: "same-2" }, { n: 21 })).toBe(1);
    expect((await events.list({ where: { name: { like: "same-%" } }, orderBy: "n" })).map((r) => [r.name, r.n])).toEqual([["same-1", 11], ["same-2", 21]]);
    expect(await events.deleteMany({ name: "same-1" })).toBe(1);
    expect(await events.deleteMany({ name: "same-2" })).toBe(1);
    expect(await events.deleteMany({ name: "same-2" })).toBe(0);
  });

  it("deleteMany", async () => {
    expect(await events.deleteMany({ name: { in: ["nope", "marker-del"] } })).toBe(0);
    expect(compilesOf("marker-del")).toBe(1);
  });

  it("a hasMany include's where", async () => {
    const rows = await users.list({ orderBy: "id", include: { posts: { where: { title: { like: "marker-%" } }, orderBy: "id" } } });
    expect(rows.map((r) => (r["posts"] as { title: string }[]).map((p) => p.title))).toEqual([["marker-one"], ["marker-two"]]);
    expect(compilesOf("marker-%")).toBe(1);
  });

  it("a manyToMany include's where", async () => {
    const rows = await users.list({ orderBy: "id", include: { tags: { where: { label: { like: "marker-%" } } } } });
    expect(rows.map((r) => (r["tags"] as { label: string }[]).map((t) => t.label))).toEqual([["marker-red"], ["marker-red"]]);
    expect(compilesOf("marker-%")).toBe(1);
  });

  it("stream on a table without a primary key", async () => {
    const names: string[] = [];
    for await (const row of events.stream({ where: { name: { like: "marker-%" } }, orderBy: "n" })) names.push(row.name);
    expect(names).toEqual(["marker-a", "marker-c"]);
    expect(compilesOf("marker-%")).toBe(1);
  });

  it("bad filters are still refused before any write, with the same errors", async () => {
    await expect(users.updateMany({ nope: 1 } as never, { age: 1 })).rejects.toThrow(IdentifierError);
    await expect(users.deleteMany({ age: { between: 1 } } as never)).rejects.toThrow(ValidationError);
    await expect(users.list({ include: { posts: { where: { nope: 1 } } } } as never)).rejects.toThrow(IdentifierError);
    await expect(async () => {
      for await (const _ of events.stream({ where: { n: { between: 1 } } as never })) void _;
    }).rejects.toThrow(ValidationError);
    expect(await users.count()).toBe(2);
  });
});
