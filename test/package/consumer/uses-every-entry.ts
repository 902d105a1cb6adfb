/**
 * A consumer of the built package: each entry point imported by name and used, so that the
 * published declarations must resolve and type-check in full (`skipLibCheck: false`): a
 * re-export of a name `stripInternal` removed, or a type the declarations reference but do not
 * ship, fails `npm run check:package`.
 */
import { Database, KVStore, Table, sql, type Row } from "tablekit";
import { KeyvTablekit } from "tablekit/keyv";
import { KVSql } from "tablekit/kv-sql";
import * as sqlite from "tablekit/sqlite";
import * as postgres from "tablekit/postgres";

export async function useEveryEntry(): Promise<void> {
  const db = new Database({ url: "sqlite::memory:" });
  const users = new Table("users", { db, schema: { id: "INTEGER PRIMARY KEY", name: "TEXT NOT NULL" } });
  const created = await users.create({ name: "Ann" });
  const id: number = created.id;
  const rows: Row[] = await db.execute(sql`SELECT ${id} AS n`);
  const kv = await KVStore.open<number>({ db, table: "kv" });
  await kv.set("k", rows.length);
  const store = new KeyvTablekit({ db, table: "keyv" });
  const raw = new KVSql(db);
  void store;
  void raw;
  void sqlite.Database;
  void postgres.Database;
  await db.close();
}
