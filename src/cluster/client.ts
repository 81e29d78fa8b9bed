/**
 * The ClusterClient over the Kubernetes API: configuration, authentication and TLS from
 * @kubernetes/client-node's KubeConfig (kubeconfig files, contexts, exec and token plugins,
 * proxies, the in-cluster account), requests as plain JSON over node:https, each bounded in
 * time and in the size of its answer. Plain JSON rather than the library's typed clients:
 * the commands hand these objects to the core, which reads the wire format (the typed models
 * rename fields and turn timestamps into Dates).
 *
 * Loaded only by commands that talk to a cluster (./load.ts): kube-inject's offline start-up
 * never parses the client library.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { describeFsError } from '../core/format/fs-error.js';
import type { NodeFact } from '../core/inject/environment.js';
import type { MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import { KubeApiError, type ClusterClient, type ClusterOptions, type JsonObject, type NamespaceInfo, type WorkloadKind } from './types.js';

/** An answer larger than this is refused (the objects these commands read are small). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const MWC_PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

const KIND_PATHS: Record<WorkloadKind, { readonly group: string; readonly resource: string }> = {
  Pod: { group: '/api/v1', resource: 'pods' },
  ReplicationController: { group: '/api/v1', resource: 'replicationcontrollers' },
  Deployment: { group: '/apis/apps/v1', resource: 'deployments' },
  StatefulSet: { group: '/apis/apps/v1', resource: 'statefulsets' },
  DaemonSet: { group: '/apis/apps/v1', resource: 'daemonsets' },
  ReplicaSet: { group: '/apis/apps/v1', resource: 'replicasets' },
  Job: { group: '/apis/batch/v1', resource: 'jobs' },
  CronJob: { group: '/apis/batch/v1', resource: 'cronjobs' },
};

function loadKubeConfig(opts: ClusterOptions): { kc: KubeConfig; source: string } {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  let source: string;
  if (opts.kubeconfig) {
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (e) {
      throw new KubeApiError(`--kubeconfig: ${opts.kubeconfig}: ${describeFsError(e)}`, 0, { cause: e });
    }
    source = `kubeconfig ${opts.kubeconfig}`;
  } else {
    try {
      kc.loadFromDefault();
    } catch (e) {
      throw new KubeApiError(`${env.KUBECONFIG ? `KUBECONFIG: ${env.KUBECONFIG}` : 'kubeconfig'}: ${describeFsError(e)}`, 0, { cause: e });
    }
    source = env.KUBECONFIG ? `kubeconfig ${env.KUBECONFIG}` : kc.getCurrentContext() === 'inClusterContext' ? 'the in-cluster service account' : 'kubeconfig ~/.kube/config';
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new KubeApiError(`--context: no context "${opts.context}" in ${source} (contexts: ${known})`, 0);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeApiError(`no Kubernetes cluster configured in ${source}: give --kubeconfig or --context, or set KUBECONFIG`, 0);
  }
  return { kc, source: `${source} (context ${kc.getCurrentContext()})` };
}

function statusMessage(status: number, body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string; reason?: string };
    if (typeof s.message === 'string' && s.message) return s.message;
  } catch {
    // not a Status object
  }
  return body.trim().slice(0, 300) || `HTTP ${status}`;
}

export async function connectCluster(opts: ClusterOptions): Promise<ClusterClient> {
  const { kc, source } = loadKubeConfig(opts);
  const server = (kc.getCurrentCluster() as NonNullable<ReturnType<KubeConfig['getCurrentCluster']>>).server.replace(/\/+$/, '');
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';

  /** One request; resolves with the parsed answer, or undefined for a 404 when `missingOk`. */
  async function call(method: string, path: string, body?: unknown, missingOk = false): Promise<unknown> {
    const url = new URL(server + path);
    const options: RequestOptions = { method, headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) } };
    await kc.applyToHTTPSOptions(options);
    const what = `${method} ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const fail = (message: string, status: number, cause?: unknown) => reject(new KubeApiError(message, status, { cause }));
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            fail(`${what}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, 0);
          } else chunks.push(c);
        });
        res.on('error', (e) => fail(`${what}: ${e.message}`, 0, e));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 404 && missingOk) return resolve(undefined);
          if (status < 200 || status >= 300) return fail(`${what}: ${status} ${statusMessage(status, text)}`, status);
          try {
            resolve(text === '' ? {} : JSON.parse(text));
          } catch (e) {
            fail(`${what}: the answer is not JSON`, status, e);
          }
        });
      };
      const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, onResponse);
      req.setTimeout(opts.timeoutMs, () => {
        req.destroy();
        fail(`${what}: no answer from ${server} within ${opts.timeoutMs / 1000} s`, 0);
      });
      req.on('error', (e) => fail(`${what}: ${server}: ${e.message}`, 0, e));
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  const items = (list: unknown): JsonObject[] => ((list as { items?: JsonObject[] | null }).items ?? []);
  const query = (labelSelector?: string) => (labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '');
  const nsInfo = (o: JsonObject): NamespaceInfo => {
    const meta = (o.metadata ?? {}) as { name?: string; labels?: Record<string, string> };
    return { name: meta.name ?? '', labels: meta.labels ?? {} };
  };
  const seg = encodeURIComponent;

  return {
    source,
    defaultNamespace: namespace,
    async listMutatingWebhookConfigurations(labelSelector) {
      return items(await call('GET', `${MWC_PATH}${query(labelSelector)}`)) as MutatingWebhookConfiguration[];
    },
    async getMutatingWebhookConfiguration(name) {
      return (await call('GET', `${MWC_PATH}/${seg(name)}`, undefined, true)) as MutatingWebhookConfiguration | undefined;
    },
    async createMutatingWebhookConfiguration(obj) {
      await call('POST', MWC_PATH, obj);
    },
    async replaceMutatingWebhookConfiguration(obj) {
      await call('PUT', `${MWC_PATH}/${seg(obj.metadata?.name ?? '')}`, obj);
    },
    async deleteMutatingWebhookConfiguration(name) {
      await call('DELETE', `${MWC_PATH}/${seg(name)}`);
    },
    async getConfigMapData(ns, name) {
      const cm = (await call('GET', `/api/v1/namespaces/${seg(ns)}/configmaps/${seg(name)}`, undefined, true)) as { data?: Record<string, string> } | undefined;
      return cm === undefined ? undefined : (cm.data ?? {});
    },
    async listNodes(): Promise<NodeFact[]> {
      return items(await call('GET', '/api/v1/nodes')).map((n) => {
        const node = n as { metadata?: { name?: string }; status?: { nodeInfo?: { kubeletVersion?: string } } };
        return { name: node.metadata?.name ?? '', kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '' };
      });
    },
    async getNamespace(name) {
      const o = (await call('GET', `/api/v1/namespaces/${seg(name)}`, undefined, true)) as JsonObject | undefined;
      return o && nsInfo(o);
    },
    async listNamespaces(labelSelector) {
      return items(await call('GET', `/api/v1/namespaces${query(labelSelector)}`)).map(nsInfo);
    },
    async getObject(kind, ns, name) {
      const p = KIND_PATHS[kind];
      return (await call('GET', `${p.group}/namespaces/${seg(ns)}/${p.resource}/${seg(name)}`, undefined, true)) as JsonObject | undefined;
    },
    async listPods(ns, labelSelector) {
      return items(await call('GET', `/api/v1/namespaces/${seg(ns)}/pods${query(labelSelector)}`));
    },
  };
}
