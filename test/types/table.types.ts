/**
 * Type-level tests of the Table API, checked by `tsc -p tsconfig.json --noEmit` (never executed):
 * rows are typed from the model's output, hidden columns leave the row type, `columns` narrows it,
 * includes add typed relations, and misspelled fields are compile errors (`@ts-expect-error` fails
 * the type check if the line ever compiles).
 */
import * as v from "valibot";
import { expectTypeOf } from "vitest";
import { z } from "zod";
import { Database } from "../../src/index.js";
import { Table, belongsTo, hasMany, manyToMany, type GetOrCreateResult, type KeysetPage, type Page } from "../../src/table/index.js";

const db = new Database({ url: "sqlite::memory:" });

const TeamModel = z.object({ id: z.number().int().optional(), name: z.string() });
const teams = new Table("teams", { db, model: TeamModel });

const CommentModel = z.object({ id: z.number().int().optional(), post_id: z.number().int(), body: z.string() });
const comments = new Table("comments", { db, model: CommentModel });

const PostModel = z.object({ id: z.number().int().optional(), user_id: z.string(), title: z.string(), published: z.boolean().default(false) });
const posts = new Table("posts", { db, model: PostModel, relations: { comments: hasMany(comments, "post_id") } });

const UserModel = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  email: z.email(),
  age: z.number().int().nullable().optional(),
  team_id: z.number().int().nullable().optional(),
  password_hash: z.string().optional(),
});

const users = new Table("users", {
  db,
  model: UserModel,
  hidden: ["password_hash"],
  relations: {
    team: belongsTo(teams, "team_id"),
    posts: hasMany(posts, "user_id"),
    tags: manyToMany("tags", { through: "user_tags", sourceKey: "user_id", targetKey: "tag_id" }),
  },
});

/** The model's output as rows read back: the key column (`id`) is present and non-null. */
type User = { id: string; name: string; email: string; age?: number | null | undefined; team_id?: number | null | undefined; password_hash?: string | undefined };
type VisibleUser = Omit<User, "password_hash">;

async function rowsAreTypedFromTheModel(): Promise<void> {
  const created = await users.create({ name: "Ann", email: "ann@example.com" });
  expectTypeOf(created).toEqualTypeOf<{ id: string; name: string; email: string; age?: number | null | undefined; team_id?: number | null | undefined }>();
  expectTypeOf(created.name).toEqualTypeOf<string>();
  // @ts-expect-error -- a misspelled field of the row
  created.nmae;
  // @ts-expect-error -- hidden columns are not part of returned rows
  created.password_hash;

  // @ts-expect-error -- a misspelled field in create data
  await users.create({ nmae: "Ann", email: "ann@example.com" });
  // @ts-expect-error -- a required field of the model's input is missing
  await users.create({ email: "ann@example.com" });
  // @ts-expect-error -- a wrong value type
  await users.create({ name: "Ann", email: "a@x.io", age: "thirty" });

  const read = await users.read("id");
  expectTypeOf(read).toEqualTypeOf<VisibleUser | null>();

  const updated = await users.update("id", { age: 31 });
  expectTypeOf(updated).toEqualTypeOf<VisibleUser | null>();
  // @ts-expect-error -- a misspelled field in update data
  await users.update("id", { agee: 31 });

  const listed = await users.list({ where: { age: { gte: 18 } }, orderBy: "name" });
  expectTypeOf(listed).toEqualTypeOf<VisibleUser[]>();
  // @ts-expect-error -- a misspelled column in a filter
  await users.list({ where: { agee: 18 } });

  const found = await users.findOne({ email: "ann@example.com" });
  expectTypeOf(found).toEqualTypeOf<VisibleUser | null>();
  expectTypeOf(await users.count({ age: null })).toEqualTypeOf<number>();
}

async function columnsNarrowTheRow(): Promise<void> {
  const picked = await users.list({ columns: ["id", "email"] });
  expectTypeOf(picked).toEqualTypeOf<{ id: string; email: string }[]>();
  // A hidden column is returned, and typed, when asked for by name.
  const withHash = await users.read("id", { columns: ["id", "password_hash"] });
  expectTypeOf(withHash).toEqualTypeOf<{ id: string; password_hash?: string | undefined } | null>();
  // @ts-expect-error -- a misspelled column in `columns`
  await users.list({ columns: ["id", "emial"] });
}

async function includesAreTyped(): Promise<void> {
  const rows = await users.list({ include: { team: true, posts: { where: { published: true }, include: { comments: true } } } });
  const first = rows[0]!;
  expectTypeOf(first.team).toEqualTypeOf<{ id: number; name: string } | null>();
  expectTypeOf(first.posts[0]!.title).toEqualTypeOf<string>();
  expectTypeOf(first.posts[0]!.comments[0]!.body).toEqualTypeOf<string>();
  // A relation to a table given by name has untyped rows.
  expectTypeOf((await users.list({ include: { tags: true } }))[0]!.tags).toEqualTypeOf<Record<string, unknown>[]>();
  expectTypeOf(first.email).toEqualTypeOf<string>();
  // @ts-expect-error -- relations not included are not on the row
  first.teams;
  // @ts-expect-error -- an unknown relation
  await users.list({ include: { teams: true } });
  // @ts-expect-error -- a misspelled column in an included relation's filter
  await users.list({ include: { posts: { where: { titel: "x" } } } });

  const one = await users.read("id", { include: { posts: { columns: ["id", "title"] } } });
  expectTypeOf(one!.posts).toEqualTypeOf<{ id: number; title: string }[]>();
}

async function paginationAndBatches(): Promise<void> {
  const page = await users.paginate({ orderBy: "name", page: 2, perPage: 10 });
  expectTypeOf(page).toEqualTypeOf<Page<VisibleUser>>();
  const keyset = await users.paginate({ orderBy: "name DESC", limit: 10, after: null });
  expectTypeOf(keyset).toEqualTypeOf<KeysetPage<VisibleUser>>();
  // @ts-expect-error -- page numbers and cursors do not mix
  await users.paginate({ page: 2, after: "cursor", limit: 10 });

  expectTypeOf(await users.batchCreate([{ name: "A", email: "a@x.io" }])).toEqualTypeOf<VisibleUser[]>();
  expectTypeOf(await users.batchCreate([{ name: "A", email: "a@x.io" }], { returning: false })).toEqualTypeOf<number>();
  expectTypeOf(await users.batchUpdate([{ id: "x", age: 3 }])).toEqualTypeOf<VisibleUser[]>();
  expectTypeOf(await users.updateMany({ age: { lt: 18 } }, { age: 18 })).toEqualTypeOf<number>();
  expectTypeOf(await users.deleteMany({})).toEqualTypeOf<number>();
  expectTypeOf(await users.getOrCreate({ email: "a@x.io" }, { name: "A" })).toEqualTypeOf<GetOrCreateResult<VisibleUser>>();
  expectTypeOf(await users.upsert({ name: "A", email: "a@x.io" }, { conflict: ["email"] })).toEqualTypeOf<VisibleUser>();
  // @ts-expect-error -- a misspelled conflict column
  await users.upsert({ name: "A", email: "a@x.io" }, { conflict: ["emial"] });

  for await (const user of users.stream({ where: { age: { gt: 1 } }, include: { team: true } })) {
    expectTypeOf(user.team).toEqualTypeOf<{ id: number; name: string } | null>();
  }
}

async function otherModelsAndGenerics(): Promise<void> {
  // Any Standard Schema works: valibot here.
  const Event = v.object({ id: v.optional(v.number()), kind: v.string(), at: v.date() });
  const events = new Table("events", { db, model: Event });
  expectTypeOf((await events.read(1))!.at).toEqualTypeOf<Date>();

  // Without a model, the row type is a type argument (default Row).
  interface Tag {
    id: number;
    label: string;
  }
  const tags = new Table<Tag>("tags", { db });
  expectTypeOf(await tags.read(1)).toEqualTypeOf<Tag | null>();
  // @ts-expect-error -- a misspelled field of an explicitly typed table
  await tags.create({ lable: "x" });
  const untyped = new Table("anything", { db });
  expectTypeOf(await untyped.read(1)).toEqualTypeOf<Record<string, unknown> | null>();
}

async function relationTargets(): Promise<void> {
  // A function target (a table declared further down) and a named target with its row type given.
  interface Label {
    id: number;
    text: string;
  }
  const notes = new Table("notes", {
    db,
    model: z.object({ id: z.number().optional(), owner: z.string(), label_id: z.number() }),
    relations: { labelRow: belongsTo(() => labels, "label_id"), labelByName: belongsTo<Label>("labels", "label_id") },
  });
  const labels = new Table<Label>("labels", { db });
  const note = (await notes.list({ include: { labelRow: true, labelByName: true } }))[0]!;
  expectTypeOf(note.labelRow).toEqualTypeOf<Label | null>();
  expectTypeOf(note.labelByName).toEqualTypeOf<Label | null>();
  // @ts-expect-error -- a misspelled column of a named target typed with a type argument
  await notes.list({ include: { labelByName: { where: { txt: "x" } } } });
}

void [relationTargets, rowsAreTypedFromTheModel, columnsNarrowTheRow, includesAreTyped, paginationAndBatches, otherModelsAndGenerics];
