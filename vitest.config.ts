import { defineConfig } from "vitest/config";

export default defineConfig({
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
