/**
 * Inputs that come from istiod's environment and from the cluster rather than from the
 * injector configuration. They are parameters of the core (never read from process.env here).
 */
import type { Pod } from '../k8s/pod.js';
import type { TemplateCompiler } from './templates/index.js';

/** ENABLE_NATIVE_SIDECARS as istiod reads it. */
export type NativeSidecarsMode = 'auto' | 'true' | 'false';

/** istiod's environment variables that shape injection, with istiod's defaults (one place). */
export const ISTIOD_ENV_DEFAULTS = {
  ENABLE_NATIVE_SIDECARS: 'auto',
  COMPLIANCE_POLICY: '',
  PLATFORM: '',
} as const;

/** The validated istiod environment the edges pass to the core. */
export interface IstiodEnvironment {
  readonly enableNativeSidecars: NativeSidecarsMode;
  readonly compliancePolicy: string;
  readonly platform: string;
}

/**
 * Reads istiod's injection variables once, as istiod does (pilot/pkg/features): unset takes the
 * default; ENABLE_NATIVE_SIDECARS other than auto/true/false means false. `problems` names each
 * value istiod would only warn about, so an edge that owns its environment (the webhook,
 * kube-inject) can refuse it, and one that mirrors another istiod (coverage) can use the values
 * as that istiod does. An empty ENABLE_NATIVE_SIDECARS is false without a problem: charts render
 * an unset value as "", and istiod reads it as false.
 */
export function parseIstiodEnvironment(env: Readonly<Record<string, string | undefined>>): { readonly environment: IstiodEnvironment; readonly problems: readonly string[] } {
  const native = env.ENABLE_NATIVE_SIDECARS ?? ISTIOD_ENV_DEFAULTS.ENABLE_NATIVE_SIDECARS;
  const problems: string[] = [];
  let enableNativeSidecars: NativeSidecarsMode = 'false';
  if (native === 'auto' || native === 'true' || native === 'false') enableNativeSidecars = native;
  else if (native !== '') problems.push(`ENABLE_NATIVE_SIDECARS: ${JSON.stringify(native)}: expected auto, true or false`);
  return {
    environment: {
      enableNativeSidecars,
      compliancePolicy: env.COMPLIANCE_POLICY ?? ISTIOD_ENV_DEFAULTS.COMPLIANCE_POLICY,
      platform: env.PLATFORM ?? ISTIOD_ENV_DEFAULTS.PLATFORM,
    },
    problems,
  };
}

export interface InjectionEnvironment {
  /** ENABLE_NATIVE_SIDECARS: `auto` (default), `true`, `false`; anything else is `false`. */
  readonly enableNativeSidecars?: string;
  /** COMPLIANCE_POLICY (e.g. `fips-140-3`); "" when unset. */
  readonly compliancePolicy?: string;
  /** PLATFORM (`openshift` switches proxy UID/GID to the namespace's SCC range). */
  readonly platform?: string;
  /** Compiles custom (Go text/template) templates; default: they fail as unsupported. */
  readonly templateCompiler?: TemplateCompiler;
  /**
   * istiod's CLUSTER_ID: the cluster the ClusterFacts describe. When set (the webhook), a pod
   * whose cluster ID (see podClusterId) names another cluster gets no facts, as istiod finds no
   * client for that cluster: proxy UID/GID 1337 on OpenShift, `auto` native sidecars off.
   * Unset (kube-inject): the facts always apply.
   */
  readonly clusterId?: string;
}

/** Istio's default cluster ID (constants.DefaultClusterName; istiod's CLUSTER_ID default). */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

/**
 * The cluster a pod is injected for, as istiod's webhook looks up its clients: the URL
 * override (`ISTIO_META_CLUSTER_ID`), else `values.global.multiCluster.clusterName`, else
 * `Kubernetes` (extractClusterAndNetwork, then the webhook's default).
 */
export function podClusterId(valuesClusterName: string | undefined, overrides: Readonly<Record<string, string>>): string {
  return overrides.ISTIO_META_CLUSTER_ID || valuesClusterName || DEFAULT_CLUSTER_ID;
}

/** The facts that apply to a pod of cluster `podCluster`: none when they describe another one. */
export function factsForCluster(env: InjectionEnvironment, facts: ClusterFacts, podCluster: string): ClusterFacts {
  return env.clusterId === undefined || env.clusterId === podCluster ? facts : {};
}

export interface NodeFact {
  readonly name: string;
  /** status.nodeInfo.kubeletVersion, e.g. `v1.33.2`. */
  readonly kubeletVersion: string;
}

/** What the webhook learns from the API server; absent fields mean "no client". */
export interface ClusterFacts {
  /** All nodes (undefined: no node client, so `auto` native sidecars are off). */
  readonly nodes?: readonly NodeFact[];
  /** Annotations of the pod's namespace (used on OpenShift). */
  readonly namespaceAnnotations?: Readonly<Record<string, string>>;
}

/** Kubernetes 1.33 made native sidecars (restartable init containers) generally available. */
const NATIVE_SIDECAR_MIN_MINOR = 33;

/** Istio compares the minor version only (go-version's Segments()[1]); an unparsable version fails. */
function kubeletSupportsNative(version: string): boolean {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.\d+)*(?:-[0-9A-Za-z.~-]+)?(?:\+[0-9A-Za-z.~-]+)?$/.exec(version);
  if (!m) return false;
  return Number(m[2] ?? 0) >= NATIVE_SIDECAR_MIN_MINOR;
}

/** DetectNativeSidecar: the per-request default before the pod's own annotation. */
export function detectNativeSidecar(env: InjectionEnvironment, facts: ClusterFacts, pod: Pod): boolean {
  const mode = env.enableNativeSidecars ?? ISTIOD_ENV_DEFAULTS.ENABLE_NATIVE_SIDECARS;
  if (mode === 'true') return true;
  if (mode !== 'auto') return false;
  const nodes = facts.nodes;
  if (!nodes) return false;
  // The pod's node when it is known; otherwise (no node yet, or one the watch has not seen)
  // every node must support them, which an empty list does (Istio's DetectNativeSidecar).
  const nodeName = pod.spec?.nodeName;
  const n = nodeName ? nodes.find((x) => x.name === nodeName) : undefined;
  if (n) return kubeletSupportsNative(n.kubeletVersion);
  return nodes.every((x) => kubeletSupportsNative(x.kubeletVersion));
}

/** Highest id of the first block of an OpenShift range annotation (`start/size` or `start-end`). */
function rangeMax(value: string | undefined): number | undefined {
  const block = value?.split(',')[0]?.trim();
  if (!block) return undefined;
  let m = /^(\d+)\/(\d+)$/.exec(block);
  if (m) return Number(m[1]) + Number(m[2]) - 1;
  m = /^(\d+)-(\d+)$/.exec(block);
  return m ? Number(m[2]) : undefined;
}

/** GetProxyIDs: 1337/1337, or on OpenShift the top of the namespace's SCC uid range / supplemental groups. */
export function proxyIds(env: InjectionEnvironment, facts: ClusterFacts): { uid: number; gid: number } {
  if (env.platform !== 'openshift' || !facts.namespaceAnnotations) return { uid: 1337, gid: 1337 };
  const a = facts.namespaceAnnotations;
  return {
    uid: rangeMax(a['openshift.io/sa.scc.uid-range']) ?? 1337,
    gid: rangeMax(a['openshift.io/sa.scc.supplemental-groups']) ?? 1337,
  };
}
