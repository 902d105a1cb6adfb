/**
 * The backend registry owns what a URL scheme means and each server dialect's defaults; the
 * config resolver asks it (test/unit/backend-names.test.ts checks that src/config names no
 * backend). Reading a descriptor loads no driver (test/unit/import-cycles.test.ts checks the
 * registry's imports).
 */
import { describe, expect, it } from "vitest";
import {
  REGISTERED_DIALECTS,
  URL_SCHEMES,
  barePathDialect,
  defaultDialectOf,
  schemeMeaning,
  serverDefaultsOf,
  urlFormOf,
  urlSchemeOf,
} from "../../src/backends/registry.js";
import { resolveConfig } from "../../src/config/connection-config.js";

describe("backend registry: URL descriptors", () => {
  it("maps every scheme to its dialect and URL form", () => {
    expect(URL_SCHEMES).toEqual(["sqlite", "file", "postgres", "postgresql", "cockroachdb", "cockroach"]);
    expect(URL_SCHEMES.map((s) => schemeMeaning(s))).toEqual([
      { dialect: "sqlite", form: "file" },
      { dialect: "sqlite", form: "file" },
      { dialect: "postgres", form: "server" },
      { dialect: "postgres", form: "server" },
      { dialect: "cockroachdb", form: "server" },
      { dialect: "cockroachdb", form: "server" },
    ]);
    expect(schemeMeaning("PostgreSQL")).toEqual({ dialect: "postgres", form: "server" });
    expect(schemeMeaning("mysql")).toBeUndefined();
  });

  it("knows the dialects, their forms, display schemes and defaults", () => {
    expect(REGISTERED_DIALECTS).toEqual(["sqlite", "postgres", "cockroachdb"]);
    expect(REGISTERED_DIALECTS.map(urlFormOf)).toEqual(["file", "server", "server"]);
    expect(REGISTERED_DIALECTS.map(urlSchemeOf)).toEqual(["sqlite", "postgres", "cockroachdb"]);
    expect(defaultDialectOf("file")).toBe("sqlite");
    expect(defaultDialectOf("server")).toBe("postgres");
    expect(serverDefaultsOf("postgres")).toEqual({ port: 5432, user: "postgres", database: undefined, libpqEnvironment: true });
    expect(serverDefaultsOf("cockroachdb")).toEqual({ port: 26257, user: "root", database: "defaultdb", libpqEnvironment: false });
    expect(() => serverDefaultsOf("sqlite")).toThrow('"sqlite" is not a server dialect');
  });

  it("recognises a file backend's bare paths", () => {
    expect(["app.db", "x.SQLITE", "a/b.sqlite3", ":memory:"].map(barePathDialect)).toEqual(["sqlite", "sqlite", "sqlite", "sqlite"]);
    expect(["app", "app.txt", "memory"].map(barePathDialect)).toEqual([undefined, undefined, undefined]);
  });

  it("is what the config resolver uses", () => {
    expect(resolveConfig("cockroach://h/", {})).toMatchObject({ dialect: "cockroachdb", port: 26257, user: "root", database: "defaultdb" });
    expect(resolveConfig("postgresql://h/", { PGUSER: "env" })).toMatchObject({ dialect: "postgres", port: 5432, user: "env", database: "env" });
    expect(resolveConfig("cockroachdb://h/", { PGUSER: "env" })).toMatchObject({ user: "root" });
  });
});
