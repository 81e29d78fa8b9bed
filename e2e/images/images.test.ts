/**
 * The images themselves under a real runtime: built without Docker (e2e/support/images.ts:
 * podman, a Debian rootfs made here, Node 24 LTS), then started by `testcontainers` through
 * podman's Docker-compatible API (`podman system service` on a socket of this suite; Ryuk off,
 * local images only). Every container gets a network namespace of its own (no bridge, no NAT,
 * nothing on the host's network); the test reaches it from the host with
 * `nsenter --net=/proc/<pid>/ns/net`, as the API server or the kubelet reach a pod.
 *
 * - webhook: run as the chart's Deployment runs it (args, env, the chart's pod and container
 *   security contexts, its ConfigMaps and helm-mode TLS Secret as mounted files, /tmp as an
 *   emptyDir): serves /inject over TLS to a client that trusts only the chart's caBundle and
 *   checks the Service's DNS name; the process is uid 65532 without capabilities on a
 *   read-only root filesystem.
 * - init: the istio-init that webhook injected (its args and security context) runs from our
 *   init image inside a pause container's network namespace, like a pod's init container;
 *   that namespace then holds Istio's chains, the host's does not change.
 * - pause, cni, proxy stand-in, app: each does its job (sandbox exits 0 on SIGTERM, the CNI
 *   plugin is a Node 24 single executable answering VERSION, the stand-in answers istio-proxy's
 *   probe as uid 1337, busybox runs).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find, helmSkipReason, render, type K8sObject } from '../../charts/sidecar-kit/tests/helm.js';
import { buildImages, imagesPodman, imagesSkipReason, type ImageRefs } from '../support/images.js';
import type { Podman } from '../support/podman.js';
import { privilegedSkipReason, sh } from '../support/process.js';
import { normalizeRef, podContainer, type ContainerSpec, type PodContainer, type SecurityContext, type Volume } from './pod-container.js';

const TAG = 'e2e';
const NAMESPACE = 'sidecar-kit';
const NODE_VERSION = 'v24.22.3';
const reason =
  imagesSkipReason() ??
  privilegedSkipReason({ why: 'network namespaces of containers', tools: ['nsenter', 'iptables-save'], install: 'util-linux iptables' }) ??
  (helmSkipReason !== undefined ? `no helm to render the chart: ${helmSkipReason}` : undefined);
/** Build progress on stderr (a cold build takes minutes); the builders' own output with SK_E2E_DEBUG=1. */
const log = (l: string): void => {
  if (process.env.SK_E2E_DEBUG || l.startsWith('[images]')) process.stderr.write(`${l}\n`);
};

/** A pod as a ReplicaSet of a sample app creates it. */
function appPod(name: string) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels: { app: 'shop' } }, spec: { containers: [{ name: 'app', image: 'shop/app:1', ports: [{ containerPort: 8080 }] }] } };
}
type AppPod = ReturnType<typeof appPod>;

interface PodTemplate {
  securityContext?: SecurityContext;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: Volume[];
}

describe.skipIf(reason !== undefined)(`images under podman + testcontainers${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let refs!: ImageRefs;
  let podman!: Podman;
  let dir!: string;
  let stopService: (() => Promise<void>) | undefined;
  const started: StartedTestContainer[] = [];
  /** The pod the webhook image injected (used by the init image's test). */
  let injected: PodTemplate | undefined;

  beforeAll(async () => {
    // Cold: ~6 min on 2 cores (Debian rootfs, npm ci in the build stage); warm: seconds.
    refs = await buildImages({ tag: TAG, log });
    podman = imagesPodman();
    dir = mkdtempSync(join(tmpdir(), 'sk-e2e-images-'));
    const service = await podman.startService(join(dir, 'podman.sock'));
    stopService = service.stop;
    // testcontainers reads these on first use: podman's API, no Ryuk (it would be pulled).
    process.env.DOCKER_HOST = service.url;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  }, 2_400_000);

  afterAll(async () => {
    for (const c of started) await c.stop({ timeout: 5000, remove: true }).catch(() => undefined);
    // Ryuk is off: remove whatever this session left (a test that failed midway).
    const session = started[0]?.getLabels()['org.testcontainers.session-id'];
    const left = session ? (await podman.exec(['ps', '-a', '-q', '--filter', `label=org.testcontainers.session-id=${session}`])).stdout.trim() : '';
    if (left) await podman.exec(['rm', '-f', ...left.split('\n')]);
    await stopService?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** Starts a container; when that fails, the error carries the container's own output. */
  async function start(c: PodContainer): Promise<StartedTestContainer> {
    try {
      const s = await c.start();
      started.push(s);
      return s;
    } catch (err) {
      throw new Error(`${(err as Error).message}\ncontainer output:\n${c.output.slice(-4000)}`, { cause: err });
    }
  }

  /** Runs a container to its exit, then removes it: its exit code and output (stdout + stderr). */
  async function runToExit(c: PodContainer): Promise<{ exitCode: number; output: string }> {
    const s = await start(c.withWaitStrategy(Wait.forListeningPorts()));
    const exitCode = Number((await podman.must(['wait', s.getId()], 120_000)).trim());
    const logs = await podman.exec(['logs', s.getId()]);
    await podman.must(['rm', '-f', s.getId()]);
    started.splice(started.indexOf(s), 1);
    return { exitCode, output: logs.stdout + logs.stderr };
  }

  const pidOf = async (c: StartedTestContainer): Promise<number> => Number((await podman.must(['inspect', '--format', '{{.State.Pid}}', c.getId()])).trim());

  /** One HTTP(S) request from inside `pid`'s network namespace (e2e/images/netns-client.mjs). */
  function request(pid: number, method: 'GET' | 'POST', url: string, opts: { ca?: string; servername?: string; body?: string } = {}): { status?: number; body?: string; error?: string; tls?: { authorized: boolean; protocol: string; altNames: string } } {
    const argv = ['nsenter', `--net=/proc/${pid}/ns/net`, '--', process.execPath, join(import.meta.dirname, 'netns-client.mjs'), method, url];
    if (opts.ca) argv.push('--ca', opts.ca);
    if (opts.servername) argv.push('--servername', opts.servername);
    const r = sh(argv, { input: opts.body ?? '', timeoutMs: 20_000 });
    return JSON.parse(r.stdout.trim() || JSON.stringify({ error: r.stderr }));
  }

  /** Polls `probe` until it returns a value; the timeout names `what` and the last answer. */
  async function until<T>(what: string, probe: (note: (last: unknown) => void) => T | undefined, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    let last: unknown;
    for (;;) {
      const v = probe((l) => (last = l));
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The `Uid:`/`Gid:`/`CapEff:` lines of a process. */
  function credentials(pid: number): { uid: string; gid: string; capEff: string } {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const line = (k: string) => /^(\S+):\s+(.*)$/m.exec(status.split('\n').find((l) => l.startsWith(`${k}:`)) ?? '')?.[2]?.trim() ?? '';
    return { uid: line('Uid'), gid: line('Gid'), capEff: line('CapEff') };
  }

  /** The mount options of a process's root filesystem. */
  const rootMountOptions = (pid: number): string[] =>
    (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/')?.split(' ')[5] ?? '').split(',');

  interface ChartWebhook {
    readonly container: StartedTestContainer;
    readonly pid: number;
    readonly caFile: string;
    readonly servername: string;
    readonly path: string;
    /** Posts a pod's CREATE AdmissionReview as the API server would; the TLS facts and the injected pod. */
    admit(pod: AppPod): Promise<{ tls: { authorized: boolean; altNames: string }; response: { uid: string; allowed: boolean }; injected: PodTemplate }>;
  }

  /**
   * The webhook image started as the chart's Deployment runs it (`helm template` with helm-mode
   * certificates and `values`), once /ready answers (the kubelet's startup probe).
   */
  async function startChartWebhook(values: readonly string[] = []): Promise<ChartWebhook> {
    const objects = render(['--set', 'certificates.mode=helm', '--set', `images.tag=${TAG}`, ...values.flatMap((v) => ['--set', v])]);
    const deployment = find(objects, 'Deployment') as K8sObject & { spec: { template: { spec: PodTemplate } } };
    const pod = deployment.spec.template.spec;
    const spec = pod.containers.find((c) => c.name === 'webhook') as ContainerSpec;
    expect(normalizeRef(spec.image)).toBe(refs.webhook);
    const configMaps = Object.fromEntries(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data as Record<string, string>]));
    const secrets = Object.fromEntries(objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o.data as Record<string, string>]));
    const container = await start(
      podContainer(refs.webhook, spec, { podSecurityContext: pod.securityContext, volumes: pod.volumes, sources: { configMaps, secrets }, fields: { 'metadata.namespace': NAMESPACE }, dir: mkdtempSync(join(dir, 'webhook-')) })
        .withNetworkMode('none')
        .withWaitStrategy(Wait.forLogMessage(/"msg":"webhook serving"/))
        .withStartupTimeout(60_000),
    );
    const pid = await pidOf(container);
    await until('/ready', (note) => {
      const r = request(pid, 'GET', 'http://127.0.0.1:15014/ready');
      note(r);
      return r.status === 200 ? true : undefined;
    });
    const mwc = find(objects, 'MutatingWebhookConfiguration') as K8sObject & { webhooks: { clientConfig: { caBundle: string; service: { name: string; namespace: string; path: string } } }[] };
    const client = mwc.webhooks[0]?.clientConfig;
    if (!client) throw new Error('the chart rendered no webhook');
    const caFile = join(dir, `ca-bundle-${container.getId()}.pem`);
    writeFileSync(caFile, Buffer.from(client.caBundle, 'base64'));
    const servername = `${client.service.name}.${client.service.namespace}.svc`;
    return {
      container,
      pid,
      caFile,
      servername,
      path: client.service.path,
      async admit(app) {
        const review = {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: `images-e2e-${app.metadata.name}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: app.metadata.namespace, operation: 'CREATE', object: app },
        };
        // What the API server does: trust only the caBundle, verify the Service's DNS name.
        const answer = request(pid, 'POST', `https://127.0.0.1:15017${client.service.path}`, { ca: caFile, servername, body: JSON.stringify(review) });
        if (answer.error !== undefined || answer.status !== 200 || !answer.tls) throw new Error(`admission failed: ${JSON.stringify(answer)}`);
        const response = (JSON.parse(answer.body ?? '{}') as { response: { uid: string; allowed: boolean; patch?: string } }).response;
        const ops = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[]) : [];
        const injected = (applyPatch(structuredClone(app), ops, true, false).newDocument as unknown as { spec: PodTemplate }).spec;
        return { tls: answer.tls, response, injected };
      },
    };
  }

  it('webhook: serves /inject over TLS as the chart runs it — uid 65532, no capabilities, read-only root filesystem', async () => {
    const webhook = await startChartWebhook();
    const { pid, container } = webhook;
    const admitted = await webhook.admit(appPod('shop-1'));
    expect(admitted.tls).toMatchObject({ authorized: true });
    expect(admitted.tls.altNames).toContain(`DNS:${webhook.servername}`);
    expect(admitted.response).toMatchObject({ uid: 'images-e2e-shop-1', allowed: true });
    injected = admitted.injected;
    expect(injected.containers.map((c) => c.name)).toContain('istio-proxy');

    // A client that does not trust the chart's CA is refused.
    expect(request(pid, 'POST', `https://127.0.0.1:15017${webhook.path}`, { servername: webhook.servername, body: '{}' }).error).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);

    // The process: the chart's non-root user, no effective capabilities, read-only root.
    expect(credentials(pid)).toEqual({ uid: '65532\t65532\t65532\t65532', gid: '65532\t65532\t65532\t65532', capEff: '0000000000000000' });
    expect(rootMountOptions(pid)).toContain('ro');
    const write = await container.exec(['sh', '-c', 'touch /opt/sidecar-kit/probe'], { user: '0' });
    expect(write.exitCode).not.toBe(0);
    expect(write.output).toMatch(/Read-only file system/);
    expect((await container.exec(['node', '--version'])).output.trim()).toBe(NODE_VERSION);
  });

  it("init: the injected istio-init applies Istio's rules in the pod sandbox's network namespace, not the host's", async () => {
    if (!injected) throw new Error('needs the pod the webhook test injected');
    const initSpec = injected.initContainers?.find((c) => c.name === 'istio-init');
    if (!initSpec) throw new Error(`no istio-init injected: ${JSON.stringify(injected.initContainers)}`);
    expect(normalizeRef(initSpec.image)).toBe(refs.init);
    expect(initSpec.args?.[0]).toBe('istio-iptables');
    const hostRules = () => sh(['iptables-save']).stdout + sh(['iptables-legacy-save']).stdout;
    const hostIstioChains = hostRules().match(/^:ISTIO_\w+/gm) ?? [];

    // The pod sandbox: its own network namespace (loopback only), like the kubelet's.
    const sandbox = await start(podContainer(refs.pause, { name: 'pause', image: refs.pause }).withNetworkMode('none'));
    const sandboxPid = await pidOf(sandbox);
    const init = await runToExit(podContainer(refs.init, initSpec, { podSecurityContext: undefined }).withNetworkMode(`container:${sandbox.getId()}`));
    expect(init, init.output).toMatchObject({ exitCode: 0 });

    const rules = sh(['nsenter', `--net=/proc/${sandboxPid}/ns/net`, 'iptables-save']).stdout + sh(['nsenter', `--net=/proc/${sandboxPid}/ns/net`, 'iptables-legacy-save']).stdout;
    for (const chain of ['ISTIO_INBOUND', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT', 'ISTIO_REDIRECT']) expect(rules).toContain(`:${chain} `);
    expect(rules).toMatch(/-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
    expect(rules).toMatch(/-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006/);
    expect(rules).toMatch(/-m owner --uid-owner 1337 -j RETURN/);
    expect(hostRules().match(/^:ISTIO_\w+/gm) ?? []).toEqual(hostIstioChains);

    // The pause image ends on SIGTERM with status 0 (no wait for SIGKILL).
    const t0 = Date.now();
    await sandbox.stop({ timeout: 20_000, remove: false });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await podman.must(['inspect', '--format', '{{.State.ExitCode}}', sandbox.getId()])).trim()).toBe('0');
    await podman.must(['rm', '-f', sandbox.getId()]);
  });

  it('init, CNI mode: the injected istio-validation (uid 1337, read-only root) passes where the capture rules are in place and fails where they are not', async () => {
    if (!injected) throw new Error('needs the pod the webhook test injected');
    const initSpec = injected.initContainers?.find((c) => c.name === 'istio-init') as ContainerSpec;
    const webhook = await startChartWebhook(['cni.enabled=true']);
    const cniPod = (await webhook.admit(appPod('shop-cni-1'))).injected;
    expect(cniPod.initContainers?.map((c) => c.name)).toEqual(['istio-validation']);
    const validation = cniPod.initContainers?.[0] as ContainerSpec;
    expect(normalizeRef(validation.image)).toBe(refs.init);
    expect(validation.args).toContain('--run-validation');
    expect(validation.securityContext).toMatchObject({ runAsUser: 1337, readOnlyRootFilesystem: true });

    // Captured: the rules Istio's CNI plugin programs for this pod (here applied by the
    // injected istio-init of the same pod shape; the plugin itself is e2e/cni's and e2e/local's).
    const captured = await start(podContainer(refs.pause, { name: 'pause', image: refs.pause }).withNetworkMode('none'));
    expect(await runToExit(podContainer(refs.init, initSpec).withNetworkMode(`container:${captured.getId()}`))).toMatchObject({ exitCode: 0 });
    const ok = await runToExit(podContainer(refs.init, validation).withNetworkMode(`container:${captured.getId()}`));
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.output).toMatch(/redirected/);

    // Not captured (the plugin did not run): the pod must not start.
    const bare = await start(podContainer(refs.pause, { name: 'pause', image: refs.pause }).withNetworkMode('none'));
    const failed = await runToExit(podContainer(refs.init, validation).withNetworkMode(`container:${bare.getId()}`));
    expect(failed.exitCode).not.toBe(0);
    expect(failed.output).toMatch(/iptables validation failed; workload is not ready for Istio/);
  });

  it('cni: the plugin is a Node 24 single executable that answers VERSION on its own; the installer runs on Node 24', async () => {
    const version = await runToExit(podContainer(refs.cni, { name: 'cni-version', image: refs.cni, command: ['/opt/sidecar-kit/istio-cni'] }).withEnvironment({ CNI_COMMAND: 'VERSION' }).withNetworkMode('none'));
    expect(version.exitCode, version.output).toBe(0);
    expect((JSON.parse(version.output.trim()) as { supportedVersions: string[] }).supportedVersions).toContain('1.0.0');
    // A SEA is the Node binary it was built with plus the app: the release's own source URL is in it.
    const built = await runToExit(
      podContainer(refs.cni, { name: 'cni-node', image: refs.cni, command: ['sh', '-c', `grep -c 'node-${NODE_VERSION}' /opt/sidecar-kit/istio-cni; node --version`] }).withNetworkMode('none'),
    );
    expect(built.output.trim().split('\n').at(-1)).toBe(NODE_VERSION);
    expect(Number(built.output.trim().split('\n')[0])).toBeGreaterThan(0);
  });

  it("proxy stand-in: answers istio-proxy's readiness probe on 15021 as uid 1337", async () => {
    const proxy = await start(podContainer(refs.proxy, { name: 'proxy', image: refs.proxy }).withNetworkMode('none'));
    const pid = await pidOf(proxy);
    const ready = await until('the stand-in on 15021', () => {
      const r = request(pid, 'GET', 'http://127.0.0.1:15021/healthz/ready');
      return r.status === undefined ? undefined : r;
    });
    expect(ready).toMatchObject({ status: 200, body: 'ok\n' });
    expect(credentials(pid).uid.split('\t')[0]).toBe('1337');
  });

  it('app: a busybox userland for sample workloads', async () => {
    const r = await runToExit(podContainer(refs.app, { name: 'app', image: refs.app, command: ['sh', '-c', 'echo $((6 * 7)); wget --help 2>&1 | head -n 1; nc --help 2>&1 | head -n 1'] }).withNetworkMode('none'));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/^42\n/);
    expect(r.output).toMatch(/BusyBox/);
  });
});
