// The built package as an ES module importer sees it: `import` by name (package.json "exports",
// dist/). Run by `npm run check:package` after the build. A module that fails to evaluate (as
// dist/table/table.js once did, from a tsc emit of a static block) fails here, not at users'.
import { Database, Table } from "tablekit";

const db = new Database({ url: "sqlite::memory:" });
const users = new Table("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
const created = await users.create({ id: 1, name: "Ann" });
if (created.name !== "Ann" || (await users.count()) !== 1) throw new Error(`unexpected row ${JSON.stringify(created)}`);
await db.close();
console.log("import (ESM): ok");
