/**
 * Issue #16, step 5: tablekit's statements are `sql` fragments until the edge, and placeholders
 * are written in one place, sql/render.ts (docs/architecture.md, "SQL forms"). This test reads the
 * source: outside the two backend folders (which define their placeholder style and write their
 * own catalog queries), no module calls a dialect's `placeholder` or renders a fragment itself
 * (backends/common's key-value statements included), and there is one filter compiler.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** The code of a module without its comments (TSDoc examples show `.render(…)`). */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

const files = sourceFiles(SRC).map((file) => ({ name: relative(SRC, file), text: code(file) }));
const outsideEdge = files.filter((f) => !f.name.startsWith("backends/sqlite/") && !f.name.startsWith("backends/postgres/"));

describe("one SQL form from filter to driver", () => {
  it("writes placeholders only in sql/render.ts", () => {
    const writers = outsideEdge.filter((f) => /\.placeholder\s*\(|\.render\s*\(/.test(f.text)).map((f) => f.name);
    expect(writers).toEqual(["sql/render.ts"]);
  });

  it("writes no PostgreSQL-style placeholder ($1) into SQL text outside the backends", () => {
    const writers = outsideEdge.filter((f) => /["'`][^"'`\n]*\$\d[^"'`\n]*["'`]/.test(f.text)).map((f) => f.name);
    expect(writers).toEqual([]);
  });

  it("has one filter compiler, and nothing compiles filter text", () => {
    const compilers = files.filter((f) => /export function compileWhere\w*\s*\(/.test(f.text)).map((f) => f.name);
    expect(compilers).toEqual(["sql/where.ts"]);
    expect(files.find((f) => f.name === "sql/where.ts")!.text).not.toMatch(/export function compileWhere\s*\(/);
  });
});
