import { defineConfig } from 'vitest/config';

// Unit tests: pure and fast, beside the code. Privileged / slow suites live in e2e/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'charts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // Debug checks of the normaliser's memo contract (docs/inject.md, "Frozen inputs").
    setupFiles: ['scripts/vitest-setup.ts'],
    // A hang guard, not a speed check (speed lives in bench/): CI machines have 2 shared cores,
    // where RSA key generation and the Go-oracle round trips take several seconds under load.
    testTimeout: 30_000,
  },
});
