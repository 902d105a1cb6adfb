/**
 * Adversary (issue 17, portable values): arrays of CHAR(n) and VARCHAR(n).
 *
 * Found by the adversary run: PostgreSQL applies the element type to every element — `CHAR(3)[]`
 * pads `"a"` to `"a  "`, `VARCHAR(2)[]` refuses `"abc"` (22001, "value too long") and cuts the
 * trailing blanks of `"ab   "`. SQLite's declared type kept no length (`TEXT ARRAY JSON TEXT`,
 * `CHAR(3)[]` even lost its element type), so elements were stored as given. Fixed: the declared
 * type keeps the element and its length (`VARCHAR ARRAY JSON TEXT(2)`, `CHAR ARRAY JSON TEXT(3)`:
 * src/backends/sqlite/sqlite-schema.ts, read back by arrayElementType in
 * src/backends/common/declared-types.ts). Tables created before keep their declared types (and the
 * old behaviour).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, ValidationError } from "../../src/index.js";
import { backends, uniqueTable } from "../support/backends.js";

for (const backend of backends()) {
  describe(`CHAR(n)[] and VARCHAR(n)[] elements [${backend.name}]`, () => {
    let db: Database;
    let table: string;
    beforeAll(async () => {
      db = backend.open();
      table = uniqueTable("adv_text_arrays");
      await db.createTable(table, { id: "INTEGER PRIMARY KEY", c: "CHAR(3)[]", c1: "CHARACTER[]", v: "VARCHAR(2)[]", cv: "CHARACTER VARYING(2)[]", t: "TEXT[]", vu: "VARCHAR[]" });
    });
    afterAll(async () => {
      await db?.dropTable(table, { ifExists: true });
      await db?.close();
    });

    it("pads CHAR(n) elements and cuts VARCHAR(n) trailing blanks, as PostgreSQL does", async () => {
      const row = { id: 1, c: ["a", "bb ", "ccc", null], c1: ["x", ""], v: ["ab   ", "a"], cv: ["é "], t: ["abc   "], vu: ["any length  "] };
      const expected = { id: 1, c: ["a  ", "bb ", "ccc", null], c1: ["x", " "], v: ["ab", "a"], cv: ["é "], t: ["abc   "], vu: ["any length  "] };
      expect(await db.insert(table, row)).toEqual(expected);
      expect(await db.selectOne(table, { where: { id: 1 } })).toEqual(expected);
    });

    it("refuses elements longer than n, as PostgreSQL does", async () => {
      await expect(db.insert(table, { id: 2, v: ["abc"] })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.insert(table, { id: 3, c: ["abcd"] })).rejects.toBeInstanceOf(ValidationError);
      await expect(db.insert(table, { id: 4, c1: ["xy"] })).rejects.toBeInstanceOf(ValidationError);
      expect(await db.count(table, { id: { in: [2, 3, 4] } })).toBe(0);
    });
  });
}
