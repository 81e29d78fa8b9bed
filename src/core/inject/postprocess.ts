/**
 * postProcessPod (§c.10 step 5), on the merged pod the core owns: cluster env overrides,
 * Prometheus merge, secure-port annotation, probe rewriting, metadata (network label, status
 * annotation, injectedAnnotations), then the final container order.
 */
import type { MeshConfig } from '../config/mesh.js';
import type { Values } from '../config/values.js';
import { captureFactsAnnotation, FACTS_ANNOTATION } from '../cni/pod-facts.js';
import { goJsonMarshalOrdered } from '../format/go-json.js';
import { findSidecar, type EnvVar, type Pod } from '../k8s/pod.js';
import { InjectionError } from './errors.js';
import { applyProbeRewrite } from './probes.js';
import { applyPrometheusMerge, applySecurePortAnnotation } from './prometheus.js';
import { reorderPod } from './reorder.js';
import { STATUS_ANNOTATION } from '../istio-keys.js';

export interface PostProcessParams {
  readonly mesh: MeshConfig;
  readonly values: Values;
  readonly revision: string;
  /** ISTIO_META_CLUSTER_ID / ISTIO_META_NETWORK / other webhook URL overrides. */
  readonly proxyEnvs: Readonly<Record<string, string>>;
  readonly injectedAnnotations: Readonly<Record<string, string>>;
  readonly holdApplicationUntilProxyStarts: boolean;
}

/** The `sidecar.istio.io/status` value: names from the templates' own output, empty lists as null. */
export function injectionStatusValue(templatePod: Pod, revision: string): string {
  const names = (list: readonly { name?: string }[] | null | undefined): string[] | null =>
    list && list.length > 0 ? list.map((x) => x.name ?? '') : null;
  const spec = templatePod.spec ?? {};
  return goJsonMarshalOrdered({
    initContainers: names(spec.initContainers),
    containers: names(spec.containers),
    volumes: names(spec.volumes),
    imagePullSecrets: names(spec.imagePullSecrets),
    revision: revision || 'default',
  });
}

/** updateClusterEnvs: the overridden variables move to the end of the proxy env, sorted by name. */
function overwriteClusterInfo(pod: Pod, proxyEnvs: Readonly<Record<string, string>>): void {
  const sidecar = findSidecar(pod);
  const keys = Object.keys(proxyEnvs).sort();
  if (!sidecar || keys.length === 0) return;
  const kept = (sidecar.env ?? []).filter((e) => !Object.hasOwn(proxyEnvs, e.name));
  sidecar.env = [...kept, ...keys.map((name): EnvVar => ({ name, value: proxyEnvs[name] as string }))];
}

/** Runs every post-processing step on `pod` (mutated in place). */
export function postProcessPod(pod: Pod, templatePod: Pod, p: PostProcessParams): void {
  const meta = (pod.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  const labels = (meta.labels ??= {});
  const statusPort = p.mesh.defaultConfig?.statusPort ?? 15020;
  overwriteClusterInfo(pod, p.proxyEnvs);
  try {
    applyPrometheusMerge(pod, p.mesh, statusPort);
  } catch (e) {
    if (e instanceof InjectionError) throw new InjectionError(e.code, `failed to process pod: ${e.message}`, { cause: e });
    throw e;
  }
  applySecurePortAnnotation(pod);
  applyProbeRewrite(pod, p.values.sidecarInjectorWebhook.rewriteAppHTTPProbe ?? true, statusPort);
  const network = p.proxyEnvs.ISTIO_META_NETWORK;
  if (network !== undefined) labels['topology.istio.io/network'] = network;
  annotations[STATUS_ANNOTATION] = injectionStatusValue(templatePod, p.revision);
  Object.assign(annotations, p.injectedAnnotations);
  reorderPod(pod, p.holdApplicationUntilProxyStarts);
  // sidecar-kit extension, opt-in (docs/cni.md): the facts the CNI plugin decides on, so it
  // can program the pod from the runtime-provided annotations without asking the API.
  if (p.values.pilot.cni?.enabled === true && p.values.sidecarKit?.cni?.podFactsAnnotation === true) {
    annotations[FACTS_ANNOTATION] = captureFactsAnnotation(pod);
  }
}
