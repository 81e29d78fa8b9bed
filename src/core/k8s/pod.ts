/**
 * Structural types for the parts of a Pod the injector reads and writes. They describe plain
 * JSON (as received from the API server or decoded from YAML): fields the injector does not
 * touch are carried through the index signatures.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
  [k: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [k: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface ContainerPort {
  name?: string;
  hostPort?: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}

export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: { name: string; value: string }[];
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

export interface GRPCAction {
  port: number;
  service?: string | null;
}

export interface Handler {
  exec?: { command?: string[] };
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  [k: string]: unknown;
}

export interface Probe extends Handler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  [k: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: Record<string, unknown>;
  securityContext?: SecurityContext;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { postStart?: Handler; preStop?: Handler; [k: string]: unknown };
  volumeMounts?: { name: string; mountPath: string; [k: string]: unknown }[];
  restartPolicy?: string;
  imagePullPolicy?: string;
  [k: string]: unknown;
}

export interface Volume {
  name: string;
  [k: string]: unknown;
}

export interface PodSpec {
  containers?: Container[] | null;
  initContainers?: Container[];
  volumes?: Volume[];
  imagePullSecrets?: { name?: string }[];
  hostNetwork?: boolean;
  nodeName?: string;
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** metav1.TypeMeta of the workload that owns the pod (drives ISTIO_META_OWNER). */
export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

/** Name/namespace of the workload that owns the pod (types.NamespacedName). */
export interface DeploymentMeta {
  readonly name: string;
  readonly namespace: string;
}

export const PROXY_CONTAINER = 'istio-proxy';
export const INIT_CONTAINER = 'istio-init';
export const VALIDATION_CONTAINER = 'istio-validation';
export const ENABLE_CORE_DUMP_CONTAINER = 'enable-core-dump';

export function findContainer(name: string, list: readonly Container[] | null | undefined): Container | undefined {
  return list?.find((c) => c.name === name);
}

/** The istio-proxy container, whether a classic or a native (init) sidecar. */
export function findSidecar(pod: Pod): Container | undefined {
  return findContainer(PROXY_CONTAINER, pod.spec?.containers) ?? findContainer(PROXY_CONTAINER, pod.spec?.initContainers);
}

/** Structured deep copy of a JSON value. */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}
