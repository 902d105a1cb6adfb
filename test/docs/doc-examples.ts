/**
 * The docs' code blocks are tests: every ```ts / ```typescript block of README.md and docs/*.md is
 * compiled with the project's compiler options (strict), `tablekit` resolving to src/index.ts, and
 * any error is reported as `docs/x.md:LINE:COL` of the markdown file. Blocks whose info string says
 * `run` are then also run (tsx, embedded SQLite, a temporary working directory) and must exit 0.
 *
 * The convention (docs/decisions.md, "The docs' code blocks compile in CI"):
 * - Each block is its own ES module: it imports what it uses, and may use top-level `await`.
 * - Fragments may use the names declared in test/docs/doc-globals.d.ts (`db`, `users`, …), the
 *   context the docs' prose sets up; a block that declares the same name itself shadows it.
 * - ```ts setup: a block the rest of its file continues from (docs/table.md's tables). It is
 *   compiled alone, and put before each later TypeScript block of the same file, so those may use
 *   its names.
 * - ```ts no-check: not compiled (pseudo-code, signatures). Use it sparingly; the checker lists
 *   those blocks so they stay few.
 * - ```ts run: compiled, then run on embedded SQLite; it must be self-contained (no doc globals).
 * - Other languages (sh, console, sql, js, text) are not checked.
 *
 * `npx tsx test/docs/doc-examples.ts [files…]` prints the errors (exit 1) or a summary (exit 0);
 * test/docs/doc-examples.test.ts runs the same check inside `npm test`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The markdown file, relative to the repository root (`docs/table.md`). */
  file: string;
  /** 1-based line, in the markdown file, of the block's first code line (the one after the fence). */
  line: number;
  /** The language: the info string's first word (`ts`). */
  lang: string;
  /** The info string's further words (`no-check`, `run`). */
  flags: string[];
  /** The code, without the fences. */
  code: string;
  /** The file's earlier `setup` blocks, which this block continues from. */
  setup: CodeBlock[];
}

/** A problem found in a block: a compile error, or a failed run. */
export interface DocProblem {
  /** `docs/table.md:123:5`: where in the markdown file. */
  where: string;
  message: string;
}

/** Languages compiled as TypeScript. */
const TS_LANGS = new Set(["ts", "typescript"]);

/** The markdown files whose blocks are checked: README.md and docs/*.md. */
export function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/**
 * The fenced code blocks of a markdown text (``` or ~~~ fences, at most three spaces of indent, as
 * CommonMark has them; an indented fence's indent is removed from its lines).
 */
export function extractBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const setup: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = "", fence = "", info = ""] = open;
    const [lang = "", ...flags] = info.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j]!)) {
      const l = lines[j]!;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
      j++;
    }
    const block: CodeBlock = { file, line: i + 2, lang: lang.toLowerCase(), flags, code: body.join("\n"), setup: [...setup] };
    blocks.push(block);
    if (isChecked(block) && flags.includes("setup")) setup.push(block);
    i = j;
  }
  return blocks;
}

/** Whether a block is compiled. */
export function isChecked(block: CodeBlock): boolean {
  return TS_LANGS.has(block.lang) && !block.flags.includes("no-check");
}

/** The TypeScript blocks marked `no-check`, so a report can list them. */
export function uncheckedBlocks(blocks: readonly CodeBlock[]): CodeBlock[] {
  return blocks.filter((b) => TS_LANGS.has(b.lang) && b.flags.includes("no-check"));
}

/** The file name a block is written to: `docs_table.md_L123.ts`. */
function blockFileName(block: CodeBlock): string {
  return `${block.file.replace(/[^A-Za-z0-9.]/g, "_")}_L${block.line}.ts`;
}

/** Where a piece of a module's text comes from: the block, and the module line it starts at (0-based). */
interface Segment {
  block: CodeBlock;
  start: number;
  lines: number;
}

/**
 * A block's code as a module: its file's setup blocks, then the block, then `export {}` (so a
 * block without imports is a module too), with the segments to map lines back.
 */
function moduleText(block: CodeBlock): { text: string; segments: Segment[] } {
  const segments: Segment[] = [];
  let start = 0;
  for (const part of [...block.setup, block]) {
    const lines = part.code.split("\n").length;
    segments.push({ block: part, start, lines });
    start += lines;
  }
  return { text: `${[...block.setup, block].map((b) => b.code).join("\n")}\nexport {};\n`, segments };
}

/** `docs/x.md:LINE:COL` of a 0-based line and column of a block's module. */
function docPosition(segments: readonly Segment[], line: number, column: number): string {
  const segment = segments.find((s) => line >= s.start && line < s.start + s.lines) ?? segments[segments.length - 1]!;
  const docLine = segment.block.line + Math.min(line - segment.start, segment.lines - 1);
  return `${segment.block.file}:${docLine}:${column + 1}`;
}

/** Compiler options: the project's own (strict), without emit, `tablekit` mapped to the source. */
function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (parsed === undefined) throw new Error("tsconfig.json could not be read");
  const { rootDir: _rootDir, outDir: _outDir, ...options } = parsed.options;
  return {
    ...options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // Unused names are fine in an example.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: { tablekit: [join(ROOT, "src/index.ts")], "tablekit/keyv": [join(ROOT, "src/keyv.ts")], "tablekit/kv-sql": [join(ROOT, "src/kv-sql.ts")] },
  };
}

/**
 * Compiles every checked block (one program, each block its own module, with the doc globals) and
 * returns the errors, each at its line in the markdown file. The blocks are written to a
 * directory inside the repository (`.tmp/`), so their imports of other packages (zod, pino, …)
 * resolve from node_modules.
 */
export function compileBlocks(blocks: readonly CodeBlock[]): DocProblem[] {
  const checked = blocks.filter(isChecked);
  if (checked.length === 0) return [];
  const dir = join(ROOT, ".tmp", `doc-examples-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    const byFile = new Map<string, Segment[]>();
    for (const block of checked) {
      const path = join(dir, blockFileName(block));
      const { text, segments } = moduleText(block);
      writeFileSync(path, text);
      byFile.set(path, segments);
    }
    const globals = join(ROOT, "test/docs/doc-globals.d.ts");
    const program = ts.createProgram({ rootNames: [globals, ...byFile.keys()], options: compilerOptions() });
    const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics(), ...program.getGlobalDiagnostics()];
    const problems = new Map<string, DocProblem>();
    for (const d of diagnostics) {
      const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      const segments = d.file === undefined ? undefined : byFile.get(d.file.fileName) ?? byFile.get(ts.sys.resolvePath(d.file.fileName));
      let where = "(compiler)";
      if (d.file !== undefined && d.start !== undefined) {
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        // An error outside the blocks (src/, the globals file) is reported where it is.
        where = segments === undefined ? `${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}` : docPosition(segments, line, character);
      }
      // A setup block's error shows in every block that continues from it: report it once.
      problems.set(`${where} ${message}`, { where, message });
    }
    return sortProblems([...problems.values()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The blocks flagged `run`. */
export function runnableBlocks(blocks: readonly CodeBlock[]): CodeBlock[] {
  return blocks.filter((b) => isChecked(b) && b.flags.includes("run"));
}

/**
 * Runs a `run` block with tsx in a fresh temporary working directory on the embedded default
 * (no DATABASE_URL, so ./tablekit.db there), and resolves to a problem if it does not exit 0
 * within `timeoutMs`.
 */
export async function runBlock(block: CodeBlock, timeoutMs = 30_000): Promise<DocProblem | undefined> {
  const work = join(tmpdir(), `tablekit-doc-run-${process.pid}-${block.line}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  // Inside the repository, so imports resolve from node_modules; run in the temporary directory.
  const dir = join(ROOT, ".tmp", `doc-run-${process.pid}-${Date.now()}-${block.line}`);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, blockFileName(block));
  writeFileSync(script, moduleText(block).text);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json") };
  delete env["DATABASE_URL"];
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", tsx, script], { cwd: work, env });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("close", (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, output });
      });
    });
    if (code === 0) return undefined;
    return { where: `${block.file}:${block.line}`, message: `the \`run\` block exited with ${code}:\n${output.trim()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every block of the given markdown files (default: README.md and docs/*.md). */
export function collectBlocks(files: readonly string[] = docFiles()): CodeBlock[] {
  return files.flatMap((file) => extractBlocks(file, readFileSync(join(ROOT, file), "utf8")));
}

/** Problems in file order, then line and column order. */
export function sortProblems(problems: DocProblem[]): DocProblem[] {
  const key = (p: DocProblem): [string, number, number] => {
    const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(p.where);
    return m === null ? [p.where, 0, 0] : [m[1]!, Number(m[2]), Number(m[3] ?? 0)];
  };
  return problems.sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}

/** `docs/x.md:12:3 - TS2304: Cannot find name 'y'.`, one per line. */
export function formatProblems(problems: readonly DocProblem[]): string {
  return problems.map((p) => `${p.where} - ${p.message}`).join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = process.argv.slice(2).map((f) => relative(ROOT, join(process.cwd(), f)));
  const blocks = collectBlocks(files.length > 0 ? files : undefined);
  const started = performance.now();
  const problems = compileBlocks(blocks);
  for (const block of problems.length === 0 ? runnableBlocks(blocks) : []) {
    const problem = await runBlock(block);
    if (problem !== undefined) problems.push(problem);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const checked = blocks.filter(isChecked).length;
  for (const b of uncheckedBlocks(blocks)) console.log(`${b.file}:${b.line} - not checked (ts no-check)`);
  if (problems.length > 0) {
    console.error(formatProblems(problems));
    console.error(`\n${problems.length} problem(s) in ${checked} checked block(s) (${seconds} s)`);
    process.exitCode = 1;
  } else {
    console.log(`${checked} block(s) compile, ${runnableBlocks(blocks).length} of them ran (${seconds} s)`);
  }
}
