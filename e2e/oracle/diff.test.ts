/**
 * A bounded sample of the differential fuzzing against Istio's own code (npm run oracle:diff),
 * with a fresh seed each run (printed, with the command that replays it): every domain — kube-inject
 * manifests, webhook pods, istio-iptables flag sets, CNI rules, CNI conflists. Needs Go >= 1.26 (the
 * oracle).
 */
import { describe, expect, it } from 'vitest';
import { runDiff } from './diff.js';
import { withOracle } from './fixture.js';

const RUNS = Number(process.env.ORACLE_DIFF_RUNS ?? 300);
const DOMAINS = (process.env.ORACLE_DIFF_DOMAINS ?? 'kube-inject,webhook,istio-iptables,cni-rules,cni-install').split(',');

describe("differential fuzzing against Istio's own code (CI sample)", () => {
  const live = withOracle();

  it(`${RUNS} runs per domain of ${DOMAINS.join(', ')} with a fresh seed agree with Istio`, { timeout: 900_000 }, async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const lines: string[] = [`oracle-diff: seed ${seed} (replay: npm run oracle:diff -- --seed ${seed} --runs ${RUNS} --domains ${DOMAINS.join(',')})`];
    const results = await runDiff({ oracle: live.oracle, seed, runs: RUNS, domains: DOMAINS, log: (l) => lines.push(l) });
    const passed = results.reduce((n, r) => n + r.passed, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    lines.push(`oracle-diff: ${passed} passed, ${failed} failed, 0 skipped`);
    process.stdout.write(`${lines.join('\n')}\n`);
    expect(failed, lines.join('\n')).toBe(0);
    expect(passed).toBe(RUNS * DOMAINS.length);
  });
});
