/**
 * Revision tags on a running cluster (pure part): the MutatingWebhookConfiguration of a tag,
 * built from its revision's own configuration as the chart's `revisionTags` render it (entries
 * selecting `istio.io/rev=<tag>`, the default entries only for the tag `default`, the same
 * webhook client), and the checks `tag set` makes before writing it.
 */
import { selectionEntries } from '../core/selection/entries.js';
import { EvaluationProblem, evaluateInjection } from '../core/selection/evaluate.js';
import {
  injectorWebhook,
  INJECTION_LABEL,
  NAMESPACE_NAME_LABEL,
  REV_LABEL,
  SK_REV_LABEL,
  SK_TAG_LABEL,
  SK_WEBHOOK_SUFFIX,
  type InjectorWebhook,
  type MutatingWebhook,
  type MutatingWebhookConfiguration,
} from '../core/selection/webhooks.js';

const TAG_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HELM_MANAGED = 'Helm';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const TAG_MANAGER = 'sidecar-kit-tag';
const KEPT_ANNOTATIONS = ['sidecar-kit.io/injector-configmap', 'sidecar-kit.io/mesh-configmap'];
const DROPPED_LABELS = [MANAGED_BY_LABEL, 'helm.sh/chart'];

export class TagError extends Error {
  override readonly name = 'TagError';
}

export interface TagView {
  readonly tag: string;
  readonly revision: string;
  readonly webhook: string;
  readonly product: InjectorWebhook['product'];
  /** The Helm release that renders it (`revisionTags`), if any. */
  readonly helmRelease?: string;
}

/** Every revision tag on the cluster (Istio's and ours), sorted by tag. */
export function listTags(mwcs: readonly MutatingWebhookConfiguration[]): TagView[] {
  return mwcs
    .flatMap((m) => {
      const info = injectorWebhook(m);
      if (!info?.tag) return [];
      const release = helmRelease(m);
      return [{ tag: info.tag, revision: info.revision, webhook: info.name, product: info.product, ...(release ? { helmRelease: release } : {}) }];
    })
    .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.webhook < b.webhook ? -1 : 1));
}

function helmRelease(m: MutatingWebhookConfiguration): string | undefined {
  if (m.metadata?.labels?.[MANAGED_BY_LABEL] !== HELM_MANAGED) return undefined;
  return m.metadata?.annotations?.['meta.helm.sh/release-name'] ?? 'unknown';
}

/** `<fullname>-sidecar-injector[-<rev>]` → `<fullname>-revision-tag-<tag>` (the chart's name). */
export function tagWebhookName(revisionWebhook: string, revision: string, tag: string): string {
  const suffix = revision && revision !== 'default' ? `-sidecar-injector-${revision}` : '-sidecar-injector';
  const base = revisionWebhook.endsWith(suffix) ? revisionWebhook.slice(0, -suffix.length) : revisionWebhook;
  return `${base}-revision-tag-${tag}`;
}

export interface SetTagInput {
  readonly tag: string;
  readonly revision: string;
  readonly overwrite: boolean;
  readonly mwcs: readonly MutatingWebhookConfiguration[];
}

export interface SetTagPlan {
  readonly object: MutatingWebhookConfiguration;
  /** The existing configuration of the tag, replaced (its resourceVersion is kept). */
  readonly replaces?: MutatingWebhookConfiguration;
}

/** The configuration `tag set <tag> --revision <rev>` writes, or a TagError saying why not. */
export function planSetTag(i: SetTagInput): SetTagPlan {
  const { tag } = i;
  const revision = i.revision || 'default';
  if (!TAG_PATTERN.test(tag)) throw new TagError(`tag ${JSON.stringify(tag)}: must be a DNS label (lower case, digits, -, at most 63)`);
  const infos = i.mwcs.flatMap((m) => {
    const info = injectorWebhook(m);
    return info ? [{ m, info }] : [];
  });
  if (infos.some((x) => !x.info.tag && (x.info.revision || 'default') === tag)) {
    throw new TagError(`tag ${JSON.stringify(tag)}: a revision of that name exists; a tag may not shadow a revision`);
  }
  const base = infos.find((x) => x.info.product === 'sidecar-kit' && !x.info.tag && (x.info.revision || 'default') === revision);
  if (!base) {
    const istio = infos.some((x) => x.info.product === 'istio' && !x.info.tag && (x.info.revision || 'default') === revision);
    throw new TagError(
      istio
        ? `--revision ${revision}: an Istio revision; manage its tags with istioctl tag set`
        : `--revision ${revision}: no sidecar-kit webhook configuration of that revision (label ${SK_REV_LABEL}=${revision}); revisions: ${[...new Set(infos.filter((x) => !x.info.tag).map((x) => x.info.revision || 'default'))].join(', ') || 'none'}`,
    );
  }
  const existing = infos.filter((x) => x.info.tag === tag);
  const other = existing.find((x) => x.info.product !== 'sidecar-kit');
  if (other) throw new TagError(`tag ${JSON.stringify(tag)} is Istio's (${other.info.name}); remove it with istioctl tag remove first`);
  const current = existing[0];
  if (current) {
    const release = helmRelease(current.m);
    if (release) throw new TagError(`tag ${JSON.stringify(tag)} is rendered by Helm release ${release} (${current.info.name}): change its revisionTags value instead`);
    if (!i.overwrite) throw new TagError(`tag ${JSON.stringify(tag)} exists (${current.info.name} → revision ${current.info.revision}); give --overwrite to move it`);
  }
  const object = buildTagConfiguration(base.m, revision, tag, current?.m);
  // A tag that would make a namespace or pod injected twice is refused.
  const others = i.mwcs.filter((m) => m !== current?.m);
  for (const labels of [{ [REV_LABEL]: tag }, { [INJECTION_LABEL]: 'enabled' }] as Record<string, string>[]) {
    const e = evaluateInjection({ webhooks: [...others, object], namespace: { name: 'tag-check', labels }, pod: { metadata: { labels: {} }, spec: { containers: [] } } });
    if (e.problem === EvaluationProblem.multipleInjectors) {
      const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`)[0] ?? '';
      throw new TagError(`tag ${JSON.stringify(tag)}: a namespace labelled ${label} would be injected twice (${e.injectedBy.join(', ')})`);
    }
  }
  return { object, ...(current ? { replaces: current.m } : {}) };
}

/** The tag's configuration, cloned from its revision's own. */
export function buildTagConfiguration(base: MutatingWebhookConfiguration, revision: string, tag: string, current?: MutatingWebhookConfiguration): MutatingWebhookConfiguration {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(base.metadata?.labels ?? {})) if (!DROPPED_LABELS.includes(k)) labels[k] = v;
  Object.assign(labels, { [SK_REV_LABEL]: revision, [SK_TAG_LABEL]: tag, [MANAGED_BY_LABEL]: TAG_MANAGER });
  const annotations: Record<string, string> = {};
  for (const k of KEPT_ANNOTATIONS) {
    const v = base.metadata?.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  const template = (base.webhooks ?? [])[0];
  if (!template) throw new TagError(`${base.metadata?.name ?? ''}: a webhook configuration without entries`);
  const { name: _n, namespaceSelector, objectSelector: _os, matchConditions, ...client } = template as MutatingWebhook & { matchConditions?: unknown };
  // The revision's selection that cannot deadlock carries over: its namespace exclusion
  // (`kubernetes.io/metadata.name NotIn`, on every entry the chart renders) and its matchConditions.
  const exclusion = (namespaceSelector?.matchExpressions ?? []).find((e) => e.key === NAMESPACE_NAME_LABEL && e.operator === 'NotIn');
  const webhooks = selectionEntries({
    revLabel: tag,
    defaultEntries: tag === 'default',
    enableNamespacesByDefault: false,
    ...(exclusion?.values ? { excludedNamespaces: exclusion.values } : {}),
  }).map((e) => ({
    name: `${e.prefix}${SK_WEBHOOK_SUFFIX}`,
    ...structuredClone(client),
    namespaceSelector: e.namespaceSelector,
    objectSelector: e.objectSelector,
    ...(matchConditions !== undefined ? { matchConditions: structuredClone(matchConditions) } : {}),
  }));
  const rv = current?.metadata?.resourceVersion;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: current?.metadata?.name ?? tagWebhookName(base.metadata?.name ?? '', revision, tag), labels, annotations, ...(rv ? { resourceVersion: rv } : {}) },
    webhooks,
  } as MutatingWebhookConfiguration;
}

export interface RemovePlan {
  readonly names: readonly string[];
}

/** The configurations `tag remove <tag>` deletes (ours, not Helm's), or a TagError. */
export function planRemoveTag(tag: string, mwcs: readonly MutatingWebhookConfiguration[]): RemovePlan {
  const of = listTags(mwcs).filter((t) => t.tag === tag);
  if (of.length === 0) throw new TagError(`tag ${JSON.stringify(tag)} not found (tags: ${[...new Set(listTags(mwcs).map((t) => t.tag))].join(', ') || 'none'})`);
  const istio = of.find((t) => t.product === 'istio');
  if (istio) throw new TagError(`tag ${JSON.stringify(tag)} is Istio's (${istio.webhook}): remove it with istioctl tag remove`);
  const helm = of.find((t) => t.helmRelease);
  if (helm) throw new TagError(`tag ${JSON.stringify(tag)} is rendered by Helm release ${helm.helmRelease} (${helm.webhook}): remove it from its revisionTags value`);
  return { names: of.map((t) => t.webhook) };
}
