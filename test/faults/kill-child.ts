/**
 * The writer killed by the SIGKILL column of the fault matrix (test/faults/kill.test.ts): it calls
 * every method of test/faults/methods.ts in concurrent loops on one SQLite file and prints, with a
 * write it waits for before going on, "S <m> <n>" before call n of method m, "A <m> <n>" once it
 * resolved and "R <m> <n> <error>" if it rejected.
 */
import { Database } from "../../src/index.js";
import { METHODS } from "./methods.js";
import { type Names, openCtx } from "./world.js";

const [file, namesJson, calls] = process.argv.slice(2) as [string, string, string];
const names = JSON.parse(namesJson) as Names;
const ctx = await openCtx(new Database({ filename: file }), names);
/** Resolves once the line has been handed to the OS (stdout is a non-blocking pipe). */
const say = (line: string) => new Promise<void>((resolve, reject) => process.stdout.write(line + "\n", (error) => (error ? reject(error) : resolve())));
await say("READY");
await Promise.all(
  METHODS.map(async (method, m) => {
    for (let n = 0; n < Number(calls); n++) {
      await say(`S ${m} ${n}`);
      try {
        await method.call(ctx, m, n);
        await say(`A ${m} ${n}`);
      } catch (error) {
        await say(`R ${m} ${n} ${(error as Error).constructor.name}: ${String((error as Error).message).replace(/\n/g, " ")}`);
      }
    }
  }),
);
await say("DONE");
// Wait to be killed.
setInterval(() => undefined, 1000);
