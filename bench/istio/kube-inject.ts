/**
 * `kube-inject` side by side with istioctl (issue 11 §4), called by bench/istio/bench.ts: the
 * process `sidecar-kit kube-inject -f examples/shop.yaml` vs `istioctl kube-inject` built from
 * the pinned module (scripts/istio-oracle.mjs buildIstioBinary, cached beside the oracle), on
 * the same inputs: Istio's chart defaults as files (values, mesh config, injector config; ours
 * without the template texts, as our chart renders it: our-config.ts), native sidecars off.
 * Checks once that both print the same bytes, then alternates the two processes and keeps the
 * medians of their wall times.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { writeOurInjectorConfig } from './our-config.js';

export interface KubeInjectVsIstioctlOptions {
  /** istioctl built from the module. */
  readonly istioctl: string;
  /** The built CLI (dist/sidecar-kit.js). */
  readonly cli: string;
  readonly manifest: string;
  readonly files: { readonly values: string; readonly config: string; readonly mesh: string };
  /** A scratch directory for our injector config. */
  readonly dir: string;
  readonly runs?: number;
}

export interface KubeInjectVsIstioctl {
  readonly oursMs: number;
  readonly istioctlMs: number;
  /** istioctl's time ÷ ours (above 1: we are faster). */
  readonly ratio: number;
  readonly identical: boolean;
}

export function benchKubeInjectVsIstioctl(opts: KubeInjectVsIstioctlOptions): KubeInjectVsIstioctl {
  const { values, config, mesh } = opts.files;
  const env = { ...process.env, ENABLE_NATIVE_SIDECARS: 'false' };
  const ourConfig = writeOurInjectorConfig(config, path.join(opts.dir, 'kube-inject-config.yaml'));
  // `-r default`: without a revision istioctl looks the default revision up in a cluster (and
  // waits for one when there is none); ours gets the same flag.
  const ours: [string, string[]] = [process.execPath, [opts.cli, 'kube-inject', '-r', 'default', '-f', opts.manifest, '--valuesFile', values, '--meshConfigFile', mesh, '--injectConfigFile', ourConfig]];
  const theirs: [string, string[]] = [opts.istioctl, ['kube-inject', '-r', 'default', '-f', opts.manifest, '--valuesFile', values, '--meshConfigFile', mesh, '--injectConfigFile', config]];
  const run = ([cmd, args]: [string, string[]]) => {
    const t0 = performance.now();
    const p = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: 60_000 });
    const ms = performance.now() - t0;
    if (p.status !== 0) throw new Error(`${path.basename(cmd)} kube-inject failed (${p.status ?? p.signal}): ${p.stderr}`);
    return { ms, out: p.stdout };
  };
  const identical = run(ours).out === run(theirs).out;
  const runs = opts.runs ?? 11;
  const t: { ours: number[]; theirs: number[] } = { ours: [], theirs: [] };
  for (let k = 0; k < runs; k++) {
    t.ours.push(run(ours).ms);
    t.theirs.push(run(theirs).ms);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const oursMs = median(t.ours);
  const istioctlMs = median(t.theirs);
  return { oursMs, istioctlMs, ratio: istioctlMs / oursMs, identical };
}
