/**
 * `npm run e2e:istio`: sidecar-kit beside a real istiod on the local single-node cluster
 * (e2e/cluster). Istio's pilot-discovery and pilot-agent are built from the istio.io/istio module
 * pinned in oracle/go.mod; istiod is installed with real helm from the module's own charts (base
 * CRDs + istiod, revision `istio`), and our chart beside it (revision `sk`), both told the same
 * injection values (images, proxy resources, the custom template, istiod's address).
 *
 * 1. Same workloads in two namespaces — Istio's samples from the module and the kinds and
 *    features they lack (e2e/istio/workloads.ts) — one injected by istiod, one by sidecar-kit; the
 *    stored Pods are compared field by field after removing what differs by nature
 *    (e2e/istio/compare.ts); likewise pods that already carry a status annotation (re-injection),
 *    the admission answers of pods both must refuse, and CNI mode (a second revision of each).
 *    The node is cordoned meanwhile: the pods are admitted and stored but not started (the
 *    comparison is of what admission stored; starting ~50 pods would cost minutes here).
 * 2. Istio's agent in our pods: a workload injected by sidecar-kit runs the proxy image whose
 *    istio-proxy is Istio's real pilot-agent (Envoy replaced by oracle/cmd/envoy-standin): it gets
 *    its workload certificate from the real istiod, the kubelet's probes we rewrote reach the app
 *    through the agent, the pod becomes Ready, and istiod's debug endpoints list the proxy and its
 *    endpoint with what we injected.
 *
 * Runs on the cluster of SK_CLUSTER_INDEX (reused when `npm run cluster:up` left it running, else
 * started and taken down). SK_ISTIO_KEEP=1 leaves istiod and the namespaces in place.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHART_DIR } from '../../charts/sidecar-kit/tests/helm.js';
import { goBinary, istioModuleDir } from '../../scripts/istio-oracle.mjs';
import { findTool } from '../../scripts/k8s-tools.js';
import { buildSkipReason } from '../cluster/binaries.js';
import { clusterSkipReason, LocalCluster, NODE_NAME } from '../cluster/local-cluster.js';
import { buildProductImages, chartValues } from '../cluster/product.js';
import { Kube } from '../scenario/provider.js';
import { importImages, imagesSkipReason, type ImageRefs } from '../support/images.js';
import { istioBinaries } from './binaries.js';
import { compareTwins, describeDifference, type Difference, type Twin } from './compare.js';
import { buildIstioImages, type IstioImageRefs } from './images.js';
import { CUSTOM_TEMPLATE, cniWorkloads, extraWorkloads, imagesOf, readSamples, refusedPods, type K8sObject } from './workloads.js';

const ISTIO_NS = 'istio-system';
const SK_NS = 'sk-istio';
/** The proxy image both injectors name: `global.hub`/`global.tag` of our chart's defaults. */
const HUB = 'docker.io/istio';
const TAG = '1.31.0';
const log = (line: string) => process.stderr.write(`e2e/istio: ${line}\n`);

function goSkipReason(): string | undefined {
  try {
    goBinary();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const kubectlTool = findTool('kubectl');
const helmTool = findTool('helm');
const skipReason =
  clusterSkipReason() ?? imagesSkipReason() ?? buildSkipReason() ?? goSkipReason() ?? ('reason' in kubectlTool ? kubectlTool.reason : undefined) ?? ('reason' in helmTool ? helmTool.reason : undefined);

/** The pairs of namespaces: istiod's revision and ours. */
interface Pair {
  readonly istiod: { readonly ns: string; readonly revision: string };
  readonly ours: { readonly ns: string; readonly revision: string };
}
const INIT: Pair = { istiod: { ns: 'cmp-istiod', revision: 'istio' }, ours: { ns: 'cmp-sk', revision: 'sk' } };
const CNI: Pair = { istiod: { ns: 'cni-istiod', revision: 'istio-cni' }, ours: { ns: 'cni-sk', revision: 'skcni' } };
const AGENT_NS = 'agent-sk';
const NAMESPACES = [INIT.istiod.ns, INIT.ours.ns, CNI.istiod.ns, CNI.ours.ns, AGENT_NS];

interface PodJson {
  metadata: { name: string; namespace: string; generateName?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { containers: { name: string; readinessProbe?: { httpGet?: { port: number | string; path?: string } }; env?: { name: string; value?: string }[] }[]; initContainers?: { name: string; restartPolicy?: string; env?: { name: string; value?: string }[] }[]; serviceAccountName?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

describe.skipIf(skipReason !== undefined)(`sidecar-kit beside a real istiod on the local cluster${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const cluster = new LocalCluster(undefined, { log: (l) => log(`cluster: ${l}`) });
  const tools = { kubectl: 'path' in kubectlTool ? kubectlTool.path : 'kubectl', helm: 'path' in helmTool ? helmTool.path : 'helm' };
  const kube = new Kube(() => cluster.kubeconfig, tools);
  const work = mkdtempSync(join(tmpdir(), 'sk-e2e-istio-'));
  let startedHere = false;
  let moduleDir = '';
  let refs: ImageRefs;
  let istioRefs: IstioImageRefs;
  let workloads: K8sObject[] = [];
  const report: string[] = [];

  const pods = (ns: string) => kube.getJson<{ items: PodJson[] }>(['pods', '-n', ns]).items;
  const valuesFile = (name: string, values: unknown) => {
    const f = join(work, `${name}.yaml`);
    writeFileSync(f, stringify(values));
    return f;
  };

  /** Injection values both injectors get (the same keys exist in Istio's chart and ours). */
  const injectionValues = () => ({
    global: {
      hub: HUB,
      tag: TAG,
      imagePullPolicy: 'IfNotPresent',
      proxy: { resources: { requests: { cpu: '10m', memory: '40Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } } },
      caAddress: 'istiod-istio.istio-system.svc:15012',
    },
    meshConfig: { defaultConfig: { discoveryAddress: 'istiod-istio.istio-system.svc:15012' } },
    sidecarInjectorWebhook: { templates: { custom: CUSTOM_TEMPLATE } },
  });

  function installIstiod(revision: string, extra: Record<string, unknown>): void {
    const chart = join(moduleDir, 'manifests', 'charts', 'istio-control', 'istio-discovery');
    const values = { ...injectionValues(), revision, autoscaleEnabled: false, resources: { requests: { cpu: '50m', memory: '256Mi' } }, ...extra };
    log(`helm install istiod-${revision} (the module's istio-discovery chart)`);
    kube.helm(['upgrade', '--install', `istiod-${revision}`, chart, '--namespace', ISTIO_NS, '--wait', '--timeout', '10m', '-f', valuesFile(`istiod-${revision}`, values)]);
  }

  function installOurs(release: string, revision: string, extra: Record<string, unknown>): void {
    const v = injectionValues();
    const values = {
      ...v,
      revision,
      images: { hub: refs.webhook.slice(0, refs.webhook.lastIndexOf('/')), tag: refs.webhook.slice(refs.webhook.lastIndexOf(':') + 1) },
      webhook: { replicaCount: 1 },
      ...extra,
    };
    log(`helm install ${release} (charts/sidecar-kit, revision ${revision})`);
    kube.helm(['upgrade', '--install', release, CHART_DIR, '--namespace', SK_NS, '--create-namespace', '--wait', '--timeout', '5m', '-f', valuesFile(release, values), ...chartValues(cluster).flatMap((s) => ['--set', s])]);
  }

  /** Both injectors' webhook configurations carry a caBundle (istiod and our webhook patch their own). */
  async function webhooksReady(): Promise<void> {
    await kube.until('the caBundles of every mutating webhook configuration', () => {
      const bundles = kube.tryKubectl(['get', 'mutatingwebhookconfigurations', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.webhooks[0].clientConfig.caBundle}{"\\n"}{end}']).stdout.trim().split('\n');
      // `<name>=<base64>`: a bundle is there when something follows the first `=`
      return bundles.length >= 2 && bundles.every((l) => l.indexOf('=') > 0 && l.indexOf('=') < l.length - 1);
    }, 300_000, 3000);
  }

  async function reset(): Promise<void> {
    for (const ns of [SK_NS, ISTIO_NS]) {
      const releases = kube.tryKubectl(['get', 'secrets', '-n', ns, '-l', 'owner=helm', '-o', 'jsonpath={.items[*].metadata.labels.name}']).stdout.trim().split(/\s+/).filter((r) => r !== '');
      for (const r of new Set(releases)) kube.run([tools.helm, '--kubeconfig', cluster.kubeconfig, 'uninstall', r, '--namespace', ns, '--wait', '--timeout', '5m']);
    }
    kube.tryKubectl(['uncordon', NODE_NAME]);
    const all = [...NAMESPACES, SK_NS, ISTIO_NS];
    kube.tryKubectl(['delete', 'namespace', ...all, '--ignore-not-found', '--wait=false']);
    await kube.until('the namespaces of an earlier run to be gone', () => all.every((n) => kube.tryKubectl(['get', 'namespace', n]).code !== 0), 900_000, 3000);
  }

  /** Applies `objects` into a new namespace labelled for `revision`. */
  function deploy(ns: string, revision: string, objects: readonly K8sObject[]): void {
    kube.kubectl(['create', 'namespace', ns]);
    kube.kubectl(['label', 'namespace', ns, `istio.io/rev=${revision}`]);
    kube.kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  /** Pods each workload makes (one per Deployment/StatefulSet/Job/CronJob of the list). */
  const expectedPods = (objects: readonly K8sObject[]) => objects.filter((o) => ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'Pod'].includes(o.kind)).length;

  async function waitForPods(pair: Pair, objects: readonly K8sObject[]): Promise<void> {
    const want = expectedPods(objects);
    try {
      await kube.until(`${want} pods in ${pair.istiod.ns} and ${pair.ours.ns}`, () => {
        const n = [pair.istiod.ns, pair.ours.ns].map((ns) => pods(ns).length);
        log(`pods: ${pair.istiod.ns} ${n[0]}/${want}, ${pair.ours.ns} ${n[1]}/${want}`);
        return n.every((x) => x >= want);
      }, 240_000, 5000);
    } catch (err) {
      // why a controller could not create a pod (an admission refusal, an invalid injected pod)
      const why = [pair.istiod.ns, pair.ours.ns].map((ns) => `${ns}:\n${kube.tryKubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'custom-columns=OBJECT:.involvedObject.name,MESSAGE:.message', '--no-headers']).stdout.trim()}`);
      throw new Error(`${(err as Error).message}\n${why.join('\n')}`);
    }
  }

  function comparePair(pair: Pair, what: string, filter: (p: PodJson) => boolean = () => true): Twin[] {
    const a = pods(pair.istiod.ns).filter(filter);
    const b = pods(pair.ours.ns).filter(filter);
    const twins = compareTwins(a, b, {
      istiod: { namespace: pair.istiod.ns, revision: pair.istiod.revision, initImage: `${HUB}/proxyv2:${TAG}` },
      ours: { namespace: pair.ours.ns, revision: pair.ours.revision, initImage: refs.init },
    });
    const lines = twins.flatMap((t) => t.differences.map((d) => `${documented(d) ? '(documented) ' : ''}${describeDifference(t.key, d)}`));
    const nDocumented = twins.reduce((n, t) => n + t.differences.filter(documented).length, 0);
    const header = `${what}: ${twins.length} pod pairs compared, ${twins.filter((t) => t.differences.length === 0).length} identical, ${lines.length} differences (${nDocumented} of them documented deviations, docs/e2e.md)`;
    report.push(header, ...lines.map((l) => `  ${l}`));
    log([header, ...lines.map((l) => `  ${l}`)].join('\n'));
    return twins;
  }

  beforeAll(async () => {
    moduleDir = istioModuleDir();
    const started = Date.now();
    const bins = istioBinaries(moduleDir, log);
    log(`pilot-discovery, pilot-agent, envoy stand-in ready (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    refs = await buildProductImages((l) => log(l));
    const samples = readSamples(moduleDir);
    const images = imagesOf(samples);
    const httpbin = images.find((i) => i.includes('/go-httpbin:'));
    const curl = images.find((i) => i.includes('/curl:'));
    if (!httpbin || !curl) throw new Error(`the module's samples no longer name httpbin and curl images (${images.join(', ')})`);
    workloads = [...samples, ...extraWorkloads({ httpbin, curl })];
    istioRefs = await buildIstioImages({ bins, moduleDir, hub: HUB, tag: TAG, sampleRefs: imagesOf(workloads), log });
    startedHere = !(await cluster.healthy());
    await cluster.up({
      sandbox: refs.pause,
      load: async ({ address, ctr }) => {
        await importImages(refs, { containerdAddress: address, ctr, log });
        await importImages([istioRefs.pilot, istioRefs.proxyv2, ...istioRefs.samples], { containerdAddress: address, ctr, log });
      },
    });
    await reset();
    log('helm install istio-base (the module\'s base chart: CRDs)');
    kube.kubectl(['create', 'namespace', ISTIO_NS]);
    kube.helm(['install', 'istio-base', join(moduleDir, 'manifests', 'charts', 'base'), '--namespace', ISTIO_NS, '--set', 'defaultRevision=', '--wait']);
    installIstiod('istio', {});
    installOurs('sk', 'sk', {});
    await webhooksReady();
    kube.kubectl(['cordon', NODE_NAME]);
    deploy(INIT.istiod.ns, INIT.istiod.revision, workloads);
    deploy(INIT.ours.ns, INIT.ours.revision, workloads);
    await waitForPods(INIT, workloads);
  }, 90 * 60_000);

  afterAll(async () => {
    if (report.length > 0) process.stderr.write(`\ne2e/istio report\n${report.join('\n')}\n\n`);
    rmSync(work, { recursive: true, force: true });
    if (process.env.SK_ISTIO_KEEP === '1') return;
    if (startedHere && process.env.SK_CLUSTER_KEEP !== '1') await cluster.down();
    else await reset();
  }, 20 * 60_000);

  const unexplained = (twins: readonly Twin[]) => twins.flatMap((t) => t.differences.filter((d) => !documented(d)).map((d) => describeDifference(t.key, d)));

  describe('one workload set, two injectors', () => {
    it("every pod istiod injected has a twin injected by sidecar-kit, identical after removing what differs by nature", () => {
      const twins = comparePair(INIT, 'init mode (istiod revision istio vs sidecar-kit revision sk)');
      expect(twins.length).toBeGreaterThanOrEqual(expectedPods(workloads));
      expect(pods(INIT.ours.ns).every((p) => p.metadata.annotations?.['sidecar.istio.io/status'] !== undefined || p.metadata.labels?.['sidecar.istio.io/inject'] === 'false')).toBe(true);
      expect(unexplained(twins)).toEqual([]);
    });

    it('re-injection: pods that already carry a status annotation (as istiod and as sidecar-kit injected them) come out the same from both', () => {
      // The stored pods of both namespaces, stripped to what a user would re-apply (as kube-inject
      // output or a copied pod), created again in both namespaces under the same names.
      const keep = new Set(['productpage-v1', 'probes', 'classic', 'custom', 'proxyconfig', 'metrics']);
      const deploymentOf = (p: PodJson) => (p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' ? p.metadata.ownerReferences[0].name.replace(/-[a-z0-9]+$/, '') : '');
      const source = (ns: string, tag: string) =>
        pods(ns)
          .filter((p) => keep.has(deploymentOf(p)))
          .map((p) => {
            const spec = structuredClone(p.spec) as Record<string, unknown> & { volumes?: { name: string }[]; containers: { volumeMounts?: { name: string }[] }[]; initContainers?: { volumeMounts?: { name: string }[] }[] };
            delete spec.nodeName;
            // the API server adds the token volume again
            const token = (n: string) => n.startsWith('kube-api-access-');
            spec.volumes = spec.volumes?.filter((v) => !token(v.name));
            for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.volumeMounts = c.volumeMounts?.filter((m) => !token(m.name));
            // without the ReplicaSet's pod-template-hash label, so no ReplicaSet adopts the copy
            const { 'pod-template-hash': _hash, ...labels } = p.metadata.labels ?? {};
            return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `re-${tag}-${deploymentOf(p)}`, labels: { ...labels, reinjected: tag }, annotations: p.metadata.annotations }, spec } as K8sObject;
          });
      const again = [...source(INIT.istiod.ns, 'istiod'), ...source(INIT.ours.ns, 'sk')];
      expect(again.length).toBeGreaterThanOrEqual(2 * keep.size);
      for (const ns of [INIT.istiod.ns, INIT.ours.ns]) kube.kubectl(['create', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: again }));
      const twins = comparePair(INIT, 're-injection', (p) => p.metadata.labels?.reinjected !== undefined);
      expect(twins).toHaveLength(again.length);
      expect(unexplained(twins)).toEqual([]);
    });

    it('pods both must refuse are refused by both, with the same reason', () => {
      const refused = refusedPods({ curl: workloads.length ? (imagesOf(workloads).find((i) => i.includes('/curl:')) ?? '') : '' });
      const lines: string[] = [];
      const answers = refused.map((pod) => {
        const [a, b] = [INIT.istiod.ns, INIT.ours.ns].map((ns) => {
          const r = kube.tryKubectl(['create', '-n', ns, '-f', '-'], JSON.stringify(pod));
          const exists = kube.tryKubectl(['get', 'pod', '-n', ns, pod.metadata.name]).code === 0;
          // the webhook's own name differs by nature (istiod's entries vs ours)
          const full = r.stderr.trim().replace(/admission webhook "[^"]+"/, 'admission webhook "<name>"').replace(new RegExp(ns, 'g'), '<namespace>');
          return { code: r.code, exists, full, message: withoutDeviations(full) };
        });
        const same = a?.full === b?.full;
        lines.push(`${pod.metadata.name}: istiod ${a?.code === 0 ? 'admitted' : 'refused'}, sidecar-kit ${b?.code === 0 ? 'admitted' : 'refused'}; ${same ? `same message: ${a?.full}` : `messages: istiod: ${a?.full} | sidecar-kit: ${b?.full}`}`);
        return { name: pod.metadata.name, istiod: { code: a?.code, exists: a?.exists, message: a?.message }, ours: { code: b?.code, exists: b?.exists, message: b?.message } };
      });
      report.push(`refused pods: ${refused.length} compared`, ...lines.map((l) => `  ${l}`));
      log(lines.join('\n'));
      for (const a of answers) {
        expect(a.istiod?.code, `${a.name} refused by istiod`).not.toBe(0);
        expect(a.istiod?.exists, `${a.name} not stored (istiod)`).toBe(false);
        expect({ name: a.name, ...a.ours }).toEqual({ name: a.name, ...a.istiod });
      }
    });
  });

  describe('CNI mode: a second revision of each, injecting for a CNI plugin', () => {
    beforeAll(async () => {
      // The second istiod and webhook must start: the node takes pods again meanwhile, once the
      // (compared) pods of the init-mode pair are gone.
      const done = [INIT.istiod.ns, INIT.ours.ns];
      kube.kubectl(['delete', 'namespace', ...done, '--wait=false']);
      await kube.until('the init-mode namespaces to be gone', () => done.every((n) => kube.tryKubectl(['get', 'namespace', n]).code !== 0), 600_000, 3000);
      kube.kubectl(['uncordon', NODE_NAME]);
      installIstiod(CNI.istiod.revision, { cni: { enabled: true } });
      installOurs('skcni', CNI.ours.revision, { cni: { enabled: true } });
      await webhooksReady();
      kube.kubectl(['cordon', NODE_NAME]);
      const objects = cniWorkloads(workloads);
      deploy(CNI.istiod.ns, CNI.istiod.revision, objects);
      deploy(CNI.ours.ns, CNI.ours.revision, objects);
      await waitForPods(CNI, objects);
    }, 20 * 60_000);

    it('every pod has its twin, identical after removing what differs by nature', () => {
      const twins = comparePair(CNI, 'CNI mode (istiod revision istio-cni vs sidecar-kit revision skcni)');
      expect(twins.length).toBeGreaterThanOrEqual(expectedPods(cniWorkloads(workloads)));
      expect(pods(CNI.ours.ns).some((p) => (p.spec.initContainers ?? []).some((c) => c.name === 'istio-validation'))).toBe(true);
      expect(unexplained(twins)).toEqual([]);
    });
  });

  describe("Istio's agent in a pod sidecar-kit injected", () => {
    let pod: PodJson;
    let istiod = '';
    /** istiod's debug endpoints, asked from inside its pod (`pilot-discovery request`: its own client, with the credentials they want). */
    const debug = <T,>(path: string) => jsonOf<T>(kube.kubectl(['exec', '-n', ISTIO_NS, istiod, '--', 'pilot-discovery', 'request', 'GET', path]));

    beforeAll(async () => {
      // The revisions of the comparison are done: their pods would start once the node takes
      // pods again; remove them first.
      const done = [INIT.istiod.ns, INIT.ours.ns, CNI.istiod.ns, CNI.ours.ns];
      kube.tryKubectl(['delete', 'namespace', ...done, '--ignore-not-found', '--wait=false']);
      await kube.until('the compared namespaces to be gone', () => done.every((n) => kube.tryKubectl(['get', 'namespace', n]).code !== 0), 600_000, 3000);
      kube.kubectl(['uncordon', NODE_NAME]);
      istiod = kube.kubectl(['get', 'pods', '-n', ISTIO_NS, '-l', 'app=istiod,istio.io/rev=istio', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
      const istiodIp = kube.kubectl(['get', 'svc', '-n', ISTIO_NS, 'istiod-istio', '-o', 'jsonpath={.spec.clusterIP}']).trim();
      deploy(AGENT_NS, INIT.ours.revision, agentWorkload(refs.app, istiodIp));
      log('waiting for the agent workload to become Ready');
      const r = kube.tryKubectl(['rollout', 'status', '-n', AGENT_NS, 'deploy/echo', '--timeout', '600s'], undefined, 660_000);
      pod = pods(AGENT_NS)[0] as PodJson;
      if (r.code !== 0) log(`not Ready: ${r.stderr}\n${kube.tryKubectl(['describe', 'pod', '-n', AGENT_NS]).stdout.slice(-3000)}\n${kube.tryKubectl(['logs', '-n', AGENT_NS, pod.metadata.name, '-c', 'istio-proxy', '--tail=60']).stdout}`);
    }, 20 * 60_000);

    it('the kubelet probes we rewrote to :15020/app-health/... reach the app through the agent, and the pod is Ready', () => {
      const app = pod.spec.containers.find((c) => c.name === 'echo');
      expect(app?.readinessProbe?.httpGet).toMatchObject({ port: 15020, path: '/app-health/echo/readyz' });
      expect((pod.spec.initContainers ?? []).find((c) => c.name === 'istio-proxy')?.env?.find((e) => e.name === 'ISTIO_KUBE_APP_PROBERS')?.value).toContain('/app-health/echo/readyz');
      expect(pod.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      // the agent logged the app probe it forwards
      expect(kube.kubectl(['logs', '-n', AGENT_NS, pod.metadata.name, '-c', 'istio-proxy'])).toMatch(/Envoy proxy is ready|starting Http service at/);
    });

    it("the agent got a workload certificate from the real istiod for the pod's SPIFFE identity", () => {
      // The agent's SDS secrets as the Envoy stand-in received them (its admin /certs), asked
      // through the agent's own `request` command.
      const certs = jsonOf<Record<string, string>>(kube.kubectl(['exec', '-n', AGENT_NS, pod.metadata.name, '-c', 'istio-proxy', '--', 'pilot-agent', 'request', 'GET', 'certs']));
      const chain = certs.default ?? '';
      const leaf = new X509Certificate(chain);
      expect(leaf.subjectAltName).toContain(`URI:spiffe://cluster.local/ns/${AGENT_NS}/sa/echo-sa`);
      const root = new X509Certificate(kube.kubectl(['get', 'configmap', '-n', AGENT_NS, 'istio-ca-root-cert', '-o', 'jsonpath={.data.root-cert\\.pem}']));
      expect(leaf.checkIssued(root) || chain.split('-----END CERTIFICATE-----').length > 2).toBe(true);
      expect(leaf.verify(root.publicKey) || new X509Certificate(chain.slice(chain.indexOf('-----END CERTIFICATE-----') + 26)).verify(root.publicKey)).toBe(true);
      expect(new X509Certificate(certs.ROOTCA ?? '').fingerprint256).toBe(root.fingerprint256);
      report.push(`agent: workload certificate ${leaf.subjectAltName} issued by ${leaf.issuer.replace(/\n/g, ', ')}, valid to ${leaf.validTo}`);
    });

    it('istiod lists the connected proxy with the metadata we injected, and its endpoint with our labels', () => {
      const id = `${pod.metadata.name}.${AGENT_NS}`;
      const syncz = debug<{ proxy: string; proxy_type: string; cluster_acked?: string; listener_acked?: string }[]>('/debug/syncz');
      const sync = syncz.find((x) => x.proxy === id);
      expect(sync, `${id} in /debug/syncz`).toMatchObject({ proxy_type: 'sidecar' });
      expect(sync?.cluster_acked).toBeTruthy();
      // what the agent told istiod about the pod: built from the env/volumes we injected
      const adsz = debug<{ clients: { connectionId: string; labels: Record<string, string>; metadata: Record<string, unknown> }[] }>(`/debug/adsz?proxyID=${id}`);
      const client = adsz.clients.find((c) => c.connectionId.startsWith(id));
      expect(client, `${id} in /debug/adsz`).toBeDefined();
      const md = client?.metadata ?? {};
      expect(client?.labels).toMatchObject({ app: 'echo', version: 'v1', 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'echo', 'service.istio.io/canonical-revision': 'v1' });
      expect(md).toMatchObject({ NAMESPACE: AGENT_NS, SERVICE_ACCOUNT: 'echo-sa', WORKLOAD_NAME: 'echo', INSTANCE_IPS: pod.status.podIP, INTERCEPTION_MODE: 'REDIRECT', CLUSTER_ID: 'Kubernetes' });
      expect((md.PROXY_CONFIG as { discoveryAddress?: string }).discoveryAddress).toBe('istiod-istio.istio-system.svc:15012');
      expect(JSON.parse((md.ANNOTATIONS as Record<string, string>)['sidecar.istio.io/status'] ?? '{}')).toMatchObject({ revision: INIT.ours.revision });
      // the endpoint of the pod's Service, with our labels and the SPIFFE identity
      const shards = debug<Record<string, Record<string, { Shards: Record<string, { Labels: Record<string, string>; Addresses: string[]; ServiceAccount: string; TLSMode: string }[]> }>>>('/debug/endpointShardz');
      const endpoints = Object.values(shards[`echo.${AGENT_NS}.svc.cluster.local`]?.[AGENT_NS]?.Shards ?? {}).flat();
      const ep = endpoints.find((e) => e.Addresses.includes(pod.status.podIP ?? '<no ip>'));
      expect(ep, `the pod's endpoint in /debug/endpointShardz`).toBeDefined();
      expect(ep).toMatchObject({ ServiceAccount: `spiffe://cluster.local/ns/${AGENT_NS}/sa/echo-sa`, TLSMode: 'istio' });
      expect(ep?.Labels).toMatchObject({ 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'echo', 'service.istio.io/canonical-revision': 'v1' });
      report.push(`istiod: ${id} connected (clusters and listeners ACKed: ${sync?.cluster_acked ?? '-'}), metadata ${JSON.stringify({ NAMESPACE: md.NAMESPACE, SERVICE_ACCOUNT: md.SERVICE_ACCOUNT, WORKLOAD_NAME: md.WORKLOAD_NAME, ISTIO_VERSION: md.ISTIO_VERSION })}; endpoint ${JSON.stringify(ep)}`);
    });
  });
});

/** The JSON document of a command's output that also carries log lines (the Istio programs log to stdout). */
function jsonOf<T>(text: string): T {
  const start = text.search(/^[[{]/m);
  if (start < 0) throw new Error(`no JSON in: ${text.slice(0, 500)}`);
  return JSON.parse(text.slice(start)) as T;
}

/**
 * Documented deviations of stored pods (docs/e2e.md, "sidecar-kit beside a real istiod"): in CNI
 * mode sidecar-kit adds the pod-facts annotation its CNI plugin reads
 * (`cni.sidecar-kit.io/capture`: the proxy's uid/gid and type, so the plugin needs no API call
 * for them); istiod's pod has no such annotation.
 */
function documented(d: Difference): boolean {
  return d.path === 'metadata.annotations.cni.sidecar-kit.io/capture' && d.istiod === undefined;
}

/**
 * Documented deviations of refusal messages (docs/e2e.md, "sidecar-kit beside a real istiod"),
 * replaced by placeholders before the messages are compared; the report shows both messages in
 * full:
 * - the detail of a `proxy.istio.io/config` that does not parse as a ProxyConfig is the parser's
 *   own (Go's JSON/protobuf decoders there, our schema here); the annotation, its value and the
 *   message's frame are the same;
 * - the list of templates an unknown template name is answered with: istiod's chart also ships
 *   the ambient and Gateway API templates (waypoint, kube-gateway, agentgateway…), which
 *   sidecar-kit does not inject, and Go prints the list in map order (random).
 */
function withoutDeviations(message: string): string {
  return message.replace(/(failed to convert to apply proxy config: ).*$/m, '$1<parser detail>').replace(/(not found; have ).*$/m, '$1<templates>');
}

/** A Deployment + Service for the agent check: busybox httpd with HTTP probes, its own service account. */
function agentWorkload(image: string, istiodIp: string): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'echo-sa' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', labels: { app: 'echo' } }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'echo' } },
        template: {
          metadata: { labels: { app: 'echo', version: 'v1' } },
          spec: {
            serviceAccountName: 'echo-sa',
            terminationGracePeriodSeconds: 2,
            // No cluster DNS on the local cluster: the name of istiod's Service (the address we
            // injected) is given to the pod's /etc/hosts.
            hostAliases: [{ ip: istiodIp, hostnames: ['istiod-istio.istio-system.svc'] }],
            containers: [
              {
                name: 'echo',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 3 },
                livenessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 10 },
              },
            ],
          },
        },
      },
    },
  ];
}
