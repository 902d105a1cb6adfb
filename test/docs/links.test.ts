/**
 * The links of README.md and docs/*.md work where people read them: every relative link names a
 * file that exists, and a heading that exists when it has an `#anchor` (GitHub's slugs), and every
 * file they link to is in the published package (package.json "files"), so the links also work in
 * node_modules/tablekit. On npmjs.com relative links resolve against the `repository` URL
 * (docs/decisions.md, "First contact").
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, matchesGlob, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, docFiles, extractBlocks } from "./doc-examples.js";

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a markdown file's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
function anchors(text: string): Set<string> {
  const codeLines = new Set<number>();
  for (const block of extractBlocks("", text)) {
    const lines = block.code.split("\n").length;
    for (let i = block.line - 1; i <= block.line + lines; i++) codeLines.add(i);
  }
  const seen = new Map<string, number>();
  const result = new Set<string>();
  text.split("\n").forEach((line, i) => {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null || codeLines.has(i + 1)) return;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  });
  return result;
}

/** Relative link targets of a markdown text (not inside code blocks or code spans). */
function links(text: string): string[] {
  const blocks = extractBlocks("", text);
  const lines = text.split("\n");
  for (const block of blocks) for (let i = block.line - 1; i < block.line - 1 + block.code.split("\n").length; i++) lines[i] = "";
  const prose = lines.join("\n").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

const files: string[] = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files;
const published = (path: string): boolean => files.some((pattern) => path === pattern || path.startsWith(`${pattern}/`) || matchesGlob(path, pattern));

describe("links in README.md and docs/*.md", () => {
  it.each(docFiles())("%s: relative links reach files, headings and the package", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const problems: string[] = [];
    for (const target of links(text)) {
      const [path = "", anchor] = target.split("#");
      const resolved = path === "" ? file : normalize(relative(ROOT, join(ROOT, dirname(file), path)));
      if (!existsSync(join(ROOT, resolved))) {
        problems.push(`${target}: no file ${resolved}`);
        continue;
      }
      const isDirectory = statSync(join(ROOT, resolved)).isDirectory();
      const shipped = isDirectory ? files.some((pattern) => pattern === resolved || pattern.startsWith(`${resolved}/`)) : published(resolved);
      if (!shipped) problems.push(`${target}: ${resolved} is not in package.json "files"`);
      if (anchor !== undefined && resolved.endsWith(".md") && !anchors(readFileSync(join(ROOT, resolved), "utf8")).has(anchor)) {
        problems.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("finds a broken link, a missing heading and an unpublished file", () => {
    expect(links("[a](docs/x.md#y) `[b](c.md)` [web](https://example.com) [top](#intro)")).toEqual(["docs/x.md#y", "#intro"]);
    expect([...anchors("# Raw SQL: `execute` and the `sql` tag\n## Errors\n## Errors\n```ts\n# not a heading\n```\n")]).toEqual([
      "raw-sql-execute-and-the-sql-tag",
      "errors",
      "errors-1",
    ]);
    expect(published("docs/table.md")).toBe(true);
    expect(published("dist/index.js")).toBe(true);
    expect(published("test/docs/links.test.ts")).toBe(false);
  });
});
