import { defineConfig } from 'vitest/config';

// Real-kernel / real-runtime suites. They need root and system tools; each suite skips with a
// stated reason when the machine cannot run it. Files run one at a time: they share the host's
// netfilter modules, containerd state directories and CPU.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
