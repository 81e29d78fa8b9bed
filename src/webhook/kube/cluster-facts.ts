/**
 * The cluster facts injection needs at admission time, kept current by watches so that no
 * admission ever waits on an API call (reference §c.9, §b.5):
 *  - every node's kubelet version, for native sidecars in `auto` mode;
 *  - namespace annotations, only on OpenShift (`PLATFORM=openshift`), for the proxy UID/GID.
 * Without API access both stay `undefined`; the injector then treats `auto` as off, as istiod
 * does without a node client, and this is logged once.
 */
import { CoreV1Api, type V1Namespace, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ClusterFactsSource, ClusterSnapshot } from '../types.js';
import type { KubeAccess } from './client.js';
import { startInformer, type WatchedCache } from '../../kube/informer.js';


export interface ClusterFactsWatch extends ClusterFactsSource {
  /**
   * False until each watch has made its first list attempt: answering before that would decide
   * native sidecars without the nodes. Readiness waits for it.
   */
  settled(): boolean;
  stop(): Promise<void>;
}

export interface ClusterFactsOptions {
  readonly access: KubeAccess | undefined;
  readonly logger: Logger;
  /** Watch nodes (needed when ENABLE_NATIVE_SIDECARS is auto). */
  readonly nodes: boolean;
  /** Watch namespaces (needed on OpenShift). */
  readonly namespaces: boolean;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

export function startClusterFacts(opts: ClusterFactsOptions): ClusterFactsWatch {
  const { access, logger } = opts;
  if (!access) {
    if (opts.nodes) logger.warn('no Kubernetes API access: ENABLE_NATIVE_SIDECARS=auto is treated as false (no node information)');
    if (opts.namespaces) logger.warn('no Kubernetes API access: OpenShift namespace UID ranges are unknown, the default proxy UID is used');
    const empty: ClusterSnapshot = { nodes: undefined, namespaceAnnotations: undefined };
    return { snapshot: () => empty, settled: () => true, stop: async () => undefined };
  }
  const core = access.kubeConfig.makeApiClient(CoreV1Api);
  let snapshot: ClusterSnapshot = { nodes: undefined, namespaceAnnotations: undefined };
  // Snapshots are rebuilt on change (rare), so an admission only reads a ready-made map.
  let nodes: WatchedCache<V1Node> | undefined;
  let namespaces: WatchedCache<V1Namespace> | undefined;
  // Node status is rewritten often (heartbeats, conditions); the snapshot object, which also
  // keys the admission memo, is replaced only when a fact injection reads has changed.
  let fingerprint = '';
  const rebuild = () => {
    const nodeItems = nodes?.items();
    const nsItems = namespaces?.items();
    const next: ClusterSnapshot = {
      nodes: nodeItems?.map((n) => ({ name: n.metadata?.name ?? '', kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '' })),
      namespaceAnnotations: nsItems && new Map(nsItems.map((n) => [n.metadata?.name ?? '', { ...(n.metadata?.annotations ?? {}) }])),
    };
    const print = JSON.stringify([next.nodes, next.namespaceAnnotations && [...next.namespaceAnnotations]]);
    if (print !== fingerprint) {
      fingerprint = print;
      snapshot = next;
    }
  };
  const common = { kubeConfig: access.kubeConfig, logger, onChange: rebuild, ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}) };
  if (opts.nodes) {
    nodes = startInformer<V1Node>({ ...common, path: '/api/v1/nodes', list: () => core.listNode(), what: 'nodes' });
  }
  if (opts.namespaces) {
    namespaces = startInformer<V1Namespace>({ ...common, path: '/api/v1/namespaces', list: () => core.listNamespace(), what: 'namespaces' });
  }
  return {
    snapshot: () => snapshot,
    settled: () => (nodes?.settled() ?? true) && (namespaces?.settled() ?? true),
    async stop() {
      await Promise.all([nodes?.stop(), namespaces?.stop()]);
    },
  };
}
