/**
 * A TEST DOUBLE of the Kubernetes API for the cluster-facing commands' unit tests: an in-memory
 * ClusterClient over plain objects (the real client is exercised against the local cluster's
 * API server in e2e/scenario/cli-commands.ts). Not used by the product.
 */
import type { NodeFact } from '../core/inject/environment.js';
import type { MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import { matchSelector } from '../core/k8s/selector.js';
import { KubeApiError, type ClusterClient, type JsonObject, type NamespaceInfo, type WorkloadKind } from './types.js';

export interface FakeClusterState {
  mwcs: MutatingWebhookConfiguration[];
  configMaps: Record<string, Record<string, string>>;
  namespaces: NamespaceInfo[];
  objects: Record<string, JsonObject>;
  nodes: NodeFact[];
}

function selectorOf(text: string | undefined) {
  const matchLabels: Record<string, string> = {};
  for (const p of (text ?? '').split(',').filter((x) => x !== '')) {
    const [k, v] = p.split('=');
    matchLabels[k as string] = v ?? '';
  }
  return { matchLabels };
}

export function fakeCluster(state: FakeClusterState, defaultNamespace = 'default'): ClusterClient & { readonly state: FakeClusterState } {
  const find = (name: string) => state.mwcs.findIndex((m) => m.metadata?.name === name);
  return {
    state,
    source: 'test double',
    defaultNamespace,
    listMutatingWebhookConfigurations: async (sel) => state.mwcs.filter((m) => !sel || matchSelector(selectorOf(sel), m.metadata?.labels ?? {}) === 'match').map((m) => structuredClone(m)),
    getMutatingWebhookConfiguration: async (name) => structuredClone(state.mwcs[find(name)]),
    createMutatingWebhookConfiguration: async (obj) => {
      if (find(obj.metadata?.name ?? '') >= 0) throw new KubeApiError(`POST: 409 ${obj.metadata?.name} already exists`, 409);
      state.mwcs.push(structuredClone(obj));
    },
    replaceMutatingWebhookConfiguration: async (obj) => {
      const i = find(obj.metadata?.name ?? '');
      if (i < 0) throw new KubeApiError(`PUT: 404 ${obj.metadata?.name} not found`, 404);
      state.mwcs[i] = structuredClone(obj);
    },
    deleteMutatingWebhookConfiguration: async (name) => {
      const i = find(name);
      if (i < 0) throw new KubeApiError(`DELETE: 404 ${name} not found`, 404);
      state.mwcs.splice(i, 1);
    },
    getConfigMapData: async (ns, name) => state.configMaps[`${ns}/${name}`],
    listNodes: async () => state.nodes,
    getNamespace: async (name) => state.namespaces.find((n) => n.name === name),
    listNamespaces: async (sel) => state.namespaces.filter((n) => !sel || matchSelector(selectorOf(sel), n.labels) === 'match'),
    getObject: async (kind: WorkloadKind, ns, name) => state.objects[`${kind}/${ns}/${name}`],
    listPods: async () => [],
  };
}
