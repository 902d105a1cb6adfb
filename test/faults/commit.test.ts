/**
 * Fault matrix, column "COMMIT fails" (test/faults/faults.ts): every write method, on every
 * backend, made to fail at COMMIT through a deferred foreign key. See docs/fault-matrix.md.
 */
import { afterAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { cellName, commitCell, recordCell, writeResults } from "./faults.js";
import { METHODS } from "./methods.js";

afterAll(writeResults);

for (const backend of backends()) {
  // Cells are independent (own tables or file): they run concurrently, as PostgreSQL cells mostly wait on DDL.
  describe.concurrent(`fault matrix: COMMIT fails [${backend.name}]`, () => {
    METHODS.forEach((method, m) => {
      it(cellName(method), async () => {
        const { problems, outcome } = await commitCell(backend, m);
        recordCell("commit", backend.name, cellName(method), problems, { outcome });
        expect(problems).toEqual([]);
      });
    });
  });
}
