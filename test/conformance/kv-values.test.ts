/**
 * KVStore values: exact round-trips through the database for JSON values, Date, bigint,
 * Uint8Array, Buffer, Map and Set (nested), and the stored format that keeps plain JSON readable
 * with SQL. Run on every backend.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/index.js";
import { KVStore } from "../../src/kv/kv-store.js";
import { backends, uniqueTable } from "../support/backends.js";

/** Values that must come back exactly, named for failure messages. */
const CASES: [string, unknown][] = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["zero", 0],
  ["negative zero", -0],
  ["float", 1.5e-7],
  ["max safe", Number.MAX_SAFE_INTEGER],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["empty string", ""],
  ["unicode", "Nana 🌸 ñ \u2028 \uffff"],
  ["NUL and lone surrogates in a value", "a\u0000b\ud800c\udfff"],
  ["long string", "x".repeat(100_000)],
  ["empty array", []],
  ["nested arrays", [1, [2, [3, ["deep"]]]]],
  ["array with undefined", [1, undefined, 3]],
  ["empty object", {}],
  ["object", { name: "Nana", age: 20, tags: ["a", "b"], address: { city: "Tokyo" } }],
  ["Date", new Date("2024-05-06T07:08:09.123Z")],
  ["invalid Date", new Date(Number.NaN)],
  ["far Date", new Date(8.64e15)],
  ["bigint", 123456789012345678901234567890n],
  ["negative bigint", -5n],
  ["Uint8Array", new Uint8Array([0, 1, 2, 254, 255])],
  ["empty Uint8Array", new Uint8Array()],
  ["Uint8Array view", new Uint8Array([9, 8, 7, 6]).subarray(1, 3)],
  ["Buffer", Buffer.from("hello")],
  ["Map", new Map<unknown, unknown>([["a", 1], [2, "two"], [{ k: 1 }, [1n]]])],
  ["Set", new Set<unknown>([1, "1", 1n, null])],
  [
    "nested everything",
    { when: new Date(0), ids: new Set([1n, 2n]), index: new Map([["x", { bytes: new Uint8Array([1]), list: [new Date(1), -0] }]]) },
  ],
  ["object with $t", { $t: "Date", v: "not a date" }],
  ["object with $tk", { $tk: 1, v: { $t: "BigInt", v: "1" } }],
  ["$t inside an envelope", { a: 1n, b: { $t: "Set", v: [] } }],
  ["__proto__ key", JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
];

/** Exact equality: types, -0, NaN, Map/Set contents and Buffer vs Uint8Array. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return Object.is(a, b);
  if (typeof a !== "object" || a === null || b === null || typeof b !== "object") return a === b;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) && !(isPlain(a) && isPlain(b as object))) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b as Uint8Array)) && a.constructor === (b as object).constructor;
  if (a instanceof Map) {
    const other = [...(b as Map<unknown, unknown>)];
    return a.size === other.length && [...a].every(([k, v], i) => same(k, other[i]![0]) && same(v, other[i]![1]));
  }
  if (a instanceof Set) {
    const other = [...(b as Set<unknown>)];
    return a.size === other.length && [...a].every((v, i) => same(v, other[i]));
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function isPlain(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Storable values of every supported type, nested. Object keys are never "__proto__" (fc's default). */
const storable: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ unit: "binary" }),
    fc.bigInt(),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 8 }),
  ),
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("array"), tie("object"), tie("map"), tie("set")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("$t", "$tk", "v")), tie("value"), { maxKeys: 4 }),
  map: fc.array(fc.tuple(tie("leaf"), tie("value")), { maxLength: 3 }).map((pairs) => new Map(pairs)),
  set: fc.array(tie("leaf"), { maxLength: 4 }).map((items) => new Set(items)),
})).value;

describe("the exact comparison used here", () => {
  it("tells apart what toEqual would not", () => {
    expect(same(-0, 0)).toBe(false);
    expect(same(Number.NaN, Number.NaN)).toBe(true);
    expect(same(new Uint8Array([1]), Buffer.from([1]))).toBe(false);
    expect(same(new Date(1), new Date(2))).toBe(false);
    expect(same(new Map([[1, 2]]), new Map([[1, 3]]))).toBe(false);
    expect(same(new Set([1n]), new Set([1]))).toBe(false);
    expect(same({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false); // key order is kept too
    expect(same([1, undefined], [1, null])).toBe(false);
    expect(same({ a: [new Map([["x", new Date(0)]])] }, { a: [new Map([["x", new Date(0)]])] })).toBe(true);
  });
});

for (const backend of backends()) {
  describe(`KVStore values [${backend.name}]`, () => {
    let db: Database;
    let kv: KVStore<unknown>;
    let reader: KVStore<unknown>;

    beforeAll(async () => {
      db = backend.open();
      const table = uniqueTable("kv_values");
      kv = await KVStore.open({ db, table, purgeIntervalMs: 0 });
      // A second store with no cache: every read decodes the stored text.
      reader = await KVStore.open({ db, table, cacheSizeMb: 0, purgeIntervalMs: 0 });
    });
    afterAll(async () => {
      await kv.close();
      await reader.close();
      await db.dropTable(kv.tableName);
      await db.close();
    });

    for (const [name, value] of CASES) {
      it(`round-trips ${name} exactly through the database`, async () => {
        const key = `case:${name}`;
        await kv.set(key, value);
        const read = await reader.get(key);
        expect(same(read, value), `${name}: ${String(read)}`).toBe(true);
        expect(same(await kv.get(key), value)).toBe(true);
        expect(same((await reader.entries()).find(([k]) => k === key)?.[1], value)).toBe(true);
      });
    }

    it("round-trips through batchUpdate, pop, scan and setDefault too", async () => {
      const entries = CASES.map(([name, value]) => [`batch:${name}`, value] as const);
      await kv.batchUpdate(entries);
      for (const [key, value] of entries) expect(same(await reader.get(key), value), key).toBe(true);
      for await (const [key, value] of reader.scan({ prefix: "batch:" })) {
        expect(same(value, entries.find(([k]) => k === key)![1]), key).toBe(true);
      }
      expect(same(await kv.pop("batch:Map"), CASES.find(([n]) => n === "Map")![1])).toBe(true);
      expect(same(await reader.setDefault("batch:Set", null), CASES.find(([n]) => n === "Set")![1])).toBe(true);
    });

    it("round-trips random nested values of every supported type (property)", async () => {
      let i = 0;
      await fc.assert(
        fc.asyncProperty(storable, async (value) => {
          const key = `prop:${i++}`;
          await kv.set(key, value);
          expect(same(await reader.get(key), value)).toBe(true);
        }),
        { numRuns: 100 },
      );
    });

    it("stores plain JSON values as plain JSON text that SQL can read", async () => {
      await kv.set("json:user", { name: "Nana", age: 20, tags: ["a"] });
      await kv.set("json:text", "hello");
      const row = await db.fetchOne<{ value: string }>(`SELECT "value" FROM "${kv.tableName}" WHERE "key" = ?`, ["json:user"]);
      expect(row!.value).toBe('{"name":"Nana","age":20,"tags":["a"]}');
      const text = await db.fetchOne<{ value: string }>(`SELECT "value" FROM "${kv.tableName}" WHERE "key" = ?`, ["json:text"]);
      expect(text!.value).toBe('"hello"');
      const name =
        db.dialect === "sqlite"
          ? `SELECT json_extract("value", '$.name') AS name FROM "${kv.tableName}" WHERE "key" = ?`
          : `SELECT ("value"::jsonb) ->> 'name' AS name FROM "${kv.tableName}" WHERE "key" = ?`;
      expect(await db.fetchOne(name, ["json:user"])).toEqual({ name: "Nana" });
    });

    it("wraps values holding other types in a tagged envelope, still valid JSON", async () => {
      await kv.set("env:user", { name: "Nana", joined: new Date("2024-01-02T03:04:05.678Z"), visits: 3n });
      const row = await db.fetchOne<{ value: string }>(`SELECT "value" FROM "${kv.tableName}" WHERE "key" = ?`, ["env:user"]);
      expect(JSON.parse(row!.value)).toEqual({
        $tk: 1,
        v: { name: "Nana", joined: { $t: "Date", v: "2024-01-02T03:04:05.678Z" }, visits: { $t: "BigInt", v: "3" } },
      });
      const name =
        db.dialect === "sqlite"
          ? `SELECT json_extract("value", '$.v.name') AS name FROM "${kv.tableName}" WHERE "key" = ?`
          : `SELECT ("value"::jsonb) -> 'v' ->> 'name' AS name FROM "${kv.tableName}" WHERE "key" = ?`;
      expect(await db.fetchOne(name, ["env:user"])).toEqual({ name: "Nana" });
    });

    it("reads plain JSON rows written by other SQL", async () => {
      await db.execute(`INSERT INTO "${kv.tableName}" ("key", "value") VALUES (?, ?)`, ["sql:row", ' { "a" : [1, 2.5, "x"] } ']);
      expect(await reader.get("sql:row")).toEqual({ a: [1, 2.5, "x"] });
    });
  });
}
