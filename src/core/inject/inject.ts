/**
 * injectPod: the whole injection algorithm, shared by the webhook and kube-inject.
 *
 * 1. Decode the pod as Go's typed structs would (`original`); validate its annotations (§d.2).
 * 2. Per-pod ProxyConfig = mesh defaultConfig + `proxy.istio.io/config`; cluster/network from
 *    values, webhook URL overrides and the `topology.istio.io/network` label.
 * 3. Strip what a previous injection added and put saved overrides back (§b.2); build the
 *    template context from that stripped pod.
 * 4. For each selected template (annotation `inject.istio.io/templates` or the defaults,
 *    aliases expanded) render a patch and strategic-merge it into an empty "template pod" and
 *    into the merged pod, which starts as the original pod (§c.10).
 * 5. Re-apply user-declared containers of the same name as injected ones (§c.10 step 4).
 * 6. Post-process (§c.10 step 5) and diff against the original into an RFC 6902 patch.
 *
 * Pure: no I/O, clock or environment reads; inputs are never mutated.
 */
import { dropSidecarUserMatchingApp } from './openshift.js';
import { proxyConfigFor } from '../config/mesh.js';
import type { ProxyConfig } from '../config/proxy-config.js';
import type { InjectionSettings } from '../config/settings.js';
import { K8sDecodeError } from '../k8s/errors.js';
import { ownValue } from '../format/own-keys.js';
import { normalizeAs, withNormalizeSession } from '../k8s/normalize.js';
import { deploymentMetaFromPod } from '../k8s/owner.js';
import { findContainer, PROXY_CONTAINER, type Container, type DeploymentMeta, type Pod, type TypeMeta } from '../k8s/pod.js';
import { strategicMerge, withMergeSession } from '../k8s/smp.js';
import { detectNativeSidecar, factsForCluster, podClusterId, proxyIds, type ClusterFacts, type InjectionEnvironment } from './environment.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { imageUrl } from './image.js';
import { reapplyOverwrittenContainers } from './overrides.js';
import { createPatch, type PatchOperation } from './patch.js';
import { postProcessPod } from './postprocess.js';
import { parseProxyConfigText, withProxyConfigSession } from './proxy-config-annotation.js';
import { reinsertOverrides, stripPod } from './strip.js';
import { nativeSidecarOf, type TemplateContext } from './template-context.js';
import { lookupTemplate, unsupportedTemplateCompiler } from './templates/index.js';
import { annotationErrors, formatMultiError } from './validate.js';

export interface InjectionRequest {
  /** The pod as received (a workload's pod template for kube-inject). Never mutated. */
  readonly pod: Pod;
  /** Owner TypeMeta; default: derived from owner references (deploymentMetaFromPod). */
  readonly typeMeta?: TypeMeta;
  /** Owner name/namespace; default: derived from owner references. */
  readonly deploymentMeta?: DeploymentMeta;
  /** Webhook URL environment overrides (ISTIO_META_CLUSTER_ID, ISTIO_META_NETWORK, ...). */
  readonly envOverrides?: Readonly<Record<string, string>>;
  /**
   * The admission request's namespace, used when the pod has none (as Istio's webhook does
   * before injecting); it shapes the derived owner (ISTIO_META_OWNER) but is not patched in.
   */
  readonly namespace?: string;
  /**
   * istiod's webhook on OpenShift (it has a namespace client there): drop a user `istio-proxy`
   * `runAsUser`/`runAsGroup` equal to the app's UID before injecting (see openshift.ts).
   * kube-inject never does this.
   */
  readonly dropSidecarUserMatchingApp?: boolean;
}

export interface InjectionResult {
  /** The injected pod (typed-normalised). */
  readonly pod: Pod;
  /**
   * RFC 6902 patch that turns the received pod into `pod` (computed on first read: kube-inject
   * never needs it).
   */
  readonly patch: readonly PatchOperation[];
  /** What the templates alone rendered (its names make up the status annotation). */
  readonly templatePod: Pod;
}

const TEMPLATES_ANNOTATION = 'inject.istio.io/templates';
const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';

function fail(code: InjectionErrorCode, prefix: string, e: unknown): never {
  if (e instanceof InjectionError) throw new InjectionError(e.code, `${prefix}${e.message}`, { cause: e });
  throw new InjectionError(code, `${prefix}${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function decodePod(pod: Pod): Pod {
  try {
    return normalizeAs('Pod', pod) as Pod;
  } catch (e) {
    if (e instanceof K8sDecodeError) throw new InjectionError(InjectionErrorCode.invalidPod, `invalid pod: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The templates a pod selects: its `inject.istio.io/templates` annotation (comma-separated,
 * trimmed) or the configured defaults, each name expanded once through the aliases (§c.10).
 */
export function selectTemplateNames(
  annotations: Readonly<Record<string, string>> | undefined,
  injector: { readonly defaultTemplates: readonly string[]; readonly aliases: Readonly<Record<string, readonly string[]>> },
): string[] {
  const ann = annotations?.[TEMPLATES_ANNOTATION];
  const names = ann !== undefined ? ann.split(',').map((n) => n.trim()) : [...injector.defaultTemplates];
  return names.flatMap((n) => ownValue(injector.aliases, n) ?? [n]);
}

function selectTemplates(pod: Pod, settings: InjectionSettings): string[] {
  return selectTemplateNames(pod.metadata?.annotations, settings.injector);
}

function clusterEnvs(settings: InjectionSettings, pod: Pod, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const envs: Record<string, string> = { ...overrides };
  const cluster = overrides.ISTIO_META_CLUSTER_ID || settings.values.global.multiCluster?.clusterName || '';
  let network = overrides.ISTIO_META_NETWORK || settings.values.global.network || '';
  const labels = pod.metadata?.labels ?? {};
  if (Object.hasOwn(labels, 'topology.istio.io/network')) network = labels['topology.istio.io/network'] ?? '';
  if (cluster !== '') envs.ISTIO_META_CLUSTER_ID = cluster;
  if (network !== '') envs.ISTIO_META_NETWORK = network;
  return envs;
}

/** The pod as Go decoded it, with the request namespace standing in for a missing one; validated. */
function decodeAndValidate(request: InjectionRequest): Pod {
  const decoded = decodePod(request.pod);
  const original =
    request.namespace && !decoded.metadata?.namespace
      ? { ...decoded, metadata: { ...decoded.metadata, namespace: request.namespace } }
      : decoded;
  const errors = annotationErrors(original.metadata?.annotations ?? {});
  if (errors.length > 0) {
    throw new InjectionError(InjectionErrorCode.invalidAnnotations, `failed to run injection template: ${formatMultiError(errors)}`);
  }
  return original;
}

/** Builds the template data from the stripped pod (what Istio's RunTemplate passes its templates). */
function templateContext(
  request: InjectionRequest,
  original: Pod,
  stripped: Pod,
  settings: InjectionSettings,
  proxyConfig: ProxyConfig,
  env: InjectionEnvironment,
  facts: ClusterFacts,
): TemplateContext {
  const derived = deploymentMetaFromPod(original);
  const values = settings.values;
  const mode = settings.mesh.inboundTrafficPolicy?.mode;
  // Istio's ProxyImage / ProxyInitImage: the image type is the annotation if present, else (the
  // proxy only) ProxyConfig's image type, else global.variant; the init image ignores ProxyConfig.
  const typeAnnotation = original.metadata?.annotations?.['sidecar.istio.io/proxyImageType'];
  const variant = values.global.variant ?? '';
  const imageType = typeAnnotation ?? (proxyConfig.image?.imageType || variant);
  const initImageType = typeAnnotation ?? variant;
  const ids = proxyIds(env, facts);
  return {
    typeMeta: request.typeMeta ?? derived.typeMeta,
    deploymentMeta: request.deploymentMeta ?? derived.deploymentMeta,
    objectMeta: stripped.metadata ?? {},
    spec: stripped.spec ?? {},
    proxyConfig,
    meshConfig: { ...settings.mesh, defaultConfig: proxyConfig },
    values,
    revision: settings.revision,
    nativeSidecars: detectNativeSidecar(env, facts, original),
    proxyImage: imageUrl(values.global.hub, values.global.proxy?.image || 'proxyv2', values.global.tag, imageType),
    proxyInitImage: imageUrl(values.global.hub, values.global.proxy_init?.image || 'proxyv2', values.global.tag, initImageType),
    proxyUID: ids.uid,
    proxyGID: ids.gid,
    inboundTrafficPolicyMode: mode === 'LOCALHOST' || mode === 1 ? 'localhost' : 'passthrough',
    compliancePolicy: env.compliancePolicy ?? '',
  };
}

/** Renders each selected template and merges it into the template pod and the merged pod. */
function applyTemplates(
  original: Pod,
  ctx: TemplateContext,
  settings: InjectionSettings,
  env: InjectionEnvironment,
): { merged: Pod; templatePod: Pod } {
  const native = nativeSidecarOf(original.metadata ?? {}, ctx.nativeSidecars);
  const compile = env.templateCompiler ?? unsupportedTemplateCompiler;
  let merged: Pod = original;
  let templatePod: Pod = {};
  for (const name of selectTemplates(original, settings)) {
    let patch;
    try {
      patch = lookupTemplate(name, settings.injector.customTemplates, compile)(ctx);
    } catch (e) {
      fail(InjectionErrorCode.templateFailed, 'failed to run injection template: ', e);
    }
    try {
      templatePod = normalizeAs('Pod', strategicMerge(templatePod, patch)) as Pod;
      if (native && findContainer(PROXY_CONTAINER, templatePod.spec?.initContainers) && findContainer(PROXY_CONTAINER, merged.spec?.containers)) {
        merged = moveProxyToInit(merged);
      }
      merged = normalizeAs('Pod', strategicMerge(merged, patch)) as Pod;
    } catch (e) {
      fail(InjectionErrorCode.mergeFailed, 'failed to run injection template: failed applying injection overlay: ', e);
    }
  }
  return { merged, templatePod };
}

/** Runs the injection. Throws InjectionError (message as Istio's) when the pod is rejected. */
export function injectPod(
  request: InjectionRequest,
  settings: InjectionSettings,
  env: InjectionEnvironment = {},
  facts: ClusterFacts = {},
): InjectionResult {
  // One normalisation and merge session: each template's output and the unchanged parts of the
  // pod are checked and normalised once, however many merge steps they go through (nothing
  // below modifies them).
  return withNormalizeSession(() => withMergeSession(() => withProxyConfigSession(() => runInjection(request, settings, env, facts))));
}

function runInjection(request: InjectionRequest, settings: InjectionSettings, env: InjectionEnvironment, facts: ClusterFacts): InjectionResult {
  const decoded = decodeAndValidate(request);
  const original = request.dropSidecarUserMatchingApp ? dropSidecarUserMatchingApp(decoded) : decoded;
  const annotations = original.metadata?.annotations ?? {};
  const pcText = annotations[PROXY_CONFIG_ANNOTATION];
  const proxyConfig = proxyConfigFor(settings.mesh, pcText === undefined ? undefined : parseProxyConfigText(pcText));
  let stripped: Pod;
  try {
    stripped = reinsertOverrides(stripPod(original, proxyConfig.statusPort ?? 15020));
  } catch (e) {
    fail(InjectionErrorCode.invalidOverrides, 'failed to run injection template: ', e);
  }
  // istiod reads namespaces and nodes through the client of the pod's cluster (none for a
  // cluster other than its own).
  const podFacts = factsForCluster(env, facts, podClusterId(settings.values.global.multiCluster?.clusterName, request.envOverrides ?? {}));
  const ctx = templateContext(request, original, stripped, settings, proxyConfig, env, podFacts);
  const { merged: rendered, templatePod } = applyTemplates(original, ctx, settings, env);
  let merged = rendered;

  // Istio: TPROXY when ProxyConfig says so or the pod's annotation does (whichever the other says).
  const tproxy = proxyConfig.interceptionMode === 'TPROXY' || annotations['sidecar.istio.io/interceptionMode'] === 'TPROXY';
  const interceptionMode = tproxy ? 'TPROXY' : (annotations['sidecar.istio.io/interceptionMode'] ?? proxyConfig.interceptionMode ?? 'REDIRECT');
  try {
    merged = reapplyOverwrittenContainers(merged, original, templatePod, interceptionMode);
  } catch (e) {
    fail(InjectionErrorCode.mergeFailed, 'failed to re apply container: ', e);
  }
  const beforePostProcessing = merged;
  merged = thaw(merged);
  postProcessPod(merged, templatePod, {
    mesh: ctx.meshConfig,
    values: settings.values,
    revision: settings.revision,
    proxyEnvs: clusterEnvs(settings, original, request.envOverrides ?? {}),
    injectedAnnotations: settings.injector.injectedAnnotations,
    holdApplicationUntilProxyStarts:
      proxyConfig.holdApplicationUntilProxyStarts === true || settings.values.global.proxy?.holdApplicationUntilProxyStarts === true,
  });
  const pod = normalizeAs('Pod', settle(merged, beforePostProcessing)) as Pod;
  return new Injected(pod, templatePod, request.pod, decoded);
}

/** The result; its patch is computed on first read (kube-inject never reads it). */
class Injected implements InjectionResult {
  #patch: readonly PatchOperation[] | undefined;
  constructor(
    readonly pod: Pod,
    readonly templatePod: Pod,
    private readonly received: Pod,
    private readonly decoded: Pod,
  ) {}

  get patch(): readonly PatchOperation[] {
    this.#patch ??= createPatch(this.received, this.decoded, this.pod);
    return this.#patch;
  }
}

/**
 * A copy of the (frozen) merged pod that post-processing may modify: metadata maps, spec,
 * container lists and containers are copied; everything deeper is shared and only ever
 * replaced, never modified.
 */
function thaw(pod: Pod): Pod {
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const copyContainer = (c: Container): Container => ({ ...c });
  return {
    ...pod,
    metadata: { ...meta, annotations: { ...meta.annotations }, labels: { ...meta.labels } },
    spec: {
      ...spec,
      ...(spec.containers ? { containers: spec.containers.map(copyContainer) } : {}),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(copyContainer) } : {}),
    },
  };
}

const sameMembers = (a: object | undefined, b: object | undefined): boolean => {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
};

/**
 * The thawed pod after post-processing, with every copy that post-processing left unchanged
 * replaced by the object it was copied from: unchanged containers, metadata and spec keep
 * their identity, so the final normalisation and the patch diff skip them.
 */
function settle(after: Pod, before: Pod): Pod {
  const meta = after.metadata ?? {};
  const was = before.metadata ?? {};
  if (sameMembers(meta.annotations, was.annotations)) meta.annotations = was.annotations;
  if (sameMembers(meta.labels, was.labels)) meta.labels = was.labels;
  const spec = after.spec ?? {};
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    const old = before.spec?.[field] ?? [];
    if (!list) continue;
    // Containers by name (a list may repeat a name: each is tried, in order), so settling stays
    // linear in the number of containers.
    const byName = new Map<unknown, Container[]>();
    for (const o of old) {
      const same = byName.get(o.name);
      if (same) same.push(o);
      else byName.set(o.name, [o]);
    }
    const settled = list.map((c) => byName.get(c.name)?.find((o) => sameMembers(c, o)) ?? c);
    spec[field] = sameMembers(settled, old) ? old : settled;
  }
  const metadata = sameMembers(meta, before.metadata) ? before.metadata : meta;
  const settledSpec = sameMembers(spec, before.spec) ? before.spec : spec;
  const pod = { ...after, metadata, spec: settledSpec };
  return sameMembers(pod, before) ? before : pod;
}

/** With native sidecars a user-declared istio-proxy moves from containers to initContainers before merging. */
function moveProxyToInit(pod: Pod): Pod {
  const containers = pod.spec?.containers ?? [];
  const proxy = containers.find((c) => c.name === PROXY_CONTAINER);
  if (!proxy) return pod;
  return {
    ...pod,
    spec: {
      ...pod.spec,
      containers: containers.filter((c) => c !== proxy),
      initContainers: [...(pod.spec?.initContainers ?? []), proxy],
    },
  };
}
