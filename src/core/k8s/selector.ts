/** metav1.LabelSelector matching (matchLabels AND matchExpressions). */

import { ownValue } from '../format/own-keys.js';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export type SelectorResult = 'match' | 'noMatch' | 'empty' | 'invalid';

/**
 * Evaluates a selector against labels. `empty` (no requirements) and `invalid` (unknown
 * operator, In/NotIn without values, Exists with values) are reported separately because the
 * injector treats both as "does not match".
 */
export function matchSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): SelectorResult {
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const exprs = selector.matchExpressions ?? [];
  if (matchLabels.length === 0 && exprs.length === 0) return 'empty';
  for (const e of exprs) {
    const values = e.values ?? [];
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    const noValues = e.operator === 'Exists' || e.operator === 'DoesNotExist';
    if ((!needsValues && !noValues) || (needsValues && values.length === 0) || (noValues && values.length > 0)) {
      return 'invalid';
    }
  }
  for (const [k, v] of matchLabels) if (ownValue(labels, k) !== v) return 'noMatch';
  for (const e of exprs) {
    const has = Object.hasOwn(labels, e.key);
    const value = ownValue(labels, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return 'noMatch';
  }
  return 'match';
}
