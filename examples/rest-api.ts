/**
 * A REST API for users with Hono and tablekit: a paginated list, create with validation errors as
 * 422 (listing every issue), unique violations as 409, unknown ids as 404.
 *
 *   GET    /users?page=1&perPage=20   → 200 { items, page, perPage, total, totalPages }
 *   POST   /users                     → 201 the user | 422 { error, issues } | 409 duplicate email
 *   GET    /users/:id                 → 200 the user | 404
 *   PATCH  /users/:id                 → 200 the user | 404 | 422 | 409
 *   DELETE /users/:id                 → 204 | 404
 *
 * Run it (embedded SQLite ./tablekit.db by default; DATABASE_URL for PostgreSQL/CockroachDB):
 *
 *   npx tsx examples/rest-api.ts                # serves on PORT (default 3000) until Ctrl-C
 *   npx tsx examples/rest-api.ts --self-test    # serves on a free port, calls every route, exits
 *
 * Tests import `createApp(db)` and drive it in-process with `app.request(…)`.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";
import { Database, UniqueViolationError } from "tablekit";

/** A user as stored. */
export interface User {
  id: string;
  name: string;
  email: string;
  age: number | null;
  created_at: Date;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The users table. Default "users". */
  table?: string;
}

/** Creates the users table when it does not exist (portable column definitions, any backend). */
export async function createUsersTable(db: Database, table = "users"): Promise<void> {
  await db.createTable(table, {
    id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
    name: "TEXT NOT NULL",
    email: "TEXT UNIQUE NOT NULL",
    age: "INTEGER CHECK (age >= 0)",
    created_at: "TIMESTAMPTZ DEFAULT now()",
  });
}

const NewUser = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(100),
  email: z.email("email must be an e-mail address").transform((e) => e.toLowerCase()),
  age: z.number().int().min(0).max(150).optional(),
});
const UserPatch = NewUser.partial().refine((patch) => Object.keys(patch).length > 0, "give at least one of name, email, age");
const Paging = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(20),
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 422 body: every issue with the path of the field it is about. */
function unprocessable(error: z.ZodError): { error: string; issues: { path: (string | number)[]; message: string }[] } {
  return {
    error: "validation failed",
    issues: error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: issue.message })),
  };
}

/**
 * The Hono app over `db`. The table must exist (see {@link createUsersTable}).
 *
 * ```ts
 * const app = createApp(db);
 * const res = await app.request("/users", { method: "POST", body: JSON.stringify({ name: "Ann", email: "ann@example.com" }) });
 * ```
 */
export function createApp(db: Database, options: AppOptions = {}): Hono {
  const table = options.table ?? "users";
  const app = new Hono();
  const notFound = { error: "user not found" };

  app.get("/users", async (c) => {
    const paging = Paging.safeParse(c.req.query());
    if (!paging.success) return c.json(unprocessable(paging.error), 422);
    const { page, perPage } = paging.data;
    const [items, total] = await Promise.all([
      db.select<User>(table, { orderBy: [["created_at", "asc"], ["id", "asc"]], limit: perPage, offset: (page - 1) * perPage }),
      db.count(table),
    ]);
    return c.json({ items, page, perPage, total, totalPages: Math.ceil(total / perPage) });
  });

  app.post("/users", async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return c.json({ error: "the body must be JSON" }, 400);
    const parsed = NewUser.safeParse(body);
    if (!parsed.success) return c.json(unprocessable(parsed.error), 422);
    const user = await db.insert<User>(table, parsed.data);
    c.header("Location", `/users/${user.id}`);
    return c.json(user, 201);
  });

  app.get("/users/:id", async (c) => {
    const id = c.req.param("id");
    const user = UUID.test(id) ? await db.selectOne<User>(table, { where: { id } }) : null;
    return user === null ? c.json(notFound, 404) : c.json(user);
  });

  app.patch("/users/:id", async (c) => {
    const id = c.req.param("id");
    if (!UUID.test(id)) return c.json(notFound, 404);
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return c.json({ error: "the body must be JSON" }, 400);
    const parsed = UserPatch.safeParse(body);
    if (!parsed.success) return c.json(unprocessable(parsed.error), 422);
    const user = await db.update<User>(table, parsed.data, { id });
    return user === null ? c.json(notFound, 404) : c.json(user);
  });

  app.delete("/users/:id", async (c) => {
    const id = c.req.param("id");
    const deleted = UUID.test(id) && (await db.delete(table, { id }));
    return deleted ? c.body(null, 204) : c.json(notFound, 404);
  });

  app.notFound((c) => c.json({ error: "no such route" }, 404));
  app.onError((error, c) => {
    if (error instanceof UniqueViolationError) {
      return c.json({ error: "a user with this email already exists", columns: error.columns }, 409);
    }
    console.error(error);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}

/** Starts the server on a free port, calls each route over HTTP, prints what came back, and stops. */
async function selfTest(db: Database): Promise<void> {
  const app = createApp(db);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    console.log(`${method} ${path} → ${response.status}${text === "" ? "" : ` ${text.length > 140 ? text.slice(0, 137) + "..." : text}`}`);
    return { status: response.status, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
  };
  try {
    const email = `ann.${Date.now()}@example.com`;
    const created = await call("POST", "/users", { name: "Ann", email, age: 31 });
    const id = (created.json as User).id;
    const checks = [
      created.status === 201,
      (await call("POST", "/users", { name: "", email: "nope", extra: 1 })).status === 422,
      (await call("POST", "/users", { name: "Ann again", email })).status === 409,
      (await call("GET", "/users?page=1&perPage=2")).status === 200,
      (await call("GET", `/users/${id}`)).status === 200,
      (await call("PATCH", `/users/${id}`, { age: 32 })).status === 200,
      (await call("DELETE", `/users/${id}`)).status === 204,
      (await call("GET", `/users/${id}`)).status === 404,
    ];
    if (checks.includes(false)) throw new Error("self-test: a route answered with an unexpected status");
    console.log("self-test passed");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

if (import.meta.main) {
  const db = await Database.open();
  await createUsersTable(db);
  if (process.argv.includes("--self-test")) {
    try {
      await selfTest(db);
    } finally {
      await db.close();
    }
  } else {
    const port = Number(process.env["PORT"] ?? 3000);
    const server = serve({ fetch: createApp(db).fetch, port }, (info) => console.log(`Users API on http://localhost:${info.port}/users (${db})`));
    const stop = (): void => {
      server.close(() => void db.close());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }
}
