/**
 * Reads what the coverage report needs from a cluster (plain JSON through ../kube/json-client):
 * our MutatingWebhookConfigurations (entries named `*.sidecar-kit.io`), for each the webhook
 * Deployment behind its Service (same name, as the chart names them) with the injector and mesh
 * ConfigMaps it mounts and the environment it runs with, the nodes (native sidecars in `auto`
 * mode), namespaces, pods, ReplicaSets (to find Deployments) and the controllers' create events.
 */
import { parseIstiodEnvironment, type InjectionEnvironment, type NodeFact } from '../core/inject/environment.js';
import type { CoverageEvent, CoverageInput, Injector, OwnerRef } from '../core/coverage/assess.js';
import { coverageInjector } from '../core/coverage/injector.js';
import { injectorWebhook, type MutatingWebhookConfiguration as WebhookConfiguration } from '../core/selection/webhooks.js';
import type { Pod } from '../core/k8s/pod.js';
import type { KubeJson } from '../kube/json-client.js';
import { settingsFromTexts } from '../config/load.js';
import { parsePathEnv } from '../core/inject/path-params.js';

export { SK_WEBHOOK_SUFFIX as OUR_WEBHOOK_SUFFIX } from '../core/selection/webhooks.js';
import { SK_WEBHOOK_SUFFIX as OUR_WEBHOOK_SUFFIX } from '../core/selection/webhooks.js';

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
interface Deployment {
  readonly metadata: Meta;
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly containers: { readonly args?: string[]; readonly env?: { name: string; value?: string }[] }[];
        readonly volumes?: { readonly name: string; readonly configMap?: { readonly name: string } }[];
      };
    };
  };
}
interface ConfigMap {
  readonly data?: Record<string, string>;
}
interface RawEvent {
  readonly metadata: Meta;
  readonly involvedObject: { kind: string; name: string; namespace?: string };
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly firstTimestamp?: string;
}

export function isOurs(c: WebhookConfiguration): boolean {
  return injectorWebhook(c)?.product === 'sidecar-kit';
}

/** Every one of our configurations, keyed by name, with the injector behind it. */
export async function readInjectors(api: KubeJson, configurations: readonly WebhookConfiguration[], nodes: readonly NodeFact[], warn: (m: string) => void): Promise<Map<string, Injector>> {
  const out = new Map<string, Injector>();
  for (const c of configurations) {
    const name = c.metadata?.name ?? '';
    const svc = c.webhooks?.[0]?.clientConfig?.service;
    if (!svc?.name || !svc.namespace) {
      warn(`${name}: its webhooks call no Service; staleness is not judged for its pods`);
      continue;
    }
    try {
      const d = await api.get<Deployment>(`/apis/apps/v1/namespaces/${svc.namespace}/deployments/${svc.name}`);
      const pod = d.spec.template.spec;
      const container = pod.containers[0];
      const cm = (vol: string) => pod.volumes?.find((v) => v.name === vol)?.configMap?.name;
      const texts: { config?: string; values?: string; mesh?: string } = {};
      const inj = cm('inject-config');
      if (inj) {
        const data = (await api.get<ConfigMap>(`/api/v1/namespaces/${svc.namespace}/configmaps/${inj}`)).data ?? {};
        if (data.config !== undefined) texts.config = data.config;
        if (data.values !== undefined) texts.values = data.values;
      }
      const meshName = cm('mesh-config');
      if (meshName) {
        const mesh = (await api.get<ConfigMap>(`/api/v1/namespaces/${svc.namespace}/configmaps/${meshName}`)).data?.mesh;
        if (mesh !== undefined) texts.mesh = mesh;
      }
      const env = Object.fromEntries((container?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
      const revision = (container?.args ?? []).find((a) => a.startsWith('--revision='))?.slice('--revision='.length) ?? '';
      const settings = settingsFromTexts(texts, revision);
      // As that istiod reads its environment (a value it only warns about applies as it does).
      const environment: InjectionEnvironment = parseIstiodEnvironment(env).environment;
      out.set(name, coverageInjector(settings, environment, { nodes }, parsePathEnv(svc.path ?? '/inject').env));
    } catch (err) {
      warn(`${name}: cannot read the injector behind it (deployment ${svc.namespace}/${svc.name}): ${(err as Error).message}; staleness is not judged for its pods`);
    }
  }
  return out;
}

export function toEvent(e: RawEvent): CoverageEvent {
  return {
    namespace: e.involvedObject.namespace ?? e.metadata.namespace ?? '',
    involved: { kind: e.involvedObject.kind, name: e.involvedObject.name },
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? 1,
    last: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '',
  };
}

export interface ReadOptions {
  /** Only this namespace's pods (all namespaces when undefined). */
  readonly namespace?: string;
  readonly warn: (message: string) => void;
}

export async function readCoverageInput(api: KubeJson, opts: ReadOptions): Promise<CoverageInput> {
  const configurations = (await api.list<WebhookConfiguration>('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')).filter((c) => injectorWebhook(c) !== undefined);
  const ours = configurations.filter(isOurs);
  if (ours.length === 0) opts.warn(`no MutatingWebhookConfiguration with webhooks named *${OUR_WEBHOOK_SUFFIX}: is sidecar-kit installed?`);
  const nodes = (await api.list<{ metadata: Meta; status?: { nodeInfo?: { kubeletVersion?: string } } }>('/api/v1/nodes')).map((n) => ({ name: n.metadata.name, kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '' }));
  const scope = opts.namespace ? `/namespaces/${opts.namespace}` : '';
  const [namespaces, pods, replicaSets, failed, created] = await Promise.all([
    opts.namespace ? api.get<{ metadata: Meta }>(`/api/v1/namespaces/${opts.namespace}`).then((n) => [n]) : api.list<{ metadata: Meta }>('/api/v1/namespaces'),
    api.list<Pod>(`/api/v1${scope}/pods`),
    api.list<{ metadata: Meta }>(`/apis/apps/v1${scope}/replicasets`),
    api.list<RawEvent>(`/api/v1${scope}/events?fieldSelector=reason%3DFailedCreate`),
    api.list<RawEvent>(`/api/v1${scope}/events?fieldSelector=reason%3DSuccessfulCreate`),
  ]);
  const replicaSetOwners = new Map<string, OwnerRef | undefined>();
  for (const rs of replicaSets) {
    const c = rs.metadata.ownerReferences?.find((r) => r.controller === true);
    replicaSetOwners.set(`${rs.metadata.namespace ?? ''}/${rs.metadata.name}`, c ? { kind: c.kind, name: c.name } : undefined);
  }
  return {
    pods,
    namespaceLabels: new Map(namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
    configurations,
    injectors: await readInjectors(api, ours, nodes, opts.warn),
    replicaSetOwners,
    events: [...failed, ...created].map(toEvent),
  };
}
