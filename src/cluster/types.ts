/**
 * What the cluster-facing CLI commands (kube-inject in cluster mode, check-inject, tag) ask of
 * the Kubernetes API: a small interface over plain JSON objects (the API server's wire format),
 * so the commands' logic is tested against any implementation and the client library is
 * loaded only by a command that talks to a cluster (see ./load.ts).
 */
import type { NodeFact } from '../core/inject/environment.js';
import type { MutatingWebhookConfiguration } from '../core/selection/webhooks.js';

export type JsonObject = Record<string, unknown>;

/** Kinds whose objects the commands read by name (a pod, or a workload with a pod template). */
export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterOptions {
  /** `--kubeconfig`; else KUBECONFIG (a list of files), ~/.kube/config, the in-cluster account. */
  readonly kubeconfig?: string;
  /** `--context`; else the kubeconfig's current context. */
  readonly context?: string;
  /** Bound of every API request. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ClusterClient {
  /** Where the configuration came from, for messages: `kubeconfig /x (context y)`. */
  readonly source: string;
  /** The context's namespace, else `default`. */
  readonly defaultNamespace: string;
  listMutatingWebhookConfigurations(labelSelector?: string): Promise<MutatingWebhookConfiguration[]>;
  getMutatingWebhookConfiguration(name: string): Promise<MutatingWebhookConfiguration | undefined>;
  createMutatingWebhookConfiguration(obj: MutatingWebhookConfiguration): Promise<void>;
  /** Replaces an existing object (its resourceVersion guards against a concurrent change). */
  replaceMutatingWebhookConfiguration(obj: MutatingWebhookConfiguration): Promise<void>;
  deleteMutatingWebhookConfiguration(name: string): Promise<void>;
  /** A ConfigMap's `data`, or undefined when it does not exist. */
  getConfigMapData(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  listNodes(): Promise<NodeFact[]>;
  getNamespace(name: string): Promise<NamespaceInfo | undefined>;
  listNamespaces(labelSelector?: string): Promise<NamespaceInfo[]>;
  getObject(kind: WorkloadKind, namespace: string, name: string): Promise<JsonObject | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<JsonObject[]>;
}

/** An API request that failed; `status` is the HTTP status (0: no answer). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Tells a KubeApiError apart by shape, not by class: the client is a bundle of its own in the
 * built CLI (./load.ts), so its classes are not the command's.
 */
export function apiErrorStatus(e: unknown): number | undefined {
  if (e instanceof Error && e.name === 'KubeApiError' && typeof (e as { status?: unknown }).status === 'number') return (e as KubeApiError).status;
  return undefined;
}
