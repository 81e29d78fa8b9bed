/**
 * The chained CNI plugin on the path a kubelet takes: containerd's CRI plugin creates pod
 * sandboxes through the node's conflist (Debian's real bridge + host-local + portmap) into
 * which our installer chained the self-contained plugin executable. Real connections prove the
 * rules; the pod comes either from the runtime-provided annotations or from a LOCAL TEST
 * DOUBLE of the Kubernetes API (HTTPS, bearer token), and `istio-validation` runs as a real
 * container in the sandbox.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/config/settings.js';
import { injectPod } from '../../src/core/inject/inject.js';
import type { Pod } from '../../src/core/k8s/pod.js';
import { buildArtefacts, root, type Artefacts } from '../support/artefacts.js';
import type { PodSpec } from '../support/cri.js';
import { expectPodCapture, GATEWAY, makeCerts, skipReason, TestNode } from '../support/node.js';
import { must, sh, until } from '../support/process.js';

const reason = skipReason();
const API_PORT = 16443;
const TOKEN = 'e2e-service-account-token';
/** The injector in CNI mode, writing the pod-facts annotation (sidecarKit.cni.podFactsAnnotation). */
const injectSettings = resolveSettings({ values: { pilot: { cni: { enabled: true } }, sidecarKit: { cni: { podFactsAnnotation: true } } } });

/** A workload pod through the real injector; `proxyUid` overrides istio-proxy's user like a pod author can. */
function injectedPod(name: string, namespace: string, opts: { proxyUid?: number; annotations?: Record<string, string> } = {}): Pod {
  const proxy = opts.proxyUid === undefined ? [] : [{ name: 'istio-proxy', securityContext: { runAsUser: opts.proxyUid, runAsGroup: opts.proxyUid } }];
  const input: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name }, annotations: opts.annotations ?? {} },
    spec: { containers: [{ name, image: 'registry.example/app:1' }, ...proxy] },
  };
  return JSON.parse(JSON.stringify(injectPod({ pod: input, namespace }, injectSettings).pod)) as Pod;
}

const annotationsOf = (pod: Pod): Record<string, string> => ({ ...(pod.metadata?.annotations ?? {}) });
/** What the runtime hands the plugin when the injector did not write the facts annotation. */
const withoutFacts = (pod: Pod) => Object.fromEntries(Object.entries(annotationsOf(pod)).filter(([k]) => k !== 'cni.sidecar-kit.io/capture'));
const podSpec = (pod: Pod, annotations: Record<string, string>): PodSpec => ({
  name: pod.metadata?.name ?? '',
  namespace: pod.metadata?.namespace ?? '',
  uid: `uid-${pod.metadata?.name ?? ''}`,
  annotations,
});
/** istio-validation's arguments exactly as injected, with a shorter probe timeout (default 5 s). */
const validationArgs = (pod: Pod): string[] => {
  const c = pod.spec?.initContainers?.find((x) => x.name === 'istio-validation');
  if (!c?.args) throw new Error('the injector wrote no istio-validation container');
  return [...c.args, '--probe-timeout=2s'];
};

describe.skipIf(reason !== undefined)(`CNI plugin through containerd's CRI${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const node = new TestNode();
  let art!: Artefacts;
  let installer: ChildProcess | undefined;
  const apiRequests: { path: string; authorized: boolean }[] = [];
  const podsDir = () => join(node.dir, 'api-pods');

  /** istio-validation as a real container of the sandbox (uid 1337, read-only root, no caps). */
  const runValidation = (sandboxId: string, pod: Pod, spec: PodSpec) =>
    node.runCliContainer(sandboxId, spec, { name: 'istio-validation', cli: art.cli, args: validationArgs(pod), runAsUser: 1337, runAsGroup: 1337 }, 20_000);

  beforeAll(async () => {
    art = buildArtefacts();
    await node.start();
    const certs = makeCerts(node.dir);
    writeFileSync(join(node.saDir, 'token'), TOKEN);
    writeFileSync(join(node.saDir, 'ca.crt'), readFileSync(certs.ca));
    mkdirSync(podsDir(), { recursive: true });
    const api = node.spawnIn(node.netnsPath, [process.execPath, '--import', 'tsx', join(root, 'e2e/cni/kube-api-test-double.ts'), String(API_PORT), certs.cert, certs.key, TOKEN, podsDir()], { cwd: root });
    let listening = false;
    let buf = '';
    api.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { listening?: number; path?: string; authorized?: boolean };
        buf = buf.slice(nl + 1);
        if (msg.listening) listening = true;
        else apiRequests.push({ path: msg.path ?? '', authorized: msg.authorized ?? false });
      }
    });
    await until('the API test double', () => listening, 20_000);
  }, 240_000);

  afterAll(async () => {
    if (installer && installer.exitCode === null) installer.kill('SIGTERM');
    await node.stop();
    art?.cleanup();
  }, 60_000);

  it('speaks CRI v1 with containerd', async () => {
    expect(await node.cri.version()).toMatchObject({ runtimeName: 'containerd', runtimeApiVersion: 'v1' });
  });

  it('istio-validation exits 126 in a sandbox created without our plugin', async () => {
    const pod = injectedPod('before', 'shop');
    const spec = podSpec(pod, annotationsOf(pod));
    const sb = await node.runPod(spec);
    expect(must(['nsenter', `--net=${sb.netns}`, 'iptables-save'])).not.toContain('ISTIO');
    const v = await runValidation(sb.id, pod, spec);
    expect(v.exitCode).toBe(126);
    expect(v.log).toContain('iptables validation failed; workload is not ready for Istio.');
    await node.removePod(sb.id);
  });

  it('the installer copies the executable, writes the kubeconfig and chains our entry', async () => {
    installer = await node.installPlugin(art, [
      '--kube-api-server', `https://127.0.0.1:${API_PORT}`,
      '--pod-namespace', 'istio-system',
      '--exclude-namespaces', 'kube-system',
      '--pod-lookup-attempts', '3',
      '--pod-lookup-interval-ms', '200',
    ]);
    expect(node.conflist().plugins.map((p) => p.type)).toEqual(['bridge', 'portmap', 'istio-cni']);
    expect(existsSync(join(node.binDir, 'istio-cni'))).toBe(true);
    expect(JSON.parse(readFileSync(join(node.runDir, 'istio-cni-kubeconfig'), 'utf8')).users[0].user.token).toBe(TOKEN);
  });

  it('annotation path: rules from the runtime-provided annotations, no API call, real redirects', async () => {
    const pod = injectedPod('web', 'shop');
    expect(annotationsOf(pod)['cni.sidecar-kit.io/capture']).toBeDefined();
    const before = apiRequests.length;
    const sb = await node.runPod(podSpec(pod, annotationsOf(pod)));
    expect(apiRequests.length).toBe(before);
    expect(node.pluginLog()).toMatch(/pod facts from runtime annotations pod=shop\/web/);
    await expectPodCapture(node, sb.netns, sb.ip);
    const v = await runValidation(sb.id, pod, podSpec(pod, annotationsOf(pod)));
    expect(v.exitCode).toBe(0);
    // DEL (StopPodSandbox) twice is fine, and so is a direct DEL repeated.
    await node.cri.stopPodSandbox(sb.id);
    await node.cri.stopPodSandbox(sb.id);
    expect(node.pluginLog()).toMatch(/DEL is a no-op/);
    const entry = { ...node.conflist().plugins.at(-1), cniVersion: '1.0.0', name: 'podnet' };
    for (let i = 0; i < 2; i++) {
      const r = sh([join(node.binDir, 'istio-cni')], {
        input: JSON.stringify(entry),
        env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: sb.id, CNI_NETNS: '', CNI_IFNAME: 'eth0', CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web', CNI_PATH: node.binDir },
      });
      expect(r).toMatchObject({ code: 0, stdout: '' });
    }
    await node.removePod(sb.id);
  });

  it('API path: without the facts annotation the pod is read from the local test double of the API', async () => {
    const pod = injectedPod('api', 'shop', { proxyUid: 2000 });
    mkdirSync(join(podsDir(), 'shop'), { recursive: true });
    writeFileSync(join(podsDir(), 'shop', 'api.json'), JSON.stringify(pod));
    const before = apiRequests.length;
    const sb = await node.runPod(podSpec(pod, withoutFacts(pod)));
    expect(apiRequests.slice(before)).toEqual([{ path: '/api/v1/namespaces/shop/pods/api', authorized: true }]);
    const close = await node.proxyListeners(sb.netns, sb.ip);
    try {
      // The proxy uid came from the API object (2000), not from a default.
      expect(node.connect(sb.netns, GATEWAY, 8080, 2000)).toMatch(/^tag=upstream /);
      expect(node.connect(sb.netns, GATEWAY, 8080, 1337)).toMatch(/^tag=out15001 /);
    } finally {
      close();
    }
    await node.removePod(sb.id);
  });

  it('leaves pods in excluded namespaces alone', async () => {
    const pod = injectedPod('dns', 'kube-system');
    const sb = await node.runPod(podSpec(pod, annotationsOf(pod)));
    expect(must(['nsenter', `--net=${sb.netns}`, 'iptables-save'])).not.toContain('ISTIO');
    await node.removePod(sb.id);
  });

  it.each([
    // The injector accepts NONE (and writes it onto the pod in CNI mode); the plugin does not.
    ['an invalid annotation', injectedPod('bad', 'shop', { annotations: { 'sidecar.istio.io/interceptionMode': 'NONE' } }), true, /invalid annotation sidecar\.istio\.io\/interceptionMode="NONE"/],
    ['a pod the API cannot find', injectedPod('ghost', 'shop'), false, /cannot read pod shop\/ghost .*\(3 attempts\).*HTTP 404/],
  ])('a plugin failure fails the sandbox with our message: %s', async (_n, pod, facts, message) => {
    const err = await node.cri.runPodSandbox(podSpec(pod, facts ? annotationsOf(pod) : withoutFacts(pod))).then(
      () => undefined,
      (e: Error & { details?: string }) => e,
    );
    expect(err?.details ?? String(err)).toMatch(message);
  });

  it('on SIGTERM the installer removes its entry, kubeconfig and executable', async () => {
    expect(installer?.exitCode).toBeNull();
    const exited = new Promise((r) => installer?.once('exit', r));
    installer?.kill('SIGTERM');
    await exited;
    expect(installer?.exitCode).toBe(0);
    expect(node.conflist().plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(existsSync(join(node.binDir, 'istio-cni'))).toBe(false);
    expect(existsSync(join(node.runDir, 'istio-cni-kubeconfig'))).toBe(false);
  });
});
