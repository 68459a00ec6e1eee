import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: configDefaults.exclude,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Loopback servers on random ports; a couple of files at a time keeps 2-core machines responsive.
    maxWorkers: 2,
  },
});
