/**
 * Schema evolution, from prototype to production: a Table that adds its new columns by itself
 * (`sync: "add"`), `db.schemaDiff` printing the SQL for a migration, then migration files applied
 * with `db.migrate`, listed with `db.migrate.status` and rolled back with `db.migrate.down`. With
 * no configuration it runs on the embedded SQLite file ./tablekit.db; set DATABASE_URL to run it
 * on PostgreSQL. It writes its migrations to ./example-migrations and drops its tables at the end.
 *
 * Run it: npm exec -- tsx examples/migrations.ts
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { Database, SchemaMismatchError, Table } from "tablekit";

await using db = await Database.open();
await db.dropTable("example_things");
await db.dropTable("example_orders");
await db.dropTable("example_migrations");

// 1. Prototype: the table follows its schema. Version 1 of the schema…
await db.createTable("example_things", { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" });
await db.insert("example_things", { id: 1, name: "first" });

// …then a column is added to the schema. Without sync, the Table says what is missing and how to go on.
const schemaV2 = { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL", color: "TEXT DEFAULT 'red'" };
try {
  await Table.open("example_things", { db, schema: schemaV2 });
} catch (error) {
  if (!(error instanceof SchemaMismatchError)) throw error;
  console.log(`Without sync: ${error.missingColumns.join(", ")} missing`);
}
// The SQL a migration would need:
console.log(await db.schemaDiff("example_things", schemaV2));
// With sync: "add", the missing column is added (with its default); nothing is ever dropped.
const things = await Table.open("example_things", { db, schema: schemaV2, sync: "add" });
console.log("After sync:", await things.read(1)); // { id: 1, name: 'first', color: 'red' }

// 2. Production: migration files, applied in name order, each in its own transaction.
const dir = "example-migrations";
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
writeFileSync(
  `${dir}/001_create_orders.sql`,
  "CREATE TABLE example_orders (id INTEGER PRIMARY KEY, total TEXT NOT NULL);\nINSERT INTO example_orders (id, total) VALUES (1, '9.50');\n",
);
writeFileSync(`${dir}/001_create_orders.down.sql`, "DROP TABLE example_orders;\n");
writeFileSync(
  `${dir}/002_add_status.mjs`,
  `export async function up(db) { await db.execute("ALTER TABLE example_orders ADD COLUMN status TEXT NOT NULL DEFAULT 'open'"); }\n` +
    `export async function down(db) { await db.execute("ALTER TABLE example_orders DROP COLUMN status"); }\n`,
);
const options = { dir, table: "example_migrations" };
console.log("Pending:", (await db.migrate.status(options)).pending); // [ '001_create_orders', '002_add_status' ]
console.log("Applied:", (await db.migrate(options)).applied);
console.log("Again:", (await db.migrate(options)).applied); // [] — nothing to do
console.log("Orders:", await db.select("example_orders"));
console.log("Rolled back:", (await db.migrate.down({ ...options, to: null })).reverted); // newest first

await db.dropTable("example_things");
await db.dropTable("example_migrations");
rmSync(dir, { recursive: true, force: true });
