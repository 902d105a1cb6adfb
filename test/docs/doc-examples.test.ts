/**
 * The docs' code blocks compile (and the `run` ones run): README.md and docs/*.md, checked by
 * test/docs/doc-examples.ts. Broken blocks of a made-up markdown file are compiled in the same
 * program, so the check is shown to fail, at the right markdown line, when a block is wrong.
 */
import { describe, expect, it } from "vitest";
import { collectBlocks, compileBlocks, extractBlocks, formatProblems, isChecked, runBlock, runnableBlocks, uncheckedBlocks } from "./doc-examples.js";

const BROKEN = [
  "# Made up",
  "",
  "```ts",
  'import { Database } from "tablekit";',
  "const db: Database = new Database();",
  "await db.selectOne(42);",
  "```",
  "",
  "```ts setup",
  "const shared = 1;",
  "```",
  "",
  "```typescript",
  "const text: string = shared;",
  "```",
  "",
  "```ts no-check",
  "this is not TypeScript",
  "```",
  "",
  "```sh",
  "echo not checked",
  "```",
].join("\n");

describe("the docs' code blocks", () => {
  const blocks = collectBlocks();

  it("finds the TypeScript blocks of README.md and docs/*.md", () => {
    const files = new Set(blocks.filter(isChecked).map((b) => b.file));
    expect(files).toContain("README.md");
    expect(files).toContain("docs/database.md");
    expect(runnableBlocks(blocks).map((b) => b.file)).toContain("README.md");
  });

  it("reads fences, info strings and setup blocks", () => {
    const made = extractBlocks("made-up.md", BROKEN);
    expect(made.map((b) => [b.line, b.lang, b.flags])).toEqual([
      [4, "ts", []],
      [10, "ts", ["setup"]],
      [14, "typescript", []],
      [18, "ts", ["no-check"]],
      [22, "sh", []],
    ]);
    expect(made.filter(isChecked)).toHaveLength(3);
    expect(uncheckedBlocks(made).map((b) => b.line)).toEqual([18]);
    expect(made[2]!.setup.map((b) => b.line)).toEqual([10]);
  });

  it("compile, and a wrong block is reported at its markdown line", { timeout: 120_000 }, () => {
    const problems = compileBlocks([...blocks, ...extractBlocks("made-up.md", BROKEN)]);
    const ours = problems.filter((p) => p.where.startsWith("made-up.md:"));
    const docs = problems.filter((p) => !p.where.startsWith("made-up.md:"));
    // Each problem names the markdown file, line and column: fix the block there.
    expect(formatProblems(docs), "docs' code blocks that do not compile").toBe("");
    expect(ours.map((p) => `${p.where} ${p.message.slice(0, 6)}`)).toEqual([
      "made-up.md:6:20 TS2345", // selectOne(42): not a table name
      "made-up.md:14:7 TS2322", // a number from the setup block is not a string
    ]);
  });

  it.each(runnableBlocks(blocks).map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s runs on embedded SQLite",
    { timeout: 60_000 },
    async (_where, block) => {
      const problem = await runBlock(block);
      expect(problem?.message).toBeUndefined();
    },
  );

  it("a `run` block that throws is reported", { timeout: 60_000 }, async () => {
    const [block] = extractBlocks("made-up.md", '```ts run\nthrow new Error("boom");\n```\n');
    const problem = await runBlock(block!);
    expect(problem?.where).toBe("made-up.md:2");
    expect(problem?.message).toContain("boom");
  });
});
