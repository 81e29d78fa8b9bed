/**
 * Traffic capture side by side with Istio's Go binaries (not a test; needs root, iptables, nft,
 * openssl, Go for Istio's binaries). Used by `npm run bench:istio`; alone:
 *
 *   npm run build && npx tsx bench/istio/capture.ts      (BENCH_RUNS=n rounds, default 21;
 *     SK_CLI=<sidecar-kit.js>, SK_CNI_PLUGIN=<our istio-cni>, SK_BENCH_NODE=<node> for ours;
 *     BENCH_ONLY=istio-iptables|cni for one half)
 *
 * - istio-iptables: `sidecar-kit istio-iptables` (the built bundle, run by the Node release the
 *   init image ships, as bench/capture runs it) vs Istio's istio-iptables built from the pinned
 *   module (oracle/cmd/istio-iptables), both with the default sidecar args, each apply into a
 *   fresh network namespace whose `lo` carries the pod's address (Istio reads the IP family from
 *   it); IPv4, dual-stack and native nftables. Once per scenario both rule sets are compared
 *   (iptables-save / nft list ruleset). Beside them, `sidecar-kit istio-iptables` run from the
 *   CLI's single executable (SK_EXECUTABLE, else dist/bin/sidecar-kit when built), in the same
 *   rounds: a column of its own, not the slot's figure (the init image runs the bundle).
 * - CNI ADD: our plugin single executable (as the chart ships it, built as bench/cni builds it)
 *   vs Istio's istio-cni plugin built from the module (istio.io/istio/cni/cmd/istio-cni), same
 *   conf, same prevResult, same fresh namespace setup; both read the pod from the same LOCAL
 *   TEST DOUBLE of the Kubernetes API (bench/cni/lib.ts), through the kubeconfig both look for in
 *   cni_agent_run_dir. Rule sets compared once. SK_BENCH_KUBECONFIG=<admin kubeconfig of a real
 *   cluster> (e.g. `SK_CLUSTER_INDEX=2 SK_CLUSTER_NO_CHART=1 npm run cluster:up`): both read the
 *   pod from that real API server instead (the pod is created in namespace `benchcap` with a
 *   nodeSelector no node matches, so it stays Pending and nothing runs it; deleted at the end; `npm run cluster:down` removes the rest).
 *
 * Rounds alternate which side goes first; two warm-up rounds are dropped. Figures: medians of
 * wall time per apply / ADD; ratio = Istio's time ÷ ours (above 1: we are faster). Every netns
 * is named `benchcap-<pid>` and deleted after its run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_ARGS, declaredEsm, quantile, timed, withNetns } from '../capture/lib.js';
import { apiTestDouble, benchPod, cniAdd, executables, must, pluginEnv, prevResult, seaNodeVersion } from '../cni/lib.js';
import { buildIstioBinary } from '../../scripts/istio-oracle.mjs';
import { nodeForArtefacts } from '../../scripts/node-lts.mjs';

const root = path.resolve(import.meta.dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 2;
const NETNS = { prefix: 'benchcap' };
const V4 = '198.51.100.10/24';
const V6 = '2001:db8::10/64';

export interface CaptureFigure {
  /** Istio's median ÷ ours (above 1: we are faster); NaN when not measured. */
  readonly ratio: number;
  /** Markdown table rows and notes to print. */
  readonly lines: readonly string[];
  /** Why it was not measured (ratio NaN). */
  readonly reason?: string;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (x: number): string => x.toFixed(1);
const shown = (file: string): string => (path.relative(root, file).startsWith('..') ? file : path.relative(root, file));

/**
 * The rules a namespace holds, normalised for comparison: no comments, no counters, and no
 * empty tables (only built-in chains with policy ACCEPT) or empty base chains, which change no
 * packet's path — Istio's binaries leave an empty ip6 nat table behind when they clean up IPv6
 * in an IPv4 pod, and an empty nat INPUT base chain.
 */
function rulesIn(nsenter: string[], nft: boolean): string {
  const dump = (argv: string[]) => must([...nsenter, ...argv]);
  const clean = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '').replace(/counter packets \d+ bytes \d+/g, 'counter').trimEnd())
      .join('\n');
  if (nft) return clean(dump(['nft', 'list', 'ruleset'])).replace(/\n\tchain [A-Z]+ \{\n\t\ttype \w+ hook \w+ priority [-\w]+; policy accept;\n\t\}\n/g, '\n');
  const emptyTable = /^\*\w+\n(?::[A-Z]+ ACCEPT\n)*COMMIT\n?/gm;
  return (clean(dump(['iptables-nft-save'])) + '\n' + clean(dump(['ip6tables-nft-save']))).replace(emptyTable, '');
}

interface IptablesScenario {
  readonly name: string;
  readonly args: readonly string[];
  readonly addresses: readonly string[];
  readonly nft: boolean;
}

const IPTABLES_SCENARIOS: readonly IptablesScenario[] = [
  { name: 'default sidecar args, IPv4 (iptables-nft)', args: [], addresses: [V4], nft: false },
  { name: 'default sidecar args, dual-stack (--dual-stack)', args: ['--dual-stack'], addresses: [V4, V6], nft: false },
  { name: 'default sidecar args, native nftables (--native-nftables)', args: ['--native-nftables'], addresses: [V4], nft: true },
];

/** istio-iptables: ours vs Istio's, interleaved; the ratio of the first (IPv4) scenario is the figure. */
export function benchIstioIptables(runs = RUNS, executable = process.env.SK_EXECUTABLE ?? path.join(root, 'dist', 'bin', 'sidecar-kit')): CaptureFigure {
  if (process.getuid?.() !== 0) return { ratio: NaN, reason: 'needs root (network namespaces)', lines: [] };
  const cli = process.env.SK_CLI ?? path.join(root, 'dist', 'sidecar-kit.js');
  if (!existsSync(cli)) return { ratio: NaN, reason: `no CLI at ${cli}: npm run build`, lines: [] };
  const istio = buildIstioBinary('./cmd/istio-iptables', 'istio-iptables');
  const node = process.env.SK_BENCH_NODE ?? nodeForArtefacts();
  const nodeVersion = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
  const tmp = mkdtempSync(path.join(tmpdir(), 'benchcap-'));
  const empty = path.join(tmp, 'empty.mjs');
  writeFileSync(empty, '');
  const env = pluginEnv; // a pod's init container has no NODE_EXTRA_CA_CERTS
  const exe = existsSync(executable) ? executable : undefined;
  const lines = [
    `istio-iptables: ours = ${nodeVersion} ${shown(cli)}${declaredEsm(cli) ? '' : ' (no "type": "module" above it)'}, Istio = ${istio}; ${runs} interleaved rounds, fresh netns each; load average ${load()} at start`,
    '',
    `| scenario | ours median ms | Istio median ms | ratio (Istio ÷ ours) | Node empty-script start ms | ours in-process ms | same rules | ${exe ? `ours as ${shown(exe)} ms (ratio)` : 'single executable'} |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let ratio = NaN;
  try {
    for (const s of IPTABLES_SCENARIOS) {
      const args = [...SIDECAR_ARGS, ...s.args];
      const ours: number[] = [];
      const theirs: number[] = [];
      const bare: number[] = [];
      const inner: number[] = [];
      const single: number[] = [];
      const opts = { ...NETNS, addresses: s.addresses };
      const rulesOurs = withNetns((ns) => (timed([...ns, node, cli, 'istio-iptables', ...args], { env }), rulesIn(ns, s.nft)), opts);
      const rulesIstio = withNetns((ns) => (timed([...ns, istio, ...args], { env }), rulesIn(ns, s.nft)), opts);
      const same = rulesOurs === rulesIstio && /istio[_-]redirect/i.test(rulesOurs);
      for (let i = -WARMUP; i < runs; i++) {
        const runOurs = () =>
          withNetns((ns) => {
            const r = timed([...ns, node, cli, 'istio-iptables', ...args], { env });
            const self = /done in (\d+(?:\.\d+)?) ms/.exec(r.stdout)?.[1];
            if (i >= 0) {
              ours.push(r.ms);
              if (self) inner.push(Number(self));
            }
          }, opts);
        const runIstio = () => withNetns((ns) => void (i >= 0 && theirs.push(timed([...ns, istio, ...args], { env }).ms)), opts);
        const runExe = () => (exe ? withNetns((ns) => void (i >= 0 && single.push(timed([...ns, exe, 'istio-iptables', ...args], { env }).ms)), opts) : undefined);
        if (i % 2 === 0) {
          runOurs();
          runIstio();
          runExe();
        } else {
          runExe();
          runIstio();
          runOurs();
        }
        const b = timed([node, empty], { env }).ms;
        if (i >= 0) bare.push(b);
      }
      const [o, t] = [quantile(ours, 0.5), quantile(theirs, 0.5)];
      if (Number.isNaN(ratio)) ratio = t / o;
      const e = quantile(single, 0.5);
      lines.push(`| ${s.name} | ${ms(o)} | ${ms(t)} | ${(t / o).toFixed(2)}x | ${ms(quantile(bare, 0.5))} | ${inner.length ? ms(quantile(inner, 0.5)) : '?'} | ${same ? 'yes' : 'NO'} | ${exe ? `${ms(e)} (${(t / e).toFixed(2)}x)` : 'not built'} |`);
      if (!same) lines.push(`  rules differ for "${s.name}":\n--- ours\n${rulesOurs}\n--- Istio\n${rulesIstio}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  lines.push('', `istio-iptables: load average ${load()} at end; the slot's figure is the IPv4 scenario`);
  return { ratio, lines };
}

/** A real API server: the bench pod created there, and a kubeconfig with inline credentials for both plugins. */
async function realApi(adminKubeconfig: string, work: string): Promise<{ pod: typeof benchPod; close: () => Promise<void> }> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = 'benchcap';
  const pod = { ...benchPod, metadata: { ...benchPod.metadata, namespace: ns, name: `web-${process.pid}` } };
  await core.createNamespace({ body: { metadata: { name: ns } } }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 409) throw err;
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: pod.metadata, spec: { nodeSelector: { 'benchcap.sidecar-kit.io/node': 'none' }, containers: pod.spec.containers.map((c) => ({ ...c, image: 'registry.invalid/none:0' })) } },
  });
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error(`${adminKubeconfig}: no current cluster/user`);
  const b64 = (data: string | undefined, file: string | undefined): string => data ?? readFileSync(file as string).toString('base64');
  const inline = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': b64(cluster.caData, cluster.caFile) } }],
    users: [{ name: 'u', user: { 'client-certificate-data': b64(user.certData, user.certFile), 'client-key-data': b64(user.keyData, user.keyFile) } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'c',
  };
  writeFileSync(path.join(work, 'istio-cni-kubeconfig'), JSON.stringify(inline), { mode: 0o600 });
  return { pod, close: async () => void (await core.deleteNamespacedPod({ namespace: ns, name: pod.metadata.name, gracePeriodSeconds: 0 }).catch(() => undefined)) };
}

/** CNI ADD: our plugin vs Istio's istio-cni on the same pod, both against the API test double. */
export async function benchCniAdd(runs = RUNS): Promise<CaptureFigure> {
  if (process.getuid?.() !== 0) return { ratio: NaN, reason: 'needs root (network namespaces)', lines: [] };
  const work = mkdtempSync(path.join(tmpdir(), 'benchcap-cni-'));
  const created: string[] = [];
  let seq = 0;
  const fresh = (): string => {
    const ns = `benchcap-${process.pid}-${++seq}`;
    must(['ip', 'netns', 'add', ns]);
    created.push(ns);
    must(['ip', '-n', ns, 'addr', 'add', V4, 'dev', 'lo']);
    must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  };
  const drop = (ns: string): void => {
    spawnSync('ip', ['netns', 'del', ns]);
    created.splice(created.indexOf(ns), 1);
  };
  try {
    const istio = buildIstioBinary('istio.io/istio/cni/cmd/istio-cni', 'istio-cni');
    const { plugin } = executables(work);
    const real = process.env.SK_BENCH_KUBECONFIG;
    const api = real ? undefined : await apiTestDouble(work);
    const server = real ? await realApi(real, work) : undefined;
    const pod = server?.pod ?? benchPod;
    const source = real ? `a REAL API server (${real})` : 'a local API TEST DOUBLE (HTTPS, token)';
    try {
      const conf = (ns: string) => ({
        cniVersion: '1.0.0',
        name: 'podnet',
        type: 'istio-cni',
        plugin_log_level: 'warn',
        cni_agent_run_dir: work,
        prevResult: prevResult(ns),
      });
      const addOnce = async (bin: string): Promise<{ ms: number; rules: string; calls: number }> => {
        const ns = fresh();
        try {
          const before = api?.requests() ?? 0;
          const t = await cniAdd(bin, ns, conf(ns), pod);
          const rules = rulesIn(['nsenter', `--net=/run/netns/${ns}`, '--'], false);
          if (!/ISTIO_REDIRECT/.test(rules)) throw new Error(`${bin}: ADD programmed no redirect`);
          return { ms: t, rules, calls: api ? api.requests() - before : NaN };
        } finally {
          drop(ns);
        }
      };
      const first = { ours: await addOnce(plugin), istio: await addOnce(istio) };
      const same = first.ours.rules === first.istio.rules;
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = -WARMUP; i < runs; i++) {
        const pair = i % 2 === 0 ? [await addOnce(plugin), await addOnce(istio)] : [await addOnce(istio), await addOnce(plugin)].reverse();
        if (i < 0) continue;
        ours.push((pair[0] as { ms: number }).ms);
        theirs.push((pair[1] as { ms: number }).ms);
      }
      const [o, t] = [quantile(ours, 0.5), quantile(theirs, 0.5)];
      const lines = [
        `CNI ADD: ours = ${shown(plugin)} (single executable on Node ${seaNodeVersion()}), Istio = ${istio}; pod read from ${source} by both; ${runs} interleaved rounds, fresh netns each`,
        '',
        '| scenario | ours median ms | Istio median ms | ratio (Istio ÷ ours) | API GETs per ADD (ours, Istio) | same rules |',
        '| --- | --- | --- | --- | --- | --- |',
        `| ADD, default REDIRECT pod, ${real ? 'real API server' : 'API test double'} | ${ms(o)} | ${ms(t)} | ${(t / o).toFixed(2)}x | ${real ? '? (real server)' : `${first.ours.calls}, ${first.istio.calls}`} | ${same ? 'yes' : 'NO'} |`,
        '',
        `CNI ADD: load average ${load()} at end`,
      ];
      if (!same) lines.push(`  rules differ:\n--- ours\n${first.ours.rules}\n--- Istio\n${first.istio.rules}`);
      return { ratio: t / o, lines };
    } finally {
      api?.close();
      await server?.close();
    }
  } finally {
    for (const ns of [...created]) drop(ns);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The two slots of bench:istio's last line. */
export const slot = (f: CaptureFigure): string => (Number.isNaN(f.ratio) ? `n/a (${f.reason ?? 'not measured'})` : `${f.ratio.toFixed(2)}x`);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.env.BENCH_ONLY; // istio-iptables | cni
  const skipped: CaptureFigure = { ratio: NaN, reason: `BENCH_ONLY=${only}`, lines: [] };
  const ipt = only === 'cni' ? skipped : benchIstioIptables();
  for (const l of ipt.lines) console.log(l);
  console.log('');
  const cni = only === 'istio-iptables' ? skipped : await benchCniAdd();
  for (const l of cni.lines) console.log(l);
  console.log(`capture vs-istio: istio-iptables ${slot(ipt)}, cni ${slot(cni)}`);
}
