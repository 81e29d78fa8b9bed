/**
 * What the CNI ADD benchmarks share (bench/cni/bench.ts, bench/istio/capture.ts): the bench pod,
 * the plugin single executable as the chart ships it (built here) beside an empty one, a local
 * TEST DOUBLE of the Kubernetes API's pod GET, a non-blocking timed spawn and the ADD invocation.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { buildKubeconfig } from '../../src/core/cni/kubeconfig.js';
import { nodeForArtefacts } from '../../scripts/node-lts.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/** The environment plugins run with: a node's container runtime does not set NODE_EXTRA_CA_CERTS (~35 ms per Node 20 start). */
export const pluginEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')) as Record<string, string>;

/** An injected pod (istio-proxy, sidecar status) that gets the default REDIRECT capture. */
export const benchPod = {
  metadata: { name: 'web', namespace: 'shop', annotations: { 'sidecar.istio.io/status': '{}', 'sidecar.istio.io/interceptionMode': 'REDIRECT' } },
  spec: { containers: [{ name: 'web' }, { name: 'istio-proxy', args: ['proxy', 'sidecar'], securityContext: { runAsUser: 1337, runAsGroup: 1337 } }] },
};

export function must(argv: string[], input?: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The Node release the executables are built on (SK_SEA_NODE, as for scripts/build-cni-plugin.mjs). */
export const seaNode = process.env.SK_SEA_NODE ?? nodeForArtefacts();
export const seaNodeVersion = (): string => spawnSync(seaNode, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();

/** The plugin under test (SK_CNI_PLUGIN, or built into work), and a SEA of the same Node binary running an empty script. */
export function executables(work: string): { plugin: string; noop: string } {
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

export interface ApiTestDouble {
  readonly url: string;
  /** The kubeconfig for it, also written where both plugins look by default: `<work>/istio-cni-kubeconfig`. */
  readonly kubeconfig: string;
  close(): void;
  requests(): number;
}

/** A local test double of the API's pod GET (HTTPS on 127.0.0.1, bearer token checked), served from this process. */
export async function apiTestDouble(work: string, pod: typeof benchPod = benchPod): Promise<ApiTestDouble> {
  const f = (n: string) => join(work, n);
  must(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', f('api.key'), '-out', f('api.crt')]);
  let n = 0;
  const podPath = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
  const server = createServer({ cert: readFileSync(f('api.crt')), key: readFileSync(f('api.key')) }, (req, res) => {
    n++;
    // Go's client-go asks with a query string (none here) and protobuf-or-JSON Accept; JSON is what it gets.
    const ok = req.headers.authorization === 'Bearer bench-token' && req.url?.split('?')[0] === podPath;
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { apiVersion: 'v1', kind: 'Pod', ...pod } : { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const text = JSON.stringify(buildKubeconfig({ server: url, token: 'bench-token', caPem: readFileSync(f('api.crt'), 'utf8') }));
  writeFileSync(f('kubeconfig'), text);
  writeFileSync(f('istio-cni-kubeconfig'), text);
  return { url, kubeconfig: f('kubeconfig'), close: () => server.close(), requests: () => n };
}

/** Spawns and waits without blocking the event loop (the API double answers meanwhile); resolves with the wall time in ms. */
export function timedSpawn(argv: string[], input: string, extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolveTime, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), { env: { ...pluginEnv, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
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

/** A chained plugin's prevResult for a pod whose sandbox is /run/netns/<ns>. */
export const prevResult = (ns: string): object => ({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: `/run/netns/${ns}` }], ips: [{ address: '198.51.100.10/24', interface: 0 }] });

/** CNI ADD of `plugin` for the bench pod in /run/netns/<ns>, conf on stdin; resolves with the wall time in ms. */
export const cniAdd = (plugin: string, ns: string, conf: object, pod: typeof benchPod = benchPod): Promise<number> =>
  timedSpawn([plugin], JSON.stringify(conf), {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: ns,
    CNI_NETNS: `/run/netns/${ns}`,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.metadata.namespace};K8S_POD_NAME=${pod.metadata.name}`,
    CNI_PATH: '/usr/lib/cni',
  });

export const stats = (xs: number[]): { median: number; p90: number } => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return { median: q(0.5), p90: q(0.9) };
};
