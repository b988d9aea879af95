import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests share one throwaway cluster; files use their own databases.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
