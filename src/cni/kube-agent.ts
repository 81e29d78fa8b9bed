/**
 * The node agent's Kubernetes API edge: a client from the installer's own settings (the API
 * server URL and the service-account directory it writes the plugin's kubeconfig from; the
 * token file is re-read as it rotates), the watch of this node's pods, and the few calls the
 * repair, the readiness taint and the shutdown check make. Decisions stay in core/cni.
 */
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1Pod,
} from '@kubernetes/client-node';
import type { InstallConfig } from '../core/config/cni.js';
import { taintRemovalPatch, type DaemonSetLookup, type NodeView } from '../core/cni/node-readiness.js';
import type { RepairPodView } from '../core/cni/repair.js';
import { apiStatus, describeApiError } from '../kube/api-errors.js';
import { startInformer, type WatchedCache } from '../kube/informer.js';
import type { Logger } from './log.js';
import type { RepairApi } from './repair-controller.js';

/** The API client of the agent: the installer's server, its service account's token and CA. */
export function agentKubeConfig(cfg: InstallConfig): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'cluster', server: cfg.kubeApiServer, caFile: join(cfg.serviceAccountDir, 'ca.crt'), skipTLSVerify: cfg.kubeInsecureSkipTlsVerify },
    { name: 'cni-agent', authProvider: { name: 'tokenFile', config: { tokenFile: join(cfg.serviceAccountDir, 'token') } } },
  );
  return kc;
}

/** The informer's `(fields, message)` log calls onto the agent's logger. */
function informerLog(logger: Logger) {
  const fields = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : (v as string)]));
  return {
    info: (o: object, m: string) => logger.info(m, fields(o)),
    warn: (o: object, m: string) => logger.warn(m, fields(o)),
    debug: (o: object, m: string) => logger.debug(m, fields(o)),
  };
}

/** Lists and watches the pods of `nodeName` (plus the configured selectors) into a cache. */
export function watchNodePods(opts: {
  kubeConfig: KubeConfig;
  nodeName: string;
  labelSelector: string;
  fieldSelector: string;
  logger: Logger;
  onChange: (pods: readonly V1Pod[]) => void;
}): WatchedCache<V1Pod> {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = [opts.fieldSelector, `spec.nodeName=${opts.nodeName}`].filter((s) => s !== '').join(',');
  const labelSelector = opts.labelSelector === '' ? undefined : opts.labelSelector;
  return startInformer<V1Pod>({
    kubeConfig: opts.kubeConfig,
    path: '/api/v1/pods',
    list: () => core.listPodForAllNamespaces({ fieldSelector, ...(labelSelector ? { labelSelector } : {}) }),
    fieldSelector,
    ...(labelSelector ? { labelSelector } : {}),
    what: `pods on node ${opts.nodeName}`,
    logger: informerLog(opts.logger),
    onChange: opts.onChange,
  });
}

const describe = (err: unknown): Error => new Error(describeApiError(err), { cause: err });

/** The repair's API calls. Events name this agent and node as their source. */
export function kubeRepairApi(kc: KubeConfig, nodeName: string, logger: Logger): RepairApi {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async deletePod(namespace, name, preconditions) {
      try {
        await core.deleteNamespacedPod({ namespace, name, body: { preconditions } });
        return true;
      } catch (err) {
        if (apiStatus(err) === 404) return false;
        throw describe(err);
      }
    },
    async patchPodStatus(namespace, name, patch) {
      try {
        await core.patchNamespacedPodStatus({ namespace, name, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      } catch (err) {
        throw describe(err);
      }
    },
    async recordEvent(pod: RepairPodView, reason: string, message: string) {
      const now = new Date();
      const meta = pod.metadata ?? {};
      const event: CoreV1Event = {
        metadata: { generateName: `${meta.name ?? 'pod'}.`, namespace: meta.namespace ?? 'default' },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: meta.name ?? '', namespace: meta.namespace ?? '', ...(meta.uid ? { uid: meta.uid } : {}), ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}) },
        reason,
        message,
        type: 'Warning',
        source: { component: 'sidecar-kit-cni-repair', host: nodeName },
        reportingComponent: 'sidecar-kit-cni-repair',
        reportingInstance: nodeName,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      try {
        await core.createNamespacedEvent({ namespace: meta.namespace ?? 'default', body: event });
      } catch (err) {
        logger.debug('could not record an event', { pod: `${meta.namespace}/${meta.name}`, error: describeApiError(err) });
      }
    },
  };
}

/**
 * Removes every taint with `key` from the node (a JSON patch that tests the taints it read, so
 * a concurrent change fails it instead of being lost). Returns whether there was one.
 */
export async function removeNodeTaint(kc: KubeConfig, nodeName: string, key: string): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const node = await core.readNode({ name: nodeName });
    const patch = taintRemovalPatch(node.spec?.taints as Parameters<typeof taintRemovalPatch>[0], key);
    if (patch === undefined) return false;
    await core.patchNode({ name: nodeName, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    return true;
  } catch (err) {
    throw describe(err);
  }
}

/** The installer's DaemonSet and this node, read at shutdown (bounded by `timeoutMs`). */
export async function lookUpDaemonSet(kc: KubeConfig, namespace: string, name: string, nodeName: string, timeoutMs: number): Promise<DaemonSetLookup> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const [ds, node] = await Promise.race([
      Promise.all([apps.readNamespacedDaemonSet({ namespace, name }), nodeName === '' ? Promise.resolve(undefined) : core.readNode({ name: nodeName }).catch(() => undefined)]),
      timeout,
    ]);
    return { kind: 'found', daemonSet: ds, node: node as NodeView | undefined };
  } catch (err) {
    const status = apiStatus(err);
    if (status === 404) return { kind: 'not-found' };
    if (status === 401 || status === 403) return { kind: 'no-access', status };
    return { kind: 'error', message: describeApiError(err) };
  } finally {
    clearTimeout(timer);
  }
}
