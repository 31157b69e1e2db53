import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // one temporary folder for the whole run, removed at its end (test/global-tmp.ts)
    globalSetup: ["test/global-tmp.ts"],
  },
});
