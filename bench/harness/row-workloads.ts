/**
 * The table workloads of issue #5, written once for both backends: insert one row, read by key,
 * update by key, list with filter+order+limit, batch insert, batch update. Each contender gets its
 * own fresh table per workload, named `bench_<backend>_<workload>_<contender>`.
 *
 * @module
 */
import type { BenchConfig, Section } from "./config.js";
import {
  type AgeUpdate,
  type NewRow,
  type RowOps,
  bulkRows,
  checkInserted,
  checkList,
  checkRead,
  expectedLists,
  keyAt,
  minAgeAt,
  newRowAt,
  rowAt,
} from "./data.js";
import { type Entry, type Role, type Session, type Workload, check, concurrently, sequentially } from "./measure.js";
import { aheadInClientCpu, aheadOf, atLeastOf, withinRaw } from "./targets.js";

/**
 * The value every update by key writes: a new one each time, never the value the row holds.
 * SQLite skips writing a row whose new content equals the old (no dirty page, nothing for the
 * commit to write): rewriting the same value ran at 117,000 updates/s against 66,000 for a new
 * value. With values derived from the loop index, a repetition repeated the previous one's values
 * for every row the calibrated count had visited only once, so the contender with the smaller
 * count measured mostly no-op updates (raw better-sqlite3 at 55,000/s against its usual 38,000 in
 * one full run, while tablekit, calibrated to twice the count, wrote real changes).
 */
let nextAge = 1_000;

export type RowOp = "insert" | "read" | "update" | "list" | "batchInsert" | "batchUpdate";

/** A contender on one backend. */
export interface RowContender {
  /** Short key for table names. */
  key: string;
  contender: string;
  /** Tells apart several contenders of one library (pg's bulk paths). */
  variant?: string;
  role: Role;
  /** The call used per operation; an operation without one is not offered. */
  how: Partial<Record<RowOp, string>>;
  /** Operations the contender does not offer, with the reason shown in the report. */
  skip?: Partial<Record<RowOp, string>>;
  open(table: string): Promise<RowOps>;
}

/** What a workload needs from the backend, through a separate admin connection. */
export interface RowAdmin {
  createTable(table: string): Promise<void>;
  /** Inserts rows 1..n (explicit ids). */
  fill(table: string, n: number): Promise<void>;
  /** Drops the table. */
  drop(table: string): Promise<void>;
  /** Deletes every row (and restarts generated ids). */
  empty(table: string): Promise<void>;
  /** count(*), sum(age), sum(score), sum(length(name)) of the table. */
  aggregate(table: string, maxId?: number): Promise<{ count: number; ages: number; scores: number; nameChars: number }>;
}

export interface RowBackend {
  section: Section;
  /** "SQLite" or "PostgreSQL", shown in titles. */
  label: string;
  contenders: RowContender[];
  admin: RowAdmin;
  /** Concurrency levels of the insert/read/update workloads. */
  pointConcurrency: readonly number[];
  /** Raw contenders whose ratio is reported next to the fastest raw (the driver tablekit uses). */
  ownDriver?: string;
  /** Bulk target: [fraction, contender, how] on PostgreSQL (at least 0.7x of COPY), else the SQLite one. */
  bulkTarget: { kind: "within"; max: number } | { kind: "atLeast"; fraction: number; contender: string; how: string };
}

/** Opens a session whose ops are released at close. */
function sessionOf(ops: RowOps, parts: Omit<Session, "close">): Session {
  return { ...parts, close: () => ops.close() };
}

function entriesFor(
  backend: RowBackend,
  op: RowOp,
  tableOf: (c: RowContender) => string,
  make: (ops: RowOps, c: RowContender, table: string) => Omit<Session, "close">,
): Entry[] {
  return backend.contenders
    .filter((c) => c.how[op] !== undefined || c.skip?.[op] !== undefined)
    .map((c) => {
      const table = tableOf(c);
      const skip = c.skip?.[op];
      return {
        contender: c.contender,
        ...(c.variant === undefined ? {} : { variant: c.variant }),
        role: c.role,
        how: c.how[op] ?? "",
        ...(skip === undefined ? {} : { skip }),
        open: async () => {
          const ops = await c.open(table);
          return sessionOf(ops, make(ops, c, table));
        },
      };
    });
}

/** Builds the six table workloads of a backend and creates their tables (lazily, in `prepare`). */
export function rowWorkloads(
  config: BenchConfig,
  backend: RowBackend,
): { workloads: Workload[]; prepare: (w: Workload) => Promise<void>; cleanup: (w: Workload) => Promise<void> } {
  const { admin, section, label } = backend;
  const tablesOf = new Map<Workload, string[]>();
  const preparers = new Map<Workload, () => Promise<void>>();
  const tableName = (workload: string, c: RowContender): string => `bench_${section === "sqlite" ? "lite" : "pg"}_${workload}_${c.key}`;
  const lists = expectedLists(config.tableRows);
  const workloads: Workload[] = [];
  const pointTargets = (w: Parameters<NonNullable<Workload["targets"]>>[0]) => [
    withinRaw(w, 1.25, backend.ownDriver === undefined ? [] : [backend.ownDriver]),
    aheadOf(w),
  ];
  const add = (w: Workload, op: RowOp, fill: number | undefined, tableKey: string): void => {
    workloads.push(w);
    preparers.set(w, async () => {
      const tables: string[] = [];
      tablesOf.set(w, tables);
      for (const c of backend.contenders) {
        if (c.how[op] === undefined) continue;
        const t = tableName(tableKey, c);
        await admin.createTable(t);
        if (fill !== undefined) await admin.fill(t, fill);
        tables.push(t);
      }
    });
  };

  for (const c of backend.pointConcurrency) {
    const suffix = backend.pointConcurrency.length > 1 ? `, concurrency ${c}` : "";
    const each = (n: number, op: (i: number) => Promise<void>) => (c === 1 ? sequentially(n, op) : concurrently(n, c, op));
    const key = (name: string) => (backend.pointConcurrency.length > 1 ? `${name}${c}` : name);

    add(
      {
        id: `${section}-insert-c${c}`,
        section,
        title: `${label}: insert one row${suffix}`,
        unit: "rows/s",
        warmN: c === 1 ? 300 : 1_000,
        repWarmN: c === 1 ? 100 : 300,
        minN: 200,
        entries: entriesFor(backend, "insert", (ct) => tableName(key("ins"), ct), (ops, ct, table) => ({
          setup: () => admin.empty(table),
          run: (n) =>
            each(n, async (i) => {
              const row = newRowAt(i);
              checkInserted(await ops.insert!(row), row, ct.contender);
            }),
          verify: async (n) => {
            const { count } = await admin.aggregate(table);
            check(count === n, () => `${ct.contender}: ${count} rows after ${n} inserts`);
          },
        })),
        targets: pointTargets,
      },
      "insert",
      undefined,
      key("ins"),
    );

    add(
      {
        id: `${section}-read-c${c}`,
        section,
        title: `${label}: read by primary key${suffix}`,
        unit: "reads/s",
        warmN: c === 1 ? 2_000 : 3_000,
        repWarmN: c === 1 ? 500 : 1_000,
        minN: 500,
        entries: entriesFor(backend, "read", (ct) => tableName(key("read"), ct), (ops, ct) => ({
          run: (n) =>
            each(n, async (i) => {
              const id = keyAt(i, config.tableRows);
              checkRead(await ops.read!(id), id, ct.contender);
            }),
        })),
        targets: pointTargets,
      },
      "read",
      config.tableRows,
      key("read"),
    );

    add(
      {
        id: `${section}-update-c${c}`,
        section,
        title: `${label}: update by primary key${suffix}`,
        unit: "updates/s",
        warmN: c === 1 ? 500 : 1_000,
        repWarmN: c === 1 ? 100 : 300,
        minN: 200,
        entries: entriesFor(backend, "update", (ct) => tableName(key("upd"), ct), (ops, ct) => ({
          run: (n) =>
            each(n, async (i) => {
              const id = keyAt(i, config.tableRows);
              const changed = await ops.update!(id, nextAge++);
              check(changed === 1, () => `${ct.contender}: update(${id}) changed ${changed} rows`);
            }),
        })),
        targets: pointTargets,
      },
      "update",
      config.tableRows,
      key("upd"),
    );
  }

  add(
    {
      id: `${section}-list`,
      section,
      title: `${label}: list 50 rows with a filter and an order`,
      unit: "lists/s",
      warmN: 100,
      repWarmN: 20,
      minN: 30,
      note:
        `\`age >= ?\` (no index), \`ORDER BY score DESC\`, \`LIMIT 50\` on ${config.tableRows.toLocaleString("en-US")} rows; every result compared with the expected 50 ids. ` +
        "Client CPU: the benchmark process's user + system CPU time per list, taken around the timed part." +
        (section === "postgres"
          ? " On PostgreSQL the server's sequential scan and top-N sort take 2.1–2.4 ms of every list on this machine (`EXPLAIN (ANALYZE, TIMING OFF)`), against 0.4–0.8 ms of client CPU, and the server's time varies by ±20% between repetitions; so the rates mostly measure the server, and the comparison with the peers is on client CPU, the part a client library controls."
          : ""),
      clientCpu: true,
      metrics: { cpuUs: "client CPU (µs/list)" },
      entries: entriesFor(backend, "list", (ct) => tableName("list", ct), (ops, ct) => ({
        run: (n) =>
          sequentially(n, async (i) => {
            const minAge = minAgeAt(i);
            checkList(await ops.list!(minAge), minAge, lists, ct.contender);
          }),
      })),
      targets:
        section === "postgres"
          ? (w) => [pointTargets(w)[0]!, aheadInClientCpu(w, "the server's ~2 ms a list dominates the rate")]
          : pointTargets,
    },
    "list",
    config.tableRows,
    "list",
  );

  const bulk = bulkRows(config.bulkRows);
  const bulkSums = aggregateOf(bulk);
  const bt = backend.bulkTarget;
  add(
    {
      id: `${section}-batch-insert`,
      section,
      title: `${label}: batch insert of ${config.bulkRows.toLocaleString("en-US")} rows`,
      unit: "rows/s",
      fixedN: config.bulkRows,
      warmN: Math.min(config.bulkRows, 20_000),
      repWarmN: 0,
      note: "One transaction per run; every 1,000th name holds a tab, a newline, quotes and a backslash. Checked: row count and the sums of age, score and name length.",
      entries: entriesFor(backend, "batchInsert", (ct) => tableName("bulk", ct), (ops, ct, table) => ({
        setup: () => admin.empty(table),
        run: (n) => ops.batchInsert!(n === bulk.length ? bulk : bulk.slice(0, n)),
        verify: async (n) => {
          const got = await admin.aggregate(table);
          const want = n === bulk.length ? bulkSums : aggregateOf(bulk.slice(0, n));
          check(
            got.count === want.count && got.ages === want.ages && got.scores === want.scores && got.nameChars === want.nameChars,
            () => `${ct.contender}: after a batch insert of ${n} rows got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
          );
        },
      })),
      targets: (w) => [bt.kind === "within" ? withinRaw(w, bt.max) : atLeastOf(w, bt.fraction, bt.contender, bt.how), aheadOf(w)],
    },
    "batchInsert",
    undefined,
    "bulk",
  );

  const updRows = config.batchUpdateRows;
  add(
    {
      id: `${section}-batch-update`,
      section,
      title: `${label}: batch update of ${updRows.toLocaleString("en-US")} rows`,
      unit: "rows/s",
      fixedN: updRows,
      warmN: Math.min(updRows, 2_000),
      repWarmN: 0,
      note: "One transaction per run, one row per key. Checked: the sum of the new ages.",
      entries: entriesFor(backend, "batchUpdate", (ct) => tableName("bupd", ct), (ops, ct, table) => {
        let round = 0;
        return {
          run: async (n) => {
            round++;
            const updates: AgeUpdate[] = Array.from({ length: n }, (_, k) => ({ id: k + 1, age: ageIn(k + 1, round) }));
            await ops.batchUpdate!(updates);
          },
          verify: async (n) => {
            let want = 0;
            for (let id = 1; id <= n; id++) want += ageIn(id, round);
            const got = await admin.aggregate(table, n);
            check(got.ages === want, () => `${ct.contender}: sum(age) ${got.ages} after a batch update, expected ${want}`);
          },
        };
      }),
      targets: (w) => [aheadOf(w)],
    },
    "batchUpdate",
    updRows,
    "bupd",
  );

  return {
    workloads,
    prepare: async (w) => {
      await preparers.get(w)?.();
    },
    cleanup: async (w) => {
      for (const t of tablesOf.get(w) ?? []) await admin.drop(t);
    },
  };
}

function ageIn(id: number, round: number): number {
  return 18 + ((id * 31 + round * 7) % 63);
}

/** The aggregate a table holding exactly these rows reports. */
export function aggregateOf(rows: readonly NewRow[]): { count: number; ages: number; scores: number; nameChars: number } {
  let ages = 0;
  let scores = 0;
  let nameChars = 0;
  for (const r of rows) {
    ages += r.age;
    scores += r.score;
    nameChars += r.name.length;
  }
  return { count: rows.length, ages, scores, nameChars };
}

/** Rows 1..n of a filled table, for admin fills. */
export function filledRows(n: number): ReturnType<typeof rowAt>[] {
  return Array.from({ length: n }, (_, k) => rowAt(k + 1));
}
