import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // `tablekit` is this repository's source, as in tsconfig.json "paths": tests that import
    // examples/ (which import the package by name) need no build step.
    alias: [
      { find: /^tablekit$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^tablekit\/keyv$/, replacement: fileURLToPath(new URL("./src/keyv.ts", import.meta.url)) },
      { find: /^tablekit\/kv-sql$/, replacement: fileURLToPath(new URL("./src/kv-sql.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Test files share one PostgreSQL database; each uses its own uniquely named tables.
    fileParallelism: true,
    pool: "forks",
  },
});
