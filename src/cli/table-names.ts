/**
 * Table and column names as people have them. tablekit's library takes only plain identifiers
 * (src/sql/identifiers.ts); the command also reads tables whose names are not (`"First Table"`,
 * made with raw SQL), and keeps the names a file had when `import` had to change them:
 *
 * - {@link normalizeName}: the plain identifier a header (or a table name) becomes on import,
 *   `First Name` → `first_name`;
 * - the table {@link NAMES_TABLE} records, for each table `import --create` made, the original
 *   name of the table and of every renamed column, so `export` writes the file's own headers back
 *   (reversible), and `export "Mailing List"` finds the table `mailing_list`;
 * - {@link findTable} resolves a name given on the command line to an existing table — the name
 *   exactly as the database has it (any name), else one recorded by `import` — and is the only
 *   validation a non-plain name needs: it is quoted with {@link quoteIdentifier} only once it is
 *   known to be the name of an existing table.
 *
 * @module
 */
import type { Database } from "../database.js";
import type { Row } from "../backends/contract.js";
import { type ColumnInfo, type Queryable, dialectOf } from "../queryable.js";
import { isIdentifier, quoteIdentifier } from "../sql/identifiers.js";
import { CliError } from "./cli-io.js";

/** The table in which `import` records the original names of what it renamed. */
export const NAMES_TABLE = "tablekit_names";

/** The `column_name` of the row that records a table's own original name. */
const TABLE_ITSELF = "";

/**
 * The column (or table) name a file's header, a JSON key or a table name given to `import` becomes
 * when it is not a plain identifier: accents dropped, lower case, every run of other characters
 * `_`, no leading or trailing `_`, `_` before a leading digit, at most 63 characters —
 * `First Name` → `first_name`, `e-mail` → `e_mail`, `Größe (cm)` → `grosse_cm`. A name that
 * already is an identifier is kept as it is (capitals too: `Age` stays `Age`).
 */
export function normalizeName(name: string): string {
  const text: string = name;
  if (isIdentifier(name)) return name;
  let n = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ß/g, "ss")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (n === "") n = "column";
  if (/^\d/.test(n)) n = "_" + n;
  return n.slice(0, 63);
}

/** A table the command works on. */
export interface TableRef {
  /** Its name in the database. */
  name: string;
  /** Whether that name is a plain identifier (the library's helpers take it). */
  plain: boolean;
  /** The name quoted for SQL. */
  quoted: string;
}

function ref(name: string): TableRef {
  return { name, plain: isIdentifier(name), quoted: quoteIdentifier(name) };
}

/** The recorded names of `table`: column name (`""` for the table itself) → original name. */
async function recordedNames(q: Queryable, table: string): Promise<Map<string, string>> {
  if (!(await q.tableExists(NAMES_TABLE))) return new Map();
  const rows = await q.select(NAMES_TABLE, { where: { table_name: table }, columns: ["column_name", "original"] });
  // Only a name that normalises to the column can be its original: a stale record never renames another column.
  return new Map(rows.filter((r) => normalizeName(String(r["original"])) === r["column_name"] || r["column_name"] === TABLE_ITSELF).map((r) => [String(r["column_name"]), String(r["original"])]));
}

/**
 * The existing table `given` names: a table of exactly that name (whatever the characters), else
 * the table `import --create` made for that name (`"Mailing List"` → `mailing_list`); undefined
 * when there is none. Nothing of `given` reaches SQL text: it is compared as a bound value.
 */
export async function findTable(db: Queryable, given: string): Promise<TableRef | undefined> {
  // A plain name as the library finds it (SQLite's catalog ignores case there, as SQLite does).
  if (isIdentifier(given) && (await db.columns(given)).length > 0) return ref(given);
  if (isIdentifier(given)) return undefined;
  if ((await db.listTables()).includes(given)) return ref(given);
  const candidate = normalizeName(given);
  if (!(await db.tableExists(candidate))) return undefined;
  return (await recordedNames(db, candidate)).get(TABLE_ITSELF) === given ? ref(candidate) : undefined;
}

/** {@link findTable}, or a {@link CliError} `table "…" does not exist`. */
export async function requireTable(db: Queryable, given: string): Promise<TableRef> {
  const table = await findTable(db, given);
  if (table === undefined) throw new CliError(`table ${JSON.stringify(given)} does not exist`);
  return table;
}

/** The columns of an existing table, whatever its name (the library's `columns()` takes plain names only). */
export async function tableColumns(db: Database, table: TableRef): Promise<ColumnInfo[]> {
  if (table.plain) return db.columns(table.name);
  const rows = await db.execute<Row>(db[dialectOf]().columnsSql(), [table.name]);
  return rows.map((r) => {
    const primaryKey = r["pk"] === true || Number(r["pk"]) > 0;
    return { name: String(r["name"]), type: String(r["type"] ?? ""), notNull: primaryKey || r["not_null"] === true || Number(r["not_null"]) === 1, primaryKey };
  });
}

/** The original names of `table`'s columns that `import` renamed: column → the file's header. */
export async function originalColumnNames(db: Queryable, table: string): Promise<Map<string, string>> {
  const names = await recordedNames(db, table);
  names.delete(TABLE_ITSELF);
  return names;
}

/**
 * Records, through `q` (the import's transaction), the original names of a table `import --create`
 * just made: `tableName` when the table's name was normalised, and each renamed column. Earlier
 * records of a table of that name are replaced. Nothing is written when nothing was renamed.
 */
export async function recordOriginalNames(q: Queryable, table: string, tableName: string, columns: ReadonlyMap<string, string>): Promise<void> {
  const rows: Row[] = [];
  if (tableName !== table) rows.push({ table_name: table, column_name: TABLE_ITSELF, original: tableName });
  for (const [column, original] of columns) if (original !== column) rows.push({ table_name: table, column_name: column, original });
  const exists = await q.tableExists(NAMES_TABLE);
  if (exists) await q.deleteMany(NAMES_TABLE, { table_name: table });
  if (rows.length === 0) return;
  if (!exists) {
    // Two imports may create it at once (PostgreSQL then refuses one): inside a savepoint, and re-checked.
    try {
      await q.transaction(async (tx) => {
        await tx.createTable(NAMES_TABLE, { table_name: "TEXT NOT NULL", column_name: "TEXT NOT NULL", original: "TEXT NOT NULL" }, { ifNotExists: true });
      });
    } catch (error) {
      if (!(await q.tableExists(NAMES_TABLE))) throw error;
    }
  }
  await q.batchInsert(NAMES_TABLE, rows, { returning: false });
}
