// The built package as a CommonJS caller sees it: require(esm), which Node.js enables by default
// from 22.12 (README, "ESM only"). Run by `npm run check:package` after the build.
const { Database, Table } = require("tablekit");

(async () => {
  const db = new Database({ url: "sqlite::memory:" });
  const users = new Table("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
  await users.create({ id: 1, name: "Ann" });
  if ((await users.count()) !== 1) throw new Error("unexpected count");
  await db.close();
  console.log("require (CommonJS): ok");
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
