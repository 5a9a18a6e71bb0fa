import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'cloudpulse-out/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Starts the real servers that the selected test files declare (`// @services ...`); see test/services.
    globalSetup: ['test/services/global-setup.ts'],
  },
});
