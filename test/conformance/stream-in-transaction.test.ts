import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Row } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`streaming inside a transaction [${backend.name}]`, () => {
    let db: Database;
    const t = uniqueTable("stream_tx");
    beforeAll(async () => {
      db = backend.open();
      await db.createTable(t, { id: "INTEGER PRIMARY KEY", copied: "BOOLEAN DEFAULT FALSE" });
      await db.batchInsert(t, Array.from({ length: 250 }, (_, i) => ({ id: i + 1 })), { returning: false });
    });
    afterAll(async () => {
      await db.dropTable(t);
      await db.close();
    });

    it("lets the loop body write on the same transaction while the stream is open", async () => {
      const seen = await db.transaction(async (tx) => {
        let count = 0;
        for await (const row of tx.stream<Row>(t, { orderBy: "id", batchSize: 40 })) {
          await tx.update(t, { copied: true }, { id: row["id"] });
          count++;
        }
        return count;
      });
      expect(seen).toBe(250);
      expect(await db.count(t, { copied: true })).toBe(250);
    });

    it("breaking out early closes the cursor and the transaction carries on", async () => {
      const total = await db.transaction(async (tx) => {
        for await (const row of tx.stream<Row>(t, { orderBy: "id", batchSize: 10 })) {
          if (row["id"] === 15) break;
        }
        return tx.count(t);
      });
      expect(total).toBe(250);
    });
  });
}
