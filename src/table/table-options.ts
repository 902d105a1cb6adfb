/**
 * The checks a `Table` makes of its constructor options: a malformed `db`, `schema`, `sync`,
 * model, relation, `hidden` list or `primaryKey` throws before anything runs. The result is what
 * the Table keeps.
 *
 * @module
 */
import type { Database } from "../database.js";
import { ValidationError } from "../errors/errors.js";
import { assertIdentifier } from "../sql/identifiers.js";
import { checkSyncOption } from "../migrate/table-sync.js";
import { isDatabase, newDefaultDatabase } from "./database-hook.js";
import { isPlainObject } from "./internal.js";
import { type Model, checkModel } from "./model.js";
import type { RelationMap } from "./relations.js";
import type { TableOptions } from "./types.js";

/** @internal A Table's checked options. */
export interface CheckedTableOptions<Rels extends RelationMap> {
  /** The Database every call runs on: the `db` option, or a new default one. */
  readonly db: Database;
  /** Whether the Table made its Database (no `db` option), and so closes it. */
  readonly ownsDb: boolean;
  /** A frozen copy of the `schema` option. */
  readonly schema: Readonly<Record<string, string>> | undefined;
  /** The `sync` option. */
  readonly sync: "add" | undefined;
  /** The model, or undefined. */
  readonly model: Model<unknown, unknown> | undefined;
  /** A frozen copy of the `relations` option. */
  readonly relations: Readonly<Rels>;
  /** The hidden columns, checked as identifiers. */
  readonly hidden: readonly string[];
  /** The `primaryKey` option, checked as an identifier. */
  readonly primaryKey: string | undefined;
}

/**
 * @internal Checks the options of `new Table(name, options)` in the order the constructor always
 * has (the default Database is made before `schema` is looked at), and returns what it keeps.
 */
export function checkTableOptions<R extends object, Rels extends RelationMap, H extends string, I extends object>(
  name: string,
  options: TableOptions<R, Rels, H, I>,
): CheckedTableOptions<Rels> {
  if (!isPlainObject(options)) throw new ValidationError("Table options must be an object", [{ message: "must be an object", path: [] }]);
  if (options.db !== undefined && !isDatabase(options.db)) {
    throw new ValidationError("The db option must be a Database", [{ message: "must be a Database", path: ["db"] }]);
  }
  const ownsDb = options.db === undefined;
  const db = options.db ?? newDefaultDatabase();
  if (options.schema !== undefined && !isPlainObject(options.schema)) {
    throw new ValidationError("schema must be an object of column definitions", [{ message: "must be an object", path: ["schema"] }]);
  }
  const schema = options.schema === undefined ? undefined : Object.freeze(Object.fromEntries(Object.entries(options.schema as Record<string, string>)));
  const sync = checkSyncOption(options.sync);
  checkModel(options.model, name);
  const model = options.model as Model<unknown, unknown> | undefined;
  const relations = options.relations ?? ({} as Rels);
  if (!isPlainObject(relations)) throw new ValidationError("relations must be an object", [{ message: "must be an object", path: ["relations"] }]);
  for (const [key, value] of Object.entries(relations)) {
    assertIdentifier(key, "relation");
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind !== "belongsTo" && kind !== "hasOne" && kind !== "hasMany" && kind !== "manyToMany") {
      throw new ValidationError(`relations.${key} must be made by belongsTo, hasOne, hasMany or manyToMany`, [{ message: "not a relation", path: ["relations", key] }]);
    }
  }
  const frozenRelations = Object.freeze({ ...relations }) as Readonly<Rels>;
  if (options.hidden !== undefined && !Array.isArray(options.hidden)) {
    throw new ValidationError("hidden must be an array of column names", [{ message: "must be an array", path: ["hidden"] }]);
  }
  const hidden = (options.hidden ?? []).map((c) => assertIdentifier(c, "column"));
  const primaryKey = options.primaryKey === undefined ? undefined : assertIdentifier(options.primaryKey, "column");
  return { db, ownsDb, schema, sync, model, relations: frozenRelations, hidden, primaryKey };
}
