/**
 * `npm run oracle:diff -- --seed S --runs N [--domains a,b] [--jobs J]`: differential fuzzing of
 * kube-inject, the webhook, istio-iptables/nft, the CNI rules and the CNI conflist insertion
 * against Istio's own code (oracle/). N runs per domain; without --seed a fresh one is drawn and
 * printed. Last line: `oracle-diff: N passed, M failed, 0 skipped`. See docs/oracle.md.
 *
 * `--jobs J` splits one run over J worker processes (each with its own oracle): worker k runs
 * its share of the N runs with seed S+k, so a long run uses every core and any failure is
 * rerun alone with the worker's seed it prints.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOracle } from './istio-oracle.mjs';
import { DOMAINS, runDiff } from '../e2e/oracle/diff.js';

const argv = process.argv.slice(2);
let seed = Math.floor(Math.random() * 2 ** 31);
let runs = 100;
let domains: string[] | undefined;
let jobs = 1;
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
  else if (a === '--jobs') jobs = Number(next());
  else {
    console.error(`unknown argument ${a}\nusage: npm run oracle:diff -- [--seed S] [--runs N] [--domains ${DOMAINS.map((d) => d.name).join(',')}] [--jobs J]`);
    process.exit(2);
  }
}
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  console.error('--seed and --runs take integers (runs >= 1)');
  process.exit(2);
}
if (!Number.isInteger(jobs) || jobs < 1 || jobs > runs) {
  console.error(`--jobs takes an integer from 1 to --runs (${runs}), got ${jobs}`);
  process.exit(2);
}
const unknown = domains?.filter((n) => !DOMAINS.some((d) => d.name === n)) ?? [];
if (unknown.length > 0) {
  console.error(`--domains: unknown domain ${unknown.join(', ')} (known: ${DOMAINS.map((d) => d.name).join(', ')})`);
  process.exit(2);
}
console.log(`oracle-diff: seed ${seed}, ${runs} runs per domain${jobs > 1 ? ` over ${jobs} workers (seeds ${seed}..${seed + jobs - 1})` : ''}`);
const [passed, failed] = jobs === 1 ? await runHere(seed, runs) : await runWorkers(seed, runs, jobs);
console.log(`oracle-diff: ${passed} passed, ${failed} failed, 0 skipped`);
process.exitCode = failed ? 1 : 0;

async function runHere(s: number, n: number): Promise<[number, number]> {
  const oracle = startOracle();
  try {
    // Long runs print a progress line every 5000 runs.
    const results = await runDiff({ oracle, seed: s, runs: n, domains, ...(n >= 10000 ? { progressEvery: 5000 } : {}) });
    return [results.reduce((k, r) => k + r.passed, 0), results.reduce((k, r) => k + r.failed, 0)];
  } finally {
    await oracle.close();
  }
}

/** Worker k runs its share with seed+k; its lines are prefixed `[k]`; the totals are summed from each worker's last line. */
async function runWorkers(s: number, n: number, j: number): Promise<[number, number]> {
  const share = (k: number): number => Math.floor(n / j) + (k < n % j ? 1 : 0);
  const totals = await Promise.all(
    Array.from({ length: j }, (_, k) =>
      new Promise<[number, number]>((resolve, reject) => {
        const args = [...process.execArgv, fileURLToPath(import.meta.url), '--seed', String(s + k), '--runs', String(share(k)), ...(domains ? ['--domains', domains.join(',')] : [])];
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
        let buf = '';
        let total: [number, number] | undefined;
        const line = (l: string): void => {
          const m = /^oracle-diff: (\d+) passed, (\d+) failed/.exec(l);
          if (m) total = [Number(m[1]), Number(m[2])];
          else console.log(`[${k}] ${l}`);
        };
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          buf += d;
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          lines.forEach(line);
        });
        child.on('error', reject);
        child.on('close', (code, signal) => {
          if (buf) line(buf);
          if (total) resolve(total);
          else reject(new Error(`oracle-diff worker ${k} (seed ${s + k}) ended with ${signal ?? `code ${code}`} before its summary`));
        });
      }),
    ),
  );
  return [totals.reduce((k, t) => k + t[0], 0), totals.reduce((k, t) => k + t[1], 0)];
}
