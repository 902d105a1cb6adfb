/**
 * Issue 17, the portability suite: the same schema, the same values, the same results on SQLite
 * and PostgreSQL, compared DIRECTLY (both backends open in the same test). For every documented
 * column type and a set of values per type (ordinary, boundary, wrong-typed), each write succeeds
 * on both or fails on both with the same error class; a stored value reads back identically;
 * filtering by the value read finds the row; ordering (ASC/DESC, NULLs, ties broken by id) gives
 * the same rows in the same order. A fast-check property generates rows, filters and orderings
 * and compares the two backends' answers.
 *
 * Keyset pagination and `stream` over every ordered column (ASC/DESC, NULLs, ties) visit each row
 * once, in the order `select` gives, on both; the functions of column definitions are the same on
 * both (or refused on both).
 *
 * Not covered here (docs/database.md, "Values and types", lists them as remaining differences):
 * PostgreSQL-only input spellings of timestamps (`'now'`, `'infinity'`, `'Jan 8 1999'`), filters on
 * JSON and array columns, ordering by JSON and array columns. NUMERIC's `NaN`/`±Infinity` and
 * CHAR(n)'s padding are covered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Database, TablekitError, type Row } from "../../src/index.js";
import { Table } from "../../src/table/index.js";
import { PG_URL, selectedBackendNames, tempDir, uniqueTable } from "../support/backends.js";
import { join } from "node:path";

const BOTH = selectedBackendNames().includes("sqlite") && selectedBackendNames().includes("postgres");
const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";

const U1 = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
const U2 = "00000000-0000-0000-0000-000000000000";
const U3 = "ffffffff-ffff-4fff-bfff-ffffffffffff";

interface ColumnCase {
  /** Column name. */
  col: string;
  /** Portable definition. */
  def: string;
  /** Values written one per row. */
  values: unknown[];
  /** Whether filtering by the value read is expected to find the row (not for JSON/arrays). */
  filter: boolean;
  /** Whether ordering by the column is compared (not for JSON/arrays). */
  order: boolean;
}

const CASES: ColumnCase[] = [
  { col: "c_int", def: "INTEGER", filter: true, order: true, values: [0, 1, -1, 2147483647, -2147483648, 2147483648, -2147483649, 1.5, "42", " 7 ", "thirty", "", "1.5", true, { a: 1 }, [1], new Date(0), Infinity] },
  { col: "c_small", def: "SMALLINT", filter: true, order: true, values: [32767, -32768, 32768, "12", "x"] },
  { col: "c_big", def: "BIGINT", filter: true, order: true, values: [0, 9007199254740991, -9007199254740991, 12n, "123", "x", 1.5, 2 ** 60] },
  { col: "c_dbl", def: "DOUBLE PRECISION", filter: true, order: true, values: [0, 1.5, -2.25, 1e300, -1e-300, Infinity, -Infinity, "1.5", " 2e3 ", "Infinity", "-inf", "abc", "", true, 7n] },
  { col: "c_real", def: "REAL", filter: true, order: true, values: [0, 0.1, 0.1 + 0.2, 1 / 3, 3.4e38, 1e39, -1e39, 1e-40, 1e-50, "1.5", "1e-50", 16777217, -2.5, Infinity, "abc"] },
  { col: "c_dec", def: "DECIMAL(10,2)", filter: true, order: true, values: ["0", "12.345", "9.99", "10", 10, 9.5, "-5.5", "99999999.99", "100000000", "1e3", "abc", "", 123n, true, "NaN", "nan", "Infinity", "-inf", Infinity, -Infinity] },
  {
    col: "c_num",
    def: "NUMERIC",
    filter: true,
    order: true,
    // Beyond a double's ~15 significant digits: stored, compared and ordered exactly on both (item 4).
    // PostgreSQL's special values (unscaled NUMERIC, PostgreSQL 14+): stored, compared and ordered alike (-Infinity lowest, NaN highest).
    values: ["9", "10", "100.125", "-0.5", 2, "x", "12345678901234567890", "12345678901234567891", "12345678901234567890.000000000001", "-12345678901234567891", "0.1000000000000000000001", "0.1", "1e-30", "99999999999999999999999999999999999999.5", "NaN", " nan ", "Infinity", "+inf", "-Infinity", "-INF", Infinity, -Infinity, "-NaN", "inf1", "1.0", "1.00"],
  },
  { col: "c_text", def: "TEXT", filter: true, order: true, values: ["", "hello", "Hello", "ünïcødé", "a\nb", 42, 1.5, true, false, new Date(Date.UTC(2024, 0, 2))] },
  { col: "c_str", def: "STRING", filter: true, order: true, values: ["x", "y", 7] },
  { col: "c_vc", def: "VARCHAR(3)", filter: true, order: true, values: ["abc", "ab", "abcd", "ab   ", "abc  ", "äöü", "äöüß", 123, 1234, true, "🙂🙂🙂", "🙂🙂🙂🙂"] },
  // CHAR(n) is blank-padded on store and compared ignoring trailing blanks (PostgreSQL's bpchar); CHAR alone is CHAR(1).
  { col: "c_char", def: "CHAR(4)", filter: true, order: true, values: ["ab", "abcd", "ab  ", "abcd   ", "abcde", "", " a", "ä", "🙂🙂", 12, 12345, true, "a\tb", new Date(0)] },
  { col: "c_char1", def: "CHARACTER", filter: true, order: true, values: ["x", "", "xy", "x ", 7] },
  { col: "c_bool", def: "BOOLEAN", filter: true, order: true, values: [true, false, "yes", "f", "TRUE", " on ", 1, 0, 2, "maybe", ""] },
  { col: "c_uuid", def: "UUID", filter: true, order: true, values: [U1, U1.toUpperCase(), `{${U2}}`, U3.replace(/-/g, ""), "nope", "", 5] },
  { col: "c_date", def: "DATE", filter: true, order: true, values: ["2024-02-29", "0001-01-01", "9999-12-31", "2023-02-29", "2024-13-01", new Date(Date.UTC(2024, 5, 1)), "x", 5] },
  {
    col: "c_ts",
    def: "TIMESTAMP",
    filter: true,
    order: true,
    values: [new Date(0), new Date(Date.UTC(2024, 0, 1, 10, 0, 0, 123)), "2024-01-01 10:00:00", "2024-01-01T10:00:00+02:00", "2024-01-01", "not a date", 5],
  },
  {
    col: "c_tstz",
    def: "TIMESTAMPTZ",
    filter: true,
    order: true,
    values: [
      new Date(0),
      new Date("0001-01-01T00:00:00.000Z"),
      new Date("9999-12-31T23:59:59.999Z"),
      "2024-01-01T10:00:00+02:00",
      "2024-01-01 10:00:00Z",
      "2024-01-01T10:00:00.5Z",
      "not a date",
      "",
      5,
      true,
    ],
  },
  { col: "c_jsonb", def: "JSONB", filter: false, order: false, values: [{ a: 1 }, [1, "x", null], { n: { d: [true] } }, 42, 1.5, true, false, '"s"', '{"b":2}', "plain", "", { b: 1, a: 2, aa: { z: 1, é: 0, y: [{ d: 1, c: 2 }] }, 10: "n" }, '{"zz": 1, "b": {"y": 1, "x": 2}, "a": 0, "a": 3}'] },
  { col: "c_json", def: "JSON", filter: false, order: false, values: [{ a: 1 }, [], 0, true, '"s"', "nope", { b: 1, a: 2 }, '{"b": 1, "a": 2}'] },
  {
    col: "c_bytea",
    def: "BYTEA",
    filter: true,
    order: true,
    values: [Buffer.from([0, 1, 255]), new Uint8Array([9, 8]), Buffer.alloc(0), "hello", "\\x0aff", "\\xzz", "a\\\\b", "a\\001b", "a\\q"],
  },
  { col: "c_bytes", def: "BYTES", filter: true, order: true, values: [Buffer.from("hi")] },
  { col: "c_texts", def: "TEXT[]", filter: false, order: false, values: [["a", "b"], [], ["x,y", '"q"', "", "{}", "NULL"], ["ünï"]] },
  { col: "c_ints", def: "INTEGER[]", filter: false, order: false, values: [[1, 2, 3], [], [-5]] },
  { col: "c_uuids", def: "UUID[]", filter: false, order: false, values: [[U1, U2], [U1.toUpperCase(), null], ["nope"], [5]] },
  // Elements are checked as the element type on both (item 1) and read back as PostgreSQL gives them (item 2).
  { col: "c_ints2", def: "INTEGER[]", filter: false, order: false, values: [["42", " 7 "], ["x"], [1.5], [2147483648], [true], [null, 1], [[1, 2], [3, 4]], [[1], [2, 3]], [[1], 2], [[]], [{ a: 1 }]] },
  { col: "c_bigs", def: "BIGINT[]", filter: false, order: false, values: [[9007199254740991, -9007199254740991], ["12"], [12n], ["x"]] },
  { col: "c_bools", def: "BOOLEAN[]", filter: false, order: false, values: [[true, false, null], ["yes", "f", 0], ["maybe"], [2]] },
  { col: "c_dbls", def: "DOUBLE PRECISION[]", filter: false, order: false, values: [[1.5, -2, 0], ["2e3"], ["abc"], [true]] },
  { col: "c_decs", def: "NUMERIC(6,2)[]", filter: false, order: false, values: [["1.005", 2, "-3.5"], ["12345678901234567890"], ["10000"], ["abc"], [1e300]] },
  { col: "c_tstzs", def: "TIMESTAMPTZ[]", filter: false, order: false, values: [[new Date(0), "2024-01-01T10:00:00+02:00", null], ["2024-01-01"], ["not a date"], [5]] },
  { col: "c_tss", def: "TIMESTAMP[]", filter: false, order: false, values: [[new Date(Date.UTC(2024, 0, 1, 10, 0, 0, 123)), "2024-01-01T10:00:00+02:00"], ["x"]] },
  { col: "c_dates", def: "DATE[]", filter: false, order: false, values: [["2024-02-29", new Date(Date.UTC(2024, 5, 1))], ["2023-02-29"], [5]] },
  { col: "c_byteas", def: "BYTEA[]", filter: false, order: false, values: [[Buffer.from([0, 1, 255]), new Uint8Array([9]), Buffer.alloc(0)], ["\\x0aff", "hi"], ["\\xzz"]] },
  { col: "c_texts2", def: "TEXT[]", filter: false, order: false, values: [[true, 5, 1.5, new Date(0), Buffer.from("a"), { k: 1 }]] },
  { col: "c_jsonbs", def: "JSONB[]", filter: false, order: false, values: [[{ a: 1 }, 42, '"s"', true, null], ["plain"]] },
];

/** A comparable form of a value read back: Buffers as hex, Dates as ISO text, everything else as is. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return { date: value.toISOString() };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { bytes: Buffer.from(value).toString("hex") };
  if (typeof value === "bigint") return { bigint: value.toString() };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** The outcome of a call: its value or its error's class. */
async function outcome<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (!(error instanceof TablekitError)) throw error;
    return { ok: false, error: error.constructor.name };
  }
}

function show(value: unknown): string {
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (value instanceof Uint8Array) return `bytes(${Buffer.from(value).toString("hex")})`;
  if (typeof value === "bigint") return `${value}n`;
  return JSON.stringify(value);
}

/**
 * Text orders alike only under PostgreSQL's C collation (code-point order, SQLite's BINARY); the
 * difference under a linguistic collation is documented (docs/database.md). When the test
 * database's default collation is linguistic, the text columns compared here are given C.
 */
async function textInCodePointOrder(pg: Database, table: string, columns: readonly string[], type = "TEXT"): Promise<void> {
  const row = await pg.fetchOne<{ c: string }>("SELECT datcollate AS c FROM pg_database WHERE datname = current_database()");
  if (/^(?:C|POSIX|C\.UTF-?8)$/i.test(row?.c ?? "")) return;
  for (const column of columns) await pg.execute(`ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE ${type} COLLATE "C"`);
}

if (!BOTH && !REQUIRED) {
  describe.skip("portability: SQLite and PostgreSQL compared directly (needs both backends in TABLEKIT_BACKENDS)", () => {
    it("needs both backends", () => {});
  });
} else {
  describe("portability: SQLite and PostgreSQL compared directly", () => {
    let lite: Database;
    let pg: Database;
    const t = uniqueTable("portable17");
    const columns: Record<string, string> = { id: "INTEGER PRIMARY KEY" };
    for (const c of CASES) columns[c.col] = c.def;

    beforeAll(async () => {
      if (!BOTH) throw new Error("the portability suite compares SQLite and PostgreSQL: TABLEKIT_BACKENDS must name both");
      lite = new Database({ filename: join(tempDir(), "portable.db") });
      pg = new Database({ url: PG_URL });
      await lite.createTable(t, columns);
      await pg.dropTable(t);
      await pg.createTable(t, columns);
      await textInCodePointOrder(pg, t, ["c_text", "c_str"]);
      await textInCodePointOrder(pg, t, ["c_vc"], "VARCHAR(3)");
      await textInCodePointOrder(pg, t, ["c_char"], "CHAR(4)");
      await textInCodePointOrder(pg, t, ["c_char1"], "CHAR(1)");
    });
    afterAll(async () => {
      await pg?.dropTable(t);
      await Promise.all([lite?.close(), pg?.close()]);
    });

    /** Writes every case's values (one row each, NULL rows included) on both backends, comparing outcomes. */
    const stored = new Map<string, { id: number; read: unknown }[]>();
    let nextId = 1;

    for (const c of CASES) {
      it(`${c.def}: each value is stored alike or refused alike, reads back identically, and a filter by the value read finds its row`, async () => {
        const rows: { id: number; read: unknown }[] = [];
        const problems: string[] = [];
        for (const value of [...c.values, null]) {
          const id = nextId++;
          const [a, b] = [await outcome(() => lite.insert(t, { id, [c.col]: value })), await outcome(() => pg.insert(t, { id, [c.col]: value }))];
          if (a.ok !== b.ok) {
            problems.push(`${show(value)}: SQLite ${a.ok ? `stored ${show(a.value[c.col])}` : a.error}, PostgreSQL ${b.ok ? `stored ${show(b.value[c.col])}` : b.error}`);
            continue;
          }
          if (!a.ok || !b.ok) {
            if (!a.ok && !b.ok && a.error !== b.error) problems.push(`${show(value)}: SQLite ${a.error}, PostgreSQL ${b.error}`);
            // A value a write refuses is refused as a filter value too, alike (PostgreSQL refuses to compare it).
            if (c.filter && value !== null && typeof value !== "object") {
              const [fa, fb] = [await outcome(() => lite.count(t, { [c.col]: value })), await outcome(() => pg.count(t, { [c.col]: value }))];
              if (JSON.stringify(fa) !== JSON.stringify(fb)) problems.push(`filter by ${show(value)}: SQLite ${JSON.stringify(fa)}, PostgreSQL ${JSON.stringify(fb)}`);
            }
            continue;
          }
          const [fromLite, fromPg] = [a.value[c.col], b.value[c.col]];
          if (JSON.stringify(plain(fromLite)) !== JSON.stringify(plain(fromPg))) {
            problems.push(`${show(value)}: read back SQLite ${show(fromLite)}, PostgreSQL ${show(fromPg)}`);
            continue;
          }
          const [readLite, readPg] = [(await lite.selectOne(t, { where: { id } }))?.[c.col], (await pg.selectOne(t, { where: { id } }))?.[c.col]];
          if (JSON.stringify(plain(readLite)) !== JSON.stringify(plain(fromLite)) || JSON.stringify(plain(readPg)) !== JSON.stringify(plain(fromPg))) {
            problems.push(`${show(value)}: select differs from the insert's returned row`);
          }
          rows.push({ id, read: fromPg });
          if (c.filter && fromPg !== null) {
            const where = { id, [c.col]: fromLite };
            const [n1, n2] = [await lite.count(t, where), await pg.count(t, { id, [c.col]: fromPg })];
            if (n1 !== 1 || n2 !== 1) problems.push(`${show(value)}: filter by the value read found ${n1} row(s) on SQLite, ${n2} on PostgreSQL`);
          }
        }
        stored.set(c.col, rows);
        expect(problems).toEqual([]);
        // Every value case ran: none may be silently dropped from the table.
        expect(nextId).toBeGreaterThan(c.values.length);
      });
    }

    it("ordering by each column (ASC and DESC, NULLs, ties broken by id) is the same on both backends", async () => {
      const problems: string[] = [];
      for (const c of CASES) {
        if (!c.order) continue;
        for (const direction of ["ASC", "DESC"]) {
          const orderBy = `${c.col} ${direction}, id`;
          const [a, b] = await Promise.all([lite.select(t, { columns: ["id"], orderBy }), pg.select(t, { columns: ["id"], orderBy })]);
          const [ia, ib] = [a.map((r) => r["id"]), b.map((r) => r["id"])];
          if (JSON.stringify(ia) !== JSON.stringify(ib)) problems.push(`${orderBy}: SQLite ${JSON.stringify(ia)}, PostgreSQL ${JSON.stringify(ib)}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("range filters (gt, lte) and in lists by each value read select the same rows on both backends", async () => {
      const problems: string[] = [];
      for (const c of CASES) {
        if (!c.filter || !c.order) continue;
        for (const { read } of stored.get(c.col) ?? []) {
          if (read === null) continue;
          for (const where of [{ [c.col]: { gt: read } }, { [c.col]: { lte: read } }, { [c.col]: { in: [read] } }, { [c.col]: { ne: read } }]) {
            const [a, b] = await Promise.all([
              lite.select(t, { columns: ["id"], where, orderBy: "id" }),
              pg.select(t, { columns: ["id"], where, orderBy: "id" }),
            ]);
            const [ia, ib] = [a.map((r) => r["id"]), b.map((r) => r["id"])];
            if (JSON.stringify(ia) !== JSON.stringify(ib)) problems.push(`${c.col} ${show(Object.values(where[c.col] as object)[0])} ${Object.keys(where[c.col] as object)[0]}: SQLite ${JSON.stringify(ia)}, PostgreSQL ${JSON.stringify(ib)}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    /** Ids through keyset pages of `limit`, following cursors to the end (guarded against runaways). */
    async function walk(table: Table<any, any>, orderBy: string, limit: number): Promise<unknown[]> {
      const ids: unknown[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: { items: Row[]; nextCursor: string | null } = await table.paginate({ orderBy, limit, after } as never);
        for (const row of page.items) ids.push(row["id"]);
        after = page.nextCursor;
        if (++pages > 500) throw new Error(`runaway pagination on ${orderBy}`);
      } while (after !== null);
      return ids;
    }

    async function streamed(table: Table<any, any>, orderBy: string, batchSize: number): Promise<unknown[]> {
      const ids: unknown[] = [];
      for await (const row of table.stream({ orderBy, batchSize } as never)) {
        ids.push((row as Row)["id"]);
        if (ids.length > 5000) throw new Error(`runaway stream on ${orderBy}`);
      }
      return ids;
    }

    it("keyset pagination and stream by each column (ASC, DESC, NULLs, ties) visit every row once, in select's order, on both backends", async () => {
      const problems: string[] = [];
      const [tl, tp] = [new Table(t, { db: lite }), new Table(t, { db: pg })];
      const all = (await lite.select(t, { columns: ["id"], orderBy: "id" })).map((r) => r["id"]);
      for (const c of CASES) {
        if (!c.order) continue;
        for (const direction of ["ASC", "DESC"]) {
          const orderBy = `${c.col} ${direction}`;
          const expected = (await pg.select(t, { columns: ["id"], orderBy: `${orderBy}, id` })).map((r) => r["id"]);
          const runs: [string, unknown[]][] = [
            ["SQLite pages", await walk(tl, orderBy, 16)],
            ["PostgreSQL pages", await walk(tp, orderBy, 16)],
            ["SQLite stream", await streamed(tl, orderBy, 13)],
            ["PostgreSQL stream", await streamed(tp, orderBy, 13)],
          ];
          for (const [what, ids] of runs) {
            if (JSON.stringify(ids) !== JSON.stringify(expected)) problems.push(`${orderBy}, ${what}: ${JSON.stringify(ids)} instead of ${JSON.stringify(expected)}`);
          }
        }
      }
      expect(all.length).toBeGreaterThan(100);
      expect(problems).toEqual([]);
    });

    it("CHAR(n): filters by unpadded text, numbers, in lists, ranges and LIKE find the same rows on both backends", async () => {
      const problems: string[] = [];
      const filters: Record<string, unknown>[] = [
        { c_char: "ab" },
        { c_char: "ab " },
        { c_char: "ab     " },
        { c_char: 12 },
        { c_char: "12" },
        { c_char: { in: ["ab", "abcd", 12] } },
        { c_char: { notIn: ["ab"] } },
        { c_char: { gt: "ab" } },
        { c_char: { lte: "abc" } },
        { c_char: { ne: "ab" } },
        { c_char: { like: "ab" } },
        { c_char: { like: "ab%" } },
        { c_char: "abcdef" },
        { c_char1: "" },
        { c_char1: "x" },
      ];
      for (const where of filters) {
        const [a, b] = [await outcome(() => lite.select(t, { columns: ["id"], where, orderBy: "id" })), await outcome(() => pg.select(t, { columns: ["id"], where, orderBy: "id" }))];
        if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${JSON.stringify(where)}: SQLite ${JSON.stringify(a)}, PostgreSQL ${JSON.stringify(b)}`);
        if (a.ok && a.value.length === 0 && !JSON.stringify(where).includes("abcdef") && !JSON.stringify(where).includes("like\":\"ab\"")) problems.push(`${JSON.stringify(where)} found nothing: the test is not testing it`);
      }
      expect(problems).toEqual([]);
    });

    it("UNIQUE and PRIMARY KEY over an unscaled NUMERIC: the same writes succeed, the same are refused with the same constraint, and upserts update the same rows, on both backends", async () => {
      const u = uniqueTable("portable17_uniq");
      const def = { id: "INTEGER PRIMARY KEY", n: "NUMERIC UNIQUE", k: "INTEGER", m: "DECIMAL, UNIQUE (k, m)" };
      try {
        const runs: unknown[] = [];
        for (const db of [lite, pg]) {
          await db.createTable(u, def);
          const out: unknown[] = [];
          const step = async (call: () => Promise<unknown>): Promise<void> => {
            try {
              const value = await call();
              out.push({ ok: plain(value) });
            } catch (error) {
              if (!(error instanceof TablekitError)) throw error;
              out.push({ error: error.constructor.name, constraint: (error as { constraint?: string }).constraint });
            }
          };
          let id = 0;
          for (const n of ["1.0", "1.00", "1", 1, "NaN", "nan", "Infinity", "+inf", "-Infinity", "0.0", "-0", "0.000", "10", "1e1", "12345678901234567890.10", "12345678901234567890.1", null, null]) {
            await step(() => db.insert(u, { id: ++id, n }));
          }
          for (const [k, m] of [[1, "2.5"], [1, "2.50"], [2, "2.50"], [1, "2.500000"], [1, "NaN"], [1, "nan"], [null, "2.5"], [null, "2.5"]] as const) {
            await step(() => db.insert(u, { id: ++id, k, m }));
          }
          await step(() => db.upsert(u, { id: 100, n: "1.000", k: 7 }, { conflict: ["n"], update: ["k"] }));
          await step(() => db.upsert(u, { id: 101, n: "Infinity", k: 8 }, { conflict: ["n"] }));
          await step(() => db.upsert(u, { id: 102, k: 1, m: "2.5000" }, { conflict: ["k", "m"], update: ["n"] }));
          await step(() => db.update<{ id: number; n: string }>(u, { n: "10.0" }, { id: 1 }));
          await step(() => db.select(u, { orderBy: "id" }));
          runs.push(out);
        }
        expect(runs[0]).toEqual(runs[1]);
      } finally {
        await pg.dropTable(u);
      }
    });

    it("generated integer keys (INTEGER, BIGINT, SERIAL, BIGSERIAL, unique_rowid() default): the same ids on both, explicit ids mixed in, wrong-typed ids refused alike", async () => {
      for (const key of ["INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY", "SERIAL PRIMARY KEY", "BIGSERIAL PRIMARY KEY", "INT8 PRIMARY KEY DEFAULT unique_rowid()"]) {
        const k = uniqueTable("portable17_key");
        try {
          const runs: unknown[] = [];
          for (const db of [lite, pg]) {
            await db.createTable(k, { id: key, v: "TEXT" });
            const out: unknown[] = [];
            out.push((await db.insert(k, { v: "a" }))["id"]);
            out.push((await db.insert(k, { id: 7, v: "b" }))["id"]);
            out.push((await db.insert(k, { v: "c" }))["id"]);
            await db.batchInsert(k, [{ id: 20, v: "d" }, { v: "e" }]);
            out.push((await db.insert(k, { v: "f" }))["id"]);
            // Explicit and generated ids in one batch (also without returned rows, PostgreSQL's COPY path).
            await db.batchInsert(k, [{ v: "g" }, { id: 30, v: "h" }, { v: "i" }, { v: "j" }], { returning: false });
            out.push((await db.insert(k, { v: "k" }))["id"]);
            for (const bad of ["x", 1.5, null]) out.push(await outcome(() => db.insert(k, { id: bad, v: "z" })).then((r) => (r.ok ? `stored ${JSON.stringify(r.value["id"])}` : r.error)));
            out.push((await db.select(k, { columns: ["id"], orderBy: "id" })).map((r) => r["id"]));
            runs.push(out);
          }
          expect(runs[0], key).toEqual(runs[1]);
        } finally {
          await pg.dropTable(k);
        }
      }
    });

    it("functions: gen_random_bytes(n) and unique_rowid() as an integer key's default work on both; other uses are refused on both with what to write", async () => {
      const f = uniqueTable("portable17_fn2");
      const def = { id: "INT8 PRIMARY KEY DEFAULT unique_rowid()", token: "BYTEA NOT NULL DEFAULT gen_random_bytes(16)", none: "BYTEA DEFAULT gen_random_bytes(0)", n: "INTEGER" };
      try {
        for (const db of [lite, pg]) {
          await db.createTable(f, def);
          const a = await db.insert(f, { n: 1 });
          const b = await db.insert(f, { n: 2 });
          await db.insert(f, { id: 10, n: 3 });
          const c = await db.insert(f, { n: 4 });
          expect([a["id"], b["id"], c["id"]]).toEqual([1, 2, 11]);
          expect(Buffer.isBuffer(a["token"]) && (a["token"] as Buffer).length).toBe(16);
          expect((a["token"] as Buffer).equals(b["token"] as Buffer)).toBe(false);
          expect(Buffer.from(a["none"] as Uint8Array).length).toBe(0);
          for (const bad of [{ x: "INT8 DEFAULT unique_rowid()" }, { x: "TEXT DEFAULT (unique_rowid()::text)" }, { x: "BYTEA DEFAULT gen_random_bytes(4096)" }, { x: "BYTEA DEFAULT gen_random_bytes(length('ab'))" }]) {
            const result = await outcome(() => db.createTable(uniqueTable("portable17_fnbad"), { id: "INTEGER PRIMARY KEY", ...bad }));
            expect(result, JSON.stringify(bad)).toEqual({ ok: false, error: "ValidationError" });
          }
        }
      } finally {
        await pg.dropTable(f);
      }
    });

    it("functions: uuid_generate_v4() in a column default gives a UUID on both backends (gen_random_uuid() on PostgreSQL); quoted text is left alone", async () => {
      const f = uniqueTable("portable17_fn");
      const def = { id: "UUID PRIMARY KEY DEFAULT uuid_generate_v4()", note: "TEXT DEFAULT 'uuid_generate_v4()'", n: "INTEGER" };
      try {
        for (const db of [lite, pg]) {
          await db.createTable(f, def);
          const row = await db.insert(f, { n: 1 });
          expect(row["id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          expect(row["note"]).toBe("uuid_generate_v4()");
        }
      } finally {
        await pg.dropTable(f);
      }
    });

    it("arrays: a JS array into TEXT[], INTEGER[] and UUID[] columns is the same JS array out, written by insert, update, upsert and batchInsert", async () => {
      const a = uniqueTable("portable17_arr");
      const def = { id: "INTEGER PRIMARY KEY", tags: "TEXT[]", nums: "INTEGER[]", ids: "UUID[]" };
      try {
        const results: unknown[][] = [];
        for (const db of [lite, pg]) {
          await db.createTable(a, def);
          const out: unknown[] = [];
          out.push(await db.insert(a, { id: 1, tags: ["a", "b c", ""], nums: [1, -2], ids: [U1] }));
          out.push(await db.update(a, { tags: ["x"], nums: [] }, { id: 1 }));
          out.push(await db.upsert(a, { id: 1, tags: ['"q"', "{}"] }, { conflict: ["id"] }));
          out.push(await db.batchInsert(a, [{ id: 2, tags: ["p"] }, { id: 3, nums: [7] }]));
          out.push(await db.select(a, { orderBy: "id" }));
          results.push(out);
        }
        expect(results[0]).toEqual(results[1]);
        expect((results[1]![4] as { tags: unknown }[])[0]!.tags).toEqual(['"q"', "{}"]);
      } finally {
        await pg.dropTable(a);
      }
    });

    it("property: generated rows, filters and orderings give the same rows in the same order on both backends", async () => {
      const g = uniqueTable("portable17_prop");
      const def = { id: "INTEGER PRIMARY KEY", n: "INTEGER", r: "DOUBLE PRECISION", d: "DECIMAL(8,2)", x: "NUMERIC", s: "TEXT", b: "BOOLEAN", u: "UUID", at: "TIMESTAMPTZ" };
      await lite.createTable(g, def);
      await pg.createTable(g, def);
      await textInCodePointOrder(pg, g, ["s"]);
      try {
        const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
        const row = fc.record({
          n: nullable(fc.integer({ min: -5, max: 5 })),
          r: nullable(fc.constantFrom(-1.5, 0, 0.1, 2, 1e10, Infinity, -Infinity)),
          d: nullable(fc.constantFrom("9.99", "10", "10.00", "-3.5", "100", "0.01", 5, 11)),
          // More significant digits than a double holds: equal doubles, different numbers.
          x: nullable(fc.constantFrom("12345678901234567890", "12345678901234567891", "12345678901234567890.5", "0.1", "0.10000000000000000001", "-0.1", "-0.10000000000000000001", "0", "1e-30", "NaN", "Infinity", "-Infinity")),
          s: nullable(fc.constantFrom("", "a", "B", "b", "ab", "Z", "é")),
          b: nullable(fc.boolean()),
          u: nullable(fc.constantFrom(U1, U1.toUpperCase(), U2, U3)),
          at: nullable(fc.constantFrom(new Date(0), new Date(1), new Date("2024-01-01T00:00:00Z"), "2024-01-01T01:00:00+01:00")),
        });
        const cols = ["n", "r", "d", "x", "s", "b", "u", "at"] as const;
        const order = fc.array(fc.record({ col: fc.constantFrom(...cols), dir: fc.constantFrom("ASC", "DESC"), nulls: fc.constantFrom("", " NULLS FIRST", " NULLS LAST") }), { minLength: 1, maxLength: 2 });
        const op = fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte");
        await fc.assert(
          fc.asyncProperty(fc.array(row, { maxLength: 12 }), order, fc.constantFrom(...cols), op, fc.nat(11), async (rows, terms, fcol, fop, pick) => {
            await Promise.all([lite.deleteMany(g, {}), pg.deleteMany(g, {})]);
            const records = rows.map((r, i) => ({ id: i + 1, ...r }));
            if (records.length > 0) await Promise.all([lite.batchInsert(g, records), pg.batchInsert(g, records)]);
            const orderBy = [...terms.map((x) => `${x.col} ${x.dir}${x.nulls}`), "id"].join(", ");
            const [a, b] = await Promise.all([lite.select(g, { orderBy }), pg.select(g, { orderBy })]);
            expect(a.map((r) => JSON.stringify(Object.values(r).map(plain)))).toEqual(b.map((r) => JSON.stringify(Object.values(r).map(plain))));
            // Keyset pages and stream by the same ordering: every row once, in select's order, on both.
            const keyset = terms.map((x) => `${x.col} ${x.dir}${x.nulls}`).join(", ");
            const expected = b.map((r) => r["id"]);
            expect(await walk(new Table(g, { db: lite }), keyset, 3)).toEqual(expected);
            expect(await walk(new Table(g, { db: pg }), keyset, 3)).toEqual(expected);
            expect(await streamed(new Table(g, { db: lite }), keyset, 4)).toEqual(expected);
            expect(await streamed(new Table(g, { db: pg }), keyset, 4)).toEqual(expected);
            const value = (records[pick % Math.max(1, records.length)] as Record<string, unknown> | undefined)?.[fcol];
            if (value !== undefined && value !== null) {
              const where = { [fcol]: { [fop]: value } };
              const [fa, fb] = await Promise.all([lite.select(g, { columns: ["id"], where, orderBy: "id" }), pg.select(g, { columns: ["id"], where, orderBy: "id" })]);
              expect(fa).toEqual(fb);
            }
          }),
          { numRuns: 40 },
        );
      } finally {
        await pg.dropTable(g);
      }
    });
  });
}
