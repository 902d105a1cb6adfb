/**
 * Sequences behind generated columns (identity, SERIAL) where the dialect has them
 * (`SqlDialect.sequences`: PostgreSQL/CockroachDB, in their own SQL): which columns a table has
 * (cached per Database and table), and the statement that moves them past values a write gave
 * explicitly. SQLite needs none of this: its rowid continues above the largest id.
 *
 * @module
 */
import type { Row } from "../backends/contract.js";
import { tableName } from "../crud/statements.js";
import { quoteIdentifier } from "../sql/identifiers.js";
import type { SchemaAccess } from "./schema-access.js";

/**
 * Per Database (schema owner) and table: the columns whose values a sequence generates (identity
 * and SERIAL columns) on PostgreSQL/CockroachDB, column → `pg_get_serial_sequence` name.
 */
const SEQUENCE_COLUMNS = new WeakMap<object, Map<string, ReadonlyMap<string, string>>>();
const NO_SEQUENCES: ReadonlyMap<string, string> = new Map();
const SEQUENCE_NAME = /^(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?$/;

/** Whether a value written to a sequence-generated column is an explicit id (≥ 1; a sequence starting at 1 never reaches below). */
export function isExplicitId(value: unknown): boolean {
  return value !== undefined && value !== null && Number(value) >= 1;
}

/** Whether a record holds a value that can be an explicit generated id (an integer ≥ 1): only such writes read the table's sequences. */
function hasPositiveInteger(record: Row): boolean {
  for (const key in record) {
    const value = record[key];
    if ((typeof value === "number" && Number.isInteger(value) && value >= 1) || (typeof value === "bigint" && value >= 1n)) return true;
    if (typeof value === "string" && /^\+?0*[1-9]\d*$/.test(value)) return true;
  }
  return false;
}

/**
 * The sequence-generated columns of a PostgreSQL/CockroachDB table (column → sequence), read once
 * per Database and table (one catalog query) and kept until {@link forgetSequences}
 * (createTable/dropTable of that table through this Database, or a failed sequence update).
 */
async function sequenceColumnsOf(access: SchemaAccess, table: string): Promise<ReadonlyMap<string, string>> {
  let byTable = SEQUENCE_COLUMNS.get(access.owner);
  if (byTable === undefined) SEQUENCE_COLUMNS.set(access.owner, (byTable = new Map()));
  const cached = byTable.get(table);
  if (cached !== undefined) return cached;
  const sequences = access.dialect.sequences;
  if (sequences === undefined) return NO_SEQUENCES;
  const rows = await access.run(sequences.columnsSql, [tableName(table)]);
  const columns = new Map<string, string>();
  for (const row of rows.rows) {
    const seq = row["seq"];
    if (typeof seq === "string" && SEQUENCE_NAME.test(seq)) columns.set(String(row["name"]), seq);
  }
  if (rows.rows.length > 0) {
    if (byTable.size >= 1000) byTable.clear();
    byTable.set(table, columns);
  }
  return columns;
}

/** Forgets what {@link sequenceColumnsOf} read for `table` of the Database `owner`. */
export function forgetSequences(owner: object, table: string): void {
  SEQUENCE_COLUMNS.get(owner)?.delete(table);
}

/**
 * The statement that moves the sequences of `records`' explicitly written generated columns past
 * the largest value in the table, or undefined when the records write none (or only values below
 * 1, which a sequence starting at 1 never reaches), or the dialect's keys follow explicit values
 * by themselves (SQLite). PostgreSQL sequences do not see explicit values, so without this the
 * next generated id would collide with a row written with an explicit one.
 */
export async function sequenceAdvance(access: SchemaAccess, table: string, records: readonly Row[]): Promise<string | undefined> {
  if (access.dialect.keysFollowExplicitValues || !records.some(hasPositiveInteger)) return undefined;
  const sequences = await sequenceColumnsOf(access, table);
  if (sequences.size === 0) return undefined;
  const parts: string[] = [];
  for (const [column, sequence] of sequences) {
    let explicit = false;
    for (const record of records) {
      const value = record[column];
      if (isExplicitId(value)) {
        explicit = true;
        break;
      }
    }
    if (!explicit) continue;
    parts.push(access.dialect.sequences!.advanceExpression(tableName(table), quoteIdentifier(column), sequence));
  }
  return parts.length === 0 ? undefined : `SELECT ${parts.join(", ")}`;
}

/** Whether `records` write explicit values (≥ 1) into a sequence-generated column and leave it out (generated) in others. */
export async function mixesGenerated(access: SchemaAccess, table: string, records: readonly Row[]): Promise<boolean> {
  const sequences = await sequenceColumnsOf(access, table);
  for (const column of sequences.keys()) {
    let explicit = false;
    let generated = false;
    for (const record of records) {
      const value = record[column];
      if (value === undefined) generated = true;
      else if (isExplicitId(value)) explicit = true;
      if (explicit && generated) return true;
    }
  }
  return false;
}
