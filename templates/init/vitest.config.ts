import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // createTestStrata makes a fresh in-memory database: 10 to 40 s.
    hookTimeout: 120_000,
    testTimeout: 60_000,
  },
});
