// Loads the built package (dist/) as a user's application would, and runs one call of each part on
// embedded SQLite. The tests run the TypeScript sources through tsx, which compiles some constructs
// differently from tsc; this catches a build that type-checks but cannot be imported.
import assert from "node:assert/strict";
import { Database, Table, KVStore } from "../dist/index.js";
import { KeyvTablekit } from "../dist/keyv.js";
import { KVSql } from "../dist/kv-sql.js";

const db = await Database.open(":memory:");
const todos = new Table("todos", { db, schema: { id: "INTEGER PRIMARY KEY", title: "TEXT NOT NULL" } });
const created = await todos.create({ title: "ship" });
assert.deepEqual(await todos.read(created.id), { id: created.id, title: "ship" });
const kv = await KVStore.open({ db });
await kv.set("k", { n: 1 });
assert.deepEqual(await kv.get("k"), { n: 1 });
const store = new KeyvTablekit({ db });
await store.set("tablekit:x", "y");
assert.equal(await store.get("tablekit:x"), "y");
assert.deepEqual(await new KVSql(db).query({ table: "todos", columns: ["title"] }), [{ title: "ship" }]);
await db.close();
console.log("dist: Database, Table, KVStore, tablekit/keyv and tablekit/kv-sql load and run");
