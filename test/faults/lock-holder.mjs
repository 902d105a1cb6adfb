// A foreign process for the SQLITE_BUSY columns of the fault matrix (test/faults/faults.ts):
// plain better-sqlite3, no tablekit. Commands on stdin, one per line:
//   hold <file>  opens the file and takes its write lock (BEGIN IMMEDIATE), answers "held"
//   release      commits (nothing was written), closes the file, answers "released"
import Database from "better-sqlite3";
import { createInterface } from "node:readline";

let db;
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const space = line.indexOf(" ");
    const command = space < 0 ? line : line.slice(0, space);
    try {
      if (command === "hold") {
        db = new Database(line.slice(space + 1));
        db.pragma("busy_timeout = 10000");
        db.exec("BEGIN IMMEDIATE");
        process.stdout.write("held\n");
      } else if (command === "release") {
        db.exec("COMMIT");
        db.close();
        db = undefined;
        process.stdout.write("released\n");
      } else {
        process.stdout.write(`unknown command ${command}\n`);
      }
    } catch (error) {
      process.stdout.write(`error ${String(error).replace(/\n/g, " ")}\n`);
    }
  })
  .on("close", () => process.exit(0));
