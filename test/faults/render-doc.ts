/**
 * Writes docs/fault-matrix.md from the matrix's definitions (test/faults/methods.ts,
 * test/faults/faults.ts) and the outcomes the last run of test/faults recorded in .tmp/faults/.
 * A cell no run recorded reads "not run": the document states only what the tests measured.
 *
 *     npx vitest run test/faults && npm run faults:doc
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { FAULTS, SETTLE_BOUND_MS, type CellResult } from "./faults.js";
import { METHODS, methodLabel } from "./methods.js";

interface ResultFile {
  fault: string;
  backend: string;
  at: string;
  stress: boolean;
  cells: CellResult[];
}

const BACKENDS = ["sqlite", "postgres"] as const;
const BACKEND_TITLE = { sqlite: "SQLite", postgres: "PostgreSQL" } as const;

function load(fault: string, backend: string): ResultFile | undefined {
  const file = `.tmp/faults/${fault}-${backend}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ResultFile) : undefined;
}

/** A short name for a problem, for the table; the full text is listed below it. */
function symptom(problem: string): string {
  if (problem.includes("where its COMMIT must fail")) return problem.includes("nothing of it is stored") ? "resolved, not stored" : "resolved";
  if (problem.includes("the next write on the same Database") && problem.includes("absent after reopen")) return "next write lost (transaction left open)";
  if (problem.includes("the next write on the same Database")) return "next write failed";
  if (problem.includes("the next transaction on the same Database") && problem.includes("absent after reopen")) return "next transaction lost";
  if (problem.includes("the next transaction on the same Database")) return "next transaction failed";
  if (/resolved, but its effect is absent/.test(problem)) return "resolved, not stored";
  if (/resolved, but its effect is partial/.test(problem)) return "resolved, half stored";
  if (/acknowledged, but its effect/.test(problem)) return "acknowledged, not stored";
  if (/half applied|but its effect is partial/.test(problem)) return "half applied";
  if (/returned .* but the stored row reads/.test(problem)) return "returned row ≠ stored row";
  const rejected = /rejected \((\w+): ([^)]*)\) where it must succeed/.exec(problem);
  if (rejected) return `rejected: ${rejected[1]} "${rejected[2]!.slice(0, 50)}"`;
  if (problem.includes("did not settle")) return "did not settle";
  if (problem.includes("non-TablekitError")) return "untyped error";
  return problem.slice(0, 60);
}

const notes: string[] = [];
const failures: string[] = [];

function cell(faultId: string, backend: (typeof BACKENDS)[number], method: string): string {
  const fault = FAULTS.find((f) => f.id === faultId)!;
  if (!fault.backends.includes(backend)) {
    const reason = fault.notApplicable[backend] ?? "does not apply";
    let index = notes.indexOf(reason);
    if (index < 0) index = notes.push(reason) - 1;
    return `n/a [^${index + 1}]`;
  }
  const result = load(faultId, backend)?.cells.find((c) => c.method === method);
  if (result === undefined) return "not run";
  const figures =
    result.figures !== undefined
      ? ` (${result.figures["acked"]} acked, ${result.figures["inFlight"]} in flight)`
      : result.outcome !== undefined
        ? ` (${result.outcome})`
        : "";
  if (result.problems.length === 0) return `pass${figures}`;
  const number = failures.length + 1;
  failures.push(`${number}. ${fault.title} × ${method} [${BACKEND_TITLE[backend]}]:\n${result.problems.map((p) => `   - ${p}`).join("\n")}`);
  const kinds = [...new Set(result.problems.map(symptom))].join("; ");
  return `**FAIL**: ${kinds}${figures} ([${number}](#f${number}))`;
}

function table(backend: (typeof BACKENDS)[number]): string {
  const head = `| method | ${FAULTS.map((f) => f.title).join(" | ")} |`;
  const rule = `|---|${FAULTS.map(() => "---").join("|")}|`;
  const rows = METHODS.map((method) => {
    const label = methodLabel(method);
    return `| ${label} | ${FAULTS.map((f) => cell(f.id, backend, label)).join(" | ")} |`;
  });
  return [head, rule, ...rows].join("\n");
}

function runInfo(): string {
  const runs = FAULTS.flatMap((f) => BACKENDS.map((b) => load(f.id, b))).filter((r): r is ResultFile => r !== undefined);
  if (runs.length === 0) return "No run recorded yet.";
  const times = runs.map((r) => r.at).sort();
  const stress = runs.some((r) => r.stress) ? (runs.every((r) => r.stress) ? "a stress run (TABLEKIT_STRESS=1)" : "a mix of normal and stress runs") : "a normal run (npm test sizes)";
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  return `Measured by ${stress} between ${times[0]} and ${times[times.length - 1]}, at commit ${commit} (the tree the doc was rendered from).`;
}

const sqliteTable = table("sqlite");
const postgresTable = table("postgres");
const faultRows = FAULTS.map(
  (f) => `| ${f.title} | ${f.how} | ${f.expects} | ${f.backends.map((b) => BACKEND_TITLE[b]).join(", ")} |`,
).join("\n");

const doc = `# Fault matrix

Every public write method, under every fault that applies to it, on every backend it applies to.
Generated by \`npm run faults:doc\` from the tests in \`test/faults/\` and the outcomes their last
run recorded; it states only what those tests measured. ${runInfo()}

Every cell checks, for each call it makes: the promise settles within ${SETTLE_BOUND_MS / 1000} s; it rejects with a
\`TablekitError\` subclass and nothing of the call is stored, or it resolves and the whole change is
there after the file (or connection) is reopened; nothing that rejected is half applied. Each
column narrows that where the outcome is known:

| fault | how it is injected | what each cell asserts | backends |
|---|---|---|---|
${faultRows}

The short matrix runs in \`npm test\`; \`npm run test:stress\` repeats the SQLITE_BUSY cells 10
times each and kills the writer 20 times with longer runs. Adding a method is one entry in
\`test/faults/methods.ts\`; adding a fault is one entry in \`test/faults/faults.ts\` and one test
file.

## SQLite

${sqliteTable}

## PostgreSQL

${postgresTable}

${notes.map((note, i) => `[^${i + 1}]: ${note}`).join("\n")}

## Failures, in full

${failures.length === 0 ? "None." : failures.map((f) => f.replace(/^(\d+)\./, '<a id="f$1"></a>$1.')).join("\n")}
`;

writeFileSync("docs/fault-matrix.md", doc);
console.log(`docs/fault-matrix.md: ${failures.length} failing cells`);
