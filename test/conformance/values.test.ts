/**
 * The value round-trip table: every column type documented in docs/database.md ("Values and
 * types") is written and read back, and must give the same JavaScript value, of the same type, on
 * every backend. Also the int64 policy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, uniqueTable } from "../support/backends.js";
import { Database, QueryError, TablekitError, UnsafeIntegerError, ValidationError, type Row } from "../../src/index.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every column of the round-trip table, as portable (PostgreSQL-style) definitions. */
const COLUMNS = {
  id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
  label: "TEXT",
  t_text: "TEXT",
  t_string: "STRING",
  t_varchar: "VARCHAR(20)",
  t_int: "INTEGER",
  t_int8: "INT8",
  t_bigint: "BIGINT",
  t_double: "DOUBLE PRECISION",
  t_float8: "FLOAT8",
  t_bool: "BOOLEAN",
  t_decimal: "DECIMAL(10,2)",
  t_numeric: "NUMERIC(20,4)",
  t_jsonb: "JSONB",
  t_json: "JSON",
  t_tstz: "TIMESTAMPTZ",
  t_ts: "TIMESTAMP",
  t_date: "DATE",
  t_bytea: "BYTEA",
  t_bytes: "BYTES",
  created_at: "TIMESTAMPTZ DEFAULT now()",
} as const;

const DATA_COLUMNS = Object.keys(COLUMNS).filter((c) => c !== "id" && c !== "created_at");

const BIG = 2n ** 60n;
const MAX_SAFE = 2 ** 53 - 1;

for (const backend of backends()) {
  describe(`values [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("values");
    const options = backend.options();
    /** The same database, opened again with another int64 policy. */
    const reopen = (int64: "bigint" | "string"): Database => new Database({ ...options, int64 });

    /** Inserts `data`, and returns both the row RETURNING gave and the row read back with select. */
    async function roundTrip(data: Row): Promise<{ inserted: Row; selected: Row }> {
      const inserted = await db.insert(t, data);
      const selected = await db.select(t, { where: { id: inserted["id"] as string } });
      expect(selected).toHaveLength(1);
      return { inserted, selected: selected[0]! };
    }

    /** Round-trips one value through one column and checks both reads with `check`. */
    async function through(column: string, value: unknown, check: (read: unknown) => void): Promise<void> {
      const { inserted, selected } = await roundTrip({ [column]: value });
      check(inserted[column]);
      check(selected[column]);
    }

    beforeAll(async () => {
      db = new Database(options);
      await db.createTable(t, COLUMNS);
    });

    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("UUID PRIMARY KEY DEFAULT gen_random_uuid() generates a v4 uuid string", async () => {
      const { inserted, selected } = await roundTrip({ label: "uuid" });
      expect(typeof inserted["id"]).toBe("string");
      expect(inserted["id"]).toMatch(UUID_V4);
      expect(selected["id"]).toBe(inserted["id"]);
      const other = await db.insert(t, { label: "uuid-2" });
      expect(other["id"]).toMatch(UUID_V4);
      expect(other["id"]).not.toBe(inserted["id"]);
    });

    it("an explicit uuid is stored and read back as the same string", async () => {
      const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
      const { inserted, selected } = await roundTrip({ id, label: "explicit uuid" });
      expect(inserted["id"]).toBe(id);
      expect(selected["id"]).toBe(id);
    });

    it("TEXT, STRING and VARCHAR(20) read back as the same strings", async () => {
      for (const column of ["t_text", "t_string", "t_varchar"]) {
        for (const value of ["hello", "", "ünïcødé ✓ 🚀", "it's \"quoted\"", "12345", "true"]) {
          await through(column, value, (read) => {
            expect(typeof read).toBe("string");
            expect(read).toBe(value);
          });
        }
      }
      const long = "x".repeat(10_000);
      await through("t_text", long, (read) => expect(read).toBe(long));
      await through("t_string", long, (read) => expect(read).toBe(long));
    });

    it("INTEGER reads back as a number", async () => {
      for (const value of [0, 1, -1, 42, 2_147_483_647, -2_147_483_648]) {
        await through("t_int", value, (read) => {
          expect(typeof read).toBe("number");
          expect(read).toBe(value);
        });
      }
    });

    it("INT8 and BIGINT read back as numbers within ±(2^53 − 1)", async () => {
      for (const column of ["t_int8", "t_bigint"]) {
        for (const value of [0, 7, -7, MAX_SAFE, -MAX_SAFE]) {
          await through(column, value, (read) => {
            expect(typeof read).toBe("number");
            expect(read).toBe(value);
          });
        }
      }
    });

    it("a bigint can be written to INT8 and INTEGER columns", async () => {
      await through("t_int8", 123n, (read) => expect(read).toBe(123));
      await through("t_bigint", BigInt(MAX_SAFE), (read) => expect(read).toBe(MAX_SAFE));
      await through("t_int", -5n, (read) => expect(read).toBe(-5));
    });

    it("DOUBLE PRECISION and FLOAT8 read back as the same numbers", async () => {
      for (const column of ["t_double", "t_float8"]) {
        for (const value of [1.5, -0.25, 0, 3, 1e-10, 123456.789]) {
          await through(column, value, (read) => {
            expect(typeof read).toBe("number");
            expect(read).toBe(value);
          });
        }
      }
    });

    it("BOOLEAN reads back as true/false of type boolean", async () => {
      for (const value of [true, false]) {
        await through("t_bool", value, (read) => {
          expect(typeof read).toBe("boolean");
          expect(read).toBe(value);
        });
      }
    });

    it("DECIMAL(10,2) keeps exact text", async () => {
      for (const value of ["12345678.90", "0.10", "-5.25", "99999999.99", "0.00"]) {
        await through("t_decimal", value, (read) => {
          expect(typeof read).toBe("string");
          expect(read).toBe(value);
        });
      }
    });

    it("NUMERIC(20,4) keeps exact text written at the column's scale", async () => {
      for (const value of ["12345678.9000", "0.1000", "1234567890123456.7891", "-0.0001"]) {
        await through("t_numeric", value, (read) => {
          expect(typeof read).toBe("string");
          expect(read).toBe(value);
        });
      }
    });

    it("DECIMAL/NUMERIC text with fewer decimals than the scale reads back padded to the scale, as PostgreSQL returns it", async () => {
      // PostgreSQL stores numeric(p,s) at scale s, so "0.10" in NUMERIC(20,4) comes back "0.1000".
      await through("t_numeric", "0.10", (read) => expect(read).toBe("0.1000"));
      await through("t_numeric", "12345678.90", (read) => expect(read).toBe("12345678.9000"));
      await through("t_decimal", "7", (read) => expect(read).toBe("7.00"));
    });

    it("DECIMAL numbers written as JavaScript numbers read back as the same exact text on both backends", async () => {
      await through("t_decimal", 0.1, (read) => expect(read).toBe("0.10"));
      await through("t_decimal", 5, (read) => expect(read).toBe("5.00"));
    });

    it("JSONB and JSON read back as the parsed value (objects, arrays, nested, scalars)", async () => {
      const values: unknown[] = [
        { a: 1, b: "two", c: true, d: null },
        [1, "two", false, null, { x: [1, 2] }],
        { nested: { deeper: { list: [{ k: "v" }, [1, [2, [3]]]] } }, empty: {}, emptyList: [] },
        [],
        {},
        42,
        -1.5,
      ];
      for (const column of ["t_jsonb", "t_json"]) {
        for (const value of values) {
          await through(column, value, (read) => expect(read).toEqual(value));
        }
      }
    });

    it("a JS string written to a JSON column is taken as JSON text, on every backend", async () => {
      for (const column of ["t_jsonb", "t_json"]) {
        await through(column, '{"a":1}', (read) => expect(read).toEqual({ a: 1 }));
        await through(column, '"quoted"', (read) => expect(read).toBe("quoted"));
      }
    });

    // Issue 17, item 5 (docs/decisions.md, "JSON columns"): a top-level JS string is JSON text on
    // every backend (PostgreSQL parses it; SQLite now checks it the same way), so "42" reads back
    // as 42 on both, and text that is not JSON is a ValidationError on both. A JSON string value is
    // written as JSON text: JSON.stringify("42").
    it("JSON: a top-level string is JSON text on every backend; text that is not JSON is refused on every backend", async () => {
      for (const column of ["t_jsonb", "t_json"]) {
        for (const [value, expected] of [["42", 42], ["true", true], ["null", null], ['{"a":1}', { a: 1 }], ["[1]", [1]], ['"42"', "42"]] as const) {
          await through(column, value, (read) => expect(read).toEqual(expected));
        }
        for (const value of ["plain", "{bad", ""]) {
          await expect(db.insert(t, { [column]: value })).rejects.toBeInstanceOf(ValidationError);
        }
      }
    });

    // Issue 17, item 5: a top-level boolean read back as 1 on SQLite (booleans are bound as 1/0
    // there); it is now written as JSON true/false, as PostgreSQL stores it.
    it("JSON booleans at the top level stay booleans", async () => {
      for (const column of ["t_jsonb", "t_json"]) {
        for (const value of [true, false]) {
          await through(column, value, (read) => {
            expect(typeof read).toBe("boolean");
            expect(read).toBe(value);
          });
        }
      }
    });

    it("TIMESTAMPTZ: a Date in gives an equal Date out, to the millisecond", async () => {
      for (const value of [new Date("2026-11-23T10:11:12.345Z"), new Date(0), new Date("1999-12-31T23:59:59.999Z")]) {
        await through("t_tstz", value, (read) => {
          expect(read).toBeInstanceOf(Date);
          expect((read as Date).getTime()).toBe(value.getTime());
        });
      }
    });

    it("TIMESTAMPTZ DEFAULT now() gives a Date close to now", async () => {
      const before = Date.now();
      const { inserted, selected } = await roundTrip({ label: "now" });
      const after = Date.now();
      for (const read of [inserted["created_at"], selected["created_at"]]) {
        expect(read).toBeInstanceOf(Date);
        const time = (read as Date).getTime();
        expect(time).toBeGreaterThanOrEqual(before - 5_000);
        expect(time).toBeLessThanOrEqual(after + 5_000);
      }
      expect((selected["created_at"] as Date).getTime()).toBe((inserted["created_at"] as Date).getTime());
    });

    it("TIMESTAMP (without time zone) is read as UTC", async () => {
      const value = new Date("2026-11-23T10:11:12.345Z");
      await through("t_ts", value, (read) => {
        expect(read).toBeInstanceOf(Date);
        expect((read as Date).getTime()).toBe(value.getTime());
      });
      await through("t_ts", "2026-11-23 10:00:00", (read) => {
        expect(read).toBeInstanceOf(Date);
        expect((read as Date).toISOString()).toBe("2026-11-23T10:00:00.000Z");
      });
    });

    it('DATE: "2026-11-23" in gives "2026-11-23" out', async () => {
      for (const value of ["2026-11-23", "2000-02-29", "1970-01-01"]) {
        await through("t_date", value, (read) => {
          expect(typeof read).toBe("string");
          expect(read).toBe(value);
        });
      }
    });

    it("BYTEA and BYTES: Buffer in gives an equal Buffer out, including empty and 0x00 bytes", async () => {
      const values = [Buffer.from([1, 2, 3, 254, 255]), Buffer.alloc(0), Buffer.from([0, 0, 0]), Buffer.from([0x00, 0x41, 0x00, 0x42])];
      for (const column of ["t_bytea", "t_bytes"]) {
        for (const value of values) {
          await through(column, value, (read) => {
            expect(Buffer.isBuffer(read)).toBe(true);
            expect((read as Buffer).equals(value)).toBe(true);
          });
        }
      }
    });

    it("a Uint8Array (not a Buffer) is accepted for bytes and reads back as a Buffer", async () => {
      const backing = new Uint8Array([9, 9, 0, 1, 2, 9]);
      const view = backing.subarray(2, 5); // [0, 1, 2], with a non-zero byteOffset
      for (const column of ["t_bytea", "t_bytes"]) {
        await through(column, view, (read) => {
          expect(Buffer.isBuffer(read)).toBe(true);
          expect([...(read as Buffer)]).toEqual([0, 1, 2]);
        });
      }
    });

    it("NULL of every type reads back as null", async () => {
      const { inserted, selected } = await roundTrip({});
      for (const row of [inserted, selected]) {
        for (const column of DATA_COLUMNS) expect(row[column], column).toBeNull();
        expect(row["id"]).toMatch(UUID_V4);
        expect(row["created_at"]).toBeInstanceOf(Date);
      }
      const explicit: Row = Object.fromEntries(DATA_COLUMNS.map((c) => [c, null]));
      const again = await roundTrip(explicit);
      for (const row of [again.inserted, again.selected]) {
        for (const column of DATA_COLUMNS) expect(row[column], column).toBeNull();
      }
    });

    it("a row with every type set reads back with every value", async () => {
      const data: Row = {
        label: "full",
        t_text: "text",
        t_string: "string",
        t_varchar: "varchar",
        t_int: 7,
        t_int8: 8,
        t_bigint: 9,
        t_double: 1.5,
        t_float8: -0.25,
        t_bool: true,
        t_decimal: "12345678.90",
        t_numeric: "0.1000",
        t_jsonb: { a: [1, { b: null }] },
        t_json: ["x", 2, true],
        t_tstz: new Date("2026-11-23T10:00:00.123Z"),
        t_ts: new Date("2026-01-02T03:04:05.678Z"),
        t_date: "2026-11-23",
        t_bytea: Buffer.from([0, 1]),
        t_bytes: Buffer.from([2, 0]),
      };
      const { inserted, selected } = await roundTrip(data);
      for (const row of [inserted, selected]) {
        const { id, created_at, ...rest } = row;
        expect(id).toMatch(UUID_V4);
        expect(created_at).toBeInstanceOf(Date);
        expect(rest).toEqual(data);
      }
    });

    it("an unknown type passes through untouched", async () => {
      const other = uniqueTable("values_other");
      await db.createTable(other, { id: "INTEGER PRIMARY KEY", p: "POINT", i: "INTERVAL" });
      try {
        const inserted = await db.insert(other, { id: 1, p: "(1,2)", i: "01:02:03" });
        expect(inserted).toEqual({ id: 1, p: "(1,2)", i: "01:02:03" });
        expect(await db.select(other)).toEqual([{ id: 1, p: "(1,2)", i: "01:02:03" }]);
      } finally {
        await db.dropTable(other);
      }
    });

    describe("filters on typed values", () => {
      const f = uniqueTable("values_filter");
      const when = new Date("2026-11-23T10:00:00.250Z");
      let ids: string[] = [];

      beforeAll(async () => {
        await db.createTable(f, {
          id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
          name: "TEXT NOT NULL",
          active: "BOOLEAN NOT NULL",
          at: "TIMESTAMPTZ NOT NULL",
          day: "DATE",
        });
        const rows = await db.batchInsert(f, [
          { name: "a", active: true, at: when, day: "2026-11-23" },
          { name: "b", active: false, at: new Date(when.getTime() + 1), day: "2026-11-24" },
          { name: "c", active: true, at: new Date(when.getTime() + 60_000), day: "2026-11-25" },
        ]);
        ids = rows.map((r) => r["id"] as string);
      });

      afterAll(async () => {
        await db.dropTable(f);
      });

      const names = (rows: Row[]) => rows.map((r) => r["name"]).sort();

      it("where by Date (equality and ranges)", async () => {
        expect(names(await db.select(f, { where: { at: when } }))).toEqual(["a"]);
        expect(names(await db.select(f, { where: { at: { gt: when } } }))).toEqual(["b", "c"]);
        expect(names(await db.select(f, { where: { at: { lte: new Date(when.getTime() + 1) } } }))).toEqual(["a", "b"]);
        expect(await db.count(f, { at: { gte: new Date(when.getTime() + 60_000) } })).toBe(1);
      });

      it("where by boolean", async () => {
        expect(names(await db.select(f, { where: { active: true } }))).toEqual(["a", "c"]);
        expect(names(await db.select(f, { where: { active: false } }))).toEqual(["b"]);
        expect(names(await db.select(f, { where: { active: { ne: true } } }))).toEqual(["b"]);
      });

      it("where by uuid", async () => {
        expect(ids).toHaveLength(3);
        const rows = await db.select(f, { where: { id: ids[1]! } });
        expect(names(rows)).toEqual(["b"]);
        expect(names(await db.select(f, { where: { id: { in: [ids[0]!, ids[2]!] } } }))).toEqual(["a", "c"]);
        expect(await db.select(f, { where: { id: "00000000-0000-4000-8000-000000000000" } })).toEqual([]);
      });

      it("where by DATE string", async () => {
        expect(names(await db.select(f, { where: { day: "2026-11-24" } }))).toEqual(["b"]);
        expect(names(await db.select(f, { where: { day: { gte: "2026-11-24" } } }))).toEqual(["b", "c"]);
      });
    });

    describe("int64 policy", () => {
      const big = uniqueTable("values_int64");
      let bigintDb: Database;
      let stringDb: Database;

      beforeAll(async () => {
        await db.createTable(big, { id: "INTEGER PRIMARY KEY", v: "INT8", n: "INTEGER" });
        await db.executeCount(`INSERT INTO "${big}" (id, v, n) VALUES (?, ?, ?)`, [1, BIG, 5]);
        await db.executeCount(`INSERT INTO "${big}" (id, v, n) VALUES (?, ?, ?)`, [2, -BIG, 6]);
        await db.executeCount(`INSERT INTO "${big}" (id, v, n) VALUES (?, ?, ?)`, [3, MAX_SAFE, 7]);
        await db.executeCount(`INSERT INTO "${big}" (id, v, n) VALUES (?, ?, ?)`, [4, -MAX_SAFE, 8]);
      });

      afterAll(async () => {
        await bigintDb?.close();
        await stringDb?.close();
        await db.dropTable(big);
      });

      it("2^53 − 1 and −(2^53 − 1) round-trip as numbers", async () => {
        const rows = await db.select(big, { where: { id: { in: [3, 4] } }, orderBy: "id" });
        expect(rows.map((r) => r["v"])).toEqual([MAX_SAFE, -MAX_SAFE]);
        expect(typeof rows[0]!["v"]).toBe("number");
        const inserted = await db.insert(big, { id: 5, v: MAX_SAFE, n: 1 });
        expect(inserted["v"]).toBe(MAX_SAFE);
        await db.delete(big, { id: 5 });
      });

      it("2^60 read under the default policy raises UnsafeIntegerError instead of a rounded number", async () => {
        const error = await db.select(big, { where: { id: 1 } }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnsafeIntegerError);
        expect(error).toBeInstanceOf(QueryError);
        expect(error).toBeInstanceOf(TablekitError);
        await expect(db.select(big, { where: { id: 2 } })).rejects.toBeInstanceOf(UnsafeIntegerError);
        await expect(db.execute(`SELECT v FROM "${big}" WHERE id = ?`, [1])).rejects.toBeInstanceOf(UnsafeIntegerError);
        await expect(db.selectOne(big, { where: { id: 1 } })).rejects.toBeInstanceOf(UnsafeIntegerError);
        // The connection stays usable afterwards.
        expect((await db.select(big, { where: { id: 3 } }))[0]!["v"]).toBe(MAX_SAFE);
      });

      it("writing a bigint beyond 2^53 under the default policy is a ValidationError before anything is written (issue 14: it committed, then failed reading RETURNING)", async () => {
        await expect(db.insert(big, { id: 6, v: BIG + 1n, n: 1 })).rejects.toBeInstanceOf(ValidationError);
        expect(await db.count(big, { id: 6 })).toBe(0);
      });

      it('with int64: "bigint" the value reads back as the exact bigint', async () => {
        bigintDb = reopen("bigint");
        const rows = await bigintDb.select(big, { where: { id: { in: [1, 2, 3] } }, orderBy: "id" });
        expect(rows.map((r) => r["v"])).toEqual([BIG, -BIG, BigInt(MAX_SAFE)]);
        expect(typeof rows[0]!["v"]).toBe("bigint");
        // A 32-bit INTEGER column stays a number.
        expect(rows.map((r) => r["n"])).toEqual([5, 6, 7]);
        const inserted = await bigintDb.insert(big, { id: 7, v: BIG + 7n, n: 1 });
        expect(inserted["v"]).toBe(BIG + 7n);
        await bigintDb.delete(big, { id: 7 });
      });

      it('with int64: "string" the value reads back as its decimal string', async () => {
        stringDb = reopen("string");
        const rows = await stringDb.select(big, { where: { id: { in: [1, 2, 3] } }, orderBy: "id" });
        expect(rows.map((r) => r["v"])).toEqual(["1152921504606846976", "-1152921504606846976", String(MAX_SAFE)]);
        expect(rows.map((r) => r["n"])).toEqual([5, 6, 7]);
      });

      it("count() returns a number under every policy", async () => {
        const total = await db.count(big);
        expect(typeof total).toBe("number");
        expect(total).toBe(4);
        bigintDb ??= reopen("bigint");
        stringDb ??= reopen("string");
        expect(await bigintDb.count(big)).toBe(4);
        expect(await stringDb.count(big, { v: { gt: 0 } })).toBe(2);
      });

      it("count(*) in raw SQL is a number under the default policy", async () => {
        const row = await db.fetchOne(`SELECT count(*) AS n FROM "${big}"`);
        expect(row).toEqual({ n: 4 });
      });
    });
  });
}
