/**
 * PostgreSQL driver benchmark: pg (node-postgres) against postgres (postgres.js).
 *
 *   cd /work/main && npm exec -- tsx bench/drivers.ts
 *
 * Both drivers run in the same process, each with a pool of 10 connections and SSL off,
 * against fresh tables named bench_drivers_* that are dropped at the end.
 * Every measurement: warm-up, then a calibration run that fixes the operation count
 * (about BENCH_TARGET_MS of work), then BENCH_REPS timed repetitions, interleaved between
 * the variants of a workload (order rotated each repetition) so that machine noise hits all of
 * them alike. Each repetition opens a fresh pg pool / postgres.js client and warms it untimed
 * (see openDrivers for why); a final "sustained" section instead keeps one client for
 * 8 x 20,000 reads at concurrency 32 to show whether throughput holds over time. Reported: median ops/s (rows/s for bulk), min-max, and the ratio to the fastest
 * variant of the workload. Every operation's result is checked (rows returned, row counts and
 * sums after a repetition): a wrong result fails the run instead of producing a figure.
 *
 * Environment (all optional):
 *   BENCH_PG_URL     connection string, default postgres://postgres@127.0.0.1:5432/test
 *   BENCH_REPS       repetitions per measurement, default 5
 *   BENCH_TARGET_MS  approximate duration of one repetition, default 1200
 *   BENCH_ONLY       run only the workloads whose title contains this text (e.g. "bulk", "sustained")
 *   BENCH_SUSTAINED_BATCHES  batches of 20,000 reads in the sustained-load section, default 8
 *
 * pg's COPY FROM STDIN needs pg-copy-streams, which is not a dependency of this project:
 * `npm install --no-save pg-copy-streams` to measure it (or install it anywhere and set
 * BENCH_PG_COPY_STREAMS=/abs/path/node_modules/pg-copy-streams/index.js); without it that
 * variant is skipped (and says so in the table).
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import postgres from 'postgres';

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPS = Math.max(1, Number(process.env['BENCH_REPS'] ?? 5));
const TARGET_MS = Math.max(100, Number(process.env['BENCH_TARGET_MS'] ?? 1200));
const ONLY = process.env['BENCH_ONLY']; // run only the workloads whose title contains this
const POOL_SIZE = 10;

const T_READ = 'bench_drivers_read';
const T_INS = 'bench_drivers_ins';
const T_BULK = 'bench_drivers_bulk';
const TABLES = [T_READ, T_INS, T_BULK] as const;

const READ_ROWS = 10_000;
const BULK_ROWS = 100_000;
const BULK_CHUNK = 1_000; // rows per multi-row VALUES statement (4,000 parameters)
const BASE_TIME = Date.UTC(2024, 0, 1);

const READ_SQL = `select id, name, age, created from ${T_READ} where id = $1`;
const INS_SQL = `insert into ${T_INS} (name, age, created) values ($1, $2, $3) returning *`;
const UNNEST_SQL =
  `insert into ${T_BULK} (id, name, age, created) ` +
  `select * from unnest($1::int[], $2::text[], $3::int[], $4::timestamptz[])`;

interface Row {
  id: number;
  name: string;
  age: number;
  created: Date;
}

type Sql = postgres.Sql;

/** The part of pg-copy-streams used here (loaded at run time: it is not a dependency). */
interface CopyStreams {
  from(text: string): Writable & pg.Submittable;
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** A pg pool and a postgres.js client, opened fresh for every repetition (see openDrivers). */
interface Drivers {
  pool: pg.Pool;
  sql: Sql;
}

interface Variant {
  driver: 'pg' | 'postgres.js';
  name: string;
  /** Set when the variant cannot run here; it is then reported, not measured. */
  skip?: string;
  /** Before every run, not timed (e.g. truncate). */
  setup?: () => Promise<void>;
  /** The timed part: n operations (or n rows for bulk). */
  run: (n: number, d: Drivers) => Promise<void>;
  /** After every run, not timed: must throw on a wrong result. */
  verify?: (n: number) => Promise<void>;
}

interface Measured {
  workload: string;
  unit: string;
  driver: string;
  variant: string;
  n: number;
  samples: number[];
  skip?: string;
}

interface WorkloadSpec {
  title: string;
  unit: string;
  /** Operations for the warm-up and calibration runs. */
  warmup: number;
  /** Operations run untimed on each repetition's fresh pool before the timed part. */
  repWarmup: number;
  /** Fixed operation count (bulk); otherwise calibrated to TARGET_MS. */
  fixedN?: number;
  variants: Variant[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/**
 * Each repetition gets a fresh pg pool and a fresh postgres.js client. Reason: postgres.js 3.4.9's
 * internal connection queues (src/queue.js) never compact while they are non-empty, and every
 * query does a linear `indexOf` over them, so one client that has run some 10^5 queries with
 * more queries in flight than connections gets steadily slower (see the "sustained" section).
 * Reusing one client across all variants would charge that to whichever variant runs last.
 */
function openDrivers(pjsExtra: Record<string, unknown> = {}): Drivers {
  return {
    pool: new pg.Pool({ connectionString: PG_URL, max: POOL_SIZE, ssl: false }),
    // pjsExtra: options that postgres.js accepts but does not declare in its types (max_pipeline)
    sql: postgres(PG_URL, { max: POOL_SIZE, ssl: false, onnotice: () => {}, ...pjsExtra }),
  };
}

async function closeDrivers(d: Drivers): Promise<void> {
  await Promise.all([d.pool.end(), d.sql.end({ timeout: 5 })]);
}

/** Fresh drivers, `warm` untimed operations, then n timed ones; returns the timed milliseconds. */
async function timed(v: Variant, n: number, warm: number): Promise<number> {
  const d = openDrivers();
  try {
    if (warm > 0) {
      await v.setup?.();
      await v.run(warm, d);
    }
    await v.setup?.();
    const t0 = performance.now();
    await v.run(n, d);
    const ms = performance.now() - t0;
    await v.verify?.(n);
    return ms;
  } finally {
    await closeDrivers(d);
  }
}

async function runWorkload(spec: WorkloadSpec): Promise<Measured[]> {
  if (ONLY && !spec.title.includes(ONLY)) return [];
  console.log(`\n## ${spec.title}`);
  const live = spec.variants.filter((v) => !v.skip);
  const counts = new Map<Variant, number>();
  for (const v of live) {
    await timed(v, spec.warmup, 0); // warm-up: JIT, server caches
    const ms = await timed(v, spec.warmup, spec.repWarmup); // calibration
    const n =
      spec.fixedN ?? Math.max(spec.warmup, Math.round(((spec.warmup / ms) * TARGET_MS) / 100) * 100);
    counts.set(v, n);
    console.log(`  ${v.driver} ${v.name}: warm, n=${n}`);
  }
  const samples = new Map<Variant, number[]>(live.map((v) => [v, []]));
  for (let rep = 0; rep < REPS; rep++) {
    const line: string[] = [];
    for (let k = 0; k < live.length; k++) {
      const v = live[(k + rep) % live.length]!;
      const n = counts.get(v)!;
      const ms = await timed(v, n, spec.repWarmup);
      const rate = (n / ms) * 1000;
      samples.get(v)!.push(rate);
      line.push(`${v.driver} ${v.name}=${fmt(rate)}`);
    }
    console.log(`  rep ${rep + 1}: ${line.join(' | ')}`);
  }
  return spec.variants.map((v) => ({
    workload: spec.title,
    unit: spec.unit,
    driver: v.driver,
    variant: v.name,
    n: counts.get(v) ?? 0,
    samples: samples.get(v) ?? [],
    ...(v.skip ? { skip: v.skip } : {}),
  }));
}

/** n operations, `concurrency` at a time; stops early once one has failed. */
async function concurrently(n: number, concurrency: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed) {
      const i = next++;
      if (i >= n) return;
      try {
        await op(i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

function fail(msg: string): never {
  throw new Error(`WRONG RESULT: ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// Data and checks

/** A permutation of 1..READ_ROWS, so that reads spread over the table. */
const readId = (i: number): number => ((i * 7919) % READ_ROWS) + 1;

function checkRead(rows: readonly Row[], id: number): void {
  const row = rows[0];
  if (rows.length !== 1 || !row) fail(`read id ${id}: ${rows.length} rows`);
  if (row.id !== id || row.name !== `name-${id}` || !(row.created instanceof Date)) {
    fail(`read id ${id}: got ${JSON.stringify(row)}`);
  }
}

function insertValues(i: number): [string, number, Date] {
  return [`ins-${i}`, 18 + (i % 60), new Date(BASE_TIME + i * 1000)];
}

function checkInserted(rows: readonly Row[], name: string): void {
  const row = rows[0];
  if (rows.length !== 1 || !row) fail(`insert ${name}: ${rows.length} rows returned`);
  if (row.name !== name || typeof row.id !== 'number' || !(row.created instanceof Date)) {
    fail(`insert ${name}: returned ${JSON.stringify(row)}`);
  }
}

/** Names with characters that need escaping in array literals and COPY text, every 1000th row. */
const bulkName = (i: number): string =>
  i % 1000 === 0 ? `odd\t"q" back\\slash {b},c\nnl ${i}` : `bulk-${i}`;

const bulkRows: Row[] = Array.from({ length: BULK_ROWS }, (_, k) => {
  const id = k + 1;
  return { id, name: bulkName(id), age: id % 90, created: new Date(BASE_TIME + id * 60_000) };
});

function valuesSql(rows: number): string {
  const parts: string[] = [];
  for (let r = 0; r < rows; r++) {
    const b = r * 4;
    parts.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4})`);
  }
  return `insert into ${T_BULK} (id, name, age, created) values ${parts.join(', ')}`;
}

function flatten(rows: readonly Row[]): (number | string | Date)[] {
  const out: (number | string | Date)[] = new Array(rows.length * 4);
  let j = 0;
  for (const r of rows) {
    out[j++] = r.id;
    out[j++] = r.name;
    out[j++] = r.age;
    out[j++] = r.created;
  }
  return out;
}

function columns(rows: readonly Row[]): { ids: number[]; names: string[]; ages: number[]; dates: Date[] } {
  return {
    ids: rows.map((r) => r.id),
    names: rows.map((r) => r.name),
    ages: rows.map((r) => r.age),
    dates: rows.map((r) => r.created),
  };
}

const copyEscape = (s: string): string =>
  /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;

/** COPY text format, about 1000 rows per chunk. */
function* copyText(rows: readonly Row[]): Generator<string> {
  for (let k = 0; k < rows.length; k += 1000) {
    let s = '';
    const end = Math.min(rows.length, k + 1000);
    for (let j = k; j < end; j++) {
      const r = rows[j]!;
      s += `${r.id}\t${copyEscape(r.name)}\t${r.age}\t${r.created.toISOString()}\n`;
    }
    yield s;
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL, ssl: false });
  await admin.connect();

  // pg-copy-streams is not a dependency: resolved at run time only, from node_modules or from
  // BENCH_PG_COPY_STREAMS (a path to an installed copy; it does not import pg itself).
  let copyStreams: CopyStreams | undefined;
  let copyStreamsFrom = '';
  for (const spec of [process.env['BENCH_PG_COPY_STREAMS'], 'pg-copy-streams']) {
    if (!spec) continue;
    try {
      const mod = (await import(spec)) as CopyStreams & { default?: CopyStreams };
      copyStreams = typeof mod.from === 'function' ? mod : mod.default;
      copyStreamsFrom = spec;
      break;
    } catch {
      // try the next one
    }
  }

  const count = async (table: string): Promise<number> =>
    (await admin.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]?.n ?? -1;

  const results: Measured[] = [];
  try {
    const pgVersion = (await admin.query<{ server_version: string }>('show server_version')).rows[0]?.server_version;
    console.log(
      `# tablekit driver benchmark\nnode ${process.version}, pg ${await pkgVersion('pg')}, postgres.js ${await pkgVersion('postgres')}, ` +
        `pg-copy-streams ${copyStreams ? `from ${copyStreamsFrom}` : 'not installed'}, PostgreSQL ${pgVersion}\n` +
        `pool ${POOL_SIZE}, ssl off, ${REPS} reps of ~${TARGET_MS} ms, ${new Date().toISOString()}`,
    );

    for (const t of TABLES) await admin.query(`drop table if exists ${t}`);
    await admin.query(
      `create table ${T_READ} (id int primary key, name text not null, age int not null, created timestamptz not null)`,
    );
    await admin.query(
      `insert into ${T_READ} select g, 'name-' || g, 18 + g % 60, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' ` +
        `from generate_series(1, ${READ_ROWS}) g`,
    );
    await admin.query(`analyze ${T_READ}`);
    await admin.query(
      `create table ${T_INS} (id int generated always as identity primary key, name text not null, age int not null, created timestamptz not null)`,
    );
    await admin.query(
      `create table ${T_BULK} (id int primary key, name text not null, age int not null, created timestamptz not null)`,
    );
    if ((await count(T_READ)) !== READ_ROWS) fail(`${T_READ} not filled`);

    // 1. Point read by primary key.
    for (const c of [1, 32]) {
      const variants: Variant[] = [
        {
          driver: 'pg',
          name: 'pool.query({name,text,values}) named prepared',
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const id = readId(i);
              const r = await d.pool.query<Row>({ name: 'bench_drivers_read', text: READ_SQL, values: [id] });
              checkRead(r.rows, id);
            }),
        },
        {
          driver: 'pg',
          name: 'pool.query(text, values) unnamed',
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const id = readId(i);
              const r = await d.pool.query<Row>(READ_SQL, [id]);
              checkRead(r.rows, id);
            }),
        },
        {
          driver: 'postgres.js',
          name: 'sql`...${id}` tagged',
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const id = readId(i);
              const rows = await d.sql<Row[]>`select id, name, age, created from bench_drivers_read where id = ${id}`;
              checkRead(rows, id);
            }),
        },
        {
          driver: 'postgres.js',
          name: 'sql.unsafe(text, [id], {prepare:true})',
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const id = readId(i);
              const rows = await d.sql.unsafe<Row[]>(READ_SQL, [id], { prepare: true });
              checkRead(rows, id);
            }),
        },
        {
          driver: 'postgres.js',
          name: 'sql.unsafe(text, [id]) default (prepare:false)',
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const id = readId(i);
              const rows = await d.sql.unsafe<Row[]>(READ_SQL, [id]);
              checkRead(rows, id);
            }),
        },
      ];
      results.push(
        ...(await runWorkload({
          title: `point read by primary key, concurrency ${c}`,
          unit: 'reads/s',
          warmup: c === 1 ? 1000 : 3000,
          repWarmup: c === 1 ? 300 : 2000,
          variants,
        })),
      );
    }

    // 2. Single-row insert ... returning *.
    for (const c of [1, 32]) {
      const setup = async (): Promise<void> => {
        await admin.query(`truncate ${T_INS} restart identity`);
      };
      const verify = async (n: number): Promise<void> => {
        const got = await count(T_INS);
        if (got !== n) fail(`${T_INS}: ${got} rows after ${n} inserts`);
      };
      const variants: Variant[] = [
        {
          driver: 'pg',
          name: 'pool.query({name,text,values}) named prepared',
          setup,
          verify,
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const v = insertValues(i);
              const r = await d.pool.query<Row>({ name: 'bench_drivers_ins', text: INS_SQL, values: v });
              checkInserted(r.rows, v[0]);
            }),
        },
        {
          driver: 'pg',
          name: 'pool.query(text, values) unnamed',
          setup,
          verify,
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const v = insertValues(i);
              const r = await d.pool.query<Row>(INS_SQL, v);
              checkInserted(r.rows, v[0]);
            }),
        },
        {
          driver: 'postgres.js',
          name: 'sql`insert ... returning *` tagged',
          setup,
          verify,
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const [name, age, created] = insertValues(i);
              const rows = await d.sql<Row[]>`insert into bench_drivers_ins (name, age, created) values (${name}, ${age}, ${created}) returning *`;
              checkInserted(rows, name);
            }),
        },
        {
          driver: 'postgres.js',
          name: 'sql.unsafe(text, values, {prepare:true})',
          setup,
          verify,
          run: (n, d) =>
            concurrently(n, c, async (i) => {
              const v = insertValues(i);
              const rows = await d.sql.unsafe<Row[]>(INS_SQL, v, { prepare: true });
              checkInserted(rows, v[0]);
            }),
        },
      ];
      results.push(
        ...(await runWorkload({
          title: `single-row insert returning *, concurrency ${c}`,
          unit: 'inserts/s',
          warmup: c === 1 ? 300 : 1500,
          repWarmup: c === 1 ? 100 : 500,
          variants,
        })),
      );
    }

    // 3. Bulk insert, 100,000 rows, one transaction on one connection per run.
    {
      const setup = async (): Promise<void> => {
        await admin.query(`truncate ${T_BULK}`);
      };
      const verify = async (n: number): Promise<void> => {
        const rows = bulkRows.slice(0, n);
        const expIds = rows.reduce((s, r) => s + r.id, 0);
        const expAges = rows.reduce((s, r) => s + r.age, 0);
        const oddPrefix = bulkName(1000).slice(0, -' 1000'.length);
        const agg = (
          await admin.query<{ n: number; ids: string; ages: string; odd: number }>(
            `select count(*)::int as n, sum(id)::text as ids, sum(age)::text as ages, ` +
              `count(*) filter (where starts_with(name, $1))::int as odd from ${T_BULK}`,
            [oddPrefix],
          )
        ).rows[0];
        if (!agg || agg.n !== n || agg.ids !== String(expIds) || agg.ages !== String(expAges)) {
          fail(`${T_BULK}: expected ${n} rows, sum(id) ${expIds}, sum(age) ${expAges}; got ${JSON.stringify(agg)}`);
        }
        const expOdd = rows.filter((r) => r.id % 1000 === 0).length;
        if (agg.odd !== expOdd) fail(`${T_BULK}: ${agg.odd} escaped names intact, expected ${expOdd}`);
        for (const probe of [1000, 4321, n]) {
          const want = bulkRows[probe - 1];
          if (!want || probe > n) continue;
          const got = (await admin.query<Row>(`select * from ${T_BULK} where id = $1`, [probe])).rows[0];
          if (!got || got.name !== want.name || got.age !== want.age || got.created.getTime() !== want.created.getTime()) {
            fail(`${T_BULK} row ${probe}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
          }
        }
      };
      const pgTx = async (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<void> => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          await fn(client);
          await client.query('commit');
        } catch (e) {
          await client.query('rollback').catch(() => {});
          throw e;
        } finally {
          client.release();
        }
      };
      const chunks = (n: number): Row[][] => {
        const out: Row[][] = [];
        for (let k = 0; k < n; k += BULK_CHUNK) out.push(bulkRows.slice(k, Math.min(n, k + BULK_CHUNK)));
        return out;
      };
      const copySql = `copy ${T_BULK} (id, name, age, created) from stdin`;
      const variants: Variant[] = [
        {
          driver: 'pg',
          name: `multi-row VALUES x${BULK_CHUNK}, named prepared`,
          setup,
          verify,
          run: (n, d) =>
            pgTx(d.pool, async (client) => {
              for (const chunk of chunks(n)) {
                await client.query({ name: `bench_drivers_bulk_${chunk.length}`, text: valuesSql(chunk.length), values: flatten(chunk) });
              }
            }),
        },
        {
          driver: 'pg',
          name: 'insert ... select * from unnest($1::int[], ...) (JS arrays)',
          setup,
          verify,
          run: (n, d) =>
            pgTx(d.pool, async (client) => {
              const c = columns(bulkRows.slice(0, n));
              await client.query(UNNEST_SQL, [c.ids, c.names, c.ages, c.dates]);
            }),
        },
        {
          driver: 'pg',
          name: 'COPY FROM STDIN (pg-copy-streams)',
          setup,
          verify,
          ...(copyStreams ? {} : { skip: 'pg-copy-streams not installed' }),
          run: (n, d) =>
            pgTx(d.pool, async (client) => {
              if (!copyStreams) throw new Error('pg-copy-streams not installed');
              const stream = client.query(copyStreams.from(copySql));
              await pipeline(Readable.from(copyText(bulkRows.slice(0, n))), stream);
            }),
        },
        {
          driver: 'postgres.js',
          name: `multi-row VALUES x${BULK_CHUNK}, sql\`insert ... \${sql(rows, cols)}\``,
          setup,
          verify,
          run: async (n, d) => {
            await d.sql.begin(async (tx) => {
              for (const chunk of chunks(n)) {
                await tx`insert into ${tx(T_BULK)} ${tx(chunk, 'id', 'name', 'age', 'created')}`;
              }
            });
          },
        },
        {
          driver: 'postgres.js',
          name: `multi-row VALUES x${BULK_CHUNK}, sql.unsafe(text, flat, {prepare:true})`,
          setup,
          verify,
          run: async (n, d) => {
            await d.sql.begin(async (tx) => {
              for (const chunk of chunks(n)) {
                await tx.unsafe(valuesSql(chunk.length), flatten(chunk), { prepare: true });
              }
            });
          },
        },
        {
          driver: 'postgres.js',
          name: 'unnest via sql.unsafe(text, [sql.array(ids, 23), ...], {prepare:true})',
          setup,
          verify,
          run: async (n, d) => {
            await d.sql.begin(async (tx) => {
              const c = columns(bulkRows.slice(0, n));
              await tx.unsafe(
                UNNEST_SQL,
                [tx.array(c.ids, 23), tx.array(c.names, 25), tx.array(c.ages, 23), tx.array(c.dates, 1184)],
                { prepare: true },
              );
            });
          },
        },
        {
          driver: 'postgres.js',
          name: 'COPY FROM STDIN, sql`copy ...`.writable()',
          setup,
          verify,
          run: async (n, d) => {
            await d.sql.begin(async (tx) => {
              const w = await tx`copy ${tx(T_BULK)} (id, name, age, created) from stdin`.writable();
              await pipeline(Readable.from(copyText(bulkRows.slice(0, n))), w);
            });
          },
        },
      ];
      results.push(
        ...(await runWorkload({
          title: `bulk insert of ${fmt(BULK_ROWS)} rows (4 columns, one transaction)`,
          unit: 'rows/s',
          warmup: 20_000,
          repWarmup: 2_000,
          fixedN: BULK_ROWS,
          variants,
        })),
      );
    }

    printTable(results);

    // 4. Sustained load on ONE client: read by key at concurrency 32 (> pool size), in batches.
    if (!ONLY || 'sustained'.includes(ONLY)) await sustained();
  } finally {
    for (const t of TABLES) await admin.query(`drop table if exists ${t}`).catch(() => {});
    await admin.end();
  }
}

const SUSTAINED_BATCHES = Math.max(2, Number(process.env['BENCH_SUSTAINED_BATCHES'] ?? 8));
const SUSTAINED_BATCH = 20_000;

/**
 * One pg pool and one postgres.js client each run SUSTAINED_BATCHES x 20,000 reads by key at
 * concurrency 32 without being re-created: shows whether throughput holds over time.
 */
async function sustained(): Promise<void> {
  console.log(`\n## Sustained: ${SUSTAINED_BATCHES} x ${fmt(SUSTAINED_BATCH)} reads by key at concurrency 32 on one client (reads/s per batch)\n`);
  const cases: {
    driver: string;
    name: string;
    pjsExtra?: Record<string, unknown>;
    op: (d: Drivers, id: number) => Promise<readonly Row[]>;
  }[] = [
    {
      driver: 'pg',
      name: 'pool.query named prepared',
      op: async (d, id) => (await d.pool.query<Row>({ name: 'bench_drivers_read', text: READ_SQL, values: [id] })).rows,
    },
    {
      driver: 'postgres.js',
      name: 'sql`...` tagged',
      op: (d, id) => d.sql<Row[]>`select id, name, age, created from bench_drivers_read where id = ${id}`,
    },
    {
      driver: 'postgres.js',
      name: 'sql.unsafe {prepare:true}',
      op: (d, id) => d.sql.unsafe<Row[]>(READ_SQL, [id], { prepare: true }),
    },
    {
      driver: 'postgres.js',
      name: 'sql.unsafe {prepare:true}, client option max_pipeline: 1',
      pjsExtra: { max_pipeline: 1 },
      op: (d, id) => d.sql.unsafe<Row[]>(READ_SQL, [id], { prepare: true }),
    },
  ];
  console.log(`| driver | variant | ${Array.from({ length: SUSTAINED_BATCHES }, (_, i) => `batch ${i + 1}`).join(' | ')} | last / first |`);
  console.log(`|---|---|${'---:|'.repeat(SUSTAINED_BATCHES + 1)}`);
  for (const c of cases) {
    const d = openDrivers(c.pjsExtra);
    try {
      // untimed warm-up: open the connections, prepare, JIT
      await concurrently(10_000, 32, async (i) => {
        checkRead(await c.op(d, readId(i)), readId(i));
      });
      const rates: number[] = [];
      for (let b = 0; b < SUSTAINED_BATCHES; b++) {
        const t0 = performance.now();
        await concurrently(SUSTAINED_BATCH, 32, async (i) => {
          const id = readId(i + b * SUSTAINED_BATCH);
          checkRead(await c.op(d, id), id);
        });
        rates.push((SUSTAINED_BATCH / (performance.now() - t0)) * 1000);
      }
      const first = rates[0]!;
      const last = rates[rates.length - 1]!;
      console.log(`| ${c.driver} | ${c.name} | ${rates.map(fmt).join(' | ')} | ${(last / first).toFixed(2)} |`);
    } finally {
      await closeDrivers(d);
    }
  }
}

/** Version from node_modules/NAME/package.json (not every package exports its package.json). */
async function pkgVersion(name: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(await readFile(new URL(`node_modules/${name}/package.json`, dir), 'utf8')) as { version?: string };
      return pkg.version ?? '?';
    } catch {
      if (dir.pathname === '/') return '?';
    }
  }
}

function printTable(results: Measured[]): void {
  console.log('\n## Results (median of', REPS, 'repetitions; ratio = median / fastest median of the workload)\n');
  console.log('| workload | driver | variant | n per rep | median | min–max | spread | ratio | time vs fastest |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|');
  const workloads = [...new Set(results.map((r) => r.workload))];
  for (const w of workloads) {
    const rows = results.filter((r) => r.workload === w);
    const best = Math.max(...rows.filter((r) => !r.skip).map((r) => median(r.samples)));
    for (const r of rows) {
      if (r.skip) {
        console.log(`| ${w} | ${r.driver} | ${r.variant} | – | skipped: ${r.skip} | – | – | – | – |`);
        continue;
      }
      const med = median(r.samples);
      const lo = Math.min(...r.samples);
      const hi = Math.max(...r.samples);
      console.log(
        `| ${w} | ${r.driver} | ${r.variant.replace(/\|/g, '\\|')} | ${fmt(r.n)} | ${fmt(med)} ${r.unit} | ${fmt(lo)}–${fmt(hi)} | ` +
          `±${(((hi - lo) / 2 / med) * 100).toFixed(1)}% | ${(med / best).toFixed(2)} | ${(best / med).toFixed(2)} |`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
