/**
 * Conformance with Istio's own goldens from the istio.io/istio module pinned in oracle/go.mod
 * (read from the Go module cache, so a clone alone runs it): .ci/conformance.mjs runs every suite
 * (kube-inject, kube-inject with Istio's template texts, the webhook core, the webhook process
 * over real TLS, istio-iptables, nft, CNI rules, CNI install), checks that Istio's own code
 * reproduces each golden with the case table's settings, and fails when a case of
 * .ci/conformance-baseline.txt stops passing. Needs Go >= 1.26 (the oracle) and the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe("conformance with Istio's goldens from the pinned module", () => {
  it('passes every baseline case, and every case the module has', { timeout: 1_500_000 }, () => {
    expect(existsSync(path.join(root, 'dist', 'sidecar-kit.js')), 'npm run build first').toBe(true);
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '.ci/conformance.mjs', '--quiet'], {
      cwd: root, encoding: 'utf8', timeout: 1_400_000, maxBuffer: 64 << 20,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    process.stdout.write(out.split('\n').filter((l) => /^(FAIL|REGRESSED|conformance:|[a-z-]+: \d+ passed)/.test(l)).join('\n') + '\n');
    expect(r.status, out.slice(-4000)).toBe(0);
    expect(out).toMatch(/^conformance: \d+ passed, 0 failed, 0 skipped$/m);
    const passed = Number(/^conformance: (\d+) passed/m.exec(out)?.[1] ?? 0);
    expect(passed).toBeGreaterThanOrEqual(500);
  });
});
