/**
 * No backend-name branches outside the backend folders (docs/architecture.md): the core asks the
 * dialect's capabilities instead (and src/config asks the backend registry what a URL scheme means
 * and what a server dialect defaults to). Exceptions, each listed in docs/architecture.md: the SQL
 * lexers, which branch on a `SqlFlavor` the dialect
 * supplies, not on the backend.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

const EXEMPT = [/^src\/backends\//, /^src\/sql\/sql-tokens\.ts$/, /^src\/sql\/split-statements\.ts$/, /^src\/cli\/sql-script\.ts$/];

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

/**
 * A backend's folder is reached only through the registry and the two entry points: no other
 * module imports from `src/backends/sqlite/` or `src/backends/postgres/` (pieces both need live in
 * `src/backends/common/`). Exceptions, each listed in docs/architecture.md.
 */
const REACH_IN_ALLOWED: ReadonlyMap<string, RegExp> = new Map([
  ["src/backends/registry.ts", /^src\/backends\/(?:sqlite|postgres)\/index\.ts$/],
  ["src/sqlite.ts", /^src\/backends\/sqlite\/(?:index|sqlite-driver)\.ts$/],
  ["src/postgres.ts", /^src\/backends\/postgres\/(?:index|postgres-driver)\.ts$/],
]);

/** The modules a source file imports (static and dynamic), as paths relative to the root. */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
    found.push(relative(ROOT, join(dirname(file), m[1]!)).replace(/\.js$/, ".ts"));
  }
  return found;
}

describe("backend folders", () => {
  it("are imported from outside only through the registry, the entry points and the listed exceptions", () => {
    const found: string[] = [];
    for (const file of sourceFiles(join(ROOT, "src"))) {
      const name = relative(ROOT, file);
      const own = /^src\/backends\/(sqlite|postgres)\//.exec(name)?.[1];
      for (const target of importsOf(file, readFileSync(file, "utf8"))) {
        const backend = /^src\/backends\/(sqlite|postgres)\//.exec(target)?.[1];
        if (backend === undefined || backend === own) continue;
        if (REACH_IN_ALLOWED.get(name)?.test(target) === true) continue;
        found.push(`${name} → ${target}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("recognises an import into a backend folder", () => {
    const file = join(ROOT, "src/crud/x.ts");
    expect(importsOf(file, 'import { a } from "../backends/sqlite/sqlite-types.js";\nconst m = await import("../backends/postgres/index.js");')).toEqual([
      "src/backends/sqlite/sqlite-types.ts",
      "src/backends/postgres/index.ts",
    ]);
  });
});
