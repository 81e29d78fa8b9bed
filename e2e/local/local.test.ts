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
 * The node harness (containerd in its own netns, CRI client, pause image, artefact builds) is
 * the CNI suite's (e2e/cni/node.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTS_ANNOTATION } from '../../src/core/cni/pod-facts.js';
import type { PodSpec } from '../cni/cri.js';
import { buildArtefacts, must, PAUSE_IMAGE, root, skipReason, TestNode, type Artefacts } from '../cni/node.js';
import { startWebhookProcess } from '../webhook/server-process.mjs';
import { postReview } from '../webhook/helpers.js';
import { writeInjectorConfig, type InjectorConfig } from './chart-config.js';

const reason = skipReason();
const PY = '/usr/bin/python3';
const HELPER = join(root, 'e2e', 'cni', 'orig-dst.py');
const GATEWAY = '198.51.100.1';
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

  async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function runSandbox(pod: InjectedPod): Promise<{ id: string; netns: string; ip: string }> {
    const id = await node.cri.runPodSandbox(sandboxOf(pod));
    node.sandboxes.add(id);
    return { id, netns: await node.cri.netnsPath(id), ip: await node.cri.podIp(id) };
  }

  /**
   * Runs an injected init container as the kubelet would: a container of the sandbox, the
   * image's entrypoint (our CLI, from the host, bind-mounted read-only) with the injected args,
   * and the injected security context (user, added capabilities, read-only root).
   */
  async function runInitContainer(sandboxId: string, pod: InjectedPod, c: Container): Promise<{ exitCode: number; log: string }> {
    const spec = { ...sandboxOf(pod), logDirectory: join(node.dir, 'logs', pod.metadata.name) };
    mkdirSync(spec.logDirectory, { recursive: true });
    const run = join(node.dir, 'run-dirs', `${pod.metadata.name}-${c.name}`);
    mkdirSync(run, { recursive: true });
    chmodSync(run, 0o1777);
    const hostDirs = [...new Set(['/usr', '/lib', '/lib64', '/etc/alternatives', dirname(dirname(process.execPath)), dirname(art.cli)])].filter((p) => existsSync(p));
    const sc = c.securityContext ?? {};
    const id = await node.cri.createContainer(sandboxId, spec, {
      name: c.name,
      image: PAUSE_IMAGE,
      command: [process.execPath, art.cli],
      args: c.args,
      mounts: [...hostDirs.map((p) => ({ containerPath: p, hostPath: p })), { containerPath: '/run', hostPath: run, readonly: false }],
      runAsUser: sc.runAsUser ?? 0,
      runAsGroup: sc.runAsGroup ?? 0,
      addCapabilities: sc.capabilities?.add ?? [],
      readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
      logPath: `${c.name}.log`,
    });
    await node.cri.startContainer(id);
    const status = await node.cri.waitExited(id, 30_000);
    await node.cri.removeContainer(id);
    const logFile = join(spec.logDirectory, `${c.name}.log`);
    return { exitCode: status.exitCode, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
  }

  /** The proxy's listeners in the pod (15001 outbound, 15006 inbound) and an upstream on the node. */
  async function listeners(podNetns: string, podIp: string): Promise<() => void> {
    const ready = (n: string) => join(node.dir, `${n}-${podIp}.ready`);
    const kids = [
      node.spawnIn(podNetns, [PY, HELPER, 'listen', ready('out'), 'out15001', '0.0.0.0:15001']),
      node.spawnIn(podNetns, [PY, HELPER, 'listen', ready('in'), 'in15006', '0.0.0.0:15006']),
      node.spawnIn(node.netnsPath, [PY, HELPER, 'listen', ready('up'), 'upstream', `${GATEWAY}:8080`]),
    ];
    await until('listeners', () => ['out', 'in', 'up'].every((n) => existsSync(ready(n))));
    return () => kids.forEach((k) => k.kill('SIGTERM'));
  }

  const connect = (netns: string, host: string, port: number, uid?: number) => node.inNetns(netns, [PY, HELPER, 'connect', host, String(port)], uid).stdout.trim();
  const rules = (netns: string) => must(['nsenter', `--net=${netns}`, 'iptables-save']);

  /** The capture Istio promises, proven with connections. */
  async function expectCapture(netns: string, ip: string): Promise<void> {
    const close = await listeners(netns, ip);
    try {
      expect(connect(netns, GATEWAY, 8080, 1000)).toMatch(new RegExp(`^tag=out15001 .*orig=${GATEWAY}:8080$`));
      expect(connect(netns, GATEWAY, 8080, 1337)).toMatch(new RegExp(`^tag=upstream local=${GATEWAY}:8080 orig=none$`));
      expect(connect(node.netnsPath, ip, 8080)).toMatch(new RegExp(`^tag=in15006 .*orig=${ip.replace(/\./g, '\\.')}:8080$`));
      expect(connect(node.netnsPath, ip, 15021)).toMatch(/^error=/);
    } finally {
      close();
    }
  }

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
      const sb = await runSandbox(injected);
      expect(rules(sb.netns)).not.toContain('ISTIO');
      const init = injected.spec.initContainers?.find((c) => c.name === 'istio-init') as Container;
      const r = await runInitContainer(sb.id, injected, init);
      expect(r.exitCode, r.log).toBe(0);
      const programmed = rules(sb.netns);
      expect(programmed).toMatch(/-A PREROUTING -p tcp -j ISTIO_INBOUND[\s\S]*-A OUTPUT (-p tcp )?-j ISTIO_OUTPUT/);
      // The injected `-d 15090,15021,15020`, in that order (the CNI plugin's own order differs).
      expect(programmed).toMatch(/--dport 15090 -j RETURN\n-A ISTIO_INBOUND -p tcp -m tcp --dport 15021 -j RETURN\n-A ISTIO_INBOUND -p tcp -m tcp --dport 15020 -j RETURN/);
      await expectCapture(sb.netns, sb.ip);
      await node.cri.stopPodSandbox(sb.id);
      await node.cri.removePodSandbox(sb.id);
      node.sandboxes.delete(sb.id);
    });
  });

  describe('CNI mode', () => {
    it('the installer chains our plugin into the node\'s conflist and containerd loads it', async () => {
      writeFileSync(join(node.saDir, 'token'), 'e2e-token');
      writeFileSync(join(node.saDir, 'ca.crt'), 'unused: every pod here carries the pod-facts annotation');
      installer = node.track(
        spawn(process.execPath, [
          art.cli, 'cni-install',
          '--mounted-cni-net-dir', node.netDir,
          '--mounted-cni-bin-dir', node.binDir,
          '--cni-agent-run-dir', node.runDir,
          '--service-account-dir', node.saDir,
          '--plugin-binary', art.plugin,
          '--kube-api-server', 'https://127.0.0.1:9',
          '--pod-namespace', 'sidecar-kit',
          '--pod-lookup-attempts', '1',
          '--plugin-log-level', 'debug',
          '--plugin-log-file', join(node.runDir, 'plugin.log'),
        ], { stdio: ['ignore', 'ignore', 'pipe'] }),
      );
      const conflist = () => JSON.parse(readFileSync(join(node.netDir, '10-podnet.conflist'), 'utf8')) as { plugins: { type: string }[] };
      await until('our conflist entry', () => conflist().plugins.at(-1)?.type === 'istio-cni');
      await until('containerd to load the new conflist', async () => ((await node.cri.status()).info.cniconfig ?? '').includes('istio-cni'));
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
      const sb = await runSandbox(injected);
      expect(readFileSync(join(node.runDir, 'plugin.log'), 'utf8')).toMatch(/pod facts from runtime annotations pod=shop\/ratings-2b7c4/);
      expect(rules(sb.netns)).toMatch(/-A OUTPUT (-p tcp )?-j ISTIO_OUTPUT/);
      await expectCapture(sb.netns, sb.ip);
      const v = await runInitContainer(sb.id, injected, injected.spec.initContainers?.[0] as Container);
      expect(v.exitCode, v.log).toBe(0);
      await node.cri.stopPodSandbox(sb.id);
      await node.cri.removePodSandbox(sb.id);
      node.sandboxes.delete(sb.id);
    });
  });
});
