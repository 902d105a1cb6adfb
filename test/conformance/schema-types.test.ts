/**
 * The row types inferred from a schema (src/table/schema-types.ts, issue 19 §1) describe the
 * values really read back, on every backend and int64 policy: each column's static type (checked
 * by `expectTypeOf`, at compile time) is matched by the runtime value of a row created with only
 * the required columns, so defaults, generated keys and NULLs are what the types say.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { Database } from "../../src/index.js";
import { Table, typedColumn } from "../../src/table/index.js";
import { backends, uniqueTable } from "../support/backends.js";

const schema = {
  id: "INTEGER PRIMARY KEY",
  uid: "UUID NOT NULL DEFAULT gen_random_uuid()",
  name: "TEXT NOT NULL",
  age: "INTEGER",
  big: "BIGINT NOT NULL DEFAULT 7",
  price: "DECIMAL(10, 2) NOT NULL DEFAULT 1.5",
  ratio: "DOUBLE PRECISION DEFAULT 0.5",
  ok: "BOOLEAN NOT NULL DEFAULT TRUE",
  day: "DATE DEFAULT '2024-02-03'",
  at: "TIMESTAMPTZ DEFAULT now()",
  raw: "BYTEA",
  tags: "TEXT[] NOT NULL DEFAULT '{}'",
  prefs: typedColumn<{ theme: string }>()("JSONB NOT NULL"),
  later: "timestamptz   NULL",
} as const;

for (const backend of backends()) {
  describe(`rows typed from the schema (${backend.name})`, () => {
    let db: Database;
    let wide: Database<"bigint">;
    const tables: string[] = [];
    beforeAll(() => {
      db = backend.open();
      wide = backend.open({ int64: "bigint" }) as Database<"bigint">;
    });
    afterAll(async () => {
      for (const t of tables) await db.dropTable(t).catch(() => undefined);
      await Promise.all([db.close(), wide.close()]);
    });

    it("a row created with only the required columns holds the values its type says", async () => {
      const name = uniqueTable("schema_types");
      tables.push(name);
      const users = new Table(name, { db, schema });
      const row = await users.create({ name: "Ann", prefs: { theme: "dark" } });

      expectTypeOf(row.id).toEqualTypeOf<number>();
      expect(typeof row.id).toBe("number");
      expectTypeOf(row.uid).toEqualTypeOf<string>();
      expect(row.uid).toMatch(/^[0-9a-f-]{36}$/);
      expectTypeOf(row.name).toEqualTypeOf<string>();
      expect(row.name).toBe("Ann");
      expectTypeOf(row.age).toEqualTypeOf<number | null>();
      expect(row.age).toBeNull();
      expectTypeOf(row.big).toEqualTypeOf<number>();
      expect(row.big).toBe(7);
      expectTypeOf(row.price).toEqualTypeOf<string>();
      expect(row.price).toBe("1.50");
      expectTypeOf(row.ratio).toEqualTypeOf<number>();
      expect(row.ratio).toBe(0.5);
      expectTypeOf(row.ok).toEqualTypeOf<boolean>();
      expect(row.ok).toBe(true);
      expectTypeOf(row.day).toEqualTypeOf<string>();
      expect(row.day).toBe("2024-02-03");
      expectTypeOf(row.at).toEqualTypeOf<Date>();
      expect(row.at).toBeInstanceOf(Date);
      expect(row.raw).toBeNull();
      expectTypeOf(row.tags).toEqualTypeOf<string[]>();
      expect(row.tags).toEqual([]);
      expectTypeOf(row.prefs).toEqualTypeOf<{ theme: string }>();
      expect(row.prefs).toEqual({ theme: "dark" });
      expectTypeOf(row.later).toEqualTypeOf<Date | null>();
      expect(row.later).toBeNull();

      const full = await users.create({ name: "Bo", prefs: { theme: "x" }, raw: new Uint8Array([1, 2]), tags: ["a"], age: 3, big: 9n, price: 2, day: new Date("2024-05-06T00:00:00Z"), at: "2024-01-01T00:00:00.000Z" });
      expect(Buffer.isBuffer(full.raw)).toBe(true);
      expect([full.tags, full.age, full.big, full.price, full.day, full.at.toISOString()]).toEqual([["a"], 3, 9, "2.00", "2024-05-06", "2024-01-01T00:00:00.000Z"]);
      const read = await users.list({ orderBy: "name DESC, id", columns: ["name"] });
      expect(read).toEqual([{ name: "Bo" }, { name: "Ann" }]);
    });

    it('under int64: "bigint", BIGINT columns read back as bigint; an integer primary key as the type says', async () => {
      const name = uniqueTable("schema_types_wide");
      tables.push(name);
      const counters = new Table(name, { db: wide, schema: { id: "BIGINT PRIMARY KEY", n: "BIGINT NOT NULL", small: "INTEGER NOT NULL" } });
      const row = await counters.create({ n: 2n ** 60n, small: 1 });
      expectTypeOf(row.n).toEqualTypeOf<bigint>();
      expect(row.n).toBe(2n ** 60n);
      expectTypeOf(row.small).toEqualTypeOf<number>();
      expect(row.small).toBe(1);
      expectTypeOf(row.id).toEqualTypeOf<bigint>();
      // SQLite's rowid must be declared INTEGER; the key still reads as the BIGINT it was declared.
      expect(typeof row.id).toBe("bigint");
      expect(await counters.read(row.id)).toMatchObject({ id: row.id, n: 2n ** 60n });
    });
  });
}
