import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Real PTYs and real CLIs: forks isolate native handles and keep one test file's agents
    // from starving another's event loop.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
