/**
 * examples/rest-api.ts end to end: the Hono app driven with `app.request(…)` on every backend, and
 * once over a real HTTP server on a free port.
 */
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type User, createApp, createUsersTable } from "../../examples/rest-api.js";
import type { Database } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

for (const backend of backends()) {
  describe(`examples/rest-api.ts [${backend.name}]`, () => {
    const table = uniqueTable("rest_users");
    let db: Database;
    let app: Hono;

    beforeAll(async () => {
      db = backend.open();
      await createUsersTable(db, table);
      app = createApp(db, { table });
    });

    afterAll(async () => {
      await db.dropTable(table);
      await db.close();
    });

    it("POST /users creates a user: 201, the stored row and a Location header", async () => {
      const res = await app.request("/users", json({ name: "Ann", email: "Ann@Example.com", age: 31 }));
      expect(res.status).toBe(201);
      const user = (await res.json()) as User;
      expect(user).toMatchObject({ name: "Ann", email: "ann@example.com", age: 31 });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get("location")).toBe(`/users/${user.id}`);
      expect(await db.count(table, { id: user.id })).toBe(1);
    });

    it("invalid input is 422 with every issue and its field", async () => {
      const res = await app.request("/users", json({ name: " ", email: "not-an-email", age: -1, admin: true }));
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: string; issues: { path: string[]; message: string }[] };
      expect(body.error).toBe("validation failed");
      expect(body.issues.map((i) => i.path.join(".")).sort()).toEqual(["", "age", "email", "name"]);
      expect(body.issues.find((i) => i.path[0] === "email")!.message).toBe("email must be an e-mail address");
    });

    it("a body that is not JSON is 400", async () => {
      const res = await app.request("/users", { method: "POST", body: "{oops" });
      expect(res.status).toBe(400);
    });

    it("a duplicate email is 409, on create and on update", async () => {
      const res = await app.request("/users", json({ name: "Ann again", email: "ANN@example.com" }));
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: "a user with this email already exists" });
      const other = (await (await app.request("/users", json({ name: "Zed", email: "zed@example.com" }))).json()) as User;
      const patch = await app.request(`/users/${other.id}`, { method: "PATCH", body: JSON.stringify({ email: "ann@example.com" }) });
      expect(patch.status).toBe(409);
    });

    it("GET /users pages with page/perPage and reports total and totalPages", async () => {
      for (const name of ["b", "c", "d"]) expect((await app.request("/users", json({ name, email: `${name}@example.com` }))).status).toBe(201);
      const total = await db.count(table);
      expect(total).toBe(5);
      const page2 = await app.request("/users?page=2&perPage=2");
      expect(page2.status).toBe(200);
      const body = (await page2.json()) as { items: User[]; page: number; perPage: number; total: number; totalPages: number };
      expect(body).toMatchObject({ page: 2, perPage: 2, total: 5, totalPages: 3 });
      expect(body.items).toHaveLength(2);
      const pages = await Promise.all([1, 2, 3].map(async (page) => ((await (await app.request(`/users?page=${page}&perPage=2`)).json()) as { items: User[] }).items));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(new Set(pages.flat().map((u) => u.id)).size).toBe(5);
      const beyond = (await (await app.request("/users?page=9&perPage=2")).json()) as { items: User[] };
      expect(beyond.items).toEqual([]);
      const defaults = (await (await app.request("/users")).json()) as { page: number; perPage: number };
      expect(defaults).toMatchObject({ page: 1, perPage: 20 });
      expect((await app.request("/users?page=0")).status).toBe(422);
      expect((await app.request("/users?perPage=1000")).status).toBe(422);
    });

    it("unknown ids and routes are 404; GET, PATCH and DELETE work on a known id", async () => {
      const missing = "00000000-0000-4000-8000-000000000000";
      expect((await app.request(`/users/${missing}`)).status).toBe(404);
      expect((await app.request("/users/not-a-uuid")).status).toBe(404);
      expect((await app.request(`/users/${missing}`, { method: "PATCH", body: JSON.stringify({ age: 3 }) })).status).toBe(404);
      expect((await app.request("/nowhere")).status).toBe(404);
      const user = (await (await app.request("/users", json({ name: "Del", email: "del@example.com" }))).json()) as User;
      expect(await (await app.request(`/users/${user.id}`)).json()).toMatchObject({ id: user.id, name: "Del" });
      const patched = await app.request(`/users/${user.id}`, { method: "PATCH", body: JSON.stringify({ age: 40 }) });
      expect(await patched.json()).toMatchObject({ id: user.id, age: 40 });
      expect((await app.request(`/users/${user.id}`, { method: "PATCH", body: "{}" })).status).toBe(422);
      expect((await app.request(`/users/${user.id}`, { method: "DELETE" })).status).toBe(204);
      expect((await app.request(`/users/${user.id}`, { method: "DELETE" })).status).toBe(404);
      expect((await app.request(`/users/${user.id}`)).status).toBe(404);
    });
  });
}

describe("examples/rest-api.ts over a real HTTP server", () => {
  const backend = backends()[0]!;
  const table = uniqueTable("rest_http");
  let db: Database;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    db = backend.open();
    await createUsersTable(db, table);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: createApp(db, { table }).fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await close();
    await db.dropTable(table);
    await db.close();
  });

  it("answers 201, 422, 409, 200 and 404 over the network", async () => {
    const create = await fetch(`${base}/users`, json({ name: "Net", email: "net@example.com" }));
    expect(create.status).toBe(201);
    expect(create.headers.get("content-type")).toMatch(/^application\/json/);
    expect((await fetch(`${base}/users`, json({ name: "Net" }))).status).toBe(422);
    expect((await fetch(`${base}/users`, json({ name: "Net", email: "net@example.com" }))).status).toBe(409);
    const list = await fetch(`${base}/users?perPage=1`);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ total: 1, totalPages: 1, page: 1, perPage: 1 });
    expect((await fetch(`${base}/users/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });
});
