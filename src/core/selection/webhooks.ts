/**
 * MutatingWebhookConfigurations as the API server reads them, and how an injector's
 * configuration is recognised among them: Istio's (entry names ending in `istio.io`, revision
 * and tag in `istio.io/rev` / `istio.io/tag`) and sidecar-kit's (entry names ending in
 * `sidecar-kit.io`, `sidecar-kit.io/rev` / `sidecar-kit.io/tag`, so Istio's tools never mistake
 * ours for theirs). The shapes are the Kubernetes JSON (admissionregistration.k8s.io/v1), so an
 * object from kubectl, client-node or a rendered chart is used as it is.
 */
import type { LabelSelector } from '../k8s/selector.js';

/** Namespace label of Istio's default injection (`enabled` opts a namespace in). */
export const INJECTION_LABEL = 'istio-injection';
/** Namespace or pod label naming the revision (or tag) that injects. */
export const REV_LABEL = 'istio.io/rev';
/** Label of Istio's revision-tag webhook configurations. */
export const ISTIO_TAG_LABEL = 'istio.io/tag';
/** Our webhook configurations' revision label (the chart sets it on every object). */
export const SK_REV_LABEL = 'sidecar-kit.io/rev';
/** Our revision-tag webhook configurations' tag label. */
export const SK_TAG_LABEL = 'sidecar-kit.io/tag';
/** The label the API server puts on every namespace (Kubernetes ≥ 1.21). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** The selector `istioctl tag set default` writes into a webhook it deactivates. */
export const NEVER_MATCH: LabelSelector = { matchLabels: { 'istio.io/deactivated': 'never-match' } };

/** Entry-name suffixes of injection webhooks (Istio's and ours). */
export const SK_WEBHOOK_SUFFIX = 'sidecar-injector.sidecar-kit.io';
export const ISTIO_WEBHOOK_SUFFIX = 'sidecar-injector.istio.io';

export interface RuleWithOperations {
  readonly operations?: readonly string[] | null;
  readonly apiGroups?: readonly string[] | null;
  readonly apiVersions?: readonly string[] | null;
  readonly resources?: readonly string[] | null;
  readonly scope?: string | null;
}

export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

export interface ServiceReference {
  readonly name: string;
  readonly namespace: string;
  readonly path?: string | null;
  readonly port?: number | null;
}

export interface WebhookClientConfig {
  readonly service?: ServiceReference | null;
  readonly url?: string | null;
  readonly caBundle?: string | null;
}

/** One entry of `webhooks` (the fields selection reads; others are carried along). */
export interface MutatingWebhook {
  readonly name: string;
  readonly clientConfig?: WebhookClientConfig | null;
  readonly namespaceSelector?: LabelSelector | null;
  readonly objectSelector?: LabelSelector | null;
  readonly rules?: readonly RuleWithOperations[] | null;
  readonly matchConditions?: readonly MatchCondition[] | null;
  readonly [k: string]: unknown;
}

export interface MutatingWebhookConfiguration {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
    readonly [k: string]: unknown;
  };
  readonly webhooks?: readonly MutatingWebhook[] | null;
}

export type InjectorProduct = 'istio' | 'sidecar-kit';

/** What a webhook configuration is, as an injector. */
export interface InjectorWebhook {
  readonly name: string;
  readonly product: InjectorProduct;
  /** Its revision label ("" when it has none, as istioctl shows it). */
  readonly revision: string;
  /** The tag, for a revision-tag configuration. */
  readonly tag?: string;
}

/**
 * Recognises an injector's webhook configuration: ours when an entry's name ends in
 * `sidecar-kit.io`, Istio's when one ends in `istio.io` (istioctl's own test); undefined for
 * anything else.
 */
export function injectorWebhook(mwc: MutatingWebhookConfiguration): InjectorWebhook | undefined {
  const names = (mwc.webhooks ?? []).map((w) => w.name ?? '');
  const product: InjectorProduct | undefined = names.some((n) => n.endsWith('sidecar-kit.io'))
    ? 'sidecar-kit'
    : names.some((n) => n.endsWith('istio.io'))
      ? 'istio'
      : undefined;
  if (!product) return undefined;
  const labels = mwc.metadata?.labels ?? {};
  const revision = labels[product === 'sidecar-kit' ? SK_REV_LABEL : REV_LABEL] ?? '';
  const tag = labels[product === 'sidecar-kit' ? SK_TAG_LABEL : ISTIO_TAG_LABEL];
  return { name: mwc.metadata?.name ?? '', product, revision, ...(tag ? { tag } : {}) };
}

/** `admission.k8s.io` rule matching for a Pod CREATE (core/v1 `pods`, namespaced). */
export function rulesCoverPodCreate(rules: readonly RuleWithOperations[] | null | undefined): boolean {
  const has = (list: readonly string[] | null | undefined, ...wanted: string[]) => (list ?? []).some((v) => wanted.includes(v));
  return (rules ?? []).some(
    (r) =>
      has(r.operations, 'CREATE', '*') &&
      has(r.apiGroups, '', '*') &&
      has(r.apiVersions, 'v1', '*') &&
      has(r.resources, 'pods', '*', '*/*') &&
      (r.scope === undefined || r.scope === null || r.scope === '*' || r.scope === 'Namespaced'),
  );
}

/** True for a selector equal to NEVER_MATCH (a deactivated entry). */
export function isNeverMatch(s: LabelSelector | null | undefined): boolean {
  const labels = Object.entries(s?.matchLabels ?? {});
  return labels.length === 1 && labels[0]?.[0] === 'istio.io/deactivated' && labels[0]?.[1] === 'never-match' && (s?.matchExpressions ?? []).length === 0;
}
