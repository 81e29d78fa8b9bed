/**
 * The chart and the code agree (style guide §9): the names they share — flags, environment
 * variables, ports, paths, ConfigMap keys, the pod-facts annotation — are checked by feeding
 * what the chart renders to the real code: the webhook's option parser, the injector built from
 * the rendered ConfigMaps exactly as the webhook builds it, and the CNI installer run with the
 * DaemonSet's environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli-kit/convention.js';
import { agentSettings, spec as cniSpec } from '../../../src/cni/install-cli.js';
import { FACTS_ANNOTATION } from '../../../src/core/cni/pod-facts.js';
import { coreInjectorBuilder, injectionEnvironment } from '../../../src/webhook/core-injector.js';
import { ENV_VARS, parseWebhookOptions } from '../../../src/webhook/options.js';
import { webhookConfigNames } from '../../../src/webhook/self-signed-mode.js';
import { CHART_DIR, find, helmSkipReason, NAMESPACE, render, VARIANTS, valuesArgs, type K8sObject } from './helm.js';

const skip = helmSkipReason !== undefined;
const title = (s: string) => `${s}${skip ? ` (skipped: ${helmSkipReason})` : ''}`;
const root = resolve(CHART_DIR, '..', '..');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  image: string;
  args: string[];
  env: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet: { port: string } };
  livenessProbe?: { httpGet: { port: string } };
}
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: { containers: Container[]; volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[] } } }).template.spec;

/** The container's environment as the kubelet would set it (downward API resolved). */
function kubeletEnv(c: Container): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.namespace': NAMESPACE, 'spec.nodeName': 'node-1' };
  return Object.fromEntries(c.env.map((e) => [e.name, e.value ?? fields[e.valueFrom?.fieldRef?.fieldPath ?? ''] ?? '']));
}

/** istiod's own variables the injection reads (docs/webhook.md), set by the chart as env. */
const ISTIOD_ENV = ['ENABLE_NATIVE_SIDECARS', 'PLATFORM', 'COMPLIANCE_POLICY', 'CLUSTER_ID'];

const samplePod = (labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web', ...labels } },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
});

describe.skipIf(skip)(title('the rendered webhook Deployment drives the real option parser'), () => {
  it.each(VARIANTS)('$name: args and env parse, and every name/port/path they carry matches the objects beside them', (v) => {
    const objects = render(valuesArgs(v));
    const dep = find(objects, 'Deployment');
    const spec = podSpec(dep);
    const c = spec.containers[0] as Container;
    expect(c.args[0]).toBe('webhook');
    const env = kubeletEnv(c);
    for (const name of Object.keys(env)) {
      if (!name.startsWith('EXTRA_')) expect([...Object.values(ENV_VARS), ...ISTIOD_ENV]).toContain(name);
    }
    const opts = parseWebhookOptions(c.args.slice(1), env);
    const port = (n: string) => c.ports?.find((p) => p.name === n)?.containerPort;
    expect(opts.port).toBe(port('https-webhook'));
    expect(opts.monitoringPort).toBe(port('http-monitoring'));
    expect(c.readinessProbe?.httpGet.port).toBe('http-monitoring');
    expect(c.livenessProbe?.httpGet.port).toBe('http-monitoring');
    const svc = find(objects, 'Service');
    expect(opts.serviceName).toBe(svc.metadata.name);
    expect(opts.serviceNamespace).toBe(NAMESPACE);
    // Every configuration of the release (its own, then its revision tags'), in render order.
    const mwcs = objects.filter((o) => o.kind === 'MutatingWebhookConfiguration');
    expect(webhookConfigNames(opts.webhookConfigName)).toEqual(mwcs.map((m) => m.metadata.name));
    for (const w of mwcs.flatMap((m) => m.webhooks as { clientConfig: { service: { name: string; port: number; path: string } } }[])) {
      expect(w.clientConfig.service.name).toBe(svc.metadata.name);
      const svcPort = (svc.spec as { ports: { port: number; targetPort: string }[] }).ports.find((p) => p.port === w.clientConfig.service.port);
      expect(svcPort?.targetPort).toBe('https-webhook');
      expect(w.clientConfig.service.path).toMatch(/^\/inject/);
    }
    // Mounted files are where the flags point.
    const mountOf = (volume: string) => c.volumeMounts.find((m) => m.name === volume)?.mountPath;
    const volume = (name: string) => spec.volumes.find((x) => x.name === name);
    expect(opts.configDir).toBe(mountOf('inject-config'));
    expect(volume('inject-config')?.configMap?.name).toBe(find(objects, 'ConfigMap', 'sidecar-injector').metadata.name);
    expect(dirname(opts.meshConfigFile ?? '')).toBe(mountOf('mesh-config'));
    expect(volume('mesh-config')?.configMap?.name).toBe(find(objects, 'ConfigMap', '-mesh').metadata.name);
    if (!opts.selfSigned) {
      expect(dirname(opts.tlsCertFile ?? '')).toBe(mountOf('tls'));
      expect(dirname(opts.tlsKeyFile ?? '')).toBe(mountOf('tls'));
    } else {
      // The CA Secret the webhook reads, watches and creates is the one its Role names, in the
      // namespace the Role and the Secret live in (--serviceNamespace).
      const role = find(objects, 'Role', '-webhook');
      expect(role.metadata.namespace).toBe(opts.serviceNamespace);
      const rules = role.rules as { verbs: string[]; resourceNames?: string[] }[];
      expect(rules.find((r) => r.verbs.includes('get'))?.resourceNames).toEqual([opts.caSecretName]);
      expect(rules.find((r) => r.verbs.includes('watch'))?.resourceNames).toEqual([opts.caSecretName]);
      expect(rules.some((r) => r.verbs.includes('create'))).toBe(true);
    }
  });

  it('the chart defaults are the code defaults (ports 15017/15014)', () => {
    const code = parseWebhookOptions(['--self-signed'], {});
    const c = podSpec(find(render(), 'Deployment')).containers[0] as Container;
    expect([code.port, code.monitoringPort]).toEqual([15017, 15014]);
    expect(c.ports?.map((p) => p.containerPort)).toEqual([code.port, code.monitoringPort]);
  });

  it.each([
    [[], 'Kubernetes'],
    [['--set', 'global.multiCluster.clusterName=east'], 'east'],
    [['--set', 'global.multiCluster.clusterName=east', '--set', 'webhook.env.CLUSTER_ID=west'], 'west'],
  ])('%j: the webhook knows its cluster ID as istiod does (CLUSTER_ID)', (args, clusterId) => {
    const c = podSpec(find(render(args), 'Deployment')).containers[0] as Container;
    expect(c.env.filter((e) => e.name === 'CLUSTER_ID')).toHaveLength(1);
    expect(injectionEnvironment(kubeletEnv(c)).clusterId).toBe(clusterId);
  });
});

describe.skipIf(skip)(title('the rendered injector ConfigMaps drive the real injector'), () => {
  /** What the webhook builds from its mounted ConfigMaps (same builder, same file layout). */
  function injectorFor(args: readonly string[]) {
    const objects = render(args);
    const injector = find(objects, 'ConfigMap', 'sidecar-injector').data as Record<string, string>;
    const mesh = find(objects, 'ConfigMap', '-mesh').data as Record<string, string>;
    const c = podSpec(find(objects, 'Deployment')).containers[0] as Container;
    const env = kubeletEnv(c);
    const opts = parseWebhookOptions(c.args.slice(1), env);
    const build = coreInjectorBuilder(opts.revision, injectionEnvironment(env));
    return build({ config: injector.config, values: injector.values, mesh: mesh.mesh });
  }
  const admit = (args: readonly string[], labels: Record<string, string> = {}) => {
    const pod = samplePod(labels);
    const outcome = injectorFor(args).admit({ pod, namespace: 'shop', proxyEnv: {}, cluster: { nodes: undefined, namespaceAnnotations: undefined } });
    if (outcome.kind !== 'injected') return { outcome, pod: undefined };
    const injected = applyPatch(structuredClone(pod), JSON.parse(Buffer.from(outcome.patch.base64, 'base64').toString('utf8')) as Operation[], true, false).newDocument as ReturnType<typeof samplePod> & {
      metadata: { annotations: Record<string, string>; labels: Record<string, string> };
      spec: { initContainers: { name: string; image: string; args: string[] }[]; containers: { name: string; image: string }[] };
    };
    return { outcome, pod: injected };
  };

  it.each(VARIANTS)('$name: the configuration loads and injects a pod', (v) => {
    const { outcome, pod } = admit(valuesArgs(v));
    expect(outcome.kind).toBe('injected');
    expect(pod?.spec.containers.map((c) => c.name)).toContain('istio-proxy');
  });

  it('default: istio-init runs our init image with Istio\'s istio-iptables arguments', () => {
    const { pod } = admit([]);
    const init = pod?.spec.initContainers.find((c) => c.name === 'istio-init');
    expect(init?.image).toBe('sidecar-kit/init:0.1.0');
    expect(init?.args.slice(0, 9)).toEqual(['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT']);
    expect(pod?.spec.containers.find((c) => c.name === 'istio-proxy')?.image).toBe('docker.io/istio/proxyv2:1.31.0');
    expect(pod?.metadata.annotations[FACTS_ANNOTATION]).toBeUndefined();
  });

  it('images.hub/tag select the init image; useSidecarKitImage=false keeps Istio\'s', () => {
    expect(admit(['--set', 'images.hub=reg.example/sk', '--set', 'images.tag=9.9.9']).pod?.spec.initContainers[0]?.image).toBe('reg.example/sk/init:9.9.9');
    expect(admit(['--set', 'proxyInit.useSidecarKitImage=false']).pod?.spec.initContainers[0]?.image).toBe('docker.io/istio/proxyv2:1.31.0');
  });

  it('cni.enabled: istio-validation instead of istio-init, and the pod-facts annotation the plugin reads', () => {
    const { pod } = admit(['--set', 'cni.enabled=true']);
    const names = pod?.spec.initContainers.map((c) => c.name);
    expect(names).toContain('istio-validation');
    expect(names).not.toContain('istio-init');
    expect(pod?.spec.initContainers.find((c) => c.name === 'istio-validation')?.args).toEqual(expect.arrayContaining(['--run-validation', '--skip-rule-apply']));
    expect(JSON.parse(pod?.metadata.annotations[FACTS_ANNOTATION] ?? '{}')).toMatchObject({ v: 1, proxy: { uid: 1337, type: 'sidecar' } });
    expect(admit(['--set', 'cni.enabled=true', '--set', 'cni.podFactsAnnotation=false']).pod?.metadata.annotations[FACTS_ANNOTATION]).toBeUndefined();
  });

  it.each([
    ['revision', ['--set', 'revision=sk'], {}, (p: { metadata: { annotations: Record<string, string> } }) => expect(p.metadata.annotations['istio.io/rev']).toBe('sk')],
    ['mesh config', ['--set', 'meshConfig.defaultConfig.holdApplicationUntilProxyStarts=true'], {}, (p: { spec: { containers: { name: string }[] } }) => expect(p.spec.containers[0]?.name).toBe('istio-proxy')],
  ] as const)('%s reaches injected pods', (_n, args, labels, check) => {
    const { pod } = admit(args, labels);
    expect(pod).toBeDefined();
    check(pod as never);
  });

  it.each([
    ['neverInjectSelector', ['-f', join(CHART_DIR, 'ci', 'secret-values.yaml')], { app: 'legacy' }, 'neverSelector'],
    ['autoInject disabled', ['--set', 'global.proxy.autoInject=disabled'], {}, 'policyDisabled'],
  ] as const)('%s is applied by the injector', (_n, args, labels, reason) => {
    expect(admit(args, labels).outcome).toMatchObject({ kind: 'skipped', reason });
  });
});

describe.skipIf(skip)(title('the rendered CNI DaemonSet drives the real installer'), () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.each(VARIANTS.filter((v) => v.name === 'cni'))('$name: its environment and mounts install and chain the plugin', (v) => {
    const ds = find(render(valuesArgs(v)), 'DaemonSet');
    const c = podSpec(ds).containers[0] as Container;
    expect(c.args).toEqual(['cni-install']);
    // The plugin runs on the host and reads the kubeconfig from cni_agent_run_dir: the installer
    // must see that directory at the host's own path.
    const runDir = kubeletEnv(c).CNI_AGENT_RUN_DIR;
    const runMount = c.volumeMounts.find((m) => m.mountPath === runDir);
    const hostPath = (podSpec(ds).volumes as { name: string; hostPath?: { path: string } }[]).find((x) => x.name === runMount?.name)?.hostPath?.path;
    expect(hostPath).toBe(runDir);
    const tmp = mkdtempSync(join(tmpdir(), 'sk-chart-cni-'));
    dirs.push(tmp);
    // Each volume mount becomes a directory of its own; the image's files live in /opt/sidecar-kit.
    const mounts = new Map<string, string>([['/opt/sidecar-kit', join(tmp, 'image')]]);
    for (const m of c.volumeMounts) mounts.set(m.mountPath, join(tmp, m.name));
    const sa = join(tmp, 'serviceaccount');
    for (const d of [...mounts.values(), sa]) mkdirSync(d, { recursive: true });
    writeFileSync(join(tmp, 'image', 'istio-cni'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(sa, 'token'), 'token');
    writeFileSync(join(sa, 'ca.crt'), 'ca');
    const netDir = mounts.get('/host/etc/cni/net.d') as string;
    writeFileSync(join(netDir, '10-kindnet.conflist'), JSON.stringify({ cniVersion: '0.3.1', name: 'kindnet', plugins: [{ type: 'ptp' }, { type: 'portmap' }] }));
    const env = kubeletEnv(c);
    for (const [k, val] of Object.entries(env)) {
      if (!val.startsWith('/')) continue;
      const mount = [...mounts.keys()].find((m) => val === m || val.startsWith(`${m}/`));
      expect(mount, `${k}=${val} is not inside a volume mount of the installer`).toBeDefined();
      env[k] = val.replace(mount as string, mounts.get(mount as string) as string);
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...c.args, '--once'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      // What the kubelet adds: the automounted service account and the API Service address.
      env: { PATH: process.env.PATH, ...env, SERVICE_ACCOUNT_DIR: sa, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
    });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status).toBe(0);
    const conf = JSON.parse(readFileSync(join(netDir, '10-kindnet.conflist'), 'utf8')) as { plugins: Record<string, unknown>[] };
    expect(conf.plugins.map((p) => p.type)).toEqual(['ptp', 'portmap', 'istio-cni']);
    expect(conf.plugins[2]).toMatchObject({
      exclude_namespaces: ['kube-system', 'monitoring'],
      plugin_log_level: 'info',
      pod_namespace: NAMESPACE,
      native_nftables: false,
      cni_agent_run_dir: env.CNI_AGENT_RUN_DIR,
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
      sidecar_kit: { pod_lookup_attempts: 30 },
    });
    expect(readFileSync(join(mounts.get('/host/opt/cni/bin') as string, 'istio-cni'), 'utf8')).toBe('#!/bin/sh\n');
    expect(JSON.parse(readFileSync(join(mounts.get('/var/run/istio-cni') as string, 'istio-cni-kubeconfig'), 'utf8')).clusters[0].cluster.server).toBe('https://10.96.0.1:443');
    // The node agent's settings: this node, this DaemonSet, the repair; its probes on its port.
    const agent = agentSettings(parseArgs([], cniSpec.flags), kubeletEnv(c));
    expect(agent).toMatchObject({ nodeName: 'node-1', daemonSetName: ds.metadata.name, keepPluginOnRestart: true, repair: { enabled: true, mode: 'delete', initContainerName: 'istio-validation', initExitCode: 126 } });
    const probes = c as unknown as { readinessProbe: { httpGet: { path: string; port: number } }; ports: { containerPort: number }[] };
    expect([probes.readinessProbe.httpGet.path, probes.readinessProbe.httpGet.port, probes.ports[0]?.containerPort]).toEqual(['/readyz', agent.monitoringPort, agent.monitoringPort]);
  });
});
