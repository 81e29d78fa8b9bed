/**
 * The plugin's first decision, made from the invocation alone before any pod lookup
 * (reference §g.2 steps 2-5): is this a Kubernetes pod at all, and one we may touch?
 */
import type { K8sPodArgs } from './spec.js';

/** Name prefix of the installer DaemonSet's pods (Istio's `istio-cni-node`). */
export const AGENT_POD_PREFIX = 'istio-cni-node-';

export const ScopeSkip = {
  notAPod: 'not-a-pod',
  ownAgent: 'own-agent-pod',
  excludedNamespace: 'excluded-namespace',
} as const;
export type ScopeSkipCode = (typeof ScopeSkip)[keyof typeof ScopeSkip];

export interface ScopeSettings {
  readonly excludeNamespaces: readonly string[] | null;
  readonly podNamespace: string;
}

/** A skip code when the invocation is out of scope, otherwise undefined. */
export function scopeSkip(pod: K8sPodArgs, settings: ScopeSettings): ScopeSkipCode | undefined {
  if (pod.name.startsWith(AGENT_POD_PREFIX) && pod.namespace === settings.podNamespace) return ScopeSkip.ownAgent;
  if (pod.name === '' || pod.namespace === '') return ScopeSkip.notAPod;
  if ((settings.excludeNamespaces ?? []).includes(pod.namespace)) return ScopeSkip.excludedNamespace;
  return undefined;
}
