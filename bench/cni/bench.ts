/**
 * CNI plugin ADD benchmark (not a test; needs root, iptables, openssl).
 *
 * Wall time from spawning the self-contained plugin executable to its exit, for a pod that
 * gets the default sidecar redirect, in a fresh network namespace per run (created and deleted
 * outside the timed span):
 *
 * - annotation path: the runtime hands over the pod annotations including the facts
 *   annotation, so ADD makes no API call;
 * - API path: no facts annotation, the pod is read from a LOCAL TEST DOUBLE of the Kubernetes
 *   API (HTTPS on 127.0.0.1, bearer token), as Istio's plugin always does;
 * - floor, measured in the same run: the same Node single-executable application with an
 *   empty script (a plugin that does nothing) plus one `nsenter ... iptables-nft-restore
 *   --noflush` of the very same rules.
 *
 * Runs alternate floor / annotation / API. Reported: median and p90 in ms, ratio to the floor.
 *
 *   npx tsx bench/cni/bench.ts        (BENCH_RUNS=n, default 30; SK_CNI_PLUGIN=<istio-cni> to
 *                                      time an existing build instead of building one;
 *                                      SK_SEA_NODE=<node> to build on another Node release;
 *                                      BENCH_LOG_LEVEL=debug prints the plugin's timed log lines)
 *
 * NODE_EXTRA_CA_CERTS is removed from the plugin's environment (a node's container runtime
 * does not set it; on Node 20 it costs ~35 ms per start, to ours and the floor alike).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { captureConfigFromRedirect } from '../../src/core/cni/capture-settings.js';
import { captureFactsAnnotation } from '../../src/core/cni/pod-facts.js';
import { redirectFromPod } from '../../src/core/cni/redirect.js';
import { apiTestDouble, benchPod as pod, cniAdd, executables, must, prevResult, seaNodeVersion, stats, timedSpawn as timed } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const work = mkdtempSync(join(tmpdir(), 'sk-bench-cni-'));

async function main(): Promise<void> {
  const { plugin, noop } = executables(work);
  const api = await apiTestDouble(work);
  const decision = redirectFromPod(pod);
  if (decision.kind !== 'redirect') throw new Error('bench pod is not handled');
  const rules = renderIptables(buildRules(captureConfigFromRedirect(decision.redirect, { ipv6: false, nativeNftables: false })), 'v4');
  const base = { cniVersion: '1.0.0', name: 'podnet', type: 'istio-cni', plugin_log_level: process.env.BENCH_LOG_LEVEL ?? 'warn', cni_agent_run_dir: work, sidecar_kit: { kubeconfig: join(work, 'kubeconfig'), pod_lookup_attempts: 1 } };
  const annotations = { ...pod.metadata.annotations, 'cni.sidecar-kit.io/capture': captureFactsAnnotation(pod) };

  const samples: Record<'floor' | 'annotation' | 'api', number[]> = { floor: [], annotation: [], api: [] };
  let seq = 0;
  const fresh = () => {
    const ns = `sk-bench-cni-${process.pid}-${++seq}`;
    must(['ip', 'netns', 'add', ns]);
    return ns;
  };
  const add = (ns: string, conf: object) => cniAdd(plugin, ns, conf);
  for (let i = -3; i < RUNS; i++) {
    // Three warm-up rounds (page cache of the 100 MB executables), not recorded.
    const record = (k: keyof typeof samples, ms: number) => i >= 0 && samples[k].push(ms);
    let ns = fresh();
    const t0 = performance.now();
    await timed([noop], '');
    await timed(['nsenter', `--net=/run/netns/${ns}`, '--', 'iptables-nft-restore', '--noflush'], rules);
    record('floor', performance.now() - t0);
    must(['ip', 'netns', 'del', ns]);

    ns = fresh();
    record('annotation', await add(ns, { ...base, runtimeConfig: { 'io.kubernetes.cri.pod-annotations': annotations }, prevResult: prevResult(ns) }));
    if (!must(['nsenter', `--net=/run/netns/${ns}`, 'iptables-save']).includes('ISTIO_REDIRECT')) throw new Error('annotation path programmed nothing');
    must(['ip', 'netns', 'del', ns]);

    ns = fresh();
    const before = api.requests();
    record('api', await add(ns, { ...base, runtimeConfig: { 'io.kubernetes.cri.pod-annotations': pod.metadata.annotations }, prevResult: prevResult(ns) }));
    if (api.requests() !== before + 1) throw new Error('API path did not call the API double exactly once');
    must(['ip', 'netns', 'del', ns]);
  }
  api.close();

  const floor = stats(samples.floor);
  const row = (name: string, xs: number[]) => {
    const s = stats(xs);
    return `${name.padEnd(44)} ${s.median.toFixed(1).padStart(7)} ${s.p90.toFixed(1).padStart(7)} ${(s.median / floor.median).toFixed(2).padStart(6)}x`;
  };
  process.stdout.write(
    [
      `CNI ADD wall time, ${RUNS} runs each, plugin on Node ${seaNodeVersion()} (NODE_EXTRA_CA_CERTS unset)`,
      `${'scenario'.padEnd(44)} ${'median'.padStart(7)} ${'p90'.padStart(7)} ${'/floor'.padStart(7)}`,
      row('floor: empty SEA + nsenter iptables-restore', samples.floor),
      row('ADD, annotation path (no API call)', samples.annotation),
      row('ADD, API path (local API test double)', samples.api),
      '',
    ].join('\n'),
  );
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
