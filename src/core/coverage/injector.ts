/**
 * The coverage `Injector` over the injection core: what the injector decides with (its view for
 * the shared selection evaluation, src/core/selection), and a fresh injection of the pod as it is now (the core
 * strips what an earlier injection added first), with the same environment and cluster facts
 * the webhook uses.
 */
import type { InjectionSettings } from '../config/settings.js';
import { knownTemplateNames } from '../inject/templates/index.js';
import { injectorViewOf } from '../selection/evaluate.js';
import type { ClusterFacts, InjectionEnvironment } from '../inject/environment.js';
import { injectPod } from '../inject/inject.js';
import type { Injector } from './assess.js';

export function coverageInjector(
  settings: InjectionSettings,
  env: InjectionEnvironment,
  facts: ClusterFacts,
  envOverrides: Readonly<Record<string, string>> = {},
): Injector {
  return {
    view: injectorViewOf(settings.injector, knownTemplateNames(settings.injector.customTemplates)),
    inject: (pod, namespace) => injectPod({ pod, namespace, envOverrides }, settings, env, facts).pod,
  };
}
