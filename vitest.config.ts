import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Loopback servers on random ports; a couple of files at a time keeps 2-core machines responsive.
    maxWorkers: 2,
  },
});
