/**
 * The selection entries of an injection webhook configuration, as Istio's chart renders them
 * (reference §b.4) and ours does too (charts/sidecar-kit/templates/mutatingwebhook.yaml; a chart
 * test checks the two agree): revision-by-namespace and revision-by-object for the revision (or
 * tag) value, and for the default revision (or the tag `default`) the `istio-injection=enabled`
 * namespace entry, the opt-in object entry and optionally the `auto.` entry.
 */
import { IGNORED_NAMESPACES } from '../inject/decide.js';
import { INJECT_KEY } from '../istio-keys.js';
import type { LabelSelector } from '../k8s/selector.js';
import { INJECTION_LABEL, NAMESPACE_NAME_LABEL, REV_LABEL } from './webhooks.js';

export interface SelectionEntry {
  /** `rev.namespace.`, `rev.object.`, `namespace.`, `object.`, `auto.` */
  readonly prefix: string;
  readonly namespaceSelector: LabelSelector;
  readonly objectSelector: LabelSelector;
}

export interface SelectionOptions {
  /** The value `istio.io/rev` selects: the revision (`default` for the default one) or a tag. */
  readonly revLabel: string;
  /** Render the default-revision entries (`namespace.`, `object.`, `auto.`). */
  readonly defaultEntries: boolean;
  /** `sidecarInjectorWebhook.enableNamespacesByDefault`: the `auto.` entry. */
  readonly enableNamespacesByDefault: boolean;
  /**
   * Namespaces no entry selects (`kubernetes.io/metadata.name NotIn`, appended to every
   * namespaceSelector): the chart's `webhook.excludeNamespaces` and its release namespace, so pods
   * there are created with every webhook replica gone (issue 17 §3).
   */
  readonly excludedNamespaces?: readonly string[];
}

const optOut = { key: INJECT_KEY, operator: 'NotIn', values: ['false'] } as const;
const noInjectionLabel = { key: INJECTION_LABEL, operator: 'DoesNotExist' } as const;
const noRevLabel = { key: REV_LABEL, operator: 'DoesNotExist' } as const;

export function selectionEntries(o: SelectionOptions): SelectionEntry[] {
  const revIs = { key: REV_LABEL, operator: 'In', values: [o.revLabel] };
  const entries: SelectionEntry[] = [
    { prefix: 'rev.namespace.', namespaceSelector: { matchExpressions: [revIs, noInjectionLabel] }, objectSelector: { matchExpressions: [optOut] } },
    { prefix: 'rev.object.', namespaceSelector: { matchExpressions: [noRevLabel, noInjectionLabel] }, objectSelector: { matchExpressions: [optOut, revIs] } },
  ];
  if (!o.defaultEntries) return excluding(entries, o.excludedNamespaces);
  entries.push(
    { prefix: 'namespace.', namespaceSelector: { matchExpressions: [{ key: INJECTION_LABEL, operator: 'In', values: ['enabled'] }] }, objectSelector: { matchExpressions: [optOut] } },
    {
      prefix: 'object.',
      namespaceSelector: { matchExpressions: [noInjectionLabel, noRevLabel] },
      objectSelector: { matchExpressions: [{ key: INJECT_KEY, operator: 'In', values: ['true'] }, noRevLabel] },
    },
  );
  if (o.enableNamespacesByDefault) {
    entries.push({
      prefix: 'auto.',
      namespaceSelector: { matchExpressions: [noInjectionLabel, noRevLabel, { key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...IGNORED_NAMESPACES] }] },
      objectSelector: { matchExpressions: [{ key: INJECT_KEY, operator: 'DoesNotExist' }, noRevLabel] },
    });
  }
  return excluding(entries, o.excludedNamespaces);
}

function excluding(entries: SelectionEntry[], namespaces: readonly string[] | undefined): SelectionEntry[] {
  if (namespaces === undefined || namespaces.length === 0) return entries;
  const notIn = { key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...namespaces] };
  return entries.map((e) => ({ ...e, namespaceSelector: { ...e.namespaceSelector, matchExpressions: [...(e.namespaceSelector.matchExpressions ?? []), notIn] } }));
}
