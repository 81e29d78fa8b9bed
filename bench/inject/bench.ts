/**
 * Injection benchmark (not a test). In-process `injectPod` on a small pod, on a pod with 2000
 * env vars (the shape of Istio's own injection benchmark) and on each pod template of
 * examples/shop.yaml: mean and p99 per pod. Then `kube-inject` wall time on the example next
 * to `node -e 0`, measured in the same run, and their ratio.
 *
 *   npm run build && npx tsx bench/inject/bench.ts
 *   (SK_CLI=<path to sidecar-kit.js> to time another build; BENCH_ITERATIONS=n)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolveSettings } from '../../src/config/settings.js';
import { injectPod } from '../../src/core/inject/inject.js';
import type { Pod } from '../../src/core/k8s/pod.js';
import { parseYamlDocument, splitYamlDocuments } from '../../src/core/yaml/parse.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);
const settings = resolveSettings();
const env = { enableNativeSidecars: 'true' };

function stats(samples: number[]): { mean: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
  return { mean, p99 };
}

function timeInjection(pod: Pod, iterations = ITERATIONS): { mean: number; p99: number } {
  for (let i = 0; i < 100; i++) injectPod({ pod }, settings, env);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    injectPod({ pod }, settings, env);
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

function timeProcess(args: string[], runs = CLI_RUNS): { mean: number; p99: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    if (i >= 2) samples.push(performance.now() - t);
  }
  return stats(samples);
}

const smallPod: Pod = {
  metadata: { name: 'small', namespace: 'bench', labels: { app: 'small' } },
  spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
};

const envPod: Pod = {
  metadata: { name: 'env2000', namespace: 'bench', labels: { app: 'env2000' } },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'example/app:1',
        env: Array.from({ length: 2000 }, (_, i) => ({ name: `VAR_${i}`, value: `value-${i}` })),
      },
    ],
  },
};

function shopPods(): { name: string; pod: Pod }[] {
  const out: { name: string; pod: Pod }[] = [];
  for (const text of splitYamlDocuments(readFileSync('examples/shop.yaml', 'utf8'))) {
    const doc = parseYamlDocument(text) as Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
    const template = doc?.spec?.template;
    if (!template || template.spec?.hostNetwork) continue;
    out.push({ name: `${doc.kind}/${doc.metadata.name}`, pod: { metadata: template.metadata ?? {}, spec: template.spec } });
  }
  return out;
}

const fmt = (s: { mean: number; p99: number }): string => `mean ${s.mean.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms`;

console.log(`node ${process.version}, ${ITERATIONS} iterations per pod`);
console.log(`small pod               ${fmt(timeInjection(smallPod))}`);
console.log(`pod with 2000 env vars  ${fmt(timeInjection(envPod))}`);
for (const { name, pod } of shopPods()) console.log(`shop ${name.padEnd(19)} ${fmt(timeInjection(pod))}`);

const cli = process.env.SK_CLI ?? 'dist/sidecar-kit.js';
const baseline = timeProcess(['-e', '0']);
const kubeInject = timeProcess([cli, 'kube-inject', '-f', 'examples/shop.yaml']);
console.log(`node -e 0               ${fmt(baseline)} (${CLI_RUNS} runs)`);
console.log(`kube-inject shop.yaml   ${fmt(kubeInject)} (${CLI_RUNS} runs)`);
console.log(`ratio (mean)            ${(kubeInject.mean / baseline.mean).toFixed(2)}x node -e 0`);
