import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start many rank processes; two cores cannot run many files at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
