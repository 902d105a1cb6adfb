/**
 * The rows every contender reads and writes, the operations a contender implements on a table,
 * and the checks applied to their results.
 *
 * Table shape on both backends: `id` integer primary key (generated when not given), `name`,
 * `email` (text), `age` (18..80) and `score` (integer, unique up to 1,000,002 rows). No index
 * besides the primary key, so the list workload scans and sorts, like most ad-hoc listings.
 *
 * @module
 */
import { check } from "./measure.js";

/** A stored row. */
export interface BenchRow {
  id: number;
  name: string;
  email: string;
  age: number;
  score: number;
}

/** A row to insert (the database assigns the id). */
export type NewRow = Omit<BenchRow, "id">;

/** One row of a key update. */
export interface AgeUpdate {
  id: number;
  age: number;
}

/**
 * What a contender does on one table. Each method is one idiomatic call of the contender's API;
 * an absent method means the contender is not measured on that workload.
 */
export interface RowOps {
  /** Inserts one row and returns it as stored (with its id). */
  insert?(row: NewRow): Promise<BenchRow | undefined>;
  /** The row with this primary key. */
  read?(id: number): Promise<BenchRow | undefined>;
  /** Sets `age` on the row with this key; returns the number of rows changed. */
  update?(id: number, age: number): Promise<number>;
  /** `age >= minAge`, ordered by score descending, at most 50 rows. */
  list?(minAge: number): Promise<BenchRow[]>;
  /** Inserts all rows in one transaction (the best bulk path the contender offers). */
  batchInsert?(rows: readonly NewRow[]): Promise<void>;
  /** Applies all updates in one transaction. */
  batchUpdate?(updates: readonly AgeUpdate[]): Promise<void>;
  close(): Promise<void>;
}

export const LIST_LIMIT = 50;
const SCORE_MOD = 1_000_003; // prime: i * 7919 mod it is distinct for 1 <= i < SCORE_MOD

/** Row number `i` (1-based) of every generated table. */
export function rowAt(i: number): BenchRow {
  return {
    id: i,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    age: 18 + ((i * 7919) % 63),
    score: (i * 7919) % SCORE_MOD,
  };
}

/** The i-th row of an insert workload (no id; names tell inserts apart). */
export function newRowAt(i: number): NewRow {
  const { name, email, age, score } = rowAt(i + 1);
  return { name: `new ${name}`, email, age, score };
}

/** Rows 1..n as inserted by the bulk workload (ids left to the database). */
export function bulkRows(n: number): NewRow[] {
  return Array.from({ length: n }, (_, k) => {
    const { name, email, age, score } = rowAt(k + 1);
    // every 1000th name carries characters that bulk paths must escape (COPY: tab, newline, backslash)
    return { name: (k + 1) % 1000 === 0 ? `${name}\t"q'\\\n` : name, email, age, score };
  });
}

/** The key read by operation `i` of a read or update workload on a table of `rows` rows. */
export function keyAt(i: number, rows: number): number {
  return ((i * 7_001) % rows) + 1;
}

/** The filter of list operation `i`. */
export function minAgeAt(i: number): number {
  return 30 + (i % 40);
}

/** Expected ids of every list filter on a table of rows 1..n, computed in JavaScript. */
export function expectedLists(n: number): Map<number, number[]> {
  const rows = Array.from({ length: n }, (_, k) => rowAt(k + 1)).sort((a, b) => b.score - a.score);
  const out = new Map<number, number[]>();
  for (let i = 0; i < 40; i++) {
    const minAge = minAgeAt(i);
    const ids: number[] = [];
    for (const r of rows) {
      if (r.age >= minAge) ids.push(r.id);
      if (ids.length === LIST_LIMIT) break;
    }
    out.set(minAge, ids);
  }
  return out;
}

/** Checks a row read by key. */
export function checkRead(row: BenchRow | undefined, id: number, who: string): void {
  check(row !== undefined && Number(row.id) === id && row.name === `user ${id}`, () => `${who}: read(${id}) returned ${JSON.stringify(row)}`);
}

/** Checks an inserted row. */
export function checkInserted(row: BenchRow | undefined, sent: NewRow, who: string): void {
  check(
    row !== undefined && Number.isInteger(Number(row.id)) && row.name === sent.name && Number(row.age) === sent.age,
    () => `${who}: insert returned ${JSON.stringify(row)} for ${JSON.stringify(sent)}`,
  );
}

/** Checks a list result against the expected ids. */
export function checkList(rows: readonly BenchRow[], minAge: number, expected: Map<number, number[]>, who: string): void {
  const want = expected.get(minAge)!;
  let ok = rows.length === want.length;
  for (let k = 0; ok && k < want.length; k++) ok = Number(rows[k]!.id) === want[k];
  check(ok, () => `${who}: list(${minAge}) returned ids ${rows.map((r) => r.id).join(",")}, expected ${want.join(",")}`);
}
