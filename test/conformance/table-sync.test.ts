/**
 * A Table whose declared schema has columns the live table lacks: an error naming them and the two
 * ways forward, or (sync: "add") the columns added with their defaults; db.schemaDiff prints the
 * SQL. Nothing is ever dropped or changed automatically.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, rejection, uniqueTable } from "../support/backends.js";
import { Database, SchemaMismatchError, Table, TablekitError, ValidationError } from "../../src/index.js";

for (const backend of backends()) {
  describe(`table sync [${backend.name}]`, () => {
    let db: Database;
    const dropped: string[] = [];
    function name(prefix: string): string {
      const n = uniqueTable(prefix);
      dropped.push(n);
      return n;
    }
    beforeAll(async () => {
      db = backend.open();
    });
    afterAll(async () => {
      for (const t of dropped) await db.dropTable(t);
      await db.close();
    });

    it("a declared column missing from the live table is a SchemaMismatchError naming it and both ways forward", async () => {
      const t = name("sync_err");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT" });
      await db.insert(t, { id: 1, name: "a" });
      const things = db.table(t, { schema: { id: "INTEGER PRIMARY KEY", name: "TEXT", color: "TEXT DEFAULT 'red'" } });
      const error = await rejection(things.list());
      expect(error).toBeInstanceOf(SchemaMismatchError);
      expect(error).toBeInstanceOf(TablekitError);
      expect((error as SchemaMismatchError).missingColumns).toEqual(["color"]);
      const message = (error as Error).message;
      expect(message).toContain('"color"');
      expect(message).toContain('sync: "add"');
      expect(message).toContain("migration");
      expect(message).toContain(`ALTER TABLE "${t}" ADD COLUMN "color" TEXT DEFAULT 'red';`);
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["id", "name"]); // nothing altered
    });

    it('sync: "add" adds missing columns with their defaults, and never drops one', async () => {
      const t = name("sync_add");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", name: "TEXT", legacy: "TEXT" });
      await db.insert(t, { id: 1, name: "a", legacy: "old" });
      const schema = { id: "INTEGER PRIMARY KEY", name: "TEXT", color: "TEXT NOT NULL DEFAULT 'red'", size: "INTEGER" };
      expect(await db.schemaDiff(t, schema)).toBe(
        [
          `ALTER TABLE "${t}" ADD COLUMN "color" TEXT NOT NULL DEFAULT 'red';`,
          `ALTER TABLE "${t}" ADD COLUMN "size" INTEGER;`,
          `-- column "legacy" is in the table but not in the schema: never dropped automatically; DROP it in a migration if that is intended`,
          "-- types, defaults and constraints of existing columns are not compared: change them in a migration",
        ].join("\n"),
      );
      const things = await Table.open(t, { db, schema, sync: "add" });
      expect((await db.columns(t)).map((c) => c.name)).toEqual(["id", "name", "legacy", "color", "size"]);
      expect(await things.read(1)).toMatchObject({ id: 1, name: "a", legacy: "old", color: "red", size: null });
      expect(await things.create({ id: 2, name: "b", size: 3 } as never)).toMatchObject({ color: "red", size: 3 });
      expect(await db.schemaDiff(t, schema)).toBe(
        `-- column "legacy" is in the table but not in the schema: never dropped automatically; DROP it in a migration if that is intended\n` +
          "-- types, defaults and constraints of existing columns are not compared: change them in a migration",
      );
      // A second Table opened the same way finds nothing to add.
      await Table.open(t, { db, schema, sync: "add" });
    });

    it("schemaDiff of a table that does not exist is its CREATE TABLE; matching schema is empty; bad input is typed", async () => {
      const t = name("sync_diff");
      expect(await db.schemaDiff(t, { id: "INTEGER PRIMARY KEY" })).toMatch(new RegExp(`^CREATE TABLE "${t}" \\(.*\\);$`));
      await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
      expect(await db.schemaDiff(t, { id: "INTEGER PRIMARY KEY" })).toBe("");
      expect(await rejection(db.schemaDiff(t, {}))).toBeInstanceOf(ValidationError);
      expect(await rejection(db.schemaDiff(t, { x: "TEXT); DROP TABLE y; --" }))).toBeInstanceOf(ValidationError);
      expect(() => db.table(t, { schema: { id: "INTEGER" }, sync: "all" as never })).toThrow(ValidationError);
    });

    it("a column SQLite cannot ADD (UNIQUE) is refused by sync with the reason", async () => {
      const t = name("sync_unique");
      await db.createTable(t, { id: "INTEGER PRIMARY KEY" });
      const schema = { id: "INTEGER PRIMARY KEY", code: "TEXT UNIQUE" };
      if (backend.name === "sqlite") {
        expect(await db.schemaDiff(t, schema)).toContain("SQLite cannot ADD a PRIMARY KEY or UNIQUE column");
        const error = await rejection(Table.open(t, { db, schema, sync: "add" }));
        expect(error).toBeInstanceOf(SchemaMismatchError);
        expect((error as Error).message).toContain("table rebuild");
      } else {
        await Table.open(t, { db, schema, sync: "add" });
        expect((await db.columns(t)).map((c) => c.name)).toEqual(["id", "code"]);
      }
    });
  });
}
