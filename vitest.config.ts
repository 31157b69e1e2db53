import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // two test files at a time: most of a file's time is spent in the CLIs, servers and browsers it starts, so on
    // a 2-core machine Vitest's default (cores - 1 = one file at a time) leaves a core idle
    maxWorkers: 2,
    // one temporary folder for the whole run, removed at its end (test/global-tmp.ts)
    globalSetup: ["test/global-tmp.ts"],
  },
});
