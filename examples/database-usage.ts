/**
 * tablekit's basic usage: create a table, then create, read, update, list, count and delete rows,
 * and run a retrying transaction. With no configuration it uses the embedded SQLite file
 * ./tablekit.db; set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the same
 * code on PostgreSQL or CockroachDB.
 *
 * Run it: npm exec -- tsx examples/database-usage.ts
 */
import { Database, UniqueViolationError } from "tablekit";

interface User {
  id: string;
  name: string;
  email: string;
  age: number | null;
  active: boolean;
  created_at: Date;
}

await using db = await Database.open();
console.log(`Connected to ${db.dialect}: ${db}`);

await db.createTable("example_users", {
  id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
  name: "TEXT NOT NULL",
  email: "TEXT UNIQUE NOT NULL",
  age: "INTEGER",
  active: "BOOLEAN DEFAULT TRUE",
  created_at: "TIMESTAMPTZ DEFAULT now()",
});
await db.deleteMany("example_users", {});

// Create: the returned row holds the generated id and the defaults.
const user = await db.insert<User>("example_users", { name: "John Doe", email: "john@example.com", age: 30 });
console.log("Created user:", user);

// Read, update, list, count.
console.log("Retrieved user:", await db.selectOne<User>("example_users", { where: { id: user.id } }));
console.log("Updated user:", await db.update<User>("example_users", { name: "Jane Doe" }, { id: user.id }));
await db.batchInsert("example_users", [
  { name: "Ann", email: "ann@example.com", age: 41 },
  { name: "Bob", email: "bob@example.com", age: 17 },
]);
const adults = await db.select<User>("example_users", { where: { age: { gte: 18 } }, orderBy: "name ASC", limit: 10 });
console.log("Adults:", adults.map((u) => u.name));
console.log("User count:", await db.count("example_users"));

// Typed errors, the same on every backend.
try {
  await db.insert("example_users", { name: "Copy", email: "john@example.com" });
} catch (error) {
  if (error instanceof UniqueViolationError) console.log(`Duplicate rejected: ${error.columns.join(", ")} must be unique`);
  else throw error;
}

// A transaction that retries serialization failures by itself; calls on db inside join it.
const total = await db.transaction(async (tx) => {
  await tx.updateMany("example_users", { active: false }, { age: { lt: 18 } });
  return db.count("example_users", { active: true });
});
console.log("Active users:", total);

// Delete.
console.log("User deleted:", await db.delete("example_users", { id: user.id }));
