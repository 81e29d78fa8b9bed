/**
 * Output check for performance work (not a test, not a benchmark): injects random pods with this
 * checkout's core and an older checkout's core and requires identical results: the injected pod
 * and the template pod as JSON (key order included), the same error messages, and patches that
 * produce the same pod. Half of the pods are injected once by the baseline first (re-injection).
 *
 *   BENCH_BASELINE=<older checkout> npx tsx bench/inject/compare.ts   (COMPARE_RUNS, default 3000)
 */
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { podArbitrary } from '../../e2e/webhook/arbitraries.js';
import { resolveSettings } from '../../src/core/config/settings.js';
import { injectPod } from '../../src/core/inject/inject.js';

const dir = process.env.BENCH_BASELINE;
if (!dir) throw new Error('set BENCH_BASELINE to an older checkout');
const load = async (rel: string) => (await import(pathToFileURL(path.resolve(dir, rel)).href)) as Record<string, unknown>;
const baseline = {
  injectPod: (await load('src/core/inject/inject.ts')).injectPod as typeof injectPod,
  resolveSettings: (await load('src/core/config/settings.ts')).resolveSettings as typeof resolveSettings,
};

const variants = [
  {},
  { values: { pilot: { cni: { enabled: true } } } },
  { values: { global: { network: 'nv', multiCluster: { clusterName: 'cv' }, proxy: { holdApplicationUntilProxyStarts: true } } } },
  { mesh: { defaultConfig: { interceptionMode: 'TPROXY', proxyMetadata: { A: 'b' } } } },
];
const ours = variants.map((v) => resolveSettings(v));
const theirs = variants.map((v) => baseline.resolveSettings(v));
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );

type Outcome = ReturnType<typeof injectPod> | { error: string };
let compared = 0;
fc.assert(
  fc.property(
    podArbitrary,
    fc.nat(variants.length - 1),
    fc.constantFrom('true', 'false'),
    fc.constantFrom<Record<string, string>>({}, { ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }),
    fc.boolean(),
    (pod, v, native, envOverrides, reinject) => {
      const run = (inject: typeof injectPod, settings: ReturnType<typeof resolveSettings>, p: unknown): Outcome => {
        try {
          return inject({ pod: structuredClone(p) as never, envOverrides }, settings, { enableNativeSidecars: native });
        } catch (e) {
          return { error: (e as Error).message };
        }
      };
      let input: unknown = pod;
      if (reinject) {
        const first = run(baseline.injectPod, theirs[v]!, pod);
        if ('error' in first) return;
        input = fastJsonPatch.applyPatch(structuredClone(pod), structuredClone(first.patch) as never, true, false).newDocument;
      }
      const a = run(baseline.injectPod, theirs[v]!, input);
      const b = run(injectPod, ours[v]!, input);
      compared++;
      if ('error' in a || 'error' in b) {
        if (!('error' in a && 'error' in b && a.error === b.error)) throw new Error(`outcomes differ: ${JSON.stringify([a, b].map((x) => ('error' in x ? x.error : 'injected')))}`);
        return;
      }
      if (JSON.stringify(a.pod) !== JSON.stringify(b.pod)) throw new Error('injected pods differ');
      if (JSON.stringify(a.templatePod) !== JSON.stringify(b.templatePod)) throw new Error('template pods differ');
      const patched = (o: ReturnType<typeof injectPod>) => fastJsonPatch.applyPatch(structuredClone(input), structuredClone(o.patch) as never, true, false).newDocument;
      if (canonical(patched(a)) !== canonical(patched(b))) throw new Error('patches produce different pods');
    },
  ),
  { numRuns: Number(process.env.COMPARE_RUNS ?? 3000) },
);
console.log(`identical outcomes on ${compared} pods (baseline ${dir})`);
