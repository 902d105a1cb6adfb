/**
 * Fault matrix, column "SIGKILL" (test/faults/faults.ts), SQLite only: a child process calls every
 * method in concurrent loops (test/faults/kill-child.ts) and reports each acknowledged call; the
 * parent kills it with SIGKILL at a random moment, reopens the file and judges every call of every
 * method. More kills and longer runs under TABLEKIT_STRESS=1.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { scale } from "../reliability/scale.js";
import { selectedBackendNames, tempDir } from "../support/backends.js";
import { cellName, recordCell, writeResults } from "./faults.js";
import { METHODS } from "./methods.js";
import { createSchema, describeSlots, freshNames, type Names, seed, snapshot, statusOf } from "./world.js";

const KILLS = scale(2, 20);
/** Calls per method and run: more than a run makes before it is killed. */
const CALLS = scale(300, 2000);
/** The kill comes this long after the child is ready (uniformly at random). */
const KILL_AFTER_MS: [number, number] = [50, scale(500, 2500)];

interface Run {
  started: Set<string>;
  acked: Set<string>;
  rejected: Map<string, string>;
  done: boolean;
}

function runAndKill(file: string, names: Names): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "kill-child.ts"), file, JSON.stringify(names), String(CALLS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: Run = { started: new Set(), acked: new Set(), rejected: new Map(), done: false };
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const [kind, m, n, ...rest] = line.split(" ");
        if (kind === "READY") {
          const delay = KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]);
          setTimeout(() => child.kill("SIGKILL"), delay);
        } else if (kind === "DONE") run.done = true;
        else if (kind === "S") run.started.add(`${m} ${n}`);
        else if (kind === "A") run.acked.add(`${m} ${n}`);
        else if (kind === "R") run.rejected.set(`${m} ${n}`, rest.join(" "));
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(run);
      else reject(new Error(`the writer exited by itself (code ${code}): ${stderr}`));
    });
  });
}

describe.runIf(selectedBackendNames().includes("sqlite"))("fault matrix: SIGKILL of the writing process [sqlite]", () => {
  const problems = METHODS.map(() => [] as string[]);
  const figures = METHODS.map(() => ({ acked: 0, inFlight: 0, rejected: 0 }));
  let runs = 0;

  beforeAll(async () => {
    for (let k = 0; k < KILLS; k++) {
      const file = join(tempDir(), `kill-${k}.db`);
      const names = freshNames();
      const calls = Array.from({ length: CALLS }, (_, n) => n);
      const setup = new Database({ filename: file });
      try {
        await createSchema(setup, names, { fk: false });
        await seed(setup, names, { slots: METHODS.flatMap((method, m) => calls.map((n) => method.before(m, n))) });
      } finally {
        await setup.close();
      }
      const run = await runAndKill(file, names);
      runs++;
      const check = new Database({ filename: file });
      let world;
      try {
        world = await snapshot(check, names);
      } finally {
        await check.close();
      }
      METHODS.forEach((method, m) => {
        for (const n of calls) {
          const id = `${m} ${n}`;
          const before = method.before(m, n);
          const after = method.after(m, n);
          const status = statusOf(world, before, after);
          const where = `kill ${k}, call ${n}`;
          const slots = () => describeSlots(world, before, after);
          if (run.acked.has(id)) {
            figures[m]!.acked++;
            if (status !== "present") problems[m]!.push(`${where}: acknowledged, but its effect is ${status} after reopen (${slots()})`);
          } else if (run.rejected.has(id)) {
            figures[m]!.rejected++;
            if (status !== "absent") problems[m]!.push(`${where}: rejected (${run.rejected.get(id)}), but its effect is ${status} after reopen (${slots()})`);
          } else if (run.started.has(id)) {
            figures[m]!.inFlight++;
            if (status === "partial") problems[m]!.push(`${where}: in flight at the kill, and half applied after reopen (${slots()})`);
          } else if (status !== "absent") {
            problems[m]!.push(`${where}: never started, but its effect is ${status} after reopen (${slots()})`);
          }
        }
      });
    }
  }, 600_000);

  afterAll(writeResults);

  METHODS.forEach((method, m) => {
    it(cellName(method), () => {
      expect(runs).toBe(KILLS);
      const f = figures[m]!;
      recordCell("kill", "sqlite", cellName(method), problems[m]!, { figures: { kills: KILLS, ...f } });
      // A run killed before this method acknowledged anything would test nothing.
      expect(f.acked).toBeGreaterThan(0);
      expect(problems[m]).toEqual([]);
    });
  });
});
