/**
 * Side by side with Istio, same machine, same run (not a test): `npm run bench:istio`.
 *
 * - core: our injection (injectPod + the patch, every input a fresh JSON copy as the webhook gets
 *   it; and through the webhook's memo) vs Istio's own injection in process (Webhook.inject on
 *   an AdmissionReview, as Istio's BenchmarkInjection; the oracle's bench-inject mode), on the
 *   same pods: a small pod, the pods of examples/shop.yaml, a pod with 2000 env vars. Both with
 *   the settings Istio's chart renders by default, native sidecars off.
 * - kube-inject: `sidecar-kit kube-inject -f examples/shop.yaml` vs `istioctl kube-inject` built
 *   from the module (bench/istio/kube-inject.ts; built once into the oracle's cache, see
 *   docs/oracle.md for its cold build time; SK_BENCH_ISTIOCTL=0 leaves it out), ours both as the
 *   bundle run by Node and as the single executable (SK_EXECUTABLE, else dist/bin/sidecar-kit,
 *   else built for the run by scripts/build-executable.mjs); the slot's figure is the faster form.
 * - webhook: our built webhook vs Istio's webhook handler served by the oracle, same HTTPS load
 *   (bench/istio/webhook.ts; BENCH_WEBHOOK_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS); the last
 *   line's figure is without our admission memo (every request a whole injection, as Istio's).
 * - istio-iptables, CNI ADD: bench/istio/capture.ts (needs root; n/a with the reason otherwise).
 *
 * BENCH_ONLY=kube-inject,webhook,... runs only the named parts (core, webhook, kube-inject,
 * istio-iptables, cni); the others print n/a. BENCH_KUBE_INJECT_RUNS sets kube-inject's rounds (11).
 *
 * Ratios are ours ÷ Istio's speed: above 1 means we are faster. Last line:
 * `vs-istio: core Ax, webhook Bx, kube-inject Cx, istio-iptables Dx, cni Ex` (n/a = not measured).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { settingsFromTexts, createCoreInjector } from '../../src/webhook/core-injector.js';
import { createCachingInjector } from '../../src/webhook/cache.js';
import { injectPod } from '../../src/core/inject/inject.js';
import type { Pod } from '../../src/core/k8s/pod.js';
import { buildIstioBinary, ensureOracle, startOracle } from '../../scripts/istio-oracle.mjs';
import { benchCniAdd, benchIstioIptables, slot } from './capture.js';
import { benchKubeInjectVsIstioctl } from './kube-inject.js';
import { benchWebhookVsIstio } from './webhook.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const tmp = mkdtempSync(path.join(tmpdir(), 'sk-bench-istio-'));
const PARTS = ['core', 'webhook', 'kube-inject', 'istio-iptables', 'cni'] as const;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
for (const p of only ?? []) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`BENCH_ONLY: unknown part ${JSON.stringify(p)} (known: ${PARTS.join(', ')})`);
const want = (part: (typeof PARTS)[number]): boolean => !only || only.includes(part);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** The single executable to measure: SK_EXECUTABLE, dist/bin/sidecar-kit, or one built for this run. */
function executable(): string {
  if (process.env.SK_EXECUTABLE) return process.env.SK_EXECUTABLE;
  const dist = path.join(root, 'dist', 'bin', 'sidecar-kit');
  if (existsSync(dist)) return dist;
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-executable.mjs'), tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(tmp, 'bin', 'sidecar-kit');
}

function podWithEnv(n: number): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'foo', namespace: 'bar' },
    spec: { containers: [{ name: 'app', image: 'fake', env: Array.from({ length: n }, (_, i) => ({ name: `something-${i}`, value: 'blah' })) }] },
  } as Pod;
}

async function main(): Promise<void> {
  const oracle = startOracle();
  const r = await oracle.request({ op: 'render', set: [] });
  const m = await oracle.request({ op: 'mesh', mesh: r.mesh });
  const files = { values: path.join(tmp, 'values.json'), config: path.join(tmp, 'config.yaml'), mesh: path.join(tmp, 'mesh.json') };
  writeFileSync(files.values, r.values ?? '');
  writeFileSync(files.config, r.config ?? '');
  writeFileSync(files.mesh, m.mesh ?? '');
  const shop = want('core') ? await oracle.request({ op: 'webhook-pods', input: readFileSync(path.join(root, 'examples', 'shop.yaml'), 'utf8') }) : undefined;
  await oracle.close();
  console.log(`bench:istio: ${only ? `parts ${only.join(', ')}` : 'every part'}; load average ${load()} at start`);
  let core = 'n/a';
  if (want('core')) core = await benchCore(r, m, files, shop?.output);
  let webhook = 'n/a';
  if (want('webhook')) webhook = await benchWebhook(files);
  let kubeInject = 'n/a';
  if (want('kube-inject') && process.env.SK_BENCH_ISTIOCTL !== '0') kubeInject = benchKubeInject(files);
  const iptables = want('istio-iptables') ? benchIstioIptables() : undefined;
  const cni = want('cni') ? await benchCniAdd() : undefined;
  for (const line of [...(iptables?.lines ?? []), '', ...(cni?.lines ?? [])]) console.log(line);
  const notRun = 'n/a (not in BENCH_ONLY)';
  console.log(`vs-istio: core ${core}, webhook ${webhook}, kube-inject ${kubeInject}, istio-iptables ${iptables ? slot(iptables) : notRun}, cni ${cni ? slot(cni) : notRun}`);
}

type Files = { values: string; config: string; mesh: string };

/** The injection core vs Istio's Webhook.inject in process, per pod; returns the geometric mean ratio. */
async function benchCore(r: { values?: string }, m: { mesh?: string }, files: Files, shopOutput: string | undefined): Promise<string> {
  const pods: [string, Pod][] = [
    ['small pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }] }] } } as Pod],
    ...(JSON.parse(shopOutput ?? '[]') as { pod: Pod }[]).filter((p) => !p.pod.spec?.hostNetwork).map((p, i): [string, Pod] => [`shop.yaml pod ${i + 1}`, p.pod]),
    ['2000 env vars', podWithEnv(2000)],
  ];

  // Istio's in-process injection, per pod.
  const podFiles = pods.map(([, pod], i) => {
    const f = path.join(tmp, `pod-${i}.json`);
    writeFileSync(f, JSON.stringify(pod));
    return f;
  });
  const ir = spawnSync(ensureOracle(), ['bench-inject', '--values', files.values, '--config', files.config, '--mesh', files.mesh, '--time', `${SECONDS}s`, ...podFiles], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (ir.status !== 0) throw new Error(`oracle bench-inject: ${ir.stderr}`);
  const istio = ir.stdout.trim().split('\n').map((l) => JSON.parse(l) as { meanMicros: number; p99Micros: number });

  // Ours.
  const settings = settingsFromTexts({ values: r.values, mesh: m.mesh }, '');
  const env = { enableNativeSidecars: 'false' };
  const memo = createCachingInjector(createCoreInjector(settings, env), { maxEntries: 1000, maxBytes: 64 * 1024 * 1024 });
  const rows: string[] = [];
  const ratios: number[] = [];
  for (const [i, [name, pod]] of pods.entries()) {
    const text = JSON.stringify(pod);
    const time = (fn: () => void): number => {
      for (let k = 0; k < 200; k++) fn();
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < SECONDS * 1000 || n < 100) {
        fn();
        n++;
      }
      return ((performance.now() - t0) * 1000) / n;
    };
    const plain = time(() => void injectPod({ pod: JSON.parse(text) as Pod }, settings, env).patch);
    const cluster = { nodes: undefined, namespaceAnnotations: undefined };
    const memoised = time(() => void memo.admit({ pod: JSON.parse(text) as Record<string, unknown>, namespace: 'default', proxyEnv: {}, cluster }));
    const theirs = istio[i]?.meanMicros ?? NaN;
    ratios.push(theirs / plain);
    rows.push(`| ${name} | ${plain.toFixed(0)} µs | ${memoised.toFixed(0)} µs | ${theirs.toFixed(0)} µs | ${(theirs / plain).toFixed(1)}× | ${(theirs / memoised).toFixed(1)}× |`);
  }
  const geo = Math.exp(ratios.reduce((a, b) => a + Math.log(b), 0) / ratios.length);
  console.log('| pod | ours (injectPod + patch) | ours (webhook memo) | Istio (Webhook.inject) | ratio | ratio with memo |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  return `${geo.toFixed(1)}x`;
}

/** The webhook under the same HTTPS load; returns the throughput ratio without our memo. */
async function benchWebhook(files: Files): Promise<string> {
  const wh = await benchWebhookVsIstio({
    oracle: ensureOracle(), files, cli: path.join(root, 'dist', 'sidecar-kit.js'),
    seconds: Number(process.env.BENCH_WEBHOOK_SECONDS ?? 6), rounds: Number(process.env.BENCH_ROUNDS ?? 3), connections: Number(process.env.BENCH_CONNECTIONS ?? 8),
  });
  console.log();
  for (const row of wh.table) console.log(row);
  console.log(`webhook throughput ours ÷ Istio (geometric mean): ${wh.throughput.off.toFixed(2)}x without our memo, ${wh.throughput.on.toFixed(2)}x with it; p99 at half load ours ÷ Istio ${wh.p99.off.toFixed(2)} / ${wh.p99.on.toFixed(2)} (goal: ≥ 5x at ≤ 0.33)`);
  return `${wh.throughput.off.toFixed(2)}x`;
}

/** kube-inject processes vs istioctl; returns the slot text (the faster shipped form, named). */
function benchKubeInject(files: Files): string {
  const istioctl = buildIstioBinary('istio.io/istio/istioctl/cmd/istioctl', 'istioctl');
  const runs = Number(process.env.BENCH_KUBE_INJECT_RUNS ?? 11);
  const k = benchKubeInjectVsIstioctl({ istioctl, cli: path.join(root, 'dist', 'sidecar-kit.js'), executable: executable(), manifest: path.join(root, 'examples', 'shop.yaml'), files, dir: tmp, runs });
  const fig = (name: string, f: { ms: number; cpuMs: number; ratio?: number }) => `${name} ${f.ms.toFixed(0)} ms (CPU ${f.cpuMs.toFixed(0)} ms)${f.ratio === undefined ? '' : ` = ${f.ratio.toFixed(2)}x`}`;
  console.log(`\nkube-inject -f examples/shop.yaml, medians of ${k.runs} interleaved rounds (outputs ${k.identical ? 'identical' : 'DIFFER'}; load average ${load()}):`);
  console.log(`  ${[fig('bundle (node dist/sidecar-kit.js)', k.bundle), ...(k.executable ? [fig('single executable (dist/bin/sidecar-kit)', k.executable)] : []), fig('istioctl', k.istioctl)].join('; ')}`);
  if (!k.identical) throw new Error('kube-inject outputs differ between the forms and istioctl');
  return `${k.best.ratio.toFixed(2)}x (${k.best.form})`;
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
