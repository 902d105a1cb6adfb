/**
 * Issue 17, item 1a: SQLite's translation of UNIQUE/PRIMARY KEY constraints with an unscaled
 * DECIMAL member (backends/sqlite/decimal-unique.ts): the `KEYED` declared type, the unique
 * indexes by value and their PostgreSQL names, and table constraints after a comma.
 */
import { describe, expect, it } from "vitest";
import { translateColumnDefinition, translateCreateTable, translateCreateTableIndexes } from "../../src/backends/sqlite/sqlite-schema.js";
import { postgresConstraintName } from "../../src/backends/sqlite/unique-constraint-name.js";
import { columnType } from "../../src/crud/column-values.js";

const KEY = (c: string): string => `(CASE WHEN instr("${c}", '.') THEN rtrim(rtrim("${c}", '0'), '.') ELSE "${c}" END)`;

describe("unique DECIMAL constraints on SQLite", () => {
  it("an unscaled DECIMAL in a UNIQUE/PRIMARY KEY is declared KEYED and gets a unique index by value, named as PostgreSQL names the constraint", () => {
    const columns = { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE", k: "DEC NOT NULL CONSTRAINT k_once UNIQUE", s: "DECIMAL(10,2) UNIQUE", n: "NUMERIC" };
    expect(translateCreateTable("t", columns, { ifNotExists: false })).toBe(
      'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "u" NUMERIC KEYED TEXT UNIQUE, "k" DECIMAL KEYED TEXT NOT NULL CONSTRAINT k_once UNIQUE, "s" DECIMAL TEXT(10,2) UNIQUE, "n" NUMERIC TEXT)',
    );
    expect(translateCreateTableIndexes("t", columns, { ifNotExists: true })).toEqual([
      `CREATE UNIQUE INDEX "t_u_key" ON "t" (${KEY("u")})`,
      `CREATE UNIQUE INDEX "k_once" ON "t" (${KEY("k")})`,
    ]);
    expect(translateCreateTableIndexes("t", { id: "INTEGER PRIMARY KEY", s: "DECIMAL(10,2) UNIQUE", n: "NUMERIC" }, { ifNotExists: false })).toEqual([]);
  });

  it("primary keys and composite constraints written after a comma", () => {
    const columns = { k: "NUMERIC PRIMARY KEY", a: "INTEGER", b: "DECIMAL", c: 'TEXT, UNIQUE (a, "b"), CONSTRAINT pair_ab UNIQUE (B, a), UNIQUE (a, c)' };
    expect(translateCreateTable("t", columns, { ifNotExists: false })).toBe(
      'CREATE TABLE "t" ("k" NUMERIC KEYED TEXT PRIMARY KEY NOT NULL, "a" INTEGER, "b" DECIMAL KEYED TEXT, "c" TEXT, UNIQUE (a, "b"), CONSTRAINT pair_ab UNIQUE (B, a), UNIQUE (a, c))',
    );
    expect(translateCreateTableIndexes("t", columns, { ifNotExists: false })).toEqual([
      `CREATE UNIQUE INDEX "t_pkey" ON "t" (${KEY("k")})`,
      `CREATE UNIQUE INDEX "t_a_b_key" ON "t" ("a", ${KEY("b")})`,
      `CREATE UNIQUE INDEX "pair_ab" ON "t" (${KEY("b")}, "a")`,
    ]);
  });

  it("a constraint written twice gets one index", () => {
    expect(translateCreateTableIndexes("t", { u: "NUMERIC UNIQUE, UNIQUE (u)" }, { ifNotExists: false })).toEqual([`CREATE UNIQUE INDEX "t_u_key" ON "t" (${KEY("u")})`]);
  });

  it("a DECIMAL followed by a table constraint keeps its own type (it lost its TEXT affinity before)", () => {
    expect(translateColumnDefinition("DECIMAL(10,2), CHECK (x::int > 0)")).toBe("DECIMAL TEXT(10,2), CHECK (x > 0)");
  });

  it("the KEYED declared type reads as a DECIMAL that upserts target by value", () => {
    expect(columnType("NUMERIC KEYED TEXT", false)).toMatchObject({ kind: "decimal", valueKeyed: true, scale: undefined });
    expect(columnType("NUMERIC TEXT", false)).toMatchObject({ kind: "decimal", valueKeyed: false });
  });

  it("PostgreSQL's constraint names: 63 bytes at most, the longer name shortened first, whole characters", () => {
    expect(postgresConstraintName("users", "email", "key")).toBe("users_email_key");
    expect(postgresConstraintName("users", undefined, "pkey")).toBe("users_pkey");
    expect(postgresConstraintName("t".repeat(70), "c", "key")).toBe("t".repeat(57) + "_c_key");
    expect(postgresConstraintName("a".repeat(40), "b".repeat(40), "key")).toBe("a".repeat(29) + "_" + "b".repeat(29) + "_key");
    expect(postgresConstraintName("é".repeat(40), undefined, "pkey")).toBe("é".repeat(29) + "_pkey");
  });

  it("a taken name gets PostgreSQL's next free one (label key1, key2 …, shortened with the longer label); a CONSTRAINT name is kept", () => {
    const columns = { id: "INTEGER PRIMARY KEY", u: "NUMERIC UNIQUE", k: "DECIMAL CONSTRAINT k_once UNIQUE" };
    expect(translateCreateTableIndexes("t", columns, { ifNotExists: false, taken: new Set(["t_u_key", "t_u_key1", "k_once"]) })).toEqual([
      `CREATE UNIQUE INDEX "t_u_key2" ON "t" (${KEY("u")})`,
      `CREATE UNIQUE INDEX "k_once" ON "t" (${KEY("k")})`,
    ]);
    // Names compare case-insensitively, as SQLite's do.
    expect(translateCreateTableIndexes("T", { d: "NUMERIC PRIMARY KEY" }, { ifNotExists: false, taken: new Set(["t_pkey"]) })).toEqual([
      `CREATE UNIQUE INDEX "T_pkey1" ON "T" (${KEY("d")})`,
    ]);
    const a = "a".repeat(40);
    const b = "b".repeat(40);
    const long = `${a.slice(0, 29)}_${b.slice(0, 29)}_key`;
    expect(translateCreateTableIndexes(a, { [b]: "NUMERIC UNIQUE" }, { ifNotExists: false, taken: new Set([long]) })).toEqual([
      `CREATE UNIQUE INDEX "${a.slice(0, 29)}_${b.slice(0, 28)}_key1" ON "${a}" (${KEY(b)})`,
    ]);
  });
});
