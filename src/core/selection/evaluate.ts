/**
 * Would this pod be injected, by which webhook entry, with which templates, and if not, why?
 *
 * `evaluateInjection` answers for one pod (or a workload's pod template) in one namespace, over
 * the cluster's MutatingWebhookConfigurations, the two layers that decide (reference §b.1):
 *
 * 1. The API server: for every injector configuration, each entry whose rules cover a Pod
 *    CREATE, whose namespaceSelector matches the namespace's labels (with the
 *    `kubernetes.io/metadata.name` label the API server adds), whose objectSelector matches the
 *    pod's labels and whose matchConditions hold (when an evaluator is given) calls the webhook.
 * 2. The injector it calls: `decideInjection` with that injector's policy and selectors (the
 *    typed skip reasons of the admission warning), then the templates the pod selects, which
 *    must exist or the pod is rejected.
 *
 * Each configuration gets a verdict (sorted by name, as istioctl prints them) with a typed
 * reason code and a sentence; the reasons for a configuration that does not select the pod use
 * `istioctl x check-inject`'s sentences. Pure: no I/O; the caller reads the objects.
 */
import type { InjectorConfig } from '../config/injector.js';
import { decideInjection, OFFLINE_POLICY, skipMessage, SkipReason, type DecisionPolicy } from '../inject/decide.js';
import { selectTemplateNames } from '../inject/inject.js';
import type { Pod } from '../k8s/pod.js';
import { matchSelector, type LabelSelector } from '../k8s/selector.js';
import {
  INJECTION_LABEL,
  injectorWebhook,
  isNeverMatch,
  NAMESPACE_NAME_LABEL,
  REV_LABEL,
  rulesCoverPodCreate,
  type InjectorProduct,
  type MatchCondition,
  type MutatingWebhook,
  type MutatingWebhookConfiguration,
} from './webhooks.js';

/** What an injector decides with, taken from its configuration (see `injectorView`). */
export interface InjectorView {
  readonly policy: DecisionPolicy;
  readonly defaultTemplates: readonly string[];
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** The template names it can render; undefined when unknown (not checked). */
  readonly templates?: readonly string[];
}

/**
 * The view of a resolved injector configuration. `templates`: the names it can render (for
 * sidecar-kit's injector `knownTemplateNames(config.customTemplates)`; for istiod, whose
 * ConfigMap carries every template text, the keys of its `templates`).
 */
export function injectorViewOf(config: InjectorConfig, templates?: readonly string[]): InjectorView {
  return {
    policy: { policy: config.policy, neverInjectSelector: config.neverInjectSelector, alwaysInjectSelector: config.alwaysInjectSelector },
    defaultTemplates: config.defaultTemplates,
    aliases: config.aliases,
    ...(templates ? { templates } : {}),
  };
}

/** Istio's defaults, used for an injector whose configuration could not be read. */
export const DEFAULT_INJECTOR_VIEW: InjectorView = { policy: OFFLINE_POLICY, defaultTemplates: ['sidecar'], aliases: {} };

/** How the matched entry selected the pod. */
export const SelectedBy = {
  /** Namespace label `istio-injection=enabled`. */
  namespaceLabel: 'namespaceLabel',
  /** Namespace label `istio.io/rev=<revision>`. */
  namespaceRevision: 'namespaceRevision',
  /** Namespace label `istio.io/rev=<tag>` of a revision-tag configuration. */
  namespaceTag: 'namespaceTag',
  /** Pod label `istio.io/rev=<revision>`. */
  podRevision: 'podRevision',
  /** Pod label `istio.io/rev=<tag>` of a revision-tag configuration. */
  podTag: 'podTag',
  /** Pod label `sidecar.istio.io/inject=true`. */
  podLabel: 'podLabel',
  /** The `auto.` entry: every namespace without labels (enableNamespacesByDefault). */
  allNamespaces: 'allNamespaces',
  /** Selectors of another shape matched. */
  selectors: 'selectors',
} as const;
export type SelectedBy = (typeof SelectedBy)[keyof typeof SelectedBy];

/** Why the API server does not call a webhook for the pod. */
export const NotSelectedReason = {
  noMatchingEntry: 'noMatchingEntry',
  webhookDeactivated: 'webhookDeactivated',
  podLabelExcludes: 'podLabelExcludes',
  namespaceLabelExcludes: 'namespaceLabelExcludes',
  matchConditionExcludes: 'matchConditionExcludes',
  rulesExclude: 'rulesExclude',
} as const;
export type NotSelectedReason = (typeof NotSelectedReason)[keyof typeof NotSelectedReason];

export const RejectedReason = { templateNotFound: 'templateNotFound' } as const;
export type RejectedReason = (typeof RejectedReason)[keyof typeof RejectedReason];

export type VerdictReason =
  | { readonly outcome: 'injected'; readonly code: SelectedBy; readonly message: string }
  | { readonly outcome: 'notSelected'; readonly code: NotSelectedReason; readonly message: string }
  | { readonly outcome: 'skipped'; readonly code: SkipReason; readonly message: string }
  | { readonly outcome: 'rejected'; readonly code: RejectedReason; readonly message: string };

export type Outcome = VerdictReason['outcome'];

export interface EntryMatch {
  /** The entry's name (`rev.namespace.sidecar-injector.istio.io`, …). */
  readonly entry: string;
  /** The namespace label that selected (`istio-injection=enabled`), when one did. */
  readonly namespaceLabel?: string;
  /** The pod label that selected (`istio.io/rev=canary`), when one did. */
  readonly podLabel?: string;
}

export interface WebhookVerdict {
  /** The MutatingWebhookConfiguration. */
  readonly webhook: string;
  readonly product: InjectorProduct;
  readonly revision: string;
  readonly tag?: string;
  readonly outcome: Outcome;
  readonly injected: boolean;
  /** Every entry the API server would call for this pod, in order; the first explains the match. */
  readonly matches: readonly EntryMatch[];
  /** The templates the injector would render (when it would inject or reject over them). */
  readonly templates?: readonly string[];
  readonly reason: VerdictReason;
  /** False when the injector's configuration was unknown and Istio's defaults stood in. */
  readonly injectorConfigKnown: boolean;
  /** The injector's warnings (invalid switch values, selectors) and what was not evaluated. */
  readonly notes: readonly string[];
}

export const EvaluationProblem = {
  /** No injector webhook configuration exists. */
  noInjectorWebhooks: 'noInjectorWebhooks',
  /** More than one configuration would inject: the pod would get two injections. */
  multipleInjectors: 'multipleInjectors',
} as const;
export type EvaluationProblem = (typeof EvaluationProblem)[keyof typeof EvaluationProblem];

export interface InjectionEvaluation {
  /** True when exactly one or more webhook configurations would inject (see `problem`). */
  readonly injected: boolean;
  /** Configurations that would inject. */
  readonly injectedBy: readonly string[];
  /** Configurations that would reject the pod (its creation fails). */
  readonly rejectedBy: readonly string[];
  readonly problem?: EvaluationProblem;
  readonly verdicts: readonly WebhookVerdict[];
}

/** matchConditions of an entry: true/false when evaluated, undefined when it cannot be (CEL). */
export type MatchConditionEvaluator = (
  conditions: readonly MatchCondition[],
  subject: { readonly pod: Pod; readonly namespace: EvaluatedNamespace; readonly entry: MutatingWebhook },
) => { readonly matched: boolean; readonly failed?: string } | undefined;

export interface EvaluatedNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EvaluationInput {
  readonly webhooks: readonly MutatingWebhookConfiguration[];
  /** The namespace the pod is created in and its labels (absent: a namespace with none). */
  readonly namespace: { readonly name: string; readonly labels?: Readonly<Record<string, string>> | null };
  /** The pod, or a workload's pod template as a pod (labels, annotations, spec.hostNetwork). */
  readonly pod: Pod;
  /** Each injector's configuration by webhook configuration name; missing ones use Istio's defaults. */
  readonly injectors?: ReadonlyMap<string, InjectorView>;
  /** Evaluates matchConditions; without it entries with conditions count as matching, with a note. */
  readonly matchConditions?: MatchConditionEvaluator;
}

/** Evaluates every injector webhook configuration for the pod. */
export function evaluateInjection(input: EvaluationInput): InjectionEvaluation {
  const namespace: EvaluatedNamespace = {
    name: input.namespace.name,
    labels: { [NAMESPACE_NAME_LABEL]: input.namespace.name, ...(input.namespace.labels ?? {}) },
  };
  const verdicts = input.webhooks
    .flatMap((mwc) => {
      const info = injectorWebhook(mwc);
      return info ? [evaluateWebhook(mwc, info, namespace, input)] : [];
    })
    .sort((a, b) => (a.webhook < b.webhook ? -1 : a.webhook > b.webhook ? 1 : 0));
  const injectedBy = verdicts.filter((v) => v.injected).map((v) => v.webhook);
  const rejectedBy = verdicts.filter((v) => v.outcome === 'rejected').map((v) => v.webhook);
  const problem =
    verdicts.length === 0 ? EvaluationProblem.noInjectorWebhooks : injectedBy.length > 1 ? EvaluationProblem.multipleInjectors : undefined;
  return { injected: injectedBy.length > 0, injectedBy, rejectedBy, ...(problem ? { problem } : {}), verdicts };
}

type Labels = Readonly<Record<string, string>>;

/** A selector match and the label that made it (istioctl: the first In/NotIn key present). */
function selectorMatch(selector: LabelSelector | null | undefined, labels: Labels): { matched: boolean; label?: string } {
  if (selector === null || selector === undefined) return { matched: true };
  const r = matchSelector(selector, labels);
  if (r === 'invalid' || r === 'noMatch') return { matched: false };
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] === v) return { matched: true, label: `${k}=${v}` };
  for (const e of selector.matchExpressions ?? []) {
    if ((e.operator === 'In' || e.operator === 'NotIn') && Object.hasOwn(labels, e.key)) return { matched: true, label: `${e.key}=${labels[e.key]}` };
  }
  return { matched: true };
}

function evaluateWebhook(
  mwc: MutatingWebhookConfiguration,
  info: ReturnType<typeof injectorWebhook> & object,
  namespace: EvaluatedNamespace,
  input: EvaluationInput,
): WebhookVerdict {
  const podLabels: Labels = input.pod.metadata?.labels ?? {};
  const entries = mwc.webhooks ?? [];
  const notes: string[] = [];
  const matches: EntryMatch[] = [];
  let conditionFailed: string | undefined;
  for (const entry of entries) {
    if (!rulesCoverPodCreate(entry.rules)) continue;
    const ns = selectorMatch(entry.namespaceSelector, namespace.labels);
    const obj = selectorMatch(entry.objectSelector, podLabels);
    if (!ns.matched || !obj.matched) continue;
    const conditions = entry.matchConditions ?? [];
    if (conditions.length > 0) {
      const r = input.matchConditions?.(conditions, { pod: input.pod, namespace, entry });
      if (r === undefined) {
        notes.push(`${entry.name}: matchConditions not evaluated (${conditions.map((c) => c.name).join(', ')}); counted as matching`);
      } else if (!r.matched) {
        conditionFailed ??= `Match condition ${r.failed ?? conditions[0]?.name ?? ''} of ${entry.name} excludes the pod`;
        continue;
      }
    }
    matches.push({ entry: entry.name, ...(ns.label ? { namespaceLabel: ns.label } : {}), ...(obj.label ? { podLabel: obj.label } : {}) });
  }
  const view = input.injectors?.get(info.name);
  const base = { webhook: info.name, product: info.product, revision: info.revision, ...(info.tag ? { tag: info.tag } : {}), matches, injectorConfigKnown: view !== undefined };
  const first = matches[0];
  if (!first) {
    const reason = notSelectedReason(entries, namespace.labels, podLabels, conditionFailed);
    return { ...base, outcome: 'notSelected', injected: false, reason, notes };
  }
  return { ...base, ...injectorVerdict(first, info, namespace, input.pod, view ?? DEFAULT_INJECTOR_VIEW, notes), notes };
}

/** The injector's side once the API server calls it: its decision, then the templates. */
function injectorVerdict(
  first: EntryMatch,
  info: { readonly tag?: string },
  namespace: EvaluatedNamespace,
  pod: Pod,
  view: InjectorView,
  notes: string[],
): Pick<WebhookVerdict, 'outcome' | 'injected' | 'reason' | 'templates'> {
  const podNamespace = pod.metadata?.namespace || namespace.name;
  const decision = decideInjection(pod, podNamespace, view.policy);
  notes.push(...decision.warnings);
  if (!decision.inject) {
    const reason: VerdictReason = { outcome: 'skipped', code: decision.reason, message: skipMessage(decision.reason, podNamespace, view.policy.policy) };
    return { outcome: 'skipped', injected: false, reason };
  }
  const templates = selectTemplateNames(pod.metadata?.annotations, view);
  const missing = view.templates && templates.find((t) => !view.templates?.includes(t));
  if (missing !== undefined && view.templates) {
    const have = [...view.templates].sort().join(', ');
    const reason: VerdictReason = { outcome: 'rejected', code: RejectedReason.templateNotFound, message: `requested template "${missing}" not found; have ${have}` };
    return { outcome: 'rejected', injected: false, reason, templates };
  }
  return { outcome: 'injected', injected: true, reason: selectedReason(first, info.tag !== undefined), templates };
}

function selectedReason(m: EntryMatch, isTag: boolean): VerdictReason {
  const key = (label: string | undefined) => label?.slice(0, label.indexOf('='));
  const podLabel = m.podLabel;
  // A `kubernetes.io/metadata.name NotIn` expression beside a pod label is the chart's namespace
  // exclusion (every entry carries it), not what selected the pod: the pod label says why.
  const ns = key(m.namespaceLabel) === NAMESPACE_NAME_LABEL && podLabel !== undefined ? undefined : m.namespaceLabel;
  let code: SelectedBy = SelectedBy.selectors;
  if (key(ns) === INJECTION_LABEL) code = SelectedBy.namespaceLabel;
  else if (key(ns) === REV_LABEL) code = isTag ? SelectedBy.namespaceTag : SelectedBy.namespaceRevision;
  else if (key(ns) === NAMESPACE_NAME_LABEL) code = SelectedBy.allNamespaces;
  else if (key(podLabel) === REV_LABEL) code = isTag ? SelectedBy.podTag : SelectedBy.podRevision;
  else if (podLabel !== undefined) code = SelectedBy.podLabel;
  let message: string;
  if (ns !== undefined && podLabel !== undefined) message = `Namespace label ${ns} matches, and pod label ${podLabel} matches`;
  else if (ns !== undefined) {
    message = `Namespace label ${ns} matches`;
    if (code === SelectedBy.allNamespaces) message += ' (Automatic injection is enabled in all namespaces).';
  } else if (podLabel !== undefined) message = `Pod label ${podLabel} matches`;
  else message = `The selectors of ${m.entry} match every namespace and pod`;
  return { outcome: 'injected', code, message };
}

/** istioctl's explanation of a configuration that does not select the pod. */
function notSelectedReason(entries: readonly MutatingWebhook[], nsLabels: Labels, podLabels: Labels, conditionFailed: string | undefined): VerdictReason {
  const no = (code: NotSelectedReason, message: string): VerdictReason => ({ outcome: 'notSelected', code, message });
  const covered = entries.filter((e) => rulesCoverPodCreate(e.rules));
  if (entries.length > 0 && covered.length === 0) return no(NotSelectedReason.rulesExclude, 'The webhook rules do not cover pod creation');
  if (conditionFailed) return no(NotSelectedReason.matchConditionExcludes, conditionFailed);
  for (const e of covered) {
    const nsMatched = selectorMatch(e.namespaceSelector, nsLabels).matched;
    const podMatched = selectorMatch(e.objectSelector, podLabels).matched;
    if (nsMatched) {
      for (const me of e.objectSelector?.matchExpressions ?? []) {
        const v = podLabels[me.key];
        if (v === undefined) continue;
        if (me.operator === 'DoesNotExist' || (me.operator === 'NotIn' && (me.values ?? []).includes(v))) {
          return no(NotSelectedReason.podLabelExcludes, `Pod has ${me.key}=${v} label, preventing injection`);
        }
      }
    } else if (podMatched) {
      const v = nsLabels[INJECTION_LABEL];
      if (v !== undefined && v !== 'enabled') {
        return no(NotSelectedReason.namespaceLabelExcludes, `Namespace has ${INJECTION_LABEL}=${v} label, preventing injection`);
      }
    }
  }
  if (covered.some((e) => isNeverMatch(e.namespaceSelector) && isNeverMatch(e.objectSelector))) {
    return no(NotSelectedReason.webhookDeactivated, 'The injection webhook is deactivated, and will never match labels.');
  }
  const wanted = (s: LabelSelector | null | undefined) =>
    (s?.matchExpressions ?? []).filter((me) => me.operator === 'In').flatMap((me) => (me.values ?? []).map((v) => `${me.key}=${v}`));
  const nsWanted = covered.flatMap((e) => wanted(e.namespaceSelector));
  const podWanted = covered.flatMap((e) => wanted(e.objectSelector));
  return no(NotSelectedReason.noMatchingEntry, `No matching namespace labels (${nsWanted.join(', ')}) or pod labels (${podWanted.join(', ')})`);
}
