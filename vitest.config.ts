import { defineConfig } from 'vitest/config';

// Unit tests (test/unit) need no server. Everything else in test/ talks to a real PostgreSQL that
// test/support/globalSetup.ts starts once (a throwaway cluster) or takes from PGIA_DATABASE_URL.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/support/globalSetup.ts', 'test/support/chromiumSetup.ts'],
        },
      },
    ],
  },
});
