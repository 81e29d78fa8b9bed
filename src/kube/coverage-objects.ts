/**
 * Reads the cluster objects the coverage report judges (plain JSON, ./json-client.ts): the
 * injector MutatingWebhookConfigurations (ours: entries named `*.sidecar-kit.io`), the nodes
 * (their kubelet versions: native sidecars in `auto` mode), namespaces, pods, ReplicaSets (to
 * find Deployments) and the controllers' FailedCreate / SuccessfulCreate events. Shared by the
 * `coverage` command (which adds the injector behind each configuration) and the webhook's
 * coverage controller (which judges with its own).
 */
import type { CoverageEvent, CoverageInput, OwnerRef } from '../core/coverage/assess.js';
import type { NodeFact } from '../core/inject/environment.js';
import type { Pod } from '../core/k8s/pod.js';
import { injectorWebhook, SK_WEBHOOK_SUFFIX, type MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import type { KubeJson } from './json-client.js';

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
export interface RawEvent {
  readonly metadata: Meta;
  readonly involvedObject: { kind: string; name: string; namespace?: string };
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly firstTimestamp?: string;
}

export function isOurs(c: MutatingWebhookConfiguration): boolean {
  return injectorWebhook(c)?.product === 'sidecar-kit';
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

export type CoverageObjects = Omit<CoverageInput, 'injectors'> & { readonly ours: readonly MutatingWebhookConfiguration[]; readonly nodes: readonly NodeFact[] };

export async function readCoverageObjects(api: KubeJson, opts: ReadOptions): Promise<CoverageObjects> {
  const configurations = (await api.list<MutatingWebhookConfiguration>('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')).filter((c) => injectorWebhook(c) !== undefined);
  const ours = configurations.filter(isOurs);
  if (ours.length === 0) opts.warn(`no MutatingWebhookConfiguration with webhooks named *${SK_WEBHOOK_SUFFIX}: is sidecar-kit installed?`);
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
    ours,
    nodes,
    pods,
    namespaceLabels: new Map(namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
    configurations,
    replicaSetOwners,
    events: [...failed, ...created].map(toEvent),
  };
}
