/**
 * Type-level tests of the types that come from a Table's schema (issue 19 §1), checked by
 * `tsc -p tsconfig.json --noEmit` in `npm test` (never executed): row and insert types read from
 * the column definitions, the int64 policy, model rows with the filled columns present, typed
 * `orderBy`, `db.insert<R>` keys, and relations declared in both directions. Each
 * `@ts-expect-error` fails the type check if its line ever compiles.
 */
import { expectTypeOf } from "vitest";
import { z } from "zod";
import { Database, Table, belongsTo, hasMany, typedColumn, type CheckOrderString, type Row, type SchemaInsert, type SchemaRow } from "../../src/index.js";

const db = new Database({ url: "sqlite::memory:" });

/**
 * Exact type equality without expectTypeOf's deep walk (which does not finish on `Buffer`, a type
 * with hundreds of members).
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

async function theIssueExample(): Promise<void> {
  const users = new Table("users", {
    db,
    schema: { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL", age: "INTEGER", created_at: "TIMESTAMPTZ DEFAULT now()" },
  });
  const user = await users.create({ name: "Ann" });
  expectTypeOf(user).toEqualTypeOf<{ id: string; name: string; age: number | null; created_at: Date }>();
  expectTypeOf(await users.read(user.id)).toEqualTypeOf<{ id: string; name: string; age: number | null; created_at: Date } | null>();
  expectTypeOf(await users.list()).toEqualTypeOf<{ id: string; name: string; age: number | null; created_at: Date }[]>();
  // Insert type: columns with a default or NULL allowed are optional; NOT NULL without default required.
  expectTypeOf<Parameters<typeof users.create>[0]>().toEqualTypeOf<{ name: string; id?: string; age?: number | bigint | null; created_at?: Date | string }>();
  await users.create({ name: "Bo", age: 3, created_at: new Date(), id: "8c0a…" });
  // @ts-expect-error -- name is NOT NULL without a default: required
  await users.create({ age: 3 });
  // @ts-expect-error -- a misspelled column
  await users.create({ name: "Bo", agee: 3 });
  // @ts-expect-error -- a wrong value type
  await users.create({ name: "Bo", age: "3" });
  // @ts-expect-error -- a column with a default is never null on rows, so it is not written null either
  await users.create({ name: "Bo", created_at: null });
  // @ts-expect-error -- filters are typed by the row
  await users.list({ where: { nmae: "x" } });
  await users.update(user.id, { age: null });
  // @ts-expect-error -- update data is typed too
  await users.update(user.id, { agee: 1 });
}

async function spellingAndColumnTypes(): Promise<void> {
  const things = new Table("things", {
    db,
    schema: {
      id: "integer   primary\n\tkey",
      big: "BIGINT NOT NULL",
      small: "smallint not null default 0",
      price: "DECIMAL(10, 2) NOT NULL",
      ratio: "DOUBLE PRECISION",
      label: "VARCHAR(20) NOT NULL",
      code: "char(3)",
      ok: "BOOLEAN DEFAULT TRUE",
      on: "DATE",
      at: "TIMESTAMP WITH TIME ZONE NOT NULL",
      raw: "BYTEA",
      tags: "TEXT[] NOT NULL DEFAULT '{}'",
      scores: "INTEGER[]",
      doc: "JSONB",
      prefs: typedColumn<{ theme: "dark" | "light" }>()("JSONB NOT NULL"),
      nothing: "TEXT DEFAULT NULL",
      maybe: "TIMESTAMPTZ NULL DEFAULT now()",
      twice: "INTEGER GENERATED ALWAYS AS (small * 2) STORED",
      guarded: "TEXT CHECK (guarded IS NOT NULL)",
      odd: "INTERVAL",
    },
  });
  type Thing = Awaited<ReturnType<typeof things.create>>;
  expectTypeOf<
    Equal<
      Thing,
      {
    id: number;
    big: number;
    small: number;
    price: string;
    ratio: number | null;
    label: string;
    code: string | null;
    ok: boolean;
    on: string | null;
    at: Date;
    raw: Buffer | null;
    tags: string[];
    scores: number[] | null;
    doc: unknown;
    prefs: { theme: "dark" | "light" };
    nothing: string | null;
    maybe: Date | null;
    twice: number | null;
    guarded: string | null;
    odd: unknown;
      }
    >
  >().toEqualTypeOf<true>();
  type ThingInsert = Parameters<typeof things.create>[0];
  // Required: NOT NULL columns without a default; GENERATED ALWAYS columns are left out.
  expectTypeOf<keyof ThingInsert>().toEqualTypeOf<Exclude<keyof Thing, "twice">>();
  expectTypeOf<{ [K in keyof ThingInsert as {} extends Pick<ThingInsert, K> ? never : K]: 1 }>().toEqualTypeOf<{
    big: 1;
    price: 1;
    label: 1;
    at: 1;
    prefs: 1;
  }>();
  await things.create({ big: 2n, price: 9.5, label: "x", at: "2024-01-01T00:00:00Z", prefs: { theme: "dark" }, raw: new Uint8Array([1]), on: new Date() });
  // @ts-expect-error -- a generated column cannot be written
  await things.create({ big: 1, price: "1", label: "x", at: new Date(), prefs: { theme: "dark" }, twice: 2 });
  // @ts-expect-error -- the typed JSON column checks its documents
  await things.create({ big: 1, price: "1", label: "x", at: new Date(), prefs: { theme: "blue" } });
}

async function int64Policy(): Promise<void> {
  const schema = { id: "BIGSERIAL PRIMARY KEY", n: "INT8 NOT NULL", i: "INT NOT NULL" } as const;
  const plain = new Table("i64", { db, schema });
  expectTypeOf((await plain.read(1))!).toEqualTypeOf<{ id: number; n: number; i: number }>();

  const exact = new Database({ url: "sqlite::memory:", int64: "bigint" });
  expectTypeOf(exact).toEqualTypeOf<Database<"bigint">>();
  const wide = new Table("i64", { db: exact, schema });
  // A 64-bit key reads as the policy says on every backend (SQLite's rowid included).
  expectTypeOf((await wide.read(1))!).toEqualTypeOf<{ id: bigint; n: bigint; i: number }>();
  expectTypeOf((await exact.table("i64", { schema }).read(1))!.n).toEqualTypeOf<bigint>();
  const text = await Database.open({ url: "sqlite::memory:", int64: "string" });
  expectTypeOf((await Table.open("i64", { db: text, schema }).then((t) => t.read(1)))!.n).toEqualTypeOf<string>();
  // A Database<"bigint"> is still a Database.
  const anyDb: Database = exact;
  void anyDb;
  expectTypeOf<SchemaRow<typeof schema, "bigint">["n"]>().toEqualTypeOf<bigint>();
  expectTypeOf<SchemaInsert<typeof schema>["n"]>().toEqualTypeOf<number | bigint>();
  // SERIAL generates values on every backend only as the key (SQLite leaves another SERIAL NULL).
  expectTypeOf<SchemaRow<{ id: "SERIAL PRIMARY KEY"; s: "SERIAL" }>>().toEqualTypeOf<{ id: number; s: number | null }>();
  expectTypeOf<SchemaInsert<{ id: "SERIAL PRIMARY KEY"; s: "SERIAL" }>>().toEqualTypeOf<{ id?: number | bigint; s?: number | bigint | null }>();
}

async function whatWinsOverTheSchema(): Promise<void> {
  const schema = { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL", created_at: "TIMESTAMPTZ DEFAULT now()" } as const;

  // An explicit row type wins.
  interface Named {
    id: string;
    name: string;
  }
  const explicit = new Table<Named>("named", { db, schema });
  expectTypeOf(await explicit.read("x")).toEqualTypeOf<Named | null>();
  expectTypeOf<Parameters<typeof explicit.create>[0]>().toEqualTypeOf<Partial<Named>>();

  // An explicit row type with a model whose output is that type.
  const NamedModel = z.object({ id: z.string(), name: z.string() });
  const explicitModel = new Table<Named>("named", { db, model: NamedModel });
  expectTypeOf(await explicitModel.read("x")).toEqualTypeOf<Named | null>();

  // A schema of non-literal strings falls back to Row.
  const loose: Record<string, string> = { id: "INTEGER PRIMARY KEY" };
  expectTypeOf(await new Table("loose", { db, schema: loose }).read(1)).toEqualTypeOf<Row | null>();
  const mixed = { id: "INTEGER PRIMARY KEY", name: String("TEXT") };
  expectTypeOf(await new Table("mixed", { db, schema: mixed }).read(1)).toEqualTypeOf<Row | null>();
  const type = String("INTEGER");
  expectTypeOf(await new Table("pattern", { db, schema: { id: `${type} PRIMARY KEY` } }).read(1)).toEqualTypeOf<Row | null>();

  // A model wins; with a schema, the columns the database fills are present and non-null.
  const Model = z.object({ id: z.uuid().optional(), name: z.string().min(1), created_at: z.date().optional(), note: z.string().nullish() });
  const modelled = new Table("modelled", { db, schema: { ...schema, note: "TEXT" }, model: Model });
  const row = await modelled.create({ name: "Ann" });
  expectTypeOf(row).toEqualTypeOf<{ id: string; name: string; created_at: Date; note: string | null }>();
  expectTypeOf(row.id).toEqualTypeOf<string>(); // no `row.id!`
  // create takes the model's input.
  // @ts-expect-error -- name is required by the model
  await modelled.create({ note: "x" });

  // A model without a schema: the key column (primaryKey, else `id`) is present and non-null.
  const byId = new Table("by_id", { db, model: Model });
  expectTypeOf((await byId.create({ name: "A" })).id).toEqualTypeOf<string>();
  const Keyed = z.object({ code: z.string().optional(), name: z.string() });
  const byCode = new Table("by_code", { db, model: Keyed, primaryKey: "code" });
  expectTypeOf((await byCode.create({ name: "A" })).code).toEqualTypeOf<string>();
  // @ts-expect-error -- primaryKey must be a column
  new Table("by_code", { db, model: Keyed, primaryKey: "cdoe" });

  // hidden columns of a schema table.
  const secret = new Table("secret", { db, schema: { id: "INTEGER PRIMARY KEY", hash: "TEXT NOT NULL" }, hidden: ["hash"] });
  expectTypeOf(await secret.create({ hash: "h" })).toEqualTypeOf<{ id: number }>();
  // @ts-expect-error -- hidden must name a column
  new Table("secret", { db, schema: { id: "INTEGER PRIMARY KEY", hash: "TEXT NOT NULL" }, hidden: ["hsh"] });
}

async function typedOrderBy(): Promise<void> {
  const users = new Table("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", created_at: "TIMESTAMPTZ DEFAULT now()" } });
  await users.list({ orderBy: "name" });
  await users.list({ orderBy: "name DESC" });
  await users.list({ orderBy: "created_at DESC NULLS LAST, id" });
  await users.list({ orderBy: " created_at  desc\n nulls first ,id asc" });
  await users.list({ orderBy: { name: "desc" } });
  await users.list({ orderBy: [["name", "desc"], "id", "created_at DESC"] });
  await users.findOne({ name: "a" }, { orderBy: "id DESC" });
  await users.paginate({ orderBy: "name, id", page: 1 });
  await users.paginate({ orderBy: "created_at DESC", limit: 10 });
  for await (const u of users.stream({ orderBy: "name" })) void u;
  const dynamic: string = "name";
  await users.list({ orderBy: dynamic }); // not a literal: checked at runtime only

  // @ts-expect-error -- a misspelled column
  await users.list({ orderBy: "nmae" });
  // @ts-expect-error -- a misspelled column in a later term
  await users.list({ orderBy: "created_at DESC NULLS LAST, idd" });
  // @ts-expect-error -- not a direction
  await users.list({ orderBy: "name DESCENDING" });
  // @ts-expect-error -- NULLS needs FIRST or LAST
  await users.list({ orderBy: "name NULLS" });
  // @ts-expect-error -- a misspelled column in the object form
  await users.list({ orderBy: { nmae: "desc" } });
  // @ts-expect-error -- a misspelled column in the array form
  await users.list({ orderBy: [["nmae", "desc"]] });
  // @ts-expect-error -- in findOne, paginate and stream too
  await users.findOne({ name: "a" }, { orderBy: "nmae" });
  // @ts-expect-error -- in paginate
  await users.paginate({ orderBy: "nmae", limit: 10 });
  // @ts-expect-error -- in stream
  users.stream({ orderBy: "nmae" });
  // The compiler's message names the problem.
  expectTypeOf<CheckOrderString<"name, nmae DESC", "name" | "id">>().toEqualTypeOf<'orderBy: unknown column "nmae"'>();
  expectTypeOf<CheckOrderString<"name DSC", "name">>().toEqualTypeOf<'orderBy: expected ASC, DESC, NULLS FIRST or NULLS LAST after "name" in "name DSC"'>();
  // Many terms are checked; past 32 the rest is left to the runtime check.
  await users.list({ orderBy: "id, name, id, name, id, name, id, name, id, name, id, name, id, name, id, name" });
  // @ts-expect-error -- a bad 16th term
  await users.list({ orderBy: "id, name, id, name, id, name, id, name, id, name, id, name, id, name, id, nmae" });
}

async function databaseRowTypes(): Promise<void> {
  interface Account {
    id: number;
    owner: string;
    balance: number;
  }
  await db.insert<Account>("accounts", { owner: "a", balance: 1 });
  // @ts-expect-error -- keys are checked against the row type
  await db.insert<Account>("accounts", { ownr: "a" });
  // @ts-expect-error -- and their value types
  await db.insert<Account>("accounts", { balance: "1" });
  // @ts-expect-error -- update data too
  await db.update<Account>("accounts", { balnce: 2 }, { id: 1 });
  // @ts-expect-error -- upsert data too
  await db.upsert<Account>("accounts", { id: 1, ownr: "b" }, { conflict: ["id"] });
  // @ts-expect-error -- batchInsert records too
  await db.batchInsert<Account>("accounts", [{ owner: "a" }, { ownr: "b" }]);
  // @ts-expect-error -- select filters and columns too
  await db.select<Account>("accounts", { where: { ownr: "a" } });
  // @ts-expect-error -- select columns
  await db.select<Account>("accounts", { columns: ["ownr"] });
  expectTypeOf(await db.select<Account>("accounts", { columns: ["id"] })).toEqualTypeOf<Account[]>();
  // Without a row type, any record.
  await db.insert("accounts", { anything: 1 });
  const record: Row = { owner: "x" };
  await db.insert("accounts", record);
}

async function relationsInBothDirections(): Promise<void> {
  // todos refers to users (declared below) through a function; users refers to todos directly.
  const todos = new Table("todos", {
    db,
    schema: { id: "INTEGER PRIMARY KEY", user_id: "INTEGER NOT NULL", title: "TEXT NOT NULL", done: "BOOLEAN NOT NULL DEFAULT FALSE" },
    relations: { owner: belongsTo(() => users, "user_id") },
  });
  const users = new Table("users", {
    db,
    schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" },
    relations: { todos: hasMany(todos, "user_id") },
  });
  expectTypeOf(todos).not.toBeAny();
  expectTypeOf(users).not.toBeAny();
  const list = await users.list({ include: { todos: { where: { done: false }, orderBy: "id DESC", include: { owner: true } } } });
  expectTypeOf(list[0]!.todos[0]!.title).toEqualTypeOf<string>();
  expectTypeOf(list[0]!.todos[0]!.owner).toEqualTypeOf<{ id: number; name: string } | null>();
  const todo = await todos.read(1, { include: { owner: { include: { todos: true } } } });
  expectTypeOf(todo!.owner!.todos[0]!.done).toEqualTypeOf<boolean>();
  // @ts-expect-error -- a misspelled column in the lazily typed target's filter
  await todos.list({ include: { owner: { where: { nmae: "x" } } } });
  // @ts-expect-error -- an include's orderBy checks its first column
  await users.list({ include: { todos: { orderBy: "titel DESC" } } });
  // @ts-expect-error -- an unknown relation of the lazily typed target
  await todos.list({ include: { owner: { include: { todo: true } } } });

  // Both sides through functions work too.
  const a = new Table("a", { db, schema: { id: "INTEGER PRIMARY KEY", b_id: "INTEGER" }, relations: { b: belongsTo(() => b, "b_id") } });
  const b = new Table("b", { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT NOT NULL" }, relations: { as: hasMany(() => a, "b_id") } });
  expectTypeOf((await b.list({ include: { as: { include: { b: true } } } }))[0]!.as[0]!.b!.label).toEqualTypeOf<string>();
}

void [theIssueExample, spellingAndColumnTypes, int64Policy, whatWinsOverTheSchema, typedOrderBy, databaseRowTypes, relationsInBothDirections];
