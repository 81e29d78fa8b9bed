/**
 * Injection benchmark (not a test). In-process `injectPod` on a small pod, on a pod with 2000
 * env vars (the shape of Istio's own injection benchmark) and on each pod template of
 * examples/shop.yaml: the injection, then (separately) the JSON patch, per pod. Then
 * `kube-inject` wall time on the example next to `node -e 0`, measured in the same run.
 *
 *   npm run build && npx tsx bench/inject/bench.ts
 *
 * Environment:
 *   SK_CLI=<sidecar-kit.js>          the build to time (default dist/sidecar-kit.js)
 *   BENCH_BASELINE=<checkout dir>    also time an older checkout's injectPod (its src/, through tsx)
 *   BENCH_BASELINE_CLI=<sidecar-kit.js>  also time an older build's kube-inject
 *   BENCH_ITERATIONS (per round, default 400), BENCH_ROUNDS (default 7), BENCH_CLI_RUNS (default 21)
 *
 * Every input is a fresh JSON copy (as the webhook gets it). Rounds alternate between the
 * current code and the baseline so machine load hits both alike; figures are the median of
 * the round means and the p99 over all samples.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { resolveSettings } from '../../src/core/config/settings.js';
import type { injectPod } from '../../src/core/inject/inject.js';
import type { Pod } from '../../src/core/k8s/pod.js';
import { parseYamlDocument, splitYamlDocuments } from '../../src/core/yaml/parse.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 21);
const env = { enableNativeSidecars: 'true' };

interface Core {
  readonly name: string;
  readonly inject: (pod: Pod) => { pod: Pod; patch: unknown };
  /** This core's createPatch and decoding, to time the patch alone on identical inputs. */
  readonly createPatch: (received: Pod, decoded: Pod, injected: Pod) => unknown;
  readonly decode: (pod: Pod) => Pod;
}

interface Figures {
  /** injectPod including the patch, per call. */
  total: number[];
  patch: number[];
  roundMeans: { total: number[]; patch: number[] };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)] ?? NaN;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

type Loaded = { injectPod: typeof injectPod; resolveSettings: typeof resolveSettings; createPatch: Core['createPatch']; normalizeAs: (n: string, v: unknown) => Pod };

function coreOf(name: string, m: Loaded): Core {
  const settings = m.resolveSettings();
  return { name, inject: (pod) => m.injectPod({ pod }, settings, env), createPatch: m.createPatch, decode: (pod) => m.normalizeAs('Pod', pod) };
}

async function loadCore(name: string, dir: string): Promise<Core> {
  const load = async (rel: string) => (await import(pathToFileURL(path.resolve(dir, rel)).href)) as Record<string, unknown>;
  const [inject, settings, patch, normalize] = await Promise.all(
    ['src/core/inject/inject.ts', 'src/core/config/settings.ts', 'src/core/inject/patch.ts', 'src/core/k8s/normalize.ts'].map(load),
  );
  return coreOf(name, { ...inject, ...settings, ...patch, ...normalize } as unknown as Loaded);
}



/**
 * One round: ITERATIONS injections of fresh copies (with the patch, as the webhook needs it),
 * then createPatch alone on a freshly decoded copy, so no subtree is shared with the result.
 */
function round(core: Core, text: string, into: Figures): void {
  const inputs = Array.from({ length: ITERATIONS }, () => JSON.parse(text) as Pod);
  const total: number[] = [];
  const patch: number[] = [];
  for (const pod of inputs) {
    const t0 = performance.now();
    const result = core.inject(pod);
    void result.patch; // the current core computes the patch on first read; older ones inside injectPod
    total.push(performance.now() - t0);
    const received = JSON.parse(text) as Pod;
    const decoded = core.decode(received);
    const t1 = performance.now();
    core.createPatch(received, decoded, result.pod);
    patch.push(performance.now() - t1);
  }
  into.total.push(...total);
  into.patch.push(...patch);
  into.roundMeans.total.push(mean(total));
  into.roundMeans.patch.push(mean(patch));
}

function timePod(cores: Core[], pod: Pod): Figures[] {
  const text = JSON.stringify(pod);
  const figures = cores.map((): Figures => ({ total: [], patch: [], roundMeans: { total: [], patch: [] } }));
  for (const core of cores) for (let i = 0; i < 200; i++) void core.inject(JSON.parse(text) as Pod).patch; // warm-up
  for (let r = 0; r < ROUNDS; r++) cores.forEach((core, i) => round(core, text, figures[i] as Figures));
  return figures;
}

function timeProcesses(commands: { name: string; args: string[] }[]): { name: string; median: number; p99: number }[] {
  const samples = commands.map((): number[] => []);
  for (let i = 0; i < CLI_RUNS + 2; i++) {
    commands.forEach((c, j) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'ignore', 'ignore'] });
      if (r.status !== 0) throw new Error(`${c.args.join(' ')} exited ${r.status}`);
      if (i >= 2) samples[j]?.push(performance.now() - t);
    });
  }
  return commands.map((c, j) => ({ name: c.name, median: median(samples[j] ?? []), p99: p99(samples[j] ?? []) }));
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
    out.push({ name: `shop ${doc.kind}/${doc.metadata.name}`, pod: { metadata: template.metadata ?? {}, spec: template.spec } });
  }
  return out;
}

const ms = (x: number): string => `${x.toFixed(3)} ms`;

const cores = [await loadCore('current', '.')];
if (process.env.BENCH_BASELINE) cores.push(await loadCore(`baseline (${process.env.BENCH_BASELINE})`, process.env.BENCH_BASELINE));

console.log(`node ${process.version}, ${ROUNDS} rounds x ${ITERATIONS} fresh copies per pod and core`);
console.log('pod | core | injectPod incl. patch: median of round means | p99 | createPatch alone, nothing shared (median) | ratio to the first core');
for (const { name, pod } of [{ name: 'small pod', pod: smallPod }, { name: 'pod with 2000 env vars', pod: envPod }, ...shopPods()]) {
  const figures = timePod(cores, pod);
  const first = median((figures[0] as Figures).roundMeans.total);
  cores.forEach((core, i) => {
    const f = figures[i] as Figures;
    const total = median(f.roundMeans.total);
    console.log(`${name} | ${core.name} | ${ms(total)} | ${ms(p99(f.total))} | ${ms(median(f.roundMeans.patch))} | ${(total / first).toFixed(2)}x`);
  });
}

const cli = process.env.SK_CLI ?? 'dist/sidecar-kit.js';
const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: `kube-inject -f examples/shop.yaml (${cli})`, args: [cli, 'kube-inject', '-f', 'examples/shop.yaml'] },
];
const baselineCli = process.env.BENCH_BASELINE_CLI;
if (baselineCli) commands.push({ name: `kube-inject -f examples/shop.yaml (${baselineCli})`, args: [baselineCli, 'kube-inject', '-f', 'examples/shop.yaml'] });
const processes = timeProcesses(commands);
const base = processes[0]?.median ?? NaN;
for (const p of processes) console.log(`${p.name} | median ${ms(p.median)} | p99 ${ms(p.p99)} | ${(p.median / base).toFixed(2)}x node -e 0`);
console.log(`(${CLI_RUNS} alternating runs each)`);
