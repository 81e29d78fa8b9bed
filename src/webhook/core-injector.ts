/**
 * The `PodInjector` over the pure injection core (src/core/inject): the decision with the
 * configured policy and selectors, then `injectPod`. A skip becomes a typed reason with a
 * sentence for the admission warning; an `InjectionError` becomes a rejection with Istio's
 * message. The patch is the core's: it takes the pod exactly as the API server sent it to the
 * injected pod.
 */
import { settingsFromTexts } from '../config/load.js';
import type { InjectionSettings } from '../core/config/settings.js';
import { decideInjection, skipMessage, type DecisionPolicy } from '../core/inject/decide.js';
import { compileCustomTemplates, createGoTemplateCompiler } from '../core/inject/custom-templates.js';
import { DEFAULT_CLUSTER_ID, parseIstiodEnvironment, type InjectionEnvironment } from '../core/inject/environment.js';
import { InjectionError } from '../core/inject/errors.js';
import { injectPod } from '../core/inject/inject.js';
import type { Pod } from '../core/k8s/pod.js';
import { ownValue } from '../core/format/own-keys.js';
import { createCachingInjector, type MemoLimits } from './cache.js';
import type { InjectorBuilder } from './config-source.js';
import { encodePatch, type AdmissionInput, type AdmissionOutcome, type PodInjector } from './types.js';

export function createCoreInjector(settings: InjectionSettings, env: InjectionEnvironment): PodInjector {
  // Custom Go templates: all parsed now, once per configuration version (a text that does not parse rejects the configuration).
  if (env.templateCompiler) compileCustomTemplates(env.templateCompiler, settings.injector.customTemplates);
  const policy: DecisionPolicy = {
    policy: settings.injector.policy,
    neverInjectSelector: settings.injector.neverInjectSelector,
    alwaysInjectSelector: settings.injector.alwaysInjectSelector,
  };
  return {
    admit(input: AdmissionInput): AdmissionOutcome {
      const pod = input.pod as Pod;
      const namespace = pod.metadata?.namespace || input.namespace;
      const decision = decideInjection(pod, namespace, policy);
      if (!decision.inject) {
        const message = [skipMessage(decision.reason, namespace, policy.policy), ...decision.warnings].join('; ');
        return { kind: 'skipped', reason: decision.reason, message };
      }
      const facts = { nodes: input.cluster.nodes, namespaceAnnotations: input.cluster.namespaceAnnotations?.get(namespace) };
      try {
        // istiod on OpenShift (where it watches namespaces) drops a proxy UID equal to the app's.
        const dropSidecarUserMatchingApp = env.platform === 'openshift' && input.cluster.namespaceAnnotations !== undefined;
        const result = injectPod({ pod, envOverrides: input.proxyEnv, dropSidecarUserMatchingApp }, settings, env, facts);
        return { kind: 'injected', patch: encodePatch(result.patch), warnings: decision.warnings };
      } catch (err) {
        if (err instanceof InjectionError) return { kind: 'rejected', code: err.code, message: err.message };
        throw err;
      }
    },
  };
}

/** istiod's environment variables that shape injection. */
export function injectionEnvironment(env: NodeJS.ProcessEnv): InjectionEnvironment {
  return {
    ...parseIstiodEnvironment(env).environment,
    // The cluster whose nodes and namespaces this webhook watches (istiod's CLUSTER_ID).
    clusterId: env.CLUSTER_ID ?? DEFAULT_CLUSTER_ID,
    // Custom (Go text/template) templates; `env KEY DEFAULT` in them reads istiod's environment.
    templateCompiler: createGoTemplateCompiler({ env: (key) => ownValue(env, key) }),
  };
}

/** Each configuration version gets its own injector and its own outcome memo. */
export function coreInjectorBuilder(revision: string, env: InjectionEnvironment, memo: MemoLimits = { maxEntries: 0, maxBytes: 0 }): InjectorBuilder {
  return (texts, files) => createCachingInjector(createCoreInjector(settingsFromTexts(texts, revision, files), env), memo);
}

export { settingsFromTexts };
