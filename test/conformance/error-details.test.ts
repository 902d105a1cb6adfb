/**
 * Errors that say what happened (issue 19 §2): PostgreSQL's DETAIL, HINT and position kept on
 * tablekit's errors and in their messages (row values only with logParameters: true), connection
 * failures that name host, port and database and say what to check, TLS failures as
 * ConnectionError, and UniqueViolationError.constraint on both backends.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, Database, QueryError, UniqueViolationError } from "../../src/index.js";
import { mapPostgresError } from "../../src/errors/map-error.js";
import { lineAndColumn } from "../../src/errors/server-details.js";
import { connectFailureMessage } from "../../src/errors/connection-hints.js";
import { PG_URL, backends, rejection, selectedBackendNames, uniqueTable } from "../support/backends.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const backend of backends()) {
  describe(`UniqueViolationError.constraint [${backend.name}]`, () => {
    const options = backend.options();
    const t = uniqueTable("uq");
    let db: Database;
    beforeAll(async () => {
      db = new Database(options);
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE", a: "INTEGER", b: "INTEGER", c: "TEXT" });
      await db.execute(`CREATE UNIQUE INDEX ${t}_ab_idx ON "${t}" (a, b)`);
      await db.execute(`CREATE UNIQUE INDEX ${t}_c_named ON "${t}" (c)`);
      await db.insert(t, { id: 1, email: "a@x", a: 1, b: 1, c: "one" });
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("names the same constraint on both backends: PRIMARY KEY, inline UNIQUE, unique indexes (one and two columns)", async () => {
      const cases: [Record<string, unknown>, string, string[]][] = [
        [{ id: 1 }, `${t}_pkey`, ["id"]],
        [{ id: 2, email: "a@x" }, `${t}_email_key`, ["email"]],
        [{ id: 3, a: 1, b: 1 }, `${t}_ab_idx`, ["a", "b"]],
        [{ id: 4, c: "one" }, `${t}_c_named`, ["c"]],
      ];
      for (const [row, constraint, columns] of cases) {
        const error = await rejection(db.insert(t, row));
        expect(error, constraint).toBeInstanceOf(UniqueViolationError);
        expect((error as UniqueViolationError).constraint, JSON.stringify(row)).toBe(constraint);
        expect((error as UniqueViolationError).columns).toEqual(columns);
        expect((error as UniqueViolationError).table).toBe(t);
      }
    });
  });
}

describe.runIf(selectedBackendNames().includes("postgres"))("PostgreSQL's DETAIL, HINT and position", () => {
  const t = uniqueTable("details");
  let db: Database;
  let logged: Database;
  beforeAll(async () => {
    db = new Database(PG_URL);
    logged = new Database({ url: PG_URL, logParameters: true });
    await db.createTable(t, { id: "INTEGER PRIMARY KEY", email: "TEXT UNIQUE NOT NULL" });
    await db.insert(t, { id: 1, email: "secret@x" });
  });
  afterAll(async () => {
    await db.dropTable(t);
    await Promise.all([db.close(), logged.close()]);
  });

  it("a unique violation keeps DETAIL with the columns, and the values only with logParameters: true", async () => {
    const hidden = (await rejection(db.insert(t, { id: 2, email: "secret@x" }))) as UniqueViolationError;
    expect(hidden).toBeInstanceOf(UniqueViolationError);
    expect(hidden.message).toContain(`duplicate key value violates unique constraint "${t}_email_key"`);
    expect(hidden.message).toContain("DETAIL:  Key (email)=(***) already exists.");
    expect(hidden.detail).toMatch(/^Key \(email\)=\(\*\*\*\) already exists\. \(values hidden; .*logParameters: true/);
    expect(hidden.message).not.toContain("secret@x");
    expect(hidden.detail).not.toContain("secret@x");

    const shown = (await rejection(logged.insert(t, { id: 2, email: "secret@x" }))) as UniqueViolationError;
    expect(shown.message).toContain("DETAIL:  Key (email)=(secret@x) already exists.");
    expect(shown.detail).toBe("Key (email)=(secret@x) already exists.");
  });

  it("a foreign key violation keeps the column and the referenced table, the value hidden", async () => {
    const child = uniqueTable("details_child");
    await db.execute(`CREATE TABLE ${child} (id integer PRIMARY KEY, parent integer REFERENCES "${t}" (id))`);
    try {
      const error = (await rejection(db.insert(child, { id: 1, parent: 424242 }))) as Error & { detail?: string };
      expect(error.detail).toMatch(new RegExp(`^Key \\(parent\\)=\\(\\*\\*\\*\\) is not present in table "${t}"\\.`));
      expect(error.message).not.toContain("424242");
    } finally {
      await db.execute(`DROP TABLE ${child}`);
    }
  });

  it("NOT NULL and CHECK details (the failing row) are hidden without logParameters", async () => {
    const error = await rejection(db.execute(`INSERT INTO "${t}" (id, email) VALUES (?, NULL)`, [77]));
    expect((error as Error).message).not.toMatch(/Failing row contains \(77/);
    const shown = await rejection(logged.execute(`INSERT INTO "${t}" (id, email) VALUES (?, NULL)`, [77]));
    expect((shown as Error).message).toContain("Failing row contains (77, null)");
  });

  it("a syntax error says where: position, and the line with a caret under it", async () => {
    const error = (await rejection(db.execute(`SELECT id,\n  FROM "${t}"`))) as QueryError;
    expect(error).toBeInstanceOf(QueryError);
    expect(error.position).toBe(14);
    expect(error.message).toBe(`syntax error at or near "FROM"\nLINE 2:   FROM "${t}"\n          ^`);
  });

  it("an unknown function keeps the HINT", async () => {
    const error = (await rejection(db.execute("SELECT lower(1) AS x"))) as QueryError;
    expect(error.hint).toMatch(/^No function matches/);
    expect(error.message).toMatch(/\nLINE 1: SELECT lower\(1\) AS x\n {15}\^\nHINT: {2}No function matches/);
  });

  it("a long statement line is cut around the position", async () => {
    const columns = Array.from({ length: 60 }, (_, i) => `${i} AS c${i}`).join(", ");
    const error = (await rejection(db.execute(`SELECT ${columns}, nope FROM "${t}"`))) as QueryError;
    const lines = error.message.split("\n");
    expect(lines[1]).toMatch(/^LINE 1: …/);
    expect(lines[1]!.length).toBeLessThan(100);
    expect(lines[1]![lines[2]!.indexOf("^")]).toBe("n"); // under "nope"
  });
});

describe.runIf(selectedBackendNames().includes("postgres"))("connection errors name the target and say what to check", () => {
  it("refused: host, port, database, and 'is the server running and accepting TCP connections on …?'", async () => {
    const port = await freePort();
    const db = new Database({ url: `postgres://postgres:pw-s3cret@127.0.0.1:${port}/appdb`, connectTimeoutMs: 2_000 });
    try {
      const error = await rejection(db.connect());
      expect(error).toBeInstanceOf(ConnectionError);
      const message = (error as Error).message;
      expect(message).toContain(`Cannot connect to PostgreSQL at 127.0.0.1:${port} (database "appdb", user "postgres")`);
      expect(message).toContain(`Is the server running and accepting TCP connections on 127.0.0.1:${port}?`);
      expect(message).not.toContain("pw-s3cret");
    } finally {
      await db.close();
    }
  });

  it("a missing database says so and what to do", async () => {
    const url = new URL(PG_URL);
    url.pathname = "/no_such_db_tablekit";
    const db = new Database(url.href);
    try {
      const error = await rejection(db.connect());
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toContain(`Does the database "no_such_db_tablekit" exist?`);
      // Through PgBouncer (.ci/run step 4c) the pooler sends the server's refusal as 08P01.
      expect((error as ConnectionError).code).toBe(process.env["TABLEKIT_TEST_PGBOUNCER"] ? "08P01" : "3D000");
    } finally {
      await db.close();
    }
  });

  it("TLS failures are ConnectionErrors, whatever the code, with TLS advice at connect", async () => {
    for (const code of ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "ERR_TLS_CERT_ALTNAME_INVALID", "EPROTO", "UNABLE_TO_GET_ISSUER_CERT"]) {
      const error = Object.assign(new Error("tls failure"), { code });
      expect(mapPostgresError(error), code).toBeInstanceOf(ConnectionError);
    }
    const url = new URL(PG_URL);
    url.searchParams.set("sslmode", "require");
    const db = new Database({ url: url.href });
    try {
      const error = await rejection(db.connect());
      expect(error).toBeInstanceOf(ConnectionError);
      // The shared test server has no TLS.
      expect((error as Error).message).toMatch(/Cannot connect to PostgreSQL at .*\n.*(TLS|sslmode)/);
    } finally {
      await db.close();
    }
  });
});

describe("connection advice", () => {
  const target = { dialect: "postgres" as const, host: "db.internal", port: 5432, database: "app", user: "app" };
  it("says what to check for each cause", () => {
    expect(connectFailureMessage(target, "ENOTFOUND", "getaddrinfo ENOTFOUND db.internal")).toBe(
      'Cannot connect to PostgreSQL at db.internal:5432 (database "app", user "app"): getaddrinfo ENOTFOUND db.internal.\nIs the host name "db.internal" right? It could not be resolved.',
    );
    expect(connectFailureMessage({ ...target, host: "/var/run/postgresql" }, "ECONNREFUSED", "connect ECONNREFUSED")).toContain(
      'Is the server running locally and accepting connections on Unix socket "/var/run/postgresql/.s.PGSQL.5432"?',
    );
    expect(connectFailureMessage(target, "", "Connection terminated due to connection timeout")).toContain("Raise connectTimeoutMs");
    expect(connectFailureMessage(target, "28P01", 'password authentication failed for user "app"')).toContain('Check the user ("app") and its password');
    expect(connectFailureMessage(target, "53300", "sorry, too many clients already")).toContain("lower maxConnections");
  });
});

describe("line and column of a position", () => {
  it("counts lines and columns from 1", () => {
    expect(lineAndColumn("SELECT\n  x FROM t", 10)).toEqual({ line: 2, column: 3 });
    expect(lineAndColumn("SELECT 1", 1)).toEqual({ line: 1, column: 1 });
  });
});
