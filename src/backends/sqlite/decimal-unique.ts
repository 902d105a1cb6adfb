/**
 * UNIQUE and PRIMARY KEY constraints over unscaled DECIMAL/NUMERIC columns, by numeric value, for
 * the SQLite tables `createTable` makes (issue 17).
 *
 * SQLite stores such a value as its text in PostgreSQL's output form, scale kept as PostgreSQL
 * keeps it (`"1.0"` and `"1.00"` read back as given), so a plain UNIQUE index compares texts and
 * takes both, where PostgreSQL's NUMERIC equality refuses the second. For each constraint with an
 * unscaled DECIMAL member, `createTable` therefore also creates a unique index in which each such
 * member is the value's text without trailing fraction zeros ({@link decimalValueKeySql}: stored
 * text is canonical, so equal numbers have equal keys), named as PostgreSQL names the constraint
 * (`<table>_<col>_key`, `<table>_pkey`, or the `CONSTRAINT` name; `…_key1`, `…_key2` … when the
 * name is taken by another table, index or view, as PostgreSQL chooses), so a violation is a
 * `UniqueViolationError` with the same `constraint` on both backends. The expression uses SQLite's
 * built-in functions only: the sqlite3 shell and other tools can write the table.
 *
 * The members get the `KEYED` word in their declared type (`NUMERIC KEYED TEXT`), from which an
 * `upsert` naming such a column targets the index by its expression (`ON CONFLICT` must name an
 * index exactly). Scaled DECIMAL(p,s) columns need none of this: values are stored at the scale.
 *
 * @module
 */
import { type Token, classifyType, isSegmentStart, isWord, splitSegments, tokenize } from "../common/column-definition.js";
import { decimalValueKeySql } from "../common/decimal-key.js";
import { postgresConstraintName } from "./unique-constraint-name.js";

/** The parts PostgreSQL builds a constraint's own name from (`makeObjectName(name1, name2, label)`). */
export interface NameParts {
  readonly name1: string;
  readonly name2: string | undefined;
  readonly label: string;
}

/** A UNIQUE or PRIMARY KEY constraint of a table being created: its PostgreSQL name and its columns. */
export interface KeyConstraint {
  readonly name: string;
  /** For a constraint PostgreSQL names itself (no `CONSTRAINT name`): the parts of its name. */
  readonly parts?: NameParts | undefined;
  readonly columns: readonly string[];
  /** A PRIMARY KEY (else a UNIQUE). */
  readonly primaryKey: boolean;
}

/** The type and constraint tokens of a column definition, and what follows a top-level comma (table constraints). */
export function splitDefinition(tokens: readonly Token[]): { head: Token[]; tail: Token[] } {
  const comma = tokens.findIndex((t) => t.kind === "op" && t.text === ",");
  return comma < 0 ? { head: [...tokens], tail: [] } : { head: tokens.slice(0, comma), tail: tokens.slice(comma) };
}

/** Whether a column's own type (the head of its definition) is an unscaled DECIMAL/NUMERIC. */
function isUnscaledDecimal(head: readonly Token[]): boolean {
  let typeEnd = 0;
  while (typeEnd < head.length && !isSegmentStart(head, typeEnd)) typeEnd++;
  const info = classifyType(head.slice(0, typeEnd));
  return info.isDecimal && info.params === "";
}

function identifierName(t: Token | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (t.kind === "word") return t.text;
  if (t.kind === "ident" && t.text.startsWith('"')) return t.text.slice(1, -1).replaceAll('""', '"');
  return undefined;
}

/** The table's column a constraint's column reference names (an unquoted name in any case, a quoted one exactly). */
function resolveColumn(t: Token, names: readonly string[]): string | undefined {
  const name = identifierName(t);
  if (name === undefined) return undefined;
  if (t.kind === "ident") return names.includes(name) ? name : undefined;
  return names.find((n) => n.toLowerCase() === name.toLowerCase());
}

/** Column references in a constraint's parenthesized list, or undefined when one is not a plain column. */
function columnList(group: Token | undefined, names: readonly string[]): string[] | undefined {
  if (group?.kind !== "group") return undefined;
  const out: string[] = [];
  for (const t of group.children ?? []) {
    if (t.kind === "op" && t.text === ",") continue;
    const column = resolveColumn(t, names);
    if (column === undefined) return undefined;
    out.push(column);
  }
  return out.length > 0 ? out : undefined;
}

/** A constraint's name: the one written (`CONSTRAINT name`), else PostgreSQL's own, with its parts. */
function named(written: string | undefined, name1: string, name2: string | undefined, label: string): { name: string; parts?: NameParts } {
  if (written !== undefined) return { name: written };
  return { name: postgresConstraintName(name1, name2, label), parts: { name1, name2, label } };
}

/** Table constraints after top-level commas: `[CONSTRAINT name] UNIQUE (…)` / `PRIMARY KEY (…)`. */
function tableConstraints(table: string, tail: readonly Token[], names: readonly string[]): KeyConstraint[] {
  const out: KeyConstraint[] = [];
  const pieces: Token[][] = [];
  for (const t of tail) {
    if (t.kind === "op" && t.text === ",") pieces.push([]);
    else pieces[pieces.length - 1]?.push(t);
  }
  for (const piece of pieces) {
    let i = 0;
    let name: string | undefined;
    if (isWord(piece[0], "CONSTRAINT")) {
      name = identifierName(piece[1]);
      i = 2;
    }
    if (isWord(piece[i], "UNIQUE")) {
      const columns = columnList(piece[i + 1], names);
      if (columns !== undefined) out.push({ ...named(name, table, columns.join("_"), "key"), columns, primaryKey: false });
    } else if (isWord(piece[i], "PRIMARY") && isWord(piece[i + 1], "KEY")) {
      const columns = columnList(piece[i + 2], names);
      if (columns !== undefined) out.push({ ...named(name, table, undefined, "pkey"), columns, primaryKey: true });
    }
  }
  return out;
}

/** Column constraints: `[CONSTRAINT name] UNIQUE` / `[CONSTRAINT name] PRIMARY KEY` in a column's own definition. */
function columnConstraints(table: string, column: string, head: readonly Token[]): KeyConstraint[] {
  let typeEnd = 0;
  while (typeEnd < head.length && !isSegmentStart(head, typeEnd)) typeEnd++;
  const out: KeyConstraint[] = [];
  let name: string | undefined;
  for (const s of splitSegments(head, typeEnd)) {
    if (s.keyword === "CONSTRAINT") {
      name = identifierName(s.tokens[1]);
      continue;
    }
    if (s.keyword === "UNIQUE") out.push({ ...named(name, table, column, "key"), columns: [column], primaryKey: false });
    else if (s.keyword === "PRIMARY" && isWord(s.tokens[1], "KEY")) out.push({ ...named(name, table, undefined, "pkey"), columns: [column], primaryKey: true });
    name = undefined;
  }
  return out;
}

/**
 * The columns named by a table-level `PRIMARY KEY (…)` written after a comma in a definition:
 * PostgreSQL makes them NOT NULL, SQLite does not (outside WITHOUT ROWID tables), so the SQLite
 * translation adds it.
 */
export function tablePrimaryKeyColumns(table: string, columns: Readonly<Record<string, string>>): ReadonlySet<string> {
  const names = Object.keys(columns);
  const out = new Set<string>();
  for (const column of names) {
    const { tail } = splitDefinition(tokenize(columns[column] as string));
    for (const c of tableConstraints(table, tail, names)) if (c.primaryKey) for (const member of c.columns) out.add(member);
  }
  return out;
}

/** What {@link decimalKeyConstraints} finds: the constraints with an unscaled DECIMAL member, and those members. */
export interface DecimalKeys {
  /** Constraints with at least one member in {@link DecimalKeys.keyed}. */
  readonly constraints: readonly KeyConstraint[];
  /** Unscaled DECIMAL columns that are a member of a UNIQUE or PRIMARY KEY constraint. */
  readonly keyed: ReadonlySet<string>;
}

/**
 * The UNIQUE/PRIMARY KEY constraints of a table being created that have an unscaled DECIMAL
 * member, from its portable column definitions (column constraints, and table constraints written
 * after a comma in a definition: `"TEXT, UNIQUE (a, b)"`).
 */
export function decimalKeyConstraints(table: string, columns: Readonly<Record<string, string>>): DecimalKeys {
  const names = Object.keys(columns);
  const all: KeyConstraint[] = [];
  const unscaled = new Set<string>();
  for (const column of names) {
    const { head, tail } = splitDefinition(tokenize(columns[column] as string));
    if (isUnscaledDecimal(head)) unscaled.add(column);
    all.push(...columnConstraints(table, column, head), ...tableConstraints(table, tail, names));
  }
  const constraints = all.filter((c) => c.columns.some((column) => unscaled.has(column)));
  return { constraints, keyed: new Set(constraints.flatMap((c) => c.columns.filter((column) => unscaled.has(column)))) };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The name PostgreSQL gives a constraint it names itself when other relations already hold names
 * (its `ChooseRelationName`): `makeObjectName(name1, name2, label)`, and while that is taken the
 * same with the label `key1`, `key2` … (shortened to fit 63 bytes with the longer label). A name
 * written with `CONSTRAINT` is kept as it is (PostgreSQL refuses a taken one, and so does SQLite).
 * `taken` holds lowercased names: SQLite's names are case-insensitive.
 *
 * @example
 * constraintIndexName({ name: "p_a_b_c_key", parts: { name1: "p_a", name2: "b_c", label: "key" } }, new Set(["p_a_b_c_key"])) // "p_a_b_c_key1"
 */
export function constraintIndexName(c: Pick<KeyConstraint, "name" | "parts">, taken: ReadonlySet<string>): string {
  if (c.parts === undefined || !taken.has(c.name.toLowerCase())) return c.name;
  for (let pass = 1; ; pass++) {
    const name = postgresConstraintName(c.parts.name1, c.parts.name2, `${c.parts.label}${pass}`);
    if (!taken.has(name.toLowerCase())) return name;
  }
}

/**
 * The `CREATE UNIQUE INDEX` statements that make a table's UNIQUE/PRIMARY KEY constraints with
 * unscaled DECIMAL members compare those members by numeric value (see the module documentation).
 * Never `IF NOT EXISTS`: they run only with the table just created, and an index of that name that
 * already exists belongs to another table (index names are global in a SQLite file), so skipping
 * it would leave this table comparing text. With `taken` (the names in use, lowercased, read in the
 * transaction that creates the table), a constraint PostgreSQL names itself gets PostgreSQL's next
 * free name ({@link constraintIndexName}), so the violation's `constraint` matches; a taken name
 * written with `CONSTRAINT` still fails `createTable`, as on PostgreSQL.
 */
export function decimalKeyIndexes(table: string, keys: DecimalKeys, taken: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const named = new Set<string>();
  // The new table's own name is taken too (PostgreSQL creates the table before naming its indexes).
  const used = new Set([...taken, table.toLowerCase()]);
  for (const c of keys.constraints) {
    // The same constraint written twice (`UNIQUE` and `, UNIQUE (u)`) needs one index.
    if (named.has(c.name)) continue;
    named.add(c.name);
    const name = constraintIndexName(c, used);
    used.add(name.toLowerCase());
    const items = c.columns.map((column) => (keys.keyed.has(column) ? decimalValueKeySql(quote(column)) : quote(column)));
    out.push(`CREATE UNIQUE INDEX ${quote(name)} ON ${quote(table)} (${items.join(", ")})`);
  }
  return out;
}
