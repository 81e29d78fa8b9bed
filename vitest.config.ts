import { defineConfig } from 'vitest/config';

// Unit tests: pure and fast, beside the code. Privileged / slow suites live in e2e/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'charts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
  },
});
