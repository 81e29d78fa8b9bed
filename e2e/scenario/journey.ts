/**
 * The product's user journey on a real cluster, shared by the kind suite and the local-cluster
 * suite (a ClusterProvider says how to reach the cluster and its node): `helm install` the
 * chart as it ships, label a namespace `istio-injection=enabled`, deploy a multi-service sample
 * and check what Istio's injection promises; then what only a real API server shows (RBAC,
 * native sidecars by the real kubelet version, failurePolicy, a replica deleted, reinvocation,
 * server-side dry-run); then CNI mode (a second release: revision `cni`, DaemonSet, Helm
 * certificates); then a fault run of at least 200 pods; then `helm uninstall`.
 *
 * The injected istio-proxy runs a stand-in image (e2e/kind/proxy-standin): there is no istiod
 * here, and the stand-in answers the proxy's probes and reports on which port captured
 * connections land, with their original destination.
 *
 * SK_FLEET_PODS: pods of the fault run (default 200); SK_FLEET_TIMEOUT_MS: how long it waits for
 * every pod to be Ready (default 25 min; the hook's timeout follows).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, VARIANTS } from '../../charts/sidecar-kit/tests/helm.js';
import { FACTS_ANNOTATION } from '../../src/core/cni/pod-facts.js';
import { must } from '../support/process.js';
import { startAdderWebhook } from './adder-webhook.js';
import { describeCliCommands } from './cli-commands.js';
import { coverageScenario, podSecurityScenario } from './coverage.js';
import { coverageControllerScenario, COVERAGE_CONTROLLER_VALUES } from './coverage-controller.js';
import { decisionEventsScenario, DECISION_VALUES } from './decision-events.js';
import { jobsScenario } from './jobs.js';
import { preflightCniScenario, preflightInitScenario } from './preflight.js';
import { runFaults, type FaultReport } from './faults.js';
import { Kube, type ClusterProvider } from './provider.js';
import { APP_PORT, barePod, deployment, namespace, plainClient, sampleApp, SERVICES } from './sample.js';

export const CHART_NS = 'sidecar-kit';
const ISTIO_INIT_ARGS = ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'];

interface C {
  name: string;
  image: string;
  args?: string[];
  restartPolicy?: string;
}
export interface PodJson {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { initContainers?: C[]; containers: C[]; nodeName?: string };
  status: {
    phase?: string;
    podIP: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: { name: string; state: { terminated?: { exitCode: number } } }[];
  };
}

/** What the repair test reads of a pod. */
interface RepairPod {
  metadata: { name: string; uid: string };
  status: { conditions?: { type: string; status: string }[]; initContainerStatuses?: { name: string; state: { terminated?: { exitCode: number } }; lastState?: { terminated?: { exitCode: number } } }[] };
}

/** istio-proxy as a regular container, or as a native sidecar (init container that keeps running). */
export const hasProxy = (p: PodJson) => p.spec.containers.some((c) => c.name === 'istio-proxy') || (p.spec.initContainers ?? []).some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
export const ready = (p: PodJson) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const exitCode = (p: PodJson, name: string) => p.status.initContainerStatuses?.find((s) => s.name === name)?.state.terminated?.exitCode;

/** kubelet v1.X.Y -> [1, X]. */
function minor(version: string): number {
  const m = /^v?1\.(\d+)\./.exec(version);
  if (!m?.[1]) throw new Error(`unexpected kubelet version ${version}`);
  return Number(m[1]);
}

export function describeJourney(p: ClusterProvider): void {
  const reason = p.skipReason;
  describe.skipIf(reason !== undefined)(`sidecar-kit on ${p.name}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const kube = new Kube(() => p.kubeconfig, p.tools);
    const img = () => p.images;
    const commonValues = () => [
      `images.hub=${img().hub}`,
      `images.tag=${img().tag}`,
      `global.hub=${img().proxyHub}`,
      `global.tag=${img().proxyTag}`,
      `global.proxy.image=${img().proxyName}`,
      'global.imagePullPolicy=IfNotPresent',
      ...p.chartValues,
    ];
    const pods = (ns: string, app: string) => kube.getJson<{ items: PodJson[] }>(['pods', '-n', ns, '-l', `app=${app}`]).items;
    const pod = (ns: string, app: string) => pods(ns, app)[0] as PodJson;
    const exec = (ns: string, app: string, container: string, argv: readonly string[]) => kube.kubectl(['exec', '-n', ns, `deploy/${app}`, '-c', container, '--', ...argv]).trim();
    // busybox's own timeout: Debian bookworm's busybox-static wget crashes on -T.
    const wget = (ns: string, app: string, url: string) => exec(ns, app, app, ['timeout', '5', 'wget', '-qO-', url]);
    const clusterIp = (ns: string, svc: string) => kube.kubectl(['get', 'svc', '-n', ns, svc, '-o', 'jsonpath={.spec.clusterIP}']).trim();
    const byLabel = (kind: string, selector: string) => kube.kubectl(['get', kind, '-n', CHART_NS, '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/).filter((n) => n !== '');
    const webhookSelector = (release: string) => `app.kubernetes.io/instance=${release},app.kubernetes.io/component=webhook`;
    const webhookDeploy = (release: string) => byLabel('deployments', webhookSelector(release))[0] as string;
    const mwcName = (release: string) => kube.kubectl(['get', 'mutatingwebhookconfigurations', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].metadata.name}']).trim();
    const caBundles = (release: string) => kube.kubectl(['get', 'mutatingwebhookconfiguration', mwcName(release), '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']).trim().split(/\s+/).filter((b) => b !== '');

    function install(release: string, values: readonly string[]): void {
      kube.helm(['install', release, CHART_DIR, '--namespace', CHART_NS, '--create-namespace', '--wait', '--timeout', '5m', ...[...commonValues(), ...values].flatMap((v) => ['--set', v])]);
    }

    async function deploySample(ns: string, labels: Record<string, string>): Promise<void> {
      kube.apply([namespace(ns, labels), ...sampleApp(ns, img().app)]);
      for (const d of [...SERVICES, 'legacy']) kube.kubectl(['rollout', 'status', '-n', ns, `deploy/${d}`, '--timeout', '240s']);
    }

    /** The logs of a release's pods (every container, previous instances too where there are any). */
    function releaseLogs(release: string): string {
      return kube.tryKubectl(['logs', '-n', CHART_NS, '-l', `app.kubernetes.io/instance=${release}`, '--all-containers', '--prefix', '--tail=-1', '--max-log-requests=20']).stdout;
    }

    async function webhookRolledOut(release: string): Promise<void> {
      kube.kubectl(['rollout', 'status', '-n', CHART_NS, `deploy/${webhookDeploy(release)}`, '--timeout', '240s']);
      await kube.until(`the caBundle of ${release}`, () => caBundles(release).length > 0);
    }

    /** What every injected sample namespace must show, whatever the capture mode. */
    async function expectCaptured(ns: string): Promise<void> {
      for (const s of SERVICES) {
        const q = pod(ns, s);
        expect(hasProxy(q), `${ns}/${q.metadata.name} has istio-proxy`).toBe(true);
        expect(ready(q), `${ns}/${q.metadata.name} is Ready (app and proxy)`).toBe(true);
        expect(await p.podRules(ns, q.metadata.name)).toMatch(/:ISTIO_OUTPUT[\s\S]*:ISTIO_REDIRECT[\s\S]*-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
      }
      // Outbound from the app (root) -> 15001 of its own proxy, original destination kept
      // (the Service's ClusterIP: addressed directly, as not every cluster here runs DNS).
      const catalog = clusterIp(ns, 'catalog');
      expect(wget(ns, 'frontend', `http://${catalog}:${APP_PORT}/`)).toBe(`captured port=15001 orig=${catalog}:${APP_PORT}`);
      // The proxy's own uid (1337) is not captured: the connection reaches catalog, whose inbound
      // capture answers on 15006.
      const catalogIp = pod(ns, 'catalog').status.podIP;
      expect(exec(ns, 'frontend', 'istio-proxy', ['python3', '/usr/local/bin/standin.py', 'get', `http://${catalog}:${APP_PORT}/`])).toBe(`captured port=15006 orig=${catalogIp}:${APP_PORT}`);
    }

    beforeAll(async () => {
      await p.setUp();
      install('sk', []);
    }, 60 * 60_000);

    afterAll(async () => {
      if (process.env.SK_E2E_DEBUG) process.stderr.write(kube.tryKubectl(['get', 'pods', '-A', '-o', 'wide']).stdout);
      await p.tearDown();
    }, 10 * 60_000);

    describe('init mode (release sk, webhook self-signed bootstrap)', () => {
      beforeAll(async () => {
        // The webhook writes its CA into the caBundle of its own configuration after start-up.
        await kube.until('the caBundle', () => caBundles('sk').length > 0);
        await deploySample('shop', { 'istio-injection': 'enabled' });
        kube.apply([namespace('plain', {}), ...plainClient('plain', img().app)]);
        kube.kubectl(['rollout', 'status', '-n', 'plain', 'deploy/client', '--timeout', '240s']);
      }, 15 * 60_000);

      it('every sample pod runs its app and istio-proxy (2/2, or a native sidecar), Ready, with captured traffic', async () => {
        await expectCaptured('shop');
      });

      it('the two self-signed replicas share one CA from the Secret the first one created, and it is the caBundle', () => {
        const deploy = kube.getJson<{ items: { status: { readyReplicas?: number } }[] }>(['deployments', '-n', CHART_NS, '-l', webhookSelector('sk')]).items[0];
        expect(deploy?.status.readyReplicas).toBe(2);
        const secret = kube.getJson<{ items: { data: Record<string, string> }[] }>(['secrets', '-n', CHART_NS, '-l', 'app.kubernetes.io/managed-by=sidecar-kit-webhook']).items;
        expect(secret).toHaveLength(1);
        const ca = new X509Certificate(Buffer.from(secret[0]?.data['tls.crt'] ?? '', 'base64'));
        const bundles = caBundles('sk');
        expect(new Set(bundles).size).toBe(1);
        expect(new X509Certificate(Buffer.from(bundles[0] ?? '', 'base64')).fingerprint256).toBe(ca.fingerprint256);
      });

      it("istio-init ran Istio's istio-iptables arguments from our init image and exited 0", () => {
        for (const s of SERVICES) {
          const q = pod('shop', s);
          const init = q.spec.initContainers?.find((c) => c.name === 'istio-init');
          expect(init?.image).toBe(`${img().hub}/init:${img().tag}`);
          expect(init?.args).toEqual(ISTIO_INIT_ARGS);
          expect(exitCode(q, 'istio-init')).toBe(0);
        }
      });

      it('inbound connections land on 15006 with the original destination', () => {
        const ip = pod('shop', 'frontend').status.podIP;
        expect(wget('plain', 'client', `http://${ip}:${APP_PORT}/`)).toBe(`captured port=15006 orig=${ip}:${APP_PORT}`);
      });

      it.each([
        ['a pod in an unlabelled namespace', 'plain', 'client'],
        ['a pod with the opt-out label sidecar.istio.io/inject=false', 'shop', 'legacy'],
      ])('%s is left untouched', async (_n, ns, app) => {
        const q = pod(ns, app);
        expect(hasProxy(q)).toBe(false);
        expect(q.spec.initContainers ?? []).toEqual([]);
        expect(q.metadata.annotations?.['sidecar.istio.io/status']).toBeUndefined();
        expect(await p.podRules(ns, q.metadata.name)).not.toContain('ISTIO');
      });

      it("native sidecars in `auto` mode follow the real node's kubelet version", () => {
        const nodes = kube.getJson<{ items: { status: { nodeInfo: { kubeletVersion: string } } }[] }>(['nodes']).items;
        const native = nodes.every((n) => minor(n.status.nodeInfo.kubeletVersion) >= 33);
        const q = pod('shop', 'frontend');
        expect(q.spec.containers.some((c) => c.name === 'istio-proxy')).toBe(!native);
        expect((q.spec.initContainers ?? []).some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always')).toBe(native);
      });

      it('a pod created while one webhook replica is being deleted is still injected', async () => {
        const victim = kube.kubectl(['get', 'pods', '-n', CHART_NS, '-l', webhookSelector('sk'), '-o', 'jsonpath={.items[0].metadata.name}']).trim();
        kube.kubectl(['delete', 'pod', '-n', CHART_NS, victim, '--wait=false']);
        kube.apply([barePod('shop', 'during-delete', img().app)]);
        const q = kube.getJson<PodJson>(['pod', '-n', 'shop', 'during-delete']);
        expect(hasProxy(q)).toBe(true);
        kube.kubectl(['delete', 'pod', '-n', 'shop', 'during-delete', '--wait=false']);
        await webhookRolledOut('sk');
      });

      it('failurePolicy Fail: with no webhook replica up the pod is refused, never admitted without its sidecar', async () => {
        const deploy = webhookDeploy('sk');
        kube.kubectl(['scale', '-n', CHART_NS, `deploy/${deploy}`, '--replicas=0']);
        try {
          await kube.until('no webhook pod left', () => byLabel('pods', webhookSelector('sk')).length === 0, 120_000);
          const r = kube.tryKubectl(['apply', '-f', '-'], JSON.stringify(barePod('shop', 'no-webhook', img().app)));
          expect(r.code).not.toBe(0);
          expect(r.stderr).toMatch(/failed calling webhook/);
          expect(kube.tryKubectl(['get', 'pod', '-n', 'shop', 'no-webhook']).code).not.toBe(0);
        } finally {
          kube.kubectl(['scale', '-n', CHART_NS, `deploy/${deploy}`, '--replicas=2']);
          await webhookRolledOut('sk');
        }
      });

      describe('preflight (issue 17)', () => {
        preflightInitScenario({ kube, kubeconfig: () => p.kubeconfig, chartNamespace: CHART_NS, mwcName, webhookPods: (release) => byLabel('pods', webhookSelector(release)) });
      });

      describe('selection that cannot deadlock, and the coverage report (issue 17)', () => {
        coverageScenario({
          kube,
          kubeconfig: () => p.kubeconfig,
          image: () => img().app,
          chartNamespace: CHART_NS,
          release: 'sk',
          webhookDeploy,
          webhookPods: (release) => byLabel('pods', webhookSelector(release)),
          webhookRolledOut,
        });
      });

      describe('Jobs finish (issue 17)', () => {
        jobsScenario({ kube, image: () => img().app });
      });

      it.skipIf(p.hostAddressFromApiServer === undefined)('reinvocation: a second webhook that adds a container, called before and again after ours', async () => {
        const adder = await startAdderWebhook({ host: p.hostAddressFromApiServer as string, image: img().app });
        const name = '0-sk-e2e-adder';
        try {
          kube.apply([adder.configuration(name, { 'sk-e2e/adder': 'yes' })]);
          // The API server may need a moment to see the new configuration. Pods are created
          // without blocking the event loop: the API server calls the adder in this process.
          const create = async (name: string) => {
            const r = await kube.tryKubectlAsync(['apply', '-f', '-'], JSON.stringify(barePod('shop', name, img().app, { 'sk-e2e/adder': 'yes' })));
            if (r.code !== 0) throw new Error(`creating ${name}: ${r.stderr.trim()}`);
          };
          const end = Date.now() + 60_000;
          for (let i = 0; ; i++) {
            const probe = `adder-probe-${i}`;
            const created = await create(probe).then(() => true, () => false);
            if (created) await kube.tryKubectlAsync(['delete', 'pod', '-n', 'shop', probe, '--wait=false']);
            if (adder.calls(probe) > 0) break;
            if (Date.now() > end) throw new Error('the API server never called the adder webhook');
            await new Promise((r) => setTimeout(r, 1000));
          }
          await create('reinvoked');
          const q = kube.getJson<PodJson>(['pod', '-n', 'shop', 'reinvoked']);
          const names = [...(q.spec.initContainers ?? []), ...q.spec.containers].map((c) => c.name);
          expect(names.filter((n) => n === 'istio-proxy')).toHaveLength(1);
          expect(names.filter((n) => n === 'istio-init')).toHaveLength(1);
          expect(names.filter((n) => n === 'extra')).toHaveLength(1);
          // Called first (it sorts first), then again because our webhook changed the pod.
          expect(adder.calls('reinvoked')).toBe(2);
          await kube.until('the reinvoked pod to be Ready', () => ready(kube.getJson<PodJson>(['pod', '-n', 'shop', 'reinvoked'])), 180_000);
        } finally {
          kube.tryKubectl(['delete', 'mutatingwebhookconfiguration', name]);
          kube.tryKubectl(['delete', 'pod', '-n', 'shop', 'reinvoked', '--wait=false']);
          await adder.close();
        }
      });

      it('the API server accepts every chart variant in a server-side dry-run (kinds it does not serve are listed and left out)', () => {
        const served = new Set(kube.kubectl(['api-resources', '-o', 'name']).trim().split('\n'));
        const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-dryrun-'));
        try {
          for (const v of VARIANTS) {
            const rendered = kube.helm(['template', `dry-${v.name}`.slice(0, 20), CHART_DIR, '--namespace', CHART_NS, '--set', 'revision=dry', ...(v.file ? ['-f', v.file] : [])]);
            const file = join(dir, `${v.name}.yaml`);
            // Objects of API groups the cluster does not serve (cert-manager's) cannot be dry-run.
            const docs = rendered.split(/^---\s*$/m).filter((d) => /\bkind:/.test(d));
            const keep = docs.filter((d) => {
              const api = /^apiVersion:\s*(\S+)/m.exec(d)?.[1] ?? '';
              return !api.includes('cert-manager.io');
            });
            must(['sh', '-c', `cat > '${file}'`], { input: keep.join('\n---\n') });
            const out = kube.kubectl(['apply', '--dry-run=server', '-f', file]);
            expect(out, v.name).toMatch(/\(server dry run\)/);
            expect(served.size).toBeGreaterThan(0);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it("the chart's RBAC is enough: no 403 / forbidden in the webhook's logs", () => {
        const logs = releaseLogs('sk');
        expect(logs).not.toBe('');
        expect(logs).not.toMatch(/\b403\b|forbidden/i);
      });
    });

    describe('CNI mode (release skcni: revision cni, DaemonSet, Helm certificates, 2 replicas)', () => {
      let report: FaultReport | undefined;

      beforeAll(async () => {
        install('skcni', ['revision=cni', 'cni.enabled=true', 'certificates.mode=helm', 'cni.readinessTaint.enabled=true', ...DECISION_VALUES, ...COVERAGE_CONTROLLER_VALUES]);
        const ds = byLabel('daemonsets', 'app.kubernetes.io/instance=skcni')[0] as string;
        kube.kubectl(['rollout', 'status', '-n', CHART_NS, `daemonset/${ds}`, '--timeout', '240s']);
        await deploySample('shop-cni', { 'istio.io/rev': 'cni' });
      }, 15 * 60_000);

      it("the installer chained our plugin into every node's CNI configuration", () => {
        for (const conflists of p.nodeConflists()) expect(conflists).toMatch(/"type": ?"istio-cni"/);
      });

      it('pods get istio-validation (passed) instead of istio-init, and the pod-facts annotation', () => {
        for (const s of SERVICES) {
          const q = pod('shop-cni', s);
          const names = (q.spec.initContainers ?? []).map((c) => c.name);
          expect(names).toContain('istio-validation');
          expect(names).not.toContain('istio-init');
          expect(q.spec.initContainers?.find((c) => c.name === 'istio-validation')?.args).toEqual([...ISTIO_INIT_ARGS, '--run-validation', '--skip-rule-apply']);
          expect(exitCode(q, 'istio-validation')).toBe(0);
          expect(q.metadata.annotations?.[FACTS_ANNOTATION]).toMatch(/^\{"v":1,/);
        }
      });

      it('the plugin programmed the pods: 2/2 Ready and captured traffic', async () => {
        await expectCaptured('shop-cni');
      });

      describe('the coverage controller (issue 17)', () => {
        coverageControllerScenario({ kube, image: () => img().app, chartNamespace: CHART_NS, webhookPods: () => byLabel('pods', webhookSelector('skcni')), selectLabel: { 'istio.io/rev': 'cni' } });
      });

      describe('decision events (issue 17)', () => {
        decisionEventsScenario({ kube, image: () => img().app, namespace: 'shop-cni', chartNamespace: CHART_NS, webhookPods: () => byLabel('pods', webhookSelector('skcni')) });
      });

      describe('preflight (issue 17)', () => {
        preflightCniScenario({ kube, kubeconfig: () => p.kubeconfig, chartNamespace: CHART_NS, mwcName, webhookPods: (release) => byLabel('pods', webhookSelector(release)), cniNamespace: 'shop-cni' });
      });

      it('pods started while no installer runs on the node fail closed, then are repaired once it runs: replaced, captured, Ready; a pod no controller owns is reported, not deleted', async () => {
        const ds = byLabel('daemonsets', 'app.kubernetes.io/instance=skcni')[0] as string;
        // A node selector no node matches, as an operator would edit it (a helm upgrade that sets
        // and then nulls a key is not reliable: Helm 4 kept the key on the first null).
        const absent = (on: boolean) => kube.kubectl(['patch', 'daemonset', '-n', CHART_NS, ds, '--type=json', '-p', JSON.stringify([on ? { op: 'add', path: '/spec/template/spec/nodeSelector/sk-e2e-absent', value: 'yes' } : { op: 'remove', path: '/spec/template/spec/nodeSelector/sk-e2e-absent' }])]);
        const absentNow = () => kube.tryKubectl(['get', 'daemonset', '-n', CHART_NS, ds, '-o', 'jsonpath={.spec.template.spec.nodeSelector.sk-e2e-absent}']).stdout !== '';
        // The DaemonSet stops targeting the node: its installer goes, and (as an uninstall from
        // this node) takes the plugin out of the node's configuration.
        absent(true);
        try {
          await kube.until('no installer pod', () => byLabel('pods', 'app.kubernetes.io/instance=skcni,app.kubernetes.io/component=cni').length === 0, 180_000);
          await kube.until('the conflists without istio-cni', () => p.nodeConflists().every((c) => !c.includes('istio-cni')), 120_000);
          kube.apply([deployment('shop-cni', 'early', img().app, {}, 2), barePod('shop-cni', 'early-bare', img().app)]);
          const failedCheck = (q: RepairPod) => (q.status.initContainerStatuses ?? []).some((c) => c.name === 'istio-validation' && [c.state.terminated?.exitCode, c.lastState?.terminated?.exitCode].includes(126));
          const early = () => kube.getJson<{ items: RepairPod[] }>(['pods', '-n', 'shop-cni', '-l', 'app=early']).items;
          const bare = () => kube.getJson<RepairPod>(['pod', '-n', 'shop-cni', 'early-bare']);
          await kube.until('the early pods to fail their capture check (exit 126)', () => early().filter(failedCheck).length === 2 && failedCheck(bare()), 300_000);
          const broken = new Set(early().map((q) => q.metadata.uid));
          const bareUid = bare().metadata.uid;
          absent(false);
          kube.kubectl(['rollout', 'status', '-n', CHART_NS, `daemonset/${ds}`, '--timeout', '300s']);
          await kube.until('the early pods replaced and Ready', () => {
            const now = early();
            return now.length === 2 && now.every((q) => !broken.has(q.metadata.uid) && ready(q as unknown as PodJson));
          }, 300_000);
          for (const q of early()) {
            expect(exitCode(q as unknown as PodJson, 'istio-validation')).toBe(0);
            expect(await p.podRules('shop-cni', q.metadata.name)).toMatch(/-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
          }
          const events = kube.getJson<{ items: { reason: string; message: string; involvedObject: { name: string; uid?: string } }[] }>(['events', '-n', 'shop-cni', '--field-selector', 'reason=DeleteBrokenPod']).items;
          expect(events.filter((e) => broken.has(e.involvedObject.uid ?? '') && /istio-validation exited 126.*, deleted/.test(e.message))).toHaveLength(2);
          // Unowned: left in place (nothing would make it again), with an Event saying why.
          expect(bare().metadata.uid).toBe(bareUid);
          await kube.until('the Event on the unowned pod', () => kube.getJson<{ items: { message: string; involvedObject: { name: string } }[] }>(['events', '-n', 'shop-cni', '--field-selector', 'reason=DeleteBrokenPod']).items.some((e) => e.involvedObject.name === 'early-bare' && /not repaired: no controller owns it/.test(e.message)), 60_000);
          // The installer's metrics (its monitoring port, through the API server's pod proxy).
          const installer = byLabel('pods', 'app.kubernetes.io/instance=skcni,app.kubernetes.io/component=cni')[0] as string;
          const metrics = kube.kubectl(['get', '--raw', `/api/v1/namespaces/${CHART_NS}/pods/${installer}:15014/proxy/metrics`]);
          expect(metrics).toMatch(/^istio_cni_install_ready 1$/m);
          expect(Number(/^istio_cni_repair_pods_repaired_total\{type="delete",result="success"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
          expect(Number(/^istio_cni_repair_pods_repaired_total\{type="delete",result="skip"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
        } finally {
          if (absentNow()) {
            absent(false);
            kube.tryKubectl(['rollout', 'status', '-n', CHART_NS, `daemonset/${ds}`, '--timeout', '300s'], undefined, 320_000);
          }
          kube.tryKubectl(['delete', 'deployment', '-n', 'shop-cni', 'early', '--wait=false']);
          kube.tryKubectl(['delete', 'pod', '-n', 'shop-cni', 'early-bare', '--wait=false']);
        }
      }, 20 * 60_000);
      it('the readiness taint: a meshed pod waits on a tainted node until the restarted installer has the plugin in place and removes the taint', async () => {
        const TAINT = 'cni.istio.io/not-ready';
        const node = kube.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
        const tainted = () => kube.kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.taints}']).includes(TAINT);
        const waiting = () => kube.getJson<PodJson & { spec: { nodeName?: string } }>(['pod', '-n', 'shop-cni', 'taint-wait']);
        const ds = byLabel('daemonsets', 'app.kubernetes.io/instance=skcni')[0] as string;
        // A node joining the cluster carries the taint (kubelet --register-with-taints); here it is added.
        kube.kubectl(['taint', 'node', node, `${TAINT}=true:NoSchedule`]);
        try {
          kube.apply([barePod('shop-cni', 'taint-wait', img().app)]);
          await kube.until('FailedScheduling for the taint', () => kube.getJson<{ items: { message: string }[] }>(['events', '-n', 'shop-cni', '--field-selector', 'involvedObject.name=taint-wait,reason=FailedScheduling']).items.some((e) => /untolerated taint/.test(e.message)), 120_000);
          expect(waiting().spec.nodeName ?? '').toBe('');
          const installer = byLabel('pods', 'app.kubernetes.io/instance=skcni,app.kubernetes.io/component=cni')[0] as string;
          kube.kubectl(['delete', 'pod', '-n', CHART_NS, installer, '--wait=false']);
          await kube.until('the installer removed the taint', () => !tainted(), 300_000);
          await kube.until('the waiting pod scheduled and Ready', () => ready(waiting()), 300_000);
          expect(exitCode(waiting(), 'istio-validation')).toBe(0);
          expect(releaseLogs('skcni')).toMatch(/readiness taint removed from the node/);
        } finally {
          if (tainted()) kube.tryKubectl(['taint', 'node', node, `${TAINT}-`]);
          kube.tryKubectl(['delete', 'pod', '-n', 'shop-cni', 'taint-wait', '--wait=false']);
          kube.tryKubectl(['rollout', 'status', '-n', CHART_NS, `daemonset/${ds}`, '--timeout', '300s'], undefined, 320_000);
        }
      }, 15 * 60_000);

      describe('Pod Security (issue 17)', () => {
        podSecurityScenario({ kube, image: () => img().app, chartNamespace: CHART_NS, cniRevision: 'cni' });
      });

      it('init-mode pods created while the plugin runs are left to istio-init (the plugin reads them from the API)', () => {
        kube.kubectl(['scale', '-n', 'shop', 'deploy/frontend', '--replicas=2']);
        kube.kubectl(['rollout', 'status', '-n', 'shop', 'deploy/frontend', '--timeout', '240s']);
        const all = pods('shop', 'frontend');
        expect(all).toHaveLength(2);
        for (const q of all) expect([ready(q), exitCode(q, 'istio-init')]).toEqual([true, 0]);
      });

      describeCliCommands({ kube, kubeconfig: () => p.kubeconfig, appImage: () => img().app, cniNamespace: 'shop-cni' });

      describe(`fault run: ${Number(process.env.SK_FLEET_PODS ?? 200)} pods rolled out while a webhook replica is deleted, the CA rotated and the CNI installer restarted`, () => {
        // The settle wait (SK_FLEET_TIMEOUT_MS, default 25 min) plus 15 min for the rollout's
        // faults, the report and the clean-up.
        const hookMs = Number(process.env.SK_FLEET_TIMEOUT_MS ?? 25 * 60_000) + 15 * 60_000;
        beforeAll(async () => {
          // The run ends (clean-up included) a minute before the hook would time out.
          report = await runFaults({ kube, image: img().app, chartNamespace: CHART_NS, pods: Number(process.env.SK_FLEET_PODS ?? 200), webhookSelector, byLabel, caBundles, deadline: Date.now() + hookMs - 60_000 });
          process.stderr.write(`fault run (${p.name}): ${JSON.stringify(report, null, 2)}\n`);
        }, hookMs);

        it('every pod was created and became Ready in time', () => {
          expect(report?.settled).toBe(true);
          expect(report?.podsPending).toEqual([]);
          expect(report?.podsReady).toBe(report?.podsWanted);
        });

        it('no pod was admitted without its sidecar', () => {
          expect(report?.podsWithoutSidecar).toEqual([]);
        });

        it('no pod is left held back by a failed capture check (the plugin stays across the installer restart; the repair replaces any pod that started without capture)', () => {
          expect(report?.podsFailedClosed).toEqual([]);
        });

        it('the rotated CA became the caBundle, and the restarted installer chained the plugin again', () => {
          expect(report?.caBundleRotated).toBe(true);
          for (const conflists of p.nodeConflists()) expect(conflists).toMatch(/"type": ?"istio-cni"/);
        });
      });

      it("the chart's RBAC is enough in CNI mode too: no 403 / forbidden in the webhook's or the installer's logs", () => {
        const logs = releaseLogs('skcni');
        expect(logs).not.toBe('');
        expect(logs).not.toMatch(/\b403\b|forbidden/i);
      });

      it('helm uninstall removes the plugin from the nodes and the webhook configuration', async () => {
        kube.helm(['uninstall', 'skcni', '--namespace', CHART_NS, '--wait']);
        await kube.until('the conflists without istio-cni', () => p.nodeConflists().every((c) => !c.includes('istio-cni')), 120_000);
        expect(kube.kubectl(['get', 'mutatingwebhookconfigurations', '-l', 'app.kubernetes.io/instance=skcni', '-o', 'name']).trim()).toBe('');
      }, 10 * 60_000);
    });
  });
}

