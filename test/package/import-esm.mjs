// The built package as an ES module importer sees it: `import` by name (package.json "exports",
// dist/), one call of each part on embedded SQLite. Run by `npm run check:package` after the
// build. The tests run the TypeScript sources through tsx, which compiles some constructs
// differently from tsc: a module that fails to evaluate (as dist/table/table.js once did, from a
// tsc emit of a static block) fails here, not at users'.
import assert from "node:assert/strict";
import { Database, Table, KVStore } from "tablekit";
import { KeyvTablekit } from "tablekit/keyv";
import { KVSql } from "tablekit/kv-sql";
import * as sqliteEntry from "tablekit/sqlite";
import * as postgresEntry from "tablekit/postgres";

const db = new Database({ url: "sqlite::memory:" });
const users = new Table("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
const created = await users.create({ name: "Ann" });
assert.deepEqual(await users.read(created.id), { id: created.id, name: "Ann" });
assert.equal(await users.count(), 1);
const kv = await KVStore.open({ db });
await kv.set("k", { n: 1 });
assert.deepEqual(await kv.get("k"), { n: 1 });
const store = new KeyvTablekit({ db });
await store.set("tablekit:x", "y");
assert.equal(await store.get("tablekit:x"), "y");
assert.deepEqual(await new KVSql(db).query({ table: "users", columns: ["name"] }), [{ name: "Ann" }]);
await db.close();
// tablekit/sqlite and tablekit/postgres export the same names as the main entry point.
assert.equal(sqliteEntry.Database, Database);
assert.equal(postgresEntry.Database, Database);
const viaSqlite = await sqliteEntry.Database.open(":memory:");
assert.deepEqual(await viaSqlite.execute("SELECT 1 AS one"), [{ one: 1 }]);
await viaSqlite.close();
console.log("import (ESM): Database, Table, KVStore, tablekit/keyv, tablekit/kv-sql, tablekit/sqlite and tablekit/postgres load and run");
