import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Set-ups start servers and Chromium, slower when the whole suite runs on two cores at once.
    hookTimeout: 60_000,
  },
});
