/**
 * The real thing on kind (needs Docker and kind; skips with the reason otherwise, and unless
 * SK_E2E_KIND=1, which `npm run e2e:kind` sets): build the images, load them into a fresh
 * two-node cluster, `helm install` the chart, label a namespace `istio-injection=enabled`,
 * deploy a multi-service sample and check what Istio's injection promises — then the same with
 * a second release in CNI mode (revision `cni`, Helm-generated certificates, two replicas).
 *
 * The injected istio-proxy runs a stand-in image (e2e/kind/proxy-standin): there is no istiod
 * here, and the stand-in answers the proxy's probes and reports on which port captured
 * connections land, with their original destination.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTS_ANNOTATION } from '../../src/core/cni/pod-facts.js';
import { CHART_DIR } from '../../charts/sidecar-kit/tests/helm.js';
import { IMAGES, KindCluster, kindTools, TAG } from './cluster.js';
import { APP_PORT, namespace, plainClient, sampleApp, SERVICES } from './sample.js';

const tools = kindTools();
const reason = 'reason' in tools ? tools.reason : undefined;
const CHART_NS = 'sidecar-kit';
const ISTIO_INIT_ARGS = ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'];
/** Our images, and the proxy stand-in as Istio's proxy image. */
const COMMON_VALUES = ['images.hub=sidecar-kit', `images.tag=${TAG}`, 'global.hub=sidecar-kit', `global.tag=${TAG}`, 'global.proxy.image=proxy-standin', 'global.imagePullPolicy=IfNotPresent'];

interface C {
  name: string;
  image: string;
  args?: string[];
  restartPolicy?: string;
}
interface PodJson {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { initContainers?: C[]; containers: C[] };
  status: {
    podIP: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: { name: string; state: { terminated?: { exitCode: number } } }[];
  };
}

describe.skipIf(reason !== undefined)(`sidecar-kit on kind${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const cluster = new KindCluster('reason' in tools ? { kubectl: '', helm: '' } : tools);
  const pods = (ns: string, app: string) => cluster.getJson<{ items: PodJson[] }>(['pods', '-n', ns, '-l', `app=${app}`]).items;
  const pod = (ns: string, app: string) => pods(ns, app)[0] as PodJson;
  const exec = (ns: string, app: string, container: string, argv: readonly string[]) => cluster.kubectl(['exec', '-n', ns, `deploy/${app}`, '-c', container, '--', ...argv]).trim();
  const wget = (ns: string, app: string, url: string) => exec(ns, app, app, ['wget', '-qO-', '-T', '5', url]);
  const clusterIp = (ns: string, svc: string) => cluster.kubectl(['get', 'svc', '-n', ns, svc, '-o', 'jsonpath={.spec.clusterIP}']).trim();
  /** istio-proxy as a regular container, or as a native sidecar (init container that keeps running). */
  const hasProxy = (p: PodJson) => p.spec.containers.some((c) => c.name === 'istio-proxy') || (p.spec.initContainers ?? []).some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
  const ready = (p: PodJson) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const exitCode = (p: PodJson, name: string) => p.status.initContainerStatuses?.find((s) => s.name === name)?.state.terminated?.exitCode;

  function install(release: string, values: readonly string[]): void {
    cluster.helm(['install', release, CHART_DIR, '--namespace', CHART_NS, '--create-namespace', '--wait', '--timeout', '5m', ...[...COMMON_VALUES, ...values].flatMap((v) => ['--set', v])]);
  }

  async function deploySample(ns: string, labels: Record<string, string>): Promise<void> {
    cluster.apply([namespace(ns, labels), ...sampleApp(ns)]);
    for (const d of [...SERVICES, 'legacy']) cluster.kubectl(['rollout', 'status', '-n', ns, `deploy/${d}`, '--timeout', '240s']);
  }

  /** What every injected sample namespace must show, whatever the capture mode. */
  function expectCaptured(ns: string): void {
    for (const s of SERVICES) {
      const p = pod(ns, s);
      expect(hasProxy(p), `${ns}/${p.metadata.name} has istio-proxy`).toBe(true);
      expect(ready(p), `${ns}/${p.metadata.name} is Ready (app and proxy)`).toBe(true);
      expect(cluster.podRules(ns, p.metadata.name)).toMatch(/:ISTIO_OUTPUT[\s\S]*:ISTIO_REDIRECT[\s\S]*-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
    }
    // Outbound from the app (root) -> 15001 of its own proxy, original destination kept.
    expect(wget(ns, 'frontend', `http://catalog:${APP_PORT}/`)).toBe(`captured port=15001 orig=${clusterIp(ns, 'catalog')}:${APP_PORT}`);
    // The proxy's own uid (1337) is not captured: the connection reaches catalog, whose inbound
    // capture answers on 15006.
    const catalogIp = pod(ns, 'catalog').status.podIP;
    expect(exec(ns, 'frontend', 'istio-proxy', ['python3', '/usr/local/bin/standin.py', 'get', `http://catalog:${APP_PORT}/`])).toBe(`captured port=15006 orig=${catalogIp}:${APP_PORT}`);
  }

  beforeAll(() => {
    cluster.create();
    cluster.loadImages();
    install('sk', []);
  }, 45 * 60_000);

  afterAll(() => {
    if (process.env.SK_E2E_DEBUG) process.stderr.write(cluster.tryKubectl(['get', 'pods', '-A', '-o', 'wide']).stdout);
    cluster.delete();
  }, 10 * 60_000);

  describe('init mode (release sk, webhook self-signed bootstrap)', () => {
    beforeAll(async () => {
      const mwc = cluster.kubectl(['get', 'mutatingwebhookconfigurations', '-l', 'app.kubernetes.io/instance=sk', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
      // The webhook writes its CA into the caBundle of its own configuration after start-up.
      await cluster.until('the caBundle', () => cluster.kubectl(['get', 'mutatingwebhookconfiguration', mwc, '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']).trim() !== '');
      await deploySample('shop', { 'istio-injection': 'enabled' });
      cluster.apply([namespace('plain', {}), ...plainClient('plain')]);
      cluster.kubectl(['rollout', 'status', '-n', 'plain', 'deploy/client', '--timeout', '240s']);
    }, 15 * 60_000);

    it('every sample pod runs its app and istio-proxy (2/2, or a native sidecar), Ready, with captured traffic', () => {
      expectCaptured('shop');
    });

    it('the two self-signed replicas share one CA from the Secret the first one created, and it is the caBundle', () => {
      const deploy = cluster.getJson<{ items: { status: { readyReplicas?: number } }[] }>(['deployments', '-n', CHART_NS, '-l', 'app.kubernetes.io/instance=sk,app.kubernetes.io/component=webhook']).items[0];
      expect(deploy?.status.readyReplicas).toBe(2);
      const secret = cluster.getJson<{ items: { data: Record<string, string> }[] }>(['secrets', '-n', CHART_NS, '-l', 'app.kubernetes.io/managed-by=sidecar-kit-webhook']).items;
      expect(secret).toHaveLength(1);
      const ca = new X509Certificate(Buffer.from(secret[0]?.data['tls.crt'] ?? '', 'base64'));
      const mwc = cluster.kubectl(['get', 'mutatingwebhookconfigurations', '-l', 'app.kubernetes.io/instance=sk', '-o', 'jsonpath={.items[0].webhooks[*].clientConfig.caBundle}']).trim().split(/\s+/);
      expect(new Set(mwc).size).toBe(1);
      expect(new X509Certificate(Buffer.from(mwc[0] ?? '', 'base64')).fingerprint256).toBe(ca.fingerprint256);
    });

    it("istio-init ran Istio's istio-iptables arguments from our init image and exited 0", () => {
      for (const s of SERVICES) {
        const p = pod('shop', s);
        const init = p.spec.initContainers?.find((c) => c.name === 'istio-init');
        expect(init?.image).toBe(IMAGES.init.ref);
        expect(init?.args).toEqual(ISTIO_INIT_ARGS);
        expect(exitCode(p, 'istio-init')).toBe(0);
      }
    });

    it('inbound connections land on 15006 with the original destination', () => {
      const ip = pod('shop', 'frontend').status.podIP;
      expect(wget('plain', 'client', `http://${ip}:${APP_PORT}/`)).toBe(`captured port=15006 orig=${ip}:${APP_PORT}`);
    });

    it.each([
      ['a pod in an unlabelled namespace', 'plain', 'client'],
      ['a pod with the opt-out label sidecar.istio.io/inject=false', 'shop', 'legacy'],
    ])('%s is left untouched', (_n, ns, app) => {
      const p = pod(ns, app);
      expect(hasProxy(p)).toBe(false);
      expect(p.spec.initContainers ?? []).toEqual([]);
      expect(p.metadata.annotations?.['sidecar.istio.io/status']).toBeUndefined();
      expect(cluster.podRules(ns, p.metadata.name)).not.toContain('ISTIO');
    });
  });

  describe('CNI mode (release skcni: revision cni, DaemonSet, Helm certificates, 2 replicas)', () => {
    beforeAll(async () => {
      install('skcni', ['revision=cni', 'cni.enabled=true', 'certificates.mode=helm']);
      const ds = cluster.kubectl(['get', 'daemonsets', '-n', CHART_NS, '-l', 'app.kubernetes.io/instance=skcni', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
      cluster.kubectl(['rollout', 'status', '-n', CHART_NS, `daemonset/${ds}`, '--timeout', '240s']);
      await deploySample('shop-cni', { 'istio.io/rev': 'cni' });
    }, 15 * 60_000);

    it("the installer chained our plugin into every node's CNI configuration", () => {
      const nodes = cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/);
      for (const n of nodes) expect(cluster.onNode(n, 'cat /etc/cni/net.d/*.conflist')).toContain('"type": "istio-cni"');
    });

    it('pods get istio-validation (passed) instead of istio-init, and the pod-facts annotation', () => {
      for (const s of SERVICES) {
        const p = pod('shop-cni', s);
        const names = (p.spec.initContainers ?? []).map((c) => c.name);
        expect(names).toContain('istio-validation');
        expect(names).not.toContain('istio-init');
        expect(p.spec.initContainers?.find((c) => c.name === 'istio-validation')?.args).toEqual([...ISTIO_INIT_ARGS, '--run-validation', '--skip-rule-apply']);
        expect(exitCode(p, 'istio-validation')).toBe(0);
        expect(p.metadata.annotations?.[FACTS_ANNOTATION]).toMatch(/^\{"v":1,/);
      }
    });

    it('the plugin programmed the pods: 2/2 Ready and captured traffic', () => {
      expectCaptured('shop-cni');
    });

    it('init-mode pods created while the plugin runs are left to istio-init (the plugin reads them from the API)', () => {
      cluster.kubectl(['scale', '-n', 'shop', 'deploy/frontend', '--replicas=2']);
      cluster.kubectl(['rollout', 'status', '-n', 'shop', 'deploy/frontend', '--timeout', '240s']);
      const all = pods('shop', 'frontend');
      expect(all).toHaveLength(2);
      for (const p of all) expect([ready(p), exitCode(p, 'istio-init')]).toEqual([true, 0]);
    });

    it('helm uninstall removes the plugin from the nodes', async () => {
      cluster.helm(['uninstall', 'skcni', '--namespace', CHART_NS, '--wait']);
      const nodes = cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/);
      await cluster.until('the conflists without istio-cni', () => nodes.every((n) => !cluster.onNode(n, 'cat /etc/cni/net.d/*.conflist').includes('istio-cni')), 120_000);
    });
  });
});
