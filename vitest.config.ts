import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Boot tests run QEMU under TCG; each boot takes seconds, so give them room.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Two cores: boot tests and builds fight for CPU when run in parallel files.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
