/**
 * sidecar-kit end to end on one local "node", everything real except the Kubernetes API server
 * and the kubelet (neither can run on the build machines; this suite plays the kubelet):
 *
 *   chart-rendered injector ConfigMaps -> our webhook over HTTPS (real TLS) injects a pod ->
 *   containerd's CRI creates its sandbox (Debian's bridge + host-local + portmap) ->
 *   INIT MODE: the injected istio-init runs as a real container of the sandbox (our CLI, root,
 *     NET_ADMIN/NET_RAW) with the injected arguments;
 *   CNI MODE: our installer chains our plugin into the node's conflist, and the plugin programs
 *     the sandbox while containerd creates it; the injected istio-validation runs as a real
 *     uid-1337 container and must pass;
 *   then real connections: outbound from the app's uid lands on 15001 with its original
 *   destination, uid 1337 bypasses, inbound lands on 15006.
 *
 * The node harness (containerd in its own netns, CRI client, pause image, artefact builds,
 * traffic checks) is the shared one in e2e/support/node.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTS_ANNOTATION } from '../../src/core/cni/pod-facts.js';
import type { PodSpec } from '../support/cri.js';
import { buildArtefacts, type Artefacts } from '../support/artefacts.js';
import { expectPodCapture, skipReason, TestNode } from '../support/node.js';
import { must } from '../support/process.js';
import { startWebhookProcess } from '../webhook/server-process.mjs';
import { postReview } from '../webhook/helpers.js';
import { writeInjectorConfig, type InjectorConfig } from './chart-config.js';

const reason = skipReason();
/** istio-init as Istio's template writes it for a default pod (reference §c.3). */
const ISTIO_INIT_ARGS = ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'];

type Webhook = Awaited<ReturnType<typeof startWebhookProcess>>;
interface Container {
  name: string;
  image: string;
  args: string[];
  securityContext?: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; capabilities?: { add?: string[] } };
}
interface InjectedPod {
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { initContainers?: Container[]; containers: Container[] };
}

/** A pod as a ReplicaSet of the sample app creates it. */
function appPod(name: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app: name.replace(/-[a-z0-9]+$/, ''), ...labels } },
    spec: { containers: [{ name: 'app', image: 'shop/app:1', ports: [{ containerPort: 8080 }] }] },
  };
}

async function admit(webhook: Webhook, pod: ReturnType<typeof appPod>): Promise<{ response: Record<string, unknown>; injected: InjectedPod }> {
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'shop', operation: 'CREATE', object: pod },
  };
  // Real TLS: the client trusts only the CA the webhook generated, and checks the host name.
  const answer = await postReview(webhook.port, review, { ca: readFileSync(webhook.caFile, 'utf8') });
  expect(answer.status).toBe(200);
  const response = (JSON.parse(answer.body) as { response: Record<string, unknown> }).response;
  const ops = response.patch ? (JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8')) as Operation[]) : [];
  // The API server applies the JSON patch; fast-json-patch does it the same way (RFC 6902).
  const injected = applyPatch(structuredClone(pod), ops, true, false).newDocument as unknown as InjectedPod;
  return { response, injected };
}

const sandboxOf = (pod: InjectedPod): PodSpec => ({
  name: pod.metadata.name,
  namespace: pod.metadata.namespace,
  uid: `uid-${pod.metadata.name}`,
  labels: pod.metadata.labels,
  annotations: pod.metadata.annotations,
});

describe.skipIf(reason !== undefined)(`webhook -> containerd CRI -> capture on a local node${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const node = new TestNode();
  let art!: Artefacts;
  let initConfig!: InjectorConfig;
  let cniConfig!: InjectorConfig;
  let initWebhook!: Webhook;
  let cniWebhook!: Webhook;
  let installer: ChildProcess | undefined;

  /**
   * Runs an injected init container as the kubelet would: a container of the sandbox, the
   * image's entrypoint (our CLI) with the injected args and security context (user, added
   * capabilities, read-only root).
   */
  function runInitContainer(sandboxId: string, pod: InjectedPod, c: Container): Promise<{ exitCode: number; log: string }> {
    const sc = c.securityContext ?? {};
    return node.runCliContainer(sandboxId, sandboxOf(pod), {
      name: c.name,
      cli: art.cli,
      args: c.args,
      runAsUser: sc.runAsUser ?? 0,
      runAsGroup: sc.runAsGroup ?? 0,
      addCapabilities: sc.capabilities?.add ?? [],
      readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
      writableRun: true,
    }, 30_000);
  }

  const rules = (netns: string) => must(['nsenter', `--net=${netns}`, 'iptables-save']);

  beforeAll(async () => {
    art = buildArtefacts();
    await node.start();
    initConfig = writeInjectorConfig(join(node.dir, 'inject-init'), { cni: false });
    cniConfig = writeInjectorConfig(join(node.dir, 'inject-cni'), { cni: true });
    // No API access: native sidecars `auto` is off, the CA goes only to --caOutFile.
    const env = { KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' };
    [initWebhook, cniWebhook] = await Promise.all([
      startWebhookProcess({ cli: art.cli, args: ['--configDir', initConfig.dir], env }),
      startWebhookProcess({ cli: art.cli, args: ['--configDir', cniConfig.dir], env }),
    ]);
  }, 240_000);

  afterAll(async () => {
    if (installer && installer.exitCode === null) {
      const exited = new Promise((r) => installer?.once('exit', r));
      installer.kill('SIGTERM');
      await exited;
    }
    await Promise.all([initWebhook?.stop(), cniWebhook?.stop()]);
    await node.stop();
    art?.cleanup();
  }, 60_000);

  describe('init mode', () => {
    it('the webhook injects istio-init with Istio\'s arguments from the configured init image', async () => {
      const { response, injected } = await admit(initWebhook, appPod('productpage-7d4f8'));
      expect(response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
      const init = injected.spec.initContainers?.find((c) => c.name === 'istio-init');
      expect(init?.image, `configuration from ${initConfig.source}`).toBe(initConfig.initImage);
      expect(init?.args).toEqual(ISTIO_INIT_ARGS);
      expect(init?.securityContext).toMatchObject({ runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } });
      expect(injected.spec.containers.map((c) => c.name)).toEqual(['app', 'istio-proxy']);
    });

    it('a pod that opts out is admitted unchanged, with the reason as a warning', async () => {
      const { response, injected } = await admit(initWebhook, appPod('legacy-9k2x1', { 'sidecar.istio.io/inject': 'false' }));
      expect(response).toMatchObject({ allowed: true });
      expect(response.patch).toBeUndefined();
      expect(String(response.warnings)).toMatch(/sidecar\.istio\.io\/inject="false"/);
      expect(injected.spec.initContainers).toBeUndefined();
    });

    it('istio-init, run in the pod sandbox as the kubelet runs it, captures the pod\'s real traffic', async () => {
      const { injected } = await admit(initWebhook, appPod('reviews-5c9b2'));
      const sb = await node.runPod(sandboxOf(injected));
      expect(rules(sb.netns)).not.toContain('ISTIO');
      const init = injected.spec.initContainers?.find((c) => c.name === 'istio-init') as Container;
      const r = await runInitContainer(sb.id, injected, init);
      expect(r.exitCode, r.log).toBe(0);
      const programmed = rules(sb.netns);
      expect(programmed).toMatch(/-A PREROUTING -p tcp -j ISTIO_INBOUND[\s\S]*-A OUTPUT (-p tcp )?-j ISTIO_OUTPUT/);
      // The injected `-d 15090,15021,15020`, in that order (the CNI plugin's own order differs).
      expect(programmed).toMatch(/--dport 15090 -j RETURN\n-A ISTIO_INBOUND -p tcp -m tcp --dport 15021 -j RETURN\n-A ISTIO_INBOUND -p tcp -m tcp --dport 15020 -j RETURN/);
      await expectPodCapture(node, sb.netns, sb.ip);
      await node.removePod(sb.id);
    });
  });

  describe('CNI mode', () => {
    it('the installer chains our plugin into the node\'s conflist and containerd loads it', async () => {
      writeFileSync(join(node.saDir, 'token'), 'e2e-token');
      writeFileSync(join(node.saDir, 'ca.crt'), 'unused: every pod here carries the pod-facts annotation');
      installer = await node.installPlugin(art, ['--kube-api-server', 'https://127.0.0.1:9', '--pod-namespace', 'sidecar-kit', '--pod-lookup-attempts', '1']);
    });

    it('the webhook in CNI mode injects istio-validation and the facts the plugin reads', async () => {
      const { injected } = await admit(cniWebhook, appPod('details-8f1aa'));
      const names = (injected.spec.initContainers ?? []).map((c) => c.name);
      expect(names).toEqual(['istio-validation']);
      const v = injected.spec.initContainers?.[0] as Container;
      expect(v.image, `configuration from ${cniConfig.source}`).toBe(cniConfig.initImage);
      expect(v.args).toEqual([...ISTIO_INIT_ARGS, '--run-validation', '--skip-rule-apply']);
      expect(v.securityContext).toMatchObject({ runAsUser: 1337, runAsGroup: 1337, readOnlyRootFilesystem: true });
      expect(JSON.parse(injected.metadata.annotations[FACTS_ANNOTATION] ?? '{}')).toMatchObject({ v: 1, proxy: { uid: 1337, gid: 1337, type: 'sidecar' } });
      expect(injected.metadata.annotations['sidecar.istio.io/interceptionMode']).toBe('REDIRECT');
    });

    it('containerd runs our plugin while creating the sandbox: real capture, and istio-validation passes', async () => {
      const { injected } = await admit(cniWebhook, appPod('ratings-2b7c4'));
      const sb = await node.runPod(sandboxOf(injected));
      expect(node.pluginLog()).toMatch(/pod facts from runtime annotations pod=shop\/ratings-2b7c4/);
      expect(rules(sb.netns)).toMatch(/-A OUTPUT (-p tcp )?-j ISTIO_OUTPUT/);
      await expectPodCapture(node, sb.netns, sb.ip);
      const v = await runInitContainer(sb.id, injected, injected.spec.initContainers?.[0] as Container);
      expect(v.exitCode, v.log).toBe(0);
      await node.removePod(sb.id);
    });
  });
});
