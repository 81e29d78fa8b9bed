/**
 * The injection core's public API, shared by the admission webhook and kube-inject.
 *
 *   const settings = resolveSettings({ values, mesh, injectConfig }); // src/core/config
 *   const d = decideInjection(pod, namespace, settings.injector);
 *   if (d.inject) {
 *     const { pod: injected, patch } = injectPod({ pod, namespace, envOverrides }, settings, env, facts);
 *   }
 *
 * - `decideInjection` returns a typed skip reason instead of throwing.
 * - `injectPod` throws `InjectionError` (coded; `message` is Istio's text, e.g.
 *   "failed to run injection template: 1 error occurred: ...") when the pod must be rejected.
 *   Pass the request's `namespace`: like Istio's webhook it stands in for a missing
 *   `metadata.namespace` (ISTIO_META_OWNER depends on it) without being patched in.
 * - `patch` applies to the pod exactly as received; `pod` is the typed-normalised injected
 *   pod (treat it as immutable).
 * - `env` carries istiod's environment (ENABLE_NATIVE_SIDECARS, COMPLIANCE_POLICY, PLATFORM,
 *   the custom-template compiler); `facts` what the webhook learns from the API server (node
 *   kubelet versions for native sidecars in `auto` mode, namespace annotations on OpenShift).
 */
export { decideInjection, IGNORED_NAMESPACES, OFFLINE_POLICY, SkipReason } from './decide.js';
export type { DecisionPolicy, InjectionDecision } from './decide.js';
export { detectNativeSidecar, proxyIds } from './environment.js';
export type { ClusterFacts, InjectionEnvironment, NodeFact } from './environment.js';
export { InjectionError, InjectionErrorCode } from './errors.js';
export { injectPod } from './inject.js';
export type { InjectionRequest, InjectionResult } from './inject.js';
export { createPatch } from './patch.js';
export type { PatchOperation } from './patch.js';
export { parseInjectionStatus } from './strip.js';
export { STATUS_ANNOTATION } from '../istio-keys.js';
export type { PodPatch, Template, TemplateContext } from './template-context.js';
export { BUILTIN_TEMPLATES, unsupportedTemplateCompiler } from './templates/index.js';
export type { TemplateCompiler } from './templates/index.js';
export { deploymentMetaFromPod } from '../k8s/owner.js';
export type { DeploymentMeta, Pod, TypeMeta } from '../k8s/pod.js';
