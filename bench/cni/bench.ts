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
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { captureConfigFromRedirect } from '../../src/core/cni/capture-settings.js';
import { buildKubeconfig } from '../../src/core/cni/kubeconfig.js';
import { captureFactsAnnotation } from '../../src/core/cni/pod-facts.js';
import { redirectFromPod } from '../../src/core/cni/redirect.js';
import { nodeForArtefacts } from '../../scripts/node-lts.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'sk-bench-cni-'));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')) as Record<string, string>;

const pod = {
  metadata: { name: 'web', namespace: 'shop', annotations: { 'sidecar.istio.io/status': '{}', 'sidecar.istio.io/interceptionMode': 'REDIRECT' } },
  spec: { containers: [{ name: 'web' }, { name: 'istio-proxy', args: ['proxy', 'sidecar'], securityContext: { runAsUser: 1337, runAsGroup: 1337 } }] },
};

function must(argv: string[], input?: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The Node release the executables are built on (SK_SEA_NODE, as for scripts/build-cni-plugin.mjs). */
const seaNode = process.env.SK_SEA_NODE ?? nodeForArtefacts();
const seaNodeVersion = () => spawnSync(seaNode, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();

/** The plugin under test, and a SEA of the same Node binary running an empty script. */
function executables(): { plugin: string; noop: string } {
  const plugin =
    process.env.SK_CNI_PLUGIN ??
    (execFileSync(process.execPath, [join(root, 'scripts/build-cni-plugin.mjs'), work], { stdio: ['ignore', 'ignore', 'inherit'], env: process.env }), join(work, 'istio-cni'));
  writeFileSync(join(work, 'noop.cjs'), 'void 0;\n');
  writeFileSync(join(work, 'noop.json'), JSON.stringify({ main: join(work, 'noop.cjs'), output: join(work, 'noop.blob'), disableExperimentalSEAWarning: true }));
  spawnSync(seaNode, ['--experimental-sea-config', join(work, 'noop.json')], { cwd: work });
  const noop = join(work, 'noop-plugin');
  copyFileSync(seaNode, noop);
  chmodSync(noop, 0o755);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  execFileSync(process.execPath, [postject, noop, 'NODE_SEA_BLOB', join(work, 'noop.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'ignore' });
  return { plugin, noop };
}

/** A local test double of the API's pod GET (HTTPS, token checked), served from this process. */
async function apiTestDouble(): Promise<{ url: string; close: () => void; requests: () => number }> {
  const f = (n: string) => join(work, n);
  must(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', f('api.key'), '-out', f('api.crt')]);
  let n = 0;
  const server = createServer({ cert: readFileSync(f('api.crt')), key: readFileSync(f('api.key')) }, (req, res) => {
    n++;
    const ok = req.headers.authorization === 'Bearer bench-token' && req.url === '/api/v1/namespaces/shop/pods/web';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? pod : { kind: 'Status', code: 404 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(f('kubeconfig'), JSON.stringify(buildKubeconfig({ server: url, token: 'bench-token', caPem: readFileSync(f('api.crt'), 'utf8') })));
  return { url, close: () => server.close(), requests: () => n };
}

/** Spawns and waits without blocking the event loop (the API double answers meanwhile). */
function timed(argv: string[], input: string, extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolveTime, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), { env: { ...env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${argv[0]} exited ${code}: ${out}`));
      else {
        if (process.env.BENCH_LOG_LEVEL) process.stderr.write(out.split('\n').filter((l) => l.includes('\tcni\t')).join('\n') + `\n-- ${ms.toFixed(1)} ms\n`);
        resolveTime(ms);
      }
    });
    child.stdin.end(input);
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return { median: q(0.5), p90: q(0.9) };
};

async function main(): Promise<void> {
  const { plugin, noop } = executables();
  const api = await apiTestDouble();
  const decision = redirectFromPod(pod);
  if (decision.kind !== 'redirect') throw new Error('bench pod is not handled');
  const rules = renderIptables(buildRules(captureConfigFromRedirect(decision.redirect, { ipv6: false, nativeNftables: false })), 'v4');
  const base = { cniVersion: '1.0.0', name: 'podnet', type: 'istio-cni', plugin_log_level: process.env.BENCH_LOG_LEVEL ?? 'warn', cni_agent_run_dir: work, sidecar_kit: { kubeconfig: join(work, 'kubeconfig'), pod_lookup_attempts: 1 } };
  const prevResult = (ns: string) => ({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: `/run/netns/${ns}` }], ips: [{ address: '198.51.100.10/24', interface: 0 }] });
  const annotations = { ...pod.metadata.annotations, 'cni.sidecar-kit.io/capture': captureFactsAnnotation(pod) };

  const samples: Record<'floor' | 'annotation' | 'api', number[]> = { floor: [], annotation: [], api: [] };
  let seq = 0;
  const fresh = () => {
    const ns = `sk-bench-cni-${process.pid}-${++seq}`;
    must(['ip', 'netns', 'add', ns]);
    return ns;
  };
  const add = (ns: string, conf: object) =>
    timed([plugin], JSON.stringify(conf), {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: ns,
      CNI_NETNS: `/run/netns/${ns}`,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web',
      CNI_PATH: '/usr/lib/cni',
    });
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
