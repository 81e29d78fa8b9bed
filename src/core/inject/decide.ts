/**
 * The injector's own decision (`injectRequired`, §b.1). Namespace labels and the MWC selectors
 * are the API server's business; this runs on the pod that reached the injector.
 */
import type { LabelSelectorConfig } from '../config/injector.js';
import { matchSelector } from '../k8s/selector.js';
import type { Pod } from '../k8s/pod.js';
import { INJECT_KEY, injectSwitch } from '../istio-keys.js';

/** Namespaces the injector never touches. */
export const IGNORED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

export const SkipReason = {
  hostNetwork: 'hostNetwork',
  ignoredNamespace: 'ignoredNamespace',
  /** `sidecar.istio.io/inject: "false"` (label, or deprecated annotation). */
  podOptOut: 'podOptOut',
  neverSelector: 'neverSelector',
  /** Policy `disabled` and nothing asked for injection. */
  policyDisabled: 'policyDisabled',
  /** Policy is neither `enabled` nor `disabled`. */
  invalidPolicy: 'invalidPolicy',
} as const;

export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export type InjectionDecision =
  | { readonly inject: true; readonly warnings: readonly string[] }
  | { readonly inject: false; readonly reason: SkipReason; readonly warnings: readonly string[] };

export interface DecisionPolicy {
  /** `enabled` | `disabled` (values.global.proxy.autoInject); anything else disables with a warning. */
  readonly policy: string;
  readonly neverInjectSelector: readonly LabelSelectorConfig[];
  readonly alwaysInjectSelector: readonly LabelSelectorConfig[];
}

/** What kube-inject uses: policy enabled, no selectors. */
export const OFFLINE_POLICY: DecisionPolicy = { policy: 'enabled', neverInjectSelector: [], alwaysInjectSelector: [] };

function firstMatching(selectors: readonly LabelSelectorConfig[], labels: Record<string, string>, warnings: string[]): boolean {
  for (const s of selectors) {
    const r = matchSelector(
      {
        matchLabels: s.matchLabels ?? undefined,
        matchExpressions: s.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? undefined })),
      },
      labels,
    );
    if (r === 'invalid') warnings.push(`Invalid selector: ${JSON.stringify(s)}`);
    if (r === 'match') return true;
  }
  return false;
}

/**
 * Decides whether `pod` (in `namespace`) gets a sidecar. Order: hostNetwork, ignored
 * namespace, the per-pod switch (label beats annotation; only exactly "true"/"false"),
 * neverInjectSelector, alwaysInjectSelector, then the policy.
 */
export function decideInjection(pod: Pod, namespace: string, policy: DecisionPolicy): InjectionDecision {
  const warnings: string[] = [];
  const skip = (reason: SkipReason): InjectionDecision => ({ inject: false, reason, warnings });
  if (pod.spec?.hostNetwork === true) return skip(SkipReason.hostNetwork);
  if (IGNORED_NAMESPACES.includes(namespace)) return skip(SkipReason.ignoredNamespace);

  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  const value = injectSwitch(labels[INJECT_KEY], annotations) ?? '';

  let explicit: boolean | undefined;
  let viaSelector = false;
  if (value === 'true') explicit = true;
  else if (value === 'false') explicit = false;
  else if (value !== '') {
    warnings.push(
      `Invalid value for ${INJECT_KEY}: "${value}". Only 'true' and 'false' are accepted. Falling back to default injection policy.`,
    );
  }
  if (explicit === undefined && firstMatching(policy.neverInjectSelector, labels, warnings)) {
    explicit = false;
    viaSelector = true;
  }
  if (explicit === undefined && firstMatching(policy.alwaysInjectSelector, labels, warnings)) explicit = true;

  switch (policy.policy) {
    case 'enabled':
      if (explicit === false) return skip(viaSelector ? SkipReason.neverSelector : SkipReason.podOptOut);
      return { inject: true, warnings };
    case 'disabled':
      if (explicit === true) return { inject: true, warnings };
      if (explicit === false) return skip(viaSelector ? SkipReason.neverSelector : SkipReason.podOptOut);
      return skip(SkipReason.policyDisabled);
    default:
      warnings.push(`Illegal value for autoInject:${policy.policy}, must be one of [disabled,enabled]. Auto injection disabled!`);
      return skip(SkipReason.invalidPolicy);
  }
}

/**
 * Why a pod was not injected, in words: the admission warning, check-inject and every other
 * report of a skip use this one sentence per reason.
 */
export function skipMessage(reason: SkipReason, namespace: string, policy: string): string {
  switch (reason) {
    case SkipReason.hostNetwork:
      return 'the pod uses hostNetwork';
    case SkipReason.ignoredNamespace:
      return `namespace "${namespace}" is never injected (${IGNORED_NAMESPACES.join(', ')})`;
    case SkipReason.podOptOut:
      return `the pod sets ${INJECT_KEY}="false"`;
    case SkipReason.neverSelector:
      return "the pod's labels match the injector's neverInjectSelector";
    case SkipReason.policyDisabled:
      return `the injection policy is "disabled" and the pod does not set ${INJECT_KEY}="true"`;
    case SkipReason.invalidPolicy:
      return `the injection policy "${policy}" is invalid (must be enabled or disabled), so injection is off`;
  }
}
