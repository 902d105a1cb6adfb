/**
 * No backend-name branches outside the backend folders (docs/architecture.md): the core asks the
 * dialect's capabilities instead. Exceptions, each listed in docs/architecture.md: src/kv (its own
 * split is under way), src/config (URL schemes, default ports and users), and the SQL lexers,
 * which branch on a `SqlFlavor` the dialect supplies, not on the backend.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

const EXEMPT = [/^src\/backends\//, /^src\/kv\//, /^src\/config\//, /^src\/sql\/sql-tokens\.ts$/, /^src\/sql\/split-statements\.ts$/, /^src\/cli\/sql-script\.ts$/];

/** A comparison with a backend's name: `=== "sqlite"`, `!== 'postgres'`, `case "cockroachdb":`. */
const NAME_CHECK = /(?:[!=]==?\s*["'](?:sqlite|postgres|cockroachdb)["'])|(?:["'](?:sqlite|postgres|cockroachdb)["']\s*[!=]==?)|(?:case\s+["'](?:sqlite|postgres|cockroachdb)["']\s*:)/;

/** The lines of `text` that compare with a backend name, comments left out. */
export function nameChecks(text: string): string[] {
  return text.split("\n").filter((line) => !/^\s*(?:\*|\/\/|\/\*)/.test(line) && NAME_CHECK.test(line.replace(/\/\/.*$/, "")));
}

describe("backend names", () => {
  it("recognises a name check, and not a mention", () => {
    expect(nameChecks('if (db.dialect === "sqlite") return;\n/** "sqlite" or "postgres" */\nconst x = "postgres";\nswitch (d) {\n  case "cockroachdb":')).toEqual([
      'if (db.dialect === "sqlite") return;',
      '  case "cockroachdb":',
    ]);
  });

  it("are compared only inside the backend folders (and the listed exceptions)", () => {
    const found: string[] = [];
    for (const file of sourceFiles(join(ROOT, "src"))) {
      const name = relative(ROOT, file);
      if (EXEMPT.some((e) => e.test(name))) continue;
      for (const line of nameChecks(readFileSync(file, "utf8"))) found.push(`${name}: ${line.trim()}`);
    }
    expect(found).toEqual([]);
  });
});
