/**
 * Fault matrix, columns "column added" and "column dropped" (test/faults/faults.ts): every write
 * method called before and after an ALTER TABLE made through another connection, on every
 * backend. See docs/fault-matrix.md.
 */
import { afterAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { cellName, recordCell, schemaCell, writeResults } from "./faults.js";
import { METHODS } from "./methods.js";

afterAll(writeResults);

for (const backend of backends()) {
  for (const change of ["add", "drop"] as const) {
    // Cells are independent (own tables or file): they run concurrently, as PostgreSQL cells mostly wait on DDL.
    describe.concurrent(`fault matrix: column ${change === "add" ? "added" : "dropped"} between calls [${backend.name}]`, () => {
      METHODS.forEach((method, m) => {
        it(cellName(method), async () => {
          const problems = await schemaCell(backend, m, change);
          recordCell(`schema-${change}`, backend.name, cellName(method), problems);
          expect(problems).toEqual([]);
        });
      });
    });
  }
}
