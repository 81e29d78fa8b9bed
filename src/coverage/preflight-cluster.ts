/**
 * Gathers what `sidecar-kit preflight` judges (src/core/coverage/preflight.ts) from a cluster:
 *  - our MutatingWebhookConfigurations, the Service, Deployment and injector behind each (the
 *    same reading as `coverage`, ./cluster.ts), the injection of a sample pod that passes
 *    `restricted` by itself (offline: what injection adds, and whether it is init or CNI mode);
 *  - a server-side dry-run create of that pod in a selected namespace (`?dryRun=All`: admission
 *    runs, mutating webhooks included, nothing is stored);
 *  - the serving certificate of each webhook replica, through a port-forward (./preflight-tls.ts);
 *  - each node, and the CNI node agent running on it: its readiness and its metrics (through the
 *    API server's pod proxy): `istio_cni_install_ready` and the `sidecar_kit_cni_node_info` gauge
 *    whose labels report the host's netfilter and IPv6 state (src/cni/host-report.ts);
 *  - the namespaces and their Pod Security labels.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { AgentFacts, ConfigurationFacts, DryRunOutcome, NodeFacts, PreflightFacts, ServingOutcome } from '../core/coverage/preflight.js';
import { dryRunNamespace, parseAgentMetrics, selectedNamespaces } from '../core/coverage/preflight.js';
import { injectionViolations, type Violation } from '../core/coverage/pod-security.js';
import type { Pod } from '../core/k8s/pod.js';
import { injectorWebhook, type MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import { KubeApiError, type KubeJson } from '../kube/json-client.js';
import { isOurs, readInjectors } from './cluster.js';
import { servingCertificate } from './preflight-tls.js';

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
}
interface PodJson {
  readonly metadata: Meta;
  readonly spec: { readonly nodeName?: string; readonly containers: { readonly name: string; readonly ports?: { name?: string; containerPort: number }[] }[] };
  readonly status?: { readonly phase?: string; readonly conditions?: { type: string; status: string }[] };
}
interface NodeJson {
  readonly metadata: Meta;
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: { readonly addresses?: { type: string; address: string }[]; readonly nodeInfo?: { kubeletVersion?: string } };
}
interface Selector {
  readonly matchLabels?: Record<string, string>;
}
interface DeploymentJson {
  readonly metadata: Meta;
  readonly spec: { readonly selector: Selector; readonly template: { readonly spec: { readonly containers: { readonly args?: string[] }[] } } };
}
interface ServiceJson {
  readonly spec: { readonly ports?: { port: number; targetPort?: number | string }[] };
}

const labelSelector = (s: Selector | undefined) =>
  encodeURIComponent(
    Object.entries(s?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  );
const isReady = (p: PodJson) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podNames = (p: Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => c.name);

export interface GatherOptions {
  /** The namespace of the dry-run (default: chosen among the selected ones). */
  readonly namespace?: string;
  readonly sample: Pod;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly warn: (m: string) => void;
  readonly progress: (m: string) => void;
}

async function dryRun(api: KubeJson, namespace: string, sample: Pod): Promise<DryRunOutcome> {
  try {
    const pod = await api.post<Pod>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?dryRun=All`, { ...sample, metadata: { ...sample.metadata, namespace } });
    return { kind: 'created', pod };
  } catch (err) {
    if (err instanceof KubeApiError) return { kind: 'refused', status: err.status, message: err.message.replace(/^POST \S+: \d+ /, '') };
    return { kind: 'refused', status: 0, message: (err as Error).message };
  }
}

async function agentsOf(api: KubeJson, ns: string, release: string | undefined): Promise<{ daemonSet?: string; agents: Map<string, AgentFacts> }> {
  const agents = new Map<string, AgentFacts>();
  const sel = encodeURIComponent(`app.kubernetes.io/component=cni${release ? `,app.kubernetes.io/instance=${release}` : ''}`);
  const sets = await api.list<{ metadata: Meta; spec: { selector: Selector } }>(`/apis/apps/v1/namespaces/${ns}/daemonsets?labelSelector=${sel}`);
  const ds = sets[0];
  if (!ds) return { agents };
  const pods = await api.list<PodJson>(`/api/v1/namespaces/${ns}/pods?labelSelector=${labelSelector(ds.spec.selector)}`);
  for (const p of pods) {
    const node = p.spec.nodeName;
    if (!node) continue;
    const port = p.spec.containers[0]?.ports?.find((x) => x.name === 'metrics')?.containerPort ?? 15014;
    let facts: AgentFacts = { pod: p.metadata.name, ready: isReady(p) };
    try {
      const text = await api.getText(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}:${port}/proxy/metrics`);
      facts = { ...facts, ...parseAgentMetrics(text) };
    } catch (err) {
      facts = { ...facts, metricsError: (err as Error).message };
    }
    agents.set(node, facts);
  }
  return { daemonSet: `${ns}/${ds.metadata.name}`, agents };
}

async function servingOf(kc: KubeConfig, api: KubeJson, c: MutatingWebhookConfiguration, deploy: DeploymentJson | undefined, timeoutMs: number): Promise<ConfigurationFacts['serving']> {
  const svcRef = c.webhooks?.[0]?.clientConfig?.service;
  if (!svcRef?.name || !svcRef.namespace || !deploy) return [];
  const svc = await api.get<ServiceJson>(`/api/v1/namespaces/${svcRef.namespace}/services/${svcRef.name}`);
  const port = svc.spec.ports?.find((p) => p.port === (svcRef.port ?? 443)) ?? svc.spec.ports?.[0];
  const pods = (await api.list<PodJson>(`/api/v1/namespaces/${svcRef.namespace}/pods?labelSelector=${labelSelector(deploy.spec.selector)}`)).filter((p) => p.status?.phase === 'Running');
  const bundles = [...new Set((c.webhooks ?? []).map((w) => w.clientConfig?.caBundle ?? '').filter((b) => b !== ''))];
  const out: { pod: string; outcome: ServingOutcome }[] = [];
  for (const p of pods) {
    const target = port?.targetPort ?? port?.port ?? 443;
    const containerPort = typeof target === 'number' ? target : p.spec.containers.flatMap((x) => x.ports ?? []).find((x) => x.name === target)?.containerPort;
    if (containerPort === undefined) {
      out.push({ pod: p.metadata.name, outcome: { kind: 'unreachable', error: `no container port named ${String(target)}` } });
      continue;
    }
    // Every distinct caBundle of the entries must verify the certificate; the first failure is reported.
    let outcome: ServingOutcome | undefined;
    for (const b of bundles.length > 0 ? bundles : ['']) {
      const ca = Buffer.from(b, 'base64').toString('utf8');
      outcome = await servingCertificate(kc, { namespace: svcRef.namespace, pod: p.metadata.name, port: containerPort, ca, serverName: `${svcRef.name}.${svcRef.namespace}.svc`, timeoutMs });
      if (outcome.kind !== 'verified') break;
    }
    if (outcome) out.push({ pod: p.metadata.name, outcome });
  }
  return out;
}

export async function gatherPreflight(kc: KubeConfig, api: KubeJson, opts: GatherOptions): Promise<PreflightFacts> {
  const webhooks = (await api.list<MutatingWebhookConfiguration>('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')).filter((c) => injectorWebhook(c) !== undefined);
  const ours = webhooks.filter(isOurs);
  const [nodeList, namespaces] = await Promise.all([api.list<NodeJson>('/api/v1/nodes'), api.list<{ metadata: Meta }>('/api/v1/namespaces')]);
  const nodeFacts = nodeList.map((n) => ({ name: n.metadata.name, kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '' }));
  const injectors = await readInjectors(api, ours, nodeFacts, opts.warn);
  opts.progress(`${ours.length} sidecar-kit webhook configuration(s), ${nodeList.length} node(s), ${namespaces.length} namespace(s)`);
  const nsFacts = namespaces.map((n) => ({ name: n.metadata.name, labels: n.metadata.labels ?? {} }));

  const configurations: ConfigurationFacts[] = [];
  const agents = new Map<string, AgentFacts>();
  for (const c of ours) {
    const name = c.metadata?.name ?? '';
    const svc = c.webhooks?.[0]?.clientConfig?.service;
    const release = c.metadata?.labels?.['app.kubernetes.io/instance'];
    let deploy: DeploymentJson | undefined;
    if (svc?.name && svc.namespace) {
      try {
        deploy = await api.get<DeploymentJson>(`/apis/apps/v1/namespaces/${svc.namespace}/deployments/${svc.name}`);
      } catch (err) {
        opts.warn(`${name}: deployment ${svc.namespace}/${svc.name}: ${(err as Error).message}`);
      }
    }
    const args = deploy?.spec.template.spec.containers[0]?.args ?? [];
    const injector = injectors.get(name);
    let sampleViolations: Violation[] | undefined;
    let sampleError: string | undefined;
    let mode: ConfigurationFacts['mode'] = 'unknown';
    if (injector) {
      try {
        const injected = injector.inject(opts.sample, svc?.namespace ?? 'default');
        sampleViolations = injectionViolations(opts.sample, injected);
        const names = podNames(injected);
        mode = names.includes('istio-init') ? 'init' : names.includes('istio-validation') ? 'cni' : 'unknown';
      } catch (err) {
        sampleError = (err as Error).message;
      }
    }
    const facts: ConfigurationFacts = {
      name,
      ...(release !== undefined ? { release } : {}),
      revision: injectorWebhook(c)?.revision ?? '',
      ...(svc?.name && svc.namespace ? { service: { namespace: svc.namespace, name: svc.name } } : {}),
      ...(deploy ? { deployment: deploy.metadata.name } : {}),
      certificates: deploy ? (args.includes('--self-signed') ? 'selfSigned' : 'files') : 'unknown',
      mode,
      entriesWithoutCaBundle: (c.webhooks ?? []).filter((w) => !w.clientConfig?.caBundle).map((w) => w.name),
      ...(injector ? { view: injector.view } : {}),
      ...(sampleViolations ? { sampleViolations } : {}),
      ...(sampleError !== undefined ? { sampleError } : {}),
      serving: [],
    };
    opts.progress(`${name}: ${mode} mode; reading the serving certificate of each webhook replica`);
    let serving: ConfigurationFacts['serving'] = [];
    try {
      serving = await servingOf(kc, api, c, deploy, opts.timeoutMs);
    } catch (err) {
      opts.warn(`${name}: reading the webhook replicas: ${(err as Error).message}`);
    }
    let cniDaemonSet: string | undefined;
    if (mode === 'cni' && svc?.namespace) {
      const found = await agentsOf(api, svc.namespace, release);
      cniDaemonSet = found.daemonSet;
      for (const [node, a] of found.agents) agents.set(node, a);
    }
    configurations.push({ ...facts, serving, ...(cniDaemonSet ? { cniDaemonSet } : {}) });
  }

  // The dry-run, in a namespace each configuration selects.
  const base = { webhooks, configurations, namespaces: nsFacts };
  const selected = selectedNamespaces(base, opts.sample);
  for (const [i, c] of configurations.entries()) {
    const ns = opts.namespace !== undefined ? (selected.get(c.name)?.includes(opts.namespace) || configurations.length === 1 ? opts.namespace : undefined) : dryRunNamespace(selected.get(c.name) ?? [], nsFacts, c.sampleViolations);
    if (ns === undefined) continue;
    opts.progress(`${c.name}: server-side dry-run of a pod create in namespace ${ns}`);
    configurations[i] = { ...c, dryRun: { namespace: ns, outcome: await dryRun(api, ns, opts.sample) } };
  }

  const nodes: NodeFacts[] = nodeList.map((n) => {
    const agent = agents.get(n.metadata.name);
    return {
      name: n.metadata.name,
      ipv6Address: (n.status?.addresses ?? []).some((a) => a.type === 'InternalIP' && a.address.includes(':')),
      unschedulable: n.spec?.unschedulable === true,
      ...(agent ? { agent } : {}),
    };
  });
  return { webhooks, configurations, namespaces: nsFacts, nodes, now: opts.now().toISOString() };
}
