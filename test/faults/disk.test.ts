/**
 * Fault matrix, column "disk full" (test/faults/faults.ts), SQLite only: the database file on a
 * 2 MiB tmpfs this file mounts (as root), filled to the last byte just before each call. Under CI
 * (TABLEKIT_REQUIRE_BACKENDS=1) failing to mount is a failure, not a skip.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectedBackendNames } from "../support/backends.js";
import { cellName, diskCell, mountTmpfs, recordCell, unmount, writeResults } from "./faults.js";
import { METHODS } from "./methods.js";

const REQUIRED = process.env["TABLEKIT_REQUIRE_BACKENDS"] === "1";

describe.runIf(selectedBackendNames().includes("sqlite"))("fault matrix: disk full [sqlite]", () => {
  let mount = "";
  let mounted = false;
  let mountError: unknown;

  beforeAll(async () => {
    mount = mkdtempSync(join(tmpdir(), "tablekit-full-"));
    try {
      await mountTmpfs(mount);
      mounted = true;
    } catch (error) {
      mountError = error;
    }
  });
  afterAll(async () => {
    writeResults();
    if (mounted) await unmount(mount);
    if (mount !== "") rmSync(mount, { recursive: true, force: true });
  });

  METHODS.forEach((method, m) => {
    it(cellName(method), async (context) => {
      if (!mounted) {
        if (REQUIRED) throw new Error(`cannot mount a tmpfs (root needed): ${String(mountError)}`);
        context.skip(`cannot mount a tmpfs (root needed): ${String(mountError)}`);
      }
      const { problems, outcome } = await diskCell(mount, m);
      recordCell("disk", "sqlite", cellName(method), problems, { outcome });
      expect(problems).toEqual([]);
    });
  });
});
