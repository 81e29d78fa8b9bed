/**
 * Injection selection: which webhook configuration would inject a pod, through which entry,
 * with which templates, and if none, why — the API server's selectors and the injector's own
 * decision in one pure evaluation (`evaluateInjection`). check-inject prints it; the coverage
 * report and anything else that must explain a pod's injection state reuses it.
 *
 *   const evaluation = evaluateInjection({ webhooks, namespace: { name, labels }, pod, injectors });
 *   evaluation.injected, evaluation.injectedBy, evaluation.problem;
 *   for (const v of evaluation.verdicts) v.outcome, v.reason.code, v.reason.message, v.matches[0]?.entry, v.templates;
 */
export {
  DEFAULT_INJECTOR_VIEW,
  EvaluationProblem,
  evaluateInjection,
  injectorViewOf,
  NotSelectedReason,
  RejectedReason,
  SelectedBy,
} from './evaluate.js';
export type {
  EntryMatch,
  EvaluatedNamespace,
  EvaluationInput,
  InjectionEvaluation,
  InjectorView,
  MatchConditionEvaluator,
  Outcome,
  VerdictReason,
  WebhookVerdict,
} from './evaluate.js';
export { selectionEntries } from './entries.js';
export type { SelectionEntry, SelectionOptions } from './entries.js';
export {
  INJECTION_LABEL,
  injectorWebhook,
  ISTIO_TAG_LABEL,
  ISTIO_WEBHOOK_SUFFIX,
  isNeverMatch,
  NAMESPACE_NAME_LABEL,
  NEVER_MATCH,
  REV_LABEL,
  rulesCoverPodCreate,
  SK_REV_LABEL,
  SK_TAG_LABEL,
  SK_WEBHOOK_SUFFIX,
} from './webhooks.js';
export type { InjectorProduct, InjectorWebhook, MutatingWebhook, MutatingWebhookConfiguration } from './webhooks.js';
export { SkipReason } from '../inject/decide.js';
