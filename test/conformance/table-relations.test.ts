/**
 * Table relations: belongsTo, hasOne, hasMany and manyToMany eager loading with one batched query
 * per relation (counted through the query event), nested includes, include options, and errors —
 * on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, IdentifierError, type Row, ValidationError } from "../../src/index.js";
import { IN_LIST_CHUNK, Table, belongsTo, hasMany, hasOne, manyToMany } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

interface Team {
  id: number;
  name: string;
}
interface User {
  id: string;
  name: string;
  team_id: number | null;
}
interface Post {
  id: number;
  user_id: string;
  title: string;
  published: boolean;
  position: number;
}
interface Comment {
  id: number;
  post_id: number;
  body: string;
}

/** Runs `fn`, returning its result and the SQL statements it sent. */
async function counted<T>(db: Database, fn: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const sql: string[] = [];
  const listener = (event: { sql: string }) => sql.push(event.sql);
  db.on("query", listener);
  try {
    return { result: await fn(), sql };
  } finally {
    db.off("query", listener);
  }
}

for (const backend of backends()) {
  describe(`Table relations [${backend.name}]`, () => {
    let db: Database;
    const names = {
      teams: uniqueTable("tk_rteams"),
      users: uniqueTable("tk_rusers"),
      posts: uniqueTable("tk_rposts"),
      comments: uniqueTable("tk_rcomments"),
      profiles: uniqueTable("tk_rprofiles"),
      tags: uniqueTable("tk_rtags"),
      postTags: uniqueTable("tk_rpost_tags"),
    };
    let teams: Table<Team>;
    let comments: Table<Comment>;
    let tags: Table<{ id: number; label: string }>;
    let profiles: Table<{ id: number; user_id: string; bio: string }>;
    let posts: Table<Post, any>;
    let users: Table<User, any>;
    const userRows: User[] = [];
    const postRows: Post[] = [];
    const commentRows: Comment[] = [];

    beforeAll(async () => {
      db = backend.open();
      teams = new Table<Team>(names.teams, { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
      comments = new Table<Comment>(names.comments, { db, schema: { id: "INTEGER PRIMARY KEY", post_id: "INTEGER NOT NULL", body: "TEXT NOT NULL" } });
      tags = new Table(names.tags, { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT NOT NULL" } });
      profiles = new Table(names.profiles, { db, schema: { id: "INTEGER PRIMARY KEY", user_id: "UUID NOT NULL", bio: "TEXT NOT NULL" } });
      posts = new Table<Post, any>(names.posts, {
        db,
        schema: { id: "INTEGER PRIMARY KEY", user_id: "UUID NOT NULL", title: "TEXT NOT NULL", published: "BOOLEAN DEFAULT FALSE", position: "INTEGER NOT NULL" },
        relations: {
          comments: hasMany(comments, "post_id"),
          author: belongsTo(() => users, "user_id"),
          tags: manyToMany(tags, { through: names.postTags, sourceKey: "post_id", targetKey: "tag_id" }),
        },
      });
      users = new Table<User, any>(names.users, {
        db,
        schema: { id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()", name: "TEXT NOT NULL", team_id: `INTEGER REFERENCES ${names.teams}(id)` },
        relations: {
          team: belongsTo(teams, "team_id"),
          posts: hasMany(posts, "user_id"),
          profile: hasOne(profiles, "user_id"),
          teamByName: belongsTo(names.teams, "team_id"),
        },
      });
      await teams.batchCreate([
        { id: 1, name: "red" },
        { id: 2, name: "green" },
        { id: 3, name: "blue" },
      ]);
      for (let i = 0; i < 25; i++) {
        userRows.push(await users.create({ name: `user${String(i).padStart(2, "0")}`, team_id: i % 4 === 3 ? null : (i % 3) + 1 }));
      }
      let postId = 0;
      let commentId = 0;
      for (const [u, user] of userRows.entries()) {
        for (let p = 0; p < u % 4; p++) {
          const post = await posts.create({ id: ++postId, user_id: user.id, title: `${user.name}-post${p}`, published: p % 2 === 0, position: 10 - p });
          postRows.push(post);
          for (let c = 0; c < postId % 3; c++) commentRows.push(await comments.create({ id: ++commentId, post_id: post.id, body: `c${commentId}` }));
        }
      }
      await profiles.create({ id: 1, user_id: userRows[0]!.id, bio: "first" });
      await tags.batchCreate([
        { id: 1, label: "alpha" },
        { id: 2, label: "beta" },
        { id: 3, label: "gamma" },
      ]);
      await db.createTable(names.postTags, { post_id: "INTEGER NOT NULL", tag_id: "INTEGER NOT NULL" });
      await db.batchInsert(names.postTags, [
        { post_id: 1, tag_id: 3 },
        { post_id: 1, tag_id: 1 },
        { post_id: 2, tag_id: 2 },
      ]);
      // Warm up: the first include of each relation reads the related tables' columns once.
      await users.list({ include: { team: true, posts: { include: { comments: true, tags: true, author: true } }, profile: true, teamByName: true } });
    });
    afterAll(async () => {
      for (const name of [names.postTags, names.comments, names.posts, names.profiles, names.users, names.teams, names.tags]) await db.dropTable(name);
      await db.close();
    });

    const teamOf = (user: User) => (user.team_id === null ? null : { id: user.team_id, name: ["red", "green", "blue"][user.team_id - 1] });
    const postsOf = (user: User) => postRows.filter((p) => p.user_id === user.id).sort((a, b) => a.id - b.id);

    it("lists N users with two relations in exactly three queries", async () => {
      const { result, sql } = await counted(db, () => users.list({ orderBy: "name", include: { team: true, posts: { orderBy: "id" } } }));
      expect(sql).toHaveLength(3);
      expect(sql.filter((q) => q.includes(names.teams))).toHaveLength(1);
      expect(sql.filter((q) => q.includes(names.posts))).toHaveLength(1);
      expect(result).toHaveLength(25);
      for (const [i, row] of result.entries()) {
        const user = userRows[i]!;
        expect(row).toEqual({ ...user, team: teamOf(user), posts: postsOf(user) });
      }
      // The same three queries for 5 users.
      const five = await counted(db, () => users.list({ limit: 5, include: { team: true, posts: true } }));
      expect(five.sql).toHaveLength(3);
    });

    it("loads nested includes with one query per relation per level", async () => {
      const { result, sql } = await counted(db, () =>
        users.list({ orderBy: "name", include: { team: true, posts: { orderBy: "id", include: { comments: { orderBy: "id DESC" } } } } }),
      );
      expect(sql).toHaveLength(4);
      for (const [i, row] of result.entries()) {
        const user = userRows[i]!;
        const expected = postsOf(user).map((post) => ({
          ...post,
          comments: commentRows.filter((c) => c.post_id === post.id).sort((a, b) => b.id - a.id),
        }));
        expect(row.posts).toEqual(expected);
      }
      expect(result.some((row) => (row.posts as { comments: unknown[] }[]).some((p) => p.comments.length > 1))).toBe(true);
    });

    it("applies an include's where, orderBy and columns, and removes the keys it only needed", async () => {
      const user = userRows[3]!;
      const { result, sql } = await counted(db, () =>
        users.read(user.id, { include: { posts: { where: { published: false }, orderBy: "position ASC", columns: ["title", "position"] } } }),
      );
      expect(sql).toHaveLength(2);
      const expected = postsOf(user)
        .filter((p) => !p.published)
        .sort((a, b) => a.position - b.position)
        .map((p) => ({ title: p.title, position: p.position }));
      expect(expected.length).toBeGreaterThan(0);
      expect(result).toEqual({ ...user, posts: expected });
    });

    it("fetches the parent's relation keys even when its columns leave them out", async () => {
      const rows = await users.list({ columns: ["name"], orderBy: "name", limit: 4, include: { team: true, posts: { columns: ["id"] } } });
      expect(rows.map((r) => Object.keys(r))).toEqual([
        ["name", "team", "posts"],
        ["name", "team", "posts"],
        ["name", "team", "posts"],
        ["name", "team", "posts"],
      ]);
      expect(rows[3]).toEqual({ name: "user03", team: null, posts: postsOf(userRows[3]!).map((p) => ({ id: p.id })) });
      expect(rows[1]).toEqual({ name: "user01", team: { id: 2, name: "green" }, posts: postsOf(userRows[1]!).map((p) => ({ id: p.id })) });
    });

    it("hasOne gives the row or null; manyToMany gives the related rows through the join table in one query", async () => {
      const profilesOf = await users.list({ orderBy: "name", limit: 2, include: { profile: true } });
      expect(profilesOf.map((u) => u.profile)).toEqual([{ id: 1, user_id: userRows[0]!.id, bio: "first" }, null]);

      const { result, sql } = await counted(db, () => posts.list({ where: { id: { in: [1, 2, 3] } }, orderBy: "id", include: { tags: { orderBy: "label" } } }));
      expect(sql).toHaveLength(2);
      expect(result.map((p) => p.tags)).toEqual([
        [
          { id: 1, label: "alpha" },
          { id: 3, label: "gamma" },
        ],
        [{ id: 2, label: "beta" }],
        [],
      ]);
      const filtered = await posts.read(1, { include: { tags: { where: { label: { like: "g%" } }, columns: ["label"] } } });
      expect(filtered?.tags).toEqual([{ label: "gamma" }]);
    });

    it("resolves targets given as a Table, a function (tables that refer to each other) or a name", async () => {
      const post = postRows[0]!;
      const withAuthor = await posts.read(post.id, { include: { author: { columns: ["name"], include: { team: true } } } });
      const author = userRows.find((u) => u.id === post.user_id)!;
      expect(withAuthor?.author).toEqual({ name: author.name, team: teamOf(author) });
      const byName = await users.list({ orderBy: "name", limit: 3, include: { teamByName: true } });
      expect(byName.map((u) => u.teamByName)).toEqual([teamOf(userRows[0]!), teamOf(userRows[1]!), teamOf(userRows[2]!)]);
    });

    it("runs no relation query when there are no parent rows or no keys", async () => {
      const none = await counted(db, () => users.list({ where: { name: "nobody" }, include: { team: true, posts: true } }));
      expect(none.result).toEqual([]);
      expect(none.sql).toHaveLength(1);
      const noTeams = await counted(db, () => users.list({ where: { team_id: null }, include: { team: true } }));
      expect(noTeams.sql).toHaveLength(1);
      expect(noTeams.result.every((u) => u.team === null)).toBe(true);
    });

    it("an unknown relation, include option or related column fails before any SQL", async () => {
      const unknown = await counted(db, () => users.list({ include: { teams: true } }).catch((e: unknown) => e));
      expect(unknown.sql).toEqual([]);
      expect(unknown.result).toBeInstanceOf(IdentifierError);
      expect(String(unknown.result)).toContain(`Unknown relation "teams" in table "${names.users}"`);
      const nested = await counted(db, () => users.list({ include: { posts: { include: { coments: true } } } }).catch((e: unknown) => e));
      expect(nested.sql).toEqual([]);
      expect(String(nested.result)).toContain(`Unknown relation "coments" in table "${names.posts}"`);
      const column = await counted(db, () => users.list({ include: { posts: { where: { titel: "x" } } } }).catch((e: unknown) => e));
      // Only the column catalog may be read (the Table checks whether the column was added meanwhile).
      expect(column.sql.filter((text) => !/pragma_table_info|information_schema\.columns/.test(text))).toEqual([]);
      expect(String(column.result)).toMatch(new RegExp(`^IdentifierError: Unknown column "titel" in table "${names.posts}"`));
      await expect(users.list({ include: { posts: { limit: 1 } as never } })).rejects.toThrow(ValidationError);
      await expect(users.list({ include: ["team"] as never })).rejects.toThrow(ValidationError);
    });

    it("a relation whose key column does not exist is an IdentifierError", async () => {
      const broken = new Table(names.users, { db, relations: { team: belongsTo(teams, "teem_id") } });
      await expect(broken.list({ include: { team: true } })).rejects.toThrow(/Unknown column "teem_id" in table/);
    });

    it(`chunks the key list past ${IN_LIST_CHUNK} keys and still matches every row`, async () => {
      const parents = new Table<Row>(uniqueTable("tk_rparents"), { db, schema: { id: "INTEGER PRIMARY KEY", label: "TEXT" } });
      const children = new Table<Row, any>(uniqueTable("tk_rchildren"), {
        db,
        schema: { id: "INTEGER PRIMARY KEY", parent_id: "INTEGER NOT NULL" },
        relations: { parent: belongsTo(parents, "parent_id") },
      });
      try {
        const count = IN_LIST_CHUNK + 5;
        await parents.batchCreate(Array.from({ length: count }, (_, i) => ({ id: i + 1, label: `p${i + 1}` })), { returning: false });
        await children.batchCreate(Array.from({ length: count }, (_, i) => ({ id: i + 1, parent_id: count - i })), { returning: false });
        await children.list({ limit: 1, include: { parent: true } });
        const { result, sql } = await counted(db, () => children.list({ orderBy: "id", include: { parent: true } }));
        expect(sql).toHaveLength(3);
        expect(result).toHaveLength(count);
        expect(result.every((c) => (c["parent"] as Row)["label"] === `p${c["parent_id"]}`)).toBe(true);
      } finally {
        await db.dropTable(children.name);
        await db.dropTable(parents.name);
      }
    });
  });
}
