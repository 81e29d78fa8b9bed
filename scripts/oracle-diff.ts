/**
 * `npm run oracle:diff -- --seed S --runs N [--domains a,b] [--quiet]`: differential fuzzing of
 * kube-inject, the webhook, istio-iptables/nft, the CNI rules and the CNI conflist insertion
 * against Istio's own code (oracle/). N runs per domain; without --seed a fresh one is drawn and
 * printed. Last line: `oracle-diff: N passed, M failed, 0 skipped`. See docs/oracle.md.
 */
import { startOracle } from './istio-oracle.mjs';
import { DOMAINS, runDiff } from '../e2e/oracle/diff.js';

const argv = process.argv.slice(2);
let seed = Math.floor(Math.random() * 2 ** 31);
let runs = 100;
let domains: string[] | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = (): string => {
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  if (a === '--seed') seed = Number(next());
  else if (a === '--runs') runs = Number(next());
  else if (a === '--domains') domains = next().split(',');
  else {
    console.error(`unknown argument ${a}\nusage: npm run oracle:diff -- [--seed S] [--runs N] [--domains ${DOMAINS.map((d) => d.name).join(',')}]`);
    process.exit(2);
  }
}
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  console.error('--seed and --runs take integers (runs >= 1)');
  process.exit(2);
}
console.log(`oracle-diff: seed ${seed}, ${runs} runs per domain`);
const oracle = startOracle();
try {
  // Long runs print a progress line every 5000 runs.
  const results = await runDiff({ oracle, seed, runs, domains, ...(runs >= 10000 ? { progressEvery: 5000 } : {}) });
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`oracle-diff: ${passed} passed, ${failed} failed, 0 skipped`);
  process.exitCode = failed ? 1 : 0;
} finally {
  await oracle.close();
}
