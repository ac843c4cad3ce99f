import { defineConfig } from 'vitest/config';

/**
 * The kernel compile suite: builds a real kernel from Debian's linux-source-6.1 (minutes on two
 * cores) and boots it. Kept out of the default run; start it with
 *   npx vitest run --config test/kernel/vitest.config.ts
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/kernel/**/*.suite.ts'],
    // The same set-up as the main suite (dist/ built, static tools in the shared cache), so this
    // suite runs alone on a fresh machine.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
