/**
 * The module graph of src/ (docs/architecture.md): no import cycles, and the entry points load
 * only the database libraries they should.
 *
 * Edges are the imports that run: `import … from`, `export … from` and bare `import "…"`.
 * `import type`/`export type` are left out: they are erased when compiled, so they cannot make a
 * module load before its dependencies, and the public types legitimately name each other
 * (`Queryable.transaction` hands its callback a `Transaction`, which is a `Queryable`;
 * `db.table()` returns a Table whose `db` is that Database). `import { type X }` counts as an
 * edge: with `verbatimModuleSyntax` it stays in the output as `import {} from "…"`. Dynamic
 * `import()` is left out too: the backend registry uses it to load a driver on first connect.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** The static, non-type-only import specifiers of a module's text. */
export function runtimeImports(text: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\bfrom\s*)?["']([^"']+)["']/gm;
  for (const m of text.matchAll(statement)) if (m[1] === undefined) specifiers.push(m[2]!);
  return specifiers;
}

interface Graph {
  /** Local module → local modules it imports. */
  readonly local: Map<string, string[]>;
  /** Local module → packages it imports. */
  readonly packages: Map<string, string[]>;
}

function graph(): Graph {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const specs = runtimeImports(readFileSync(file, "utf8"));
    const name = relative(ROOT, file);
    local.set(name, specs.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, join(dirname(file), s.replace(/\.js$/, ".ts")))));
    packages.set(name, specs.filter((s) => !s.startsWith(".")));
  }
  return { local, packages };
}

/** Every cycle's modules (strongly connected components of more than one module, or a self-import). */
function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

/** The packages an entry point loads when imported. */
function packagesLoadedBy(g: Graph, entry: string): Set<string> {
  const seen = new Set<string>();
  const loaded = new Set<string>();
  const walk = (m: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const p of g.packages.get(m) ?? []) loaded.add(p);
    for (const next of g.local.get(m) ?? []) walk(next);
  };
  walk(entry);
  return loaded;
}

describe("src/ module graph", () => {
  const g = graph();

  it("parses the import forms it counts, and skips type-only ones", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'export type { C } from "./c.js";',
      'export { d } from "./d.js";',
      'import "./e.js";',
      'import {\n  type F,\n  g,\n} from "./f.js";',
      'const lazy = () => import("./h.js");',
    ].join("\n");
    expect(runtimeImports(text)).toEqual(["./a.js", "./d.js", "./e.js", "./f.js"]);
  });

  it("has no import cycle", () => {
    expect(g.local.size).toBeGreaterThan(50);
    expect(cycles(g.local)).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const edges = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cycles(edges)).toEqual([["a", "b", "c"]]);
  });

  const SQLITE = ["better-sqlite3"];
  const POSTGRES = ["pg", "pg-cursor", "pg-copy-streams"];
  it.each([
    ["src/index.ts", [...SQLITE, ...POSTGRES]],
    ["src/keyv.ts", [...SQLITE, ...POSTGRES]],
    ["src/kv-sql.ts", [...SQLITE, ...POSTGRES]],
    ["src/sqlite.ts", POSTGRES],
    ["src/postgres.ts", SQLITE],
  ])("%s does not load %j when imported (drivers load on first connect)", (entry, libraries) => {
    const loaded = packagesLoadedBy(g, entry);
    expect(loaded.size).toBeGreaterThan(0);
    expect(libraries.filter((l) => loaded.has(l))).toEqual([]);
  });

  it.each(["src/backends/registry.ts", "src/config/connection-config.ts"])("%s loads no database library (a config resolves with the registry's URL descriptors)", (module) => {
    expect(g.local.has(module)).toBe(true);
    const loaded = packagesLoadedBy(g, module);
    expect([...SQLITE, ...POSTGRES].filter((l) => loaded.has(l))).toEqual([]);
  });

  it("tablekit/sqlite loads better-sqlite3 and tablekit/postgres loads pg up front", () => {
    expect(packagesLoadedBy(g, "src/sqlite.ts").has("better-sqlite3")).toBe(true);
    expect(packagesLoadedBy(g, "src/postgres.ts").has("pg")).toBe(true);
  });
});
