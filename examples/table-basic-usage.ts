/**
 * The seed's AsyncTable basic usage, in TypeScript: define a users table, initialize it (CREATE
 * TABLE IF NOT EXISTS), then create, read, update, list, count and delete a user. With no
 * configuration it runs on the embedded SQLite file ./tablekit.db; set DATABASE_URL (e.g.
 * postgres://postgres@127.0.0.1:5432/test) to run the same code on PostgreSQL or CockroachDB.
 * It drops its table at the end, so it can run again and again.
 *
 * Run it: npm exec -- tsx examples/table-basic-usage.ts
 */
import { Database, Table } from "tablekit";

interface User {
  id: string;
  name: string;
  email: string;
}

// Create database connection (the embedded default: DATABASE_URL, else ./tablekit.db).
await using db = await Database.open();

// Define a users table.
const users = new Table<User>("example_table_users", {
  db,
  schema: {
    id: "UUID PRIMARY KEY DEFAULT gen_random_uuid()",
    name: "TEXT NOT NULL",
    email: "TEXT UNIQUE NOT NULL",
  },
});

try {
  // Initialize the table (creates it if it doesn't exist).
  await users.initialize();

  // Create a user: the returned row holds the generated id.
  const user = await users.create({ name: "John Doe", email: "john@example.com" });
  console.log("Created user:", user);

  // Read the user.
  const retrieved = await users.read(user.id);
  console.log("Retrieved user:", retrieved);

  // Update the user: only the given fields change.
  const updated = await users.update(user.id, { name: "Jane Doe" });
  console.log("Updated user:", updated);

  // List users.
  const all = await users.list();
  console.log("All users:", all);

  // Count users.
  const count = await users.count();
  console.log("User count:", count);

  // Delete the user.
  const deleted = await users.delete(user.id);
  console.log("User deleted:", deleted);
} finally {
  // Clean up, so the example leaves nothing behind; `await using` then closes the Database.
  await db.dropTable("example_table_users");
}
