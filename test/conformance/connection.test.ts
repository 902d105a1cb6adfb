import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConnectionError, Database } from "../../src/index.js";
import { dialectFromVersion } from "../../src/backends/postgres/postgres-driver.js";
import { backends, uniqueTable } from "../support/backends.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("choosing the backend", () => {
  it("uses the embedded SQLite default without configuration", () => {
    const previous = process.env["DATABASE_URL"];
    delete process.env["DATABASE_URL"];
    try {
      const db = new Database();
      expect(db.dialect).toBe("sqlite");
      expect(String(db)).toBe("Database(sqlite:./tablekit.db)");
    } finally {
      if (previous !== undefined) process.env["DATABASE_URL"] = previous;
    }
    expect(new Database("sqlite::memory:").dialect).toBe("sqlite");
  });

  it("uses the CockroachDB flavour for cockroachdb:// URLs and for servers that say so", () => {
    expect(new Database("cockroachdb://root@localhost:26257/defaultdb").dialect).toBe("cockroachdb");
    expect(Database.fromUrl("postgresql://root@localhost:26257/mydb?sslmode=disable").dialect).toBe("postgres");
    expect(dialectFromVersion("CockroachDB CCL v24.2.4 (x86_64-pc-linux-gnu, built 2024/10/11 16:22:21, go1.22.5 X:nocoverageredesign)")).toBe(
      "cockroachdb",
    );
    expect(dialectFromVersion("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu")).toBe("postgres");
  });

  it("never shows the password in String(db) or util.inspect(db)", () => {
    const db = new Database({ host: "db.internal", user: "app", password: "s3cr3t-pw", database: "prod" });
    expect(String(db)).toBe("Database(postgres://app@db.internal:5432/prod)");
    expect(inspect(db)).not.toContain("s3cr3t-pw");
    expect(String(Database.fromUrl("postgres://app:s3cr3t-pw@db.internal/prod"))).not.toContain("s3cr3t-pw");
  });
});

for (const backend of backends()) {
  describe(`connection lifecycle [${backend.name}]`, () => {
    it("connects on the first operation, and connect() is idempotent", async () => {
      const db = backend.open();
      try {
        expect(await db.execute("SELECT 1 AS one")).toEqual([{ one: 1 }]);
        await Promise.all([db.connect(), db.connect()]);
        await db.connect();
        expect(db.dialect).toBe(backend.name);
      } finally {
        await db.close();
      }
    });

    it("Database.open connects, and `await using` closes", async () => {
      let outer: Database | undefined;
      {
        await using db = await Database.open(backend.options());
        outer = db;
      }
      expect(outer.closed).toBe(true);
      await expect(outer.execute("SELECT 1")).rejects.toBeInstanceOf(ConnectionError);
      const db = backend.open();
      {
        await using opened = db;
        await opened.connect();
      }
      expect(db.closed).toBe(true);
    });

    it("close() lets a running transaction finish, then refuses new calls with ConnectionError", async () => {
      const db = backend.open();
      const t = uniqueTable("lifecycle");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
      const tx = db.transaction(async (trx) => {
        await sleep(50);
        await trx.insert(t, { id: 1 });
        return "finished";
      });
      await sleep(10);
      const closing = db.close();
      await expect(db.count(t)).rejects.toBeInstanceOf(ConnectionError);
      await expect(tx).resolves.toBe("finished");
      await closing;
      await expect(db.execute("SELECT 1")).rejects.toThrow(/closed/);
      await db.close(); // idempotent
      const check = backend.name === "sqlite" ? undefined : backend.open();
      if (check) {
        try {
          expect(await check.count(t)).toBe(1);
          await check.dropTable(t);
        } finally {
          await check.close();
        }
      }
    });

    it("refuses a transaction started after close()", async () => {
      const db = backend.open();
      await db.connect();
      await db.close();
      await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(ConnectionError);
      await expect(db.connect()).rejects.toBeInstanceOf(ConnectionError);
    });
  });
}

describe("unreachable servers", () => {
  it("fails with ConnectionError, without the password, when PostgreSQL cannot be reached", async () => {
    const db = new Database({ url: "postgres://app:s3cr3t-pw@127.0.0.1:5999/x", connectTimeoutMs: 2000 });
    const error = await db.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(String((error as Error).message)).not.toContain("s3cr3t-pw");
    expect(String((error as Error).stack)).not.toContain("s3cr3t-pw");
    await db.close();
  });

  it("fails with ConnectionError when the SQLite file cannot be opened", async () => {
    const db = new Database({ filename: "/nonexistent-dir/deeper/app.db" });
    await expect(db.execute("SELECT 1")).rejects.toBeInstanceOf(ConnectionError);
    await db.close();
  });
});
