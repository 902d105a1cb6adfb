/**
 * Relations between tables and their eager loading: `include: { team: true, posts: { … } }` loads
 * each relation with one batched query (`WHERE key IN (…)`) for all parent rows at once, never one
 * query per row.
 *
 * @module
 */
import { executeRead, filterContextFor } from "../queryable.js";
import type { Database } from "../database.js";
import type { Row } from "../backends/contract.js";
import { IdentifierError, ValidationError } from "../errors/errors.js";
import { formatForMessage } from "../sql/identifiers.js";
import { type OrderBy, orderByFragment } from "../sql/order-by.js";
import { type SqlFragment, sql } from "../sql/sql-tag.js";
import { CompiledWhere, type Where } from "../sql/where.js";
import {
  type TableInternals,
  type TableMeta,
  checkColumns,
  checkOrderBy,
  dialectOf,
  isPlainObject,
  keyOf,
  requireKey,
  selection,
  stripColumns,
  whereFragment,
} from "./internal.js";
import type { Table } from "./table.js";

/** The four kinds of relation. */
export type RelationKind = "belongsTo" | "hasOne" | "hasMany" | "manyToMany";

/**
 * A relation's target: a {@link Table} (typed rows, its own hidden columns and relations for nested
 * includes), a function returning one (for tables declared later, e.g. two tables that refer to each
 * other), or a table name (rows typed as `Row`, every column visible, no nested includes).
 */
export type RelationTarget = string | Table<any, any, any, any> | (() => Table<any, any, any, any>);

/**
 * A declared relation, made by {@link belongsTo}, {@link hasOne}, {@link hasMany} or
 * {@link manyToMany}. The type parameters carry the target's row type, relations and hidden
 * columns, so included rows are typed.
 */
export interface Relation<K extends RelationKind = RelationKind, T extends object = Row, TRels = RelationMap, TH extends string = never> {
  /** The kind of relation. */
  readonly kind: K;
  /** The related table. */
  readonly target: RelationTarget;
  /** belongsTo: the column of this table holding the target's key. hasOne/hasMany: the column of the target holding this table's key. */
  readonly foreignKey: string | undefined;
  /** belongsTo and manyToMany: the target column the keys refer to (default: the target's primary key). */
  readonly references: string | undefined;
  /** hasOne, hasMany and manyToMany: the column of this table the keys refer to (default: its primary key). */
  readonly localKey: string | undefined;
  /** manyToMany: the join table. */
  readonly through: string | undefined;
  /** manyToMany: the join table's column holding this table's key. */
  readonly sourceKey: string | undefined;
  /** manyToMany: the join table's column holding the target's key. */
  readonly targetKey: string | undefined;
  /** Type-level only: the target's row type, relations and hidden columns. Never set at runtime. */
  readonly "~types"?: { readonly row: T; readonly relations: TRels; readonly hidden: TH } | undefined;
}

/** Any relation. */
export type AnyRelation = Relation<RelationKind, any, any, any>;

/**
 * A relation whose target is a function returning a Table (a table declared further down, or two
 * tables that refer to each other). The function's type is kept as it is and its return type is
 * read only where rows are typed (`include`), so two tables may name each other in their
 * `relations` without either becoming `any`.
 */
export type LazyRelation<K extends RelationKind, F> = Relation<K, any, any, any> & {
  /** Type-level only: the target function's type, read where rows are typed. Never set at runtime. */
  readonly "~target"?: F;
};

/** The `relations` option of a Table: relation name → relation. */
export type RelationMap = { readonly [name: string]: AnyRelation };

/** Options of {@link belongsTo}. */
export interface BelongsToOptions {
  /** The target column that `foreignKey` refers to. Default: the target's primary key. */
  references?: string;
}

/** Options of {@link hasOne} and {@link hasMany}. */
export interface HasOptions {
  /** The column of this table that the target's `foreignKey` refers to. Default: this table's primary key. */
  localKey?: string;
}

/** Options of {@link manyToMany}. */
export interface ManyToManyOptions {
  /** The join table, e.g. "post_tags". */
  through: string;
  /** The join table's column referring to this table, e.g. "post_id". */
  sourceKey: string;
  /** The join table's column referring to the target, e.g. "tag_id". */
  targetKey: string;
  /** The column of this table that `sourceKey` refers to. Default: this table's primary key. */
  localKey?: string;
  /** The target column that `targetKey` refers to. Default: the target's primary key. */
  references?: string;
}

function relation<K extends RelationKind>(kind: K, target: RelationTarget, fields: Partial<Relation>): Relation<K, any, any, any> {
  if (typeof target !== "string" && typeof target !== "function" && (typeof target !== "object" || target === null)) {
    throw new ValidationError(`A ${kind} relation needs a target: a Table, a function returning a Table, or a table name`, [
      { message: "invalid target", path: ["target"] },
    ]);
  }
  for (const key of ["foreignKey", "sourceKey", "targetKey", "through"] as const) {
    if (key in fields && (typeof fields[key] !== "string" || fields[key] === "")) {
      throw new ValidationError(`A ${kind} relation needs ${key} as a column or table name`, [{ message: "required", path: [key] }]);
    }
  }
  return Object.freeze({
    kind,
    target,
    foreignKey: fields.foreignKey,
    references: fields.references,
    localKey: fields.localKey,
    through: fields.through,
    sourceKey: fields.sourceKey,
    targetKey: fields.targetKey,
  });
}

/**
 * This table holds the key of one target row: `posts.author_id → users.id`. Included as the target
 * row, or null.
 *
 * ```ts
 * const posts = new Table("posts", { db, relations: { author: belongsTo(users, "author_id") } });
 * const list = await posts.list({ include: { author: true } });   // list[0].author: user row | null
 * ```
 */
export function belongsTo<T extends object, TRels extends RelationMap, TH extends string = never>(
  target: Table<T, TRels, TH, any>,
  foreignKey: string,
  options?: BelongsToOptions,
): Relation<"belongsTo", T, TRels, TH>;
/** A belongsTo relation to a table returned by a function (declared further down, or referring back to this one). */
export function belongsTo<F extends Function>(target: F, foreignKey: string, options?: BelongsToOptions): LazyRelation<"belongsTo", F>;
/** A belongsTo relation to a table given by name: its rows are typed `Row`. */
export function belongsTo(target: string, foreignKey: string, options?: BelongsToOptions): Relation<"belongsTo", Row, RelationMap, never>;
/** A belongsTo relation to a table given by name, with its row type given: `belongsTo<Tag>(…)`. */
export function belongsTo<T extends object>(target: string, foreignKey: string, options?: BelongsToOptions): Relation<"belongsTo", T, RelationMap, never>;
export function belongsTo(target: RelationTarget, foreignKey: string, options: BelongsToOptions = {}): AnyRelation {
  return relation("belongsTo", target, { foreignKey, references: options.references });
}

/**
 * The target holds this table's key, at most once: `profiles.user_id → users.id`. Included as the
 * target row, or null (with several, the first by the include's `orderBy`).
 *
 * ```ts
 * const users = new Table("users", { db, relations: { profile: hasOne(profiles, "user_id") } });
 * ```
 */
export function hasOne<T extends object, TRels extends RelationMap, TH extends string = never>(
  target: Table<T, TRels, TH, any>,
  foreignKey: string,
  options?: HasOptions,
): Relation<"hasOne", T, TRels, TH>;
/** A hasOne relation to a table returned by a function (declared further down, or referring back to this one). */
export function hasOne<F extends Function>(target: F, foreignKey: string, options?: HasOptions): LazyRelation<"hasOne", F>;
/** A hasOne relation to a table given by name: its rows are typed `Row`. */
export function hasOne(target: string, foreignKey: string, options?: HasOptions): Relation<"hasOne", Row, RelationMap, never>;
/** A hasOne relation to a table given by name, with its row type given: `hasOne<Tag>(…)`. */
export function hasOne<T extends object>(target: string, foreignKey: string, options?: HasOptions): Relation<"hasOne", T, RelationMap, never>;
export function hasOne(target: RelationTarget, foreignKey: string, options: HasOptions = {}): AnyRelation {
  return relation("hasOne", target, { foreignKey, localKey: options.localKey });
}

/**
 * The target holds this table's key, any number of times: `posts.user_id → users.id`. Included as
 * an array (empty when none), ordered by the include's `orderBy`.
 *
 * ```ts
 * const users = new Table("users", { db, relations: { posts: hasMany(() => posts, "user_id") } });
 * await users.list({ include: { posts: { where: { published: true }, orderBy: "created_at DESC" } } });
 * ```
 */
export function hasMany<T extends object, TRels extends RelationMap, TH extends string = never>(
  target: Table<T, TRels, TH, any>,
  foreignKey: string,
  options?: HasOptions,
): Relation<"hasMany", T, TRels, TH>;
/** A hasMany relation to a table returned by a function (declared further down, or referring back to this one). */
export function hasMany<F extends Function>(target: F, foreignKey: string, options?: HasOptions): LazyRelation<"hasMany", F>;
/** A hasMany relation to a table given by name: its rows are typed `Row`. */
export function hasMany(target: string, foreignKey: string, options?: HasOptions): Relation<"hasMany", Row, RelationMap, never>;
/** A hasMany relation to a table given by name, with its row type given: `hasMany<Tag>(…)`. */
export function hasMany<T extends object>(target: string, foreignKey: string, options?: HasOptions): Relation<"hasMany", T, RelationMap, never>;
export function hasMany(target: RelationTarget, foreignKey: string, options: HasOptions = {}): AnyRelation {
  return relation("hasMany", target, { foreignKey, localKey: options.localKey });
}

/**
 * Rows related through a join table: `post_tags(post_id, tag_id)` links posts and tags. Included as
 * an array of target rows (empty when none), loaded with one joined query.
 *
 * ```ts
 * const posts = new Table("posts", {
 *   db,
 *   relations: { tags: manyToMany(tags, { through: "post_tags", sourceKey: "post_id", targetKey: "tag_id" }) },
 * });
 * ```
 */
export function manyToMany<T extends object, TRels extends RelationMap, TH extends string = never>(
  target: Table<T, TRels, TH, any>,
  options: ManyToManyOptions,
): Relation<"manyToMany", T, TRels, TH>;
/** A manyToMany relation to a table returned by a function (declared further down, or referring back to this one). */
export function manyToMany<F extends Function>(target: F, options: ManyToManyOptions): LazyRelation<"manyToMany", F>;
/** A manyToMany relation to a table given by name: its rows are typed `Row`. */
export function manyToMany(target: string, options: ManyToManyOptions): Relation<"manyToMany", Row, RelationMap, never>;
/** A manyToMany relation to a table given by name, with its row type given: `manyToMany<Tag>(…)`. */
export function manyToMany<T extends object>(target: string, options: ManyToManyOptions): Relation<"manyToMany", T, RelationMap, never>;
export function manyToMany(target: RelationTarget, options: ManyToManyOptions): AnyRelation {
  if (!isPlainObject(options)) {
    throw new ValidationError("manyToMany needs options { through, sourceKey, targetKey }", [{ message: "required", path: ["options"] }]);
  }
  return relation("manyToMany", target, {
    through: options.through,
    sourceKey: options.sourceKey,
    targetKey: options.targetKey,
    localKey: options.localKey,
    references: options.references,
  });
}

// ---------------------------------------------------------------- planning

/** @internal One relation to load, checked against both tables' columns. */
export interface IncludePlan {
  readonly name: string;
  readonly kind: RelationKind;
  readonly target: TableInternals;
  readonly targetMeta: TableMeta;
  /** The column read on parent rows. */
  readonly parentKey: string;
  /** The target column matched against the parent key (through the join table for manyToMany). */
  readonly childKey: string;
  readonly through: { readonly table: string; readonly meta: TableMeta; readonly sourceKey: string; readonly targetKey: string } | undefined;
  /**
   * The include's `where`, compiled once when the include is planned (the compile is its check),
   * or undefined without one. Compiled as each load path always compared values: a hasMany,
   * hasOne or belongsTo load with the target's column types on SQLite (as `db.select`), a
   * manyToMany join without them.
   */
  readonly filter: SqlFragment | undefined;
  readonly orderBy: OrderBy | undefined;
  readonly order: SqlFragment;
  readonly fetch: string[] | undefined;
  readonly strip: readonly string[];
  readonly children: readonly IncludePlan[];
}

const INCLUDE_KEYS = new Set(["where", "orderBy", "columns", "include"]);

/** Most nesting levels of `include`. */
const MAX_INCLUDE_DEPTH = 8;

/**
 * @internal Checks an `include` option and resolves it into plans, before any of the call's SQL
 * (initializing the related tables reads their columns). Unknown relations and columns raise
 * IdentifierError naming the table.
 */
export async function planIncludes(owner: TableInternals, ownerMeta: TableMeta, include: unknown, depth = 0): Promise<IncludePlan[]> {
  if (include === undefined || include === null) return [];
  if (!isPlainObject(include)) {
    throw new ValidationError(`include must be an object such as { team: true }, not ${Array.isArray(include) ? "an array" : typeof include}`, [
      { message: "must be an object", path: ["include"] },
    ]);
  }
  if (depth >= MAX_INCLUDE_DEPTH) {
    throw new ValidationError(`include nests deeper than ${MAX_INCLUDE_DEPTH} levels`, [{ message: "too deep", path: ["include"] }]);
  }
  const names = Object.keys(include).filter((name) => include[name] !== undefined && include[name] !== false);
  for (const name of names) {
    const spec = include[name];
    if (!Object.hasOwn(owner.relations, name)) {
      const known = Object.keys(owner.relations);
      throw new IdentifierError(
        `Unknown relation ${formatForMessage(name)} in table ${formatForMessage(owner.name)}; ` +
          (known.length === 0 ? "the table declares no relations" : `known relations: ${known.map((k) => formatForMessage(k)).join(", ")}`),
      );
    }
    if (spec !== true && !isPlainObject(spec)) {
      throw new ValidationError(`include.${name} must be true or an object of { where, orderBy, columns, include }`, [
        { message: "invalid include", path: ["include", name] },
      ]);
    }
    if (spec !== true) {
      for (const key of Object.keys(spec)) {
        if (!INCLUDE_KEYS.has(key)) {
          throw new ValidationError(`include.${name}.${key} is not an include option; use where, orderBy, columns or include`, [
            { message: "unknown option", path: ["include", name, key] },
          ]);
        }
      }
    }
  }
  return Promise.all(names.map((name) => planOne(owner, ownerMeta, name, include[name] as true | Record<string, unknown>, depth)));
}

async function planOne(owner: TableInternals, ownerMeta: TableMeta, name: string, spec: true | Record<string, unknown>, depth: number): Promise<IncludePlan> {
  const rel = owner.relations[name] as AnyRelation;
  if (ownerMeta.context.columns.has(name)) {
    throw new IdentifierError(`The relation ${formatForMessage(name)} of table ${formatForMessage(owner.name)} has the name of one of its columns; rename the relation`);
  }
  const target = owner.tableFor(rel.target);
  if (target.db !== owner.db) {
    throw new ValidationError(`The relation ${formatForMessage(name)} of table ${formatForMessage(owner.name)} targets a Table on another Database`, [
      { message: "different database", path: ["relations", name] },
    ]);
  }
  const targetMeta = await target.meta();
  const options = spec === true ? {} : spec;
  let parentKey: string;
  let childKey: string;
  let through: IncludePlan["through"];
  switch (rel.kind) {
    case "belongsTo":
      parentKey = column(ownerMeta, rel.foreignKey!);
      childKey = column(targetMeta, rel.references ?? requireKey(targetMeta, `The belongsTo relation "${name}"`));
      break;
    case "hasOne":
    case "hasMany":
      parentKey = column(ownerMeta, rel.localKey ?? requireKey(ownerMeta, `The ${rel.kind} relation "${name}"`));
      childKey = column(targetMeta, rel.foreignKey!);
      break;
    case "manyToMany": {
      parentKey = column(ownerMeta, rel.localKey ?? requireKey(ownerMeta, `The manyToMany relation "${name}"`));
      childKey = column(targetMeta, rel.references ?? requireKey(targetMeta, `The manyToMany relation "${name}"`));
      const join = owner.tableFor(rel.through!);
      const meta = await join.meta();
      through = { table: join.name, meta, sourceKey: column(meta, rel.sourceKey!), targetKey: column(meta, rel.targetKey!) };
      break;
    }
  }
  const where = options["where"] as Where | undefined;
  const filter = await compileIncludeFilter(owner.db, target.name, targetMeta, where, rel.kind === "manyToMany");
  const orderBy = options["orderBy"] as OrderBy | undefined;
  const order = orderByFragment(checkOrderBy(targetMeta, orderBy));
  const columns = options["columns"] as string[] | undefined;
  checkColumns(targetMeta, columns);
  const children = await planIncludes(target, targetMeta, options["include"], depth + 1);
  const needed = rel.kind === "manyToMany" ? [] : [childKey];
  for (const child of children) needed.push(child.parentKey);
  const { fetch, strip } = selection(targetMeta, columns, needed);
  return { name, kind: rel.kind, target, targetMeta, parentKey, childKey, through, filter, orderBy, order, fetch, strip, children };
}

/** Compiles an include's `where` once, against the target's columns (see {@link IncludePlan.filter}). */
async function compileIncludeFilter(db: Database, table: string, meta: TableMeta, where: Where | undefined, join: boolean): Promise<SqlFragment | undefined> {
  if (where === undefined || where === null) return undefined;
  if (join) return whereFragment(dialectOf(db), where, meta.context);
  const found = db[filterContextFor](table, where);
  const values = found instanceof Promise ? await found : found;
  return whereFragment(dialectOf(db), where, values === undefined ? meta.context : { ...meta.context, columnValues: values.columnValues });
}

/**
 * The filter of one load of a hasMany, hasOne or belongsTo include: the key list (compiled per
 * load, with the target's column types as `db.select` would), ANDed after the include's own
 * filter, compiled once at plan time.
 */
async function loadFilter(db: Database, plan: IncludePlan, keys: readonly unknown[]): Promise<CompiledWhere> {
  const inKeys = { [plan.childKey]: { in: keys } };
  const found = db[filterContextFor](plan.target.name, inKeys);
  const values = found instanceof Promise ? await found : found;
  const context = values === undefined ? plan.targetMeta.context : { ...plan.targetMeta.context, columnValues: values.columnValues };
  const keyFilter = whereFragment(dialectOf(db), inKeys, context);
  return new CompiledWhere(plan.filter === undefined || keyFilter === undefined ? (plan.filter ?? keyFilter) : sql`${plan.filter} AND ${keyFilter}`);
}

function column(meta: TableMeta, name: string): string {
  if (!meta.context.columns.has(name)) {
    // Reuses the standard unknown-column message.
    checkColumns(meta, [name]);
  }
  return name;
}

/** @internal The parent columns the plans read (relation keys), to fetch even when not asked for. */
export function parentKeys(plans: readonly IncludePlan[]): string[] {
  return plans.map((plan) => plan.parentKey);
}

// ---------------------------------------------------------------- loading

/** Keys per batched query; larger sets of parent rows take one query per this many distinct keys. */
export const IN_LIST_CHUNK = 10_000;

/** @internal Loads every planned relation onto `rows` (in place): one query per relation per key chunk. */
export async function loadIncludes(db: Database, plans: readonly IncludePlan[], rows: Row[]): Promise<void> {
  if (rows.length === 0 || plans.length === 0) return;
  // Relations load concurrently; they are attached afterwards in include order, so rows always
  // have their properties in the same order.
  const attachers = await Promise.all(plans.map((plan) => loadOne(db, plan, rows)));
  for (const attach of attachers) attach();
}

const SOURCE = "__tk_src";

async function loadOne(db: Database, plan: IncludePlan, parents: Row[]): Promise<() => void> {
  const keys = new Map<string, unknown>();
  for (const parent of parents) {
    const value = parent[plan.parentKey];
    if (value !== null && value !== undefined) keys.set(keyOf(value), value);
  }
  const groups = new Map<string, Row[]>();
  const children: Row[] = [];
  const values = [...keys.values()];
  for (let start = 0; start < values.length; start += IN_LIST_CHUNK) {
    const chunk = values.slice(start, start + IN_LIST_CHUNK);
    const rows = plan.kind === "manyToMany" ? await db[executeRead](joinQuery(db, plan, chunk)) : await db.select(plan.target.name, {
      where: (await loadFilter(db, plan, chunk)) as never,
      ...(plan.orderBy === undefined ? {} : { orderBy: plan.orderBy }),
      ...(plan.fetch === undefined ? {} : { columns: plan.fetch }),
    });
    for (const row of rows) {
      let key: string;
      if (plan.kind === "manyToMany") {
        key = keyOf(row[SOURCE]);
        delete row[SOURCE];
      } else key = keyOf(row[plan.childKey]);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [row]);
      else group.push(row);
      children.push(row);
    }
  }
  await loadIncludes(db, plan.children, children);
  stripColumns(children, plan.strip);
  const many = plan.kind === "hasMany" || plan.kind === "manyToMany";
  return () => {
    for (const parent of parents) {
      const value = parent[plan.parentKey];
      const group = value === null || value === undefined ? undefined : groups.get(keyOf(value));
      parent[plan.name] = many ? (group === undefined ? [] : group.slice()) : (group?.[0] ?? null);
    }
  };
}

/**
 * `SELECT j.src, t.* FROM target t JOIN (SELECT source AS src, target AS tgt FROM through WHERE source IN (…)) j
 * ON t.key = j.tgt [WHERE …] [ORDER BY …]`: the join table is a derived table with private column
 * names, so the include's filter and ordering name the target's columns without qualification.
 */
function joinQuery(db: Database, plan: IncludePlan, keys: readonly unknown[]): SqlFragment {
  const dialect = dialectOf(db);
  const through = plan.through!;
  const inner = whereFragment(dialect, { [through.sourceKey]: { in: keys } }, through.meta.context)!;
  const filter = plan.filter;
  const columns = plan.fetch === undefined ? sql.raw(`"__tk_t".*`) : sql.join(plan.fetch.map((c) => sql.id("__tk_t", c)));
  return sql`SELECT ${sql.id("__tk_j", SOURCE)}, ${columns} FROM ${sql.id(plan.target.name)} AS ${sql.id("__tk_t")} JOIN (SELECT ${sql.id(
    through.sourceKey,
  )} AS ${sql.id(SOURCE)}, ${sql.id(through.targetKey)} AS ${sql.id("__tk_tgt")} FROM ${sql.id(through.table)} WHERE ${inner}) AS ${sql.id(
    "__tk_j",
  )} ON ${sql.id("__tk_t", plan.childKey)} = ${sql.id("__tk_j", "__tk_tgt")}${filter === undefined ? sql.empty : sql` WHERE ${filter}`}${
    plan.order === sql.empty ? sql.empty : sql` ORDER BY ${plan.order}`
  }`;
}
