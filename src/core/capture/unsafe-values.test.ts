/**
 * The renderers' backstop: whatever a future setting lets through, no value with a control
 * character, an inner blank, a quote, a backslash, `;`, `#` or a brace (nor a negative or
 * non-integer number) reaches iptables-restore or nft text. Every string and number leaf of every
 * rule of a rule set that uses every rule kind is tampered with in turn; both renderers refuse.
 */
import { describe, expect, it } from 'vitest';
import { buildRules } from './build.js';
import { renderIptables } from './iptables.js';
import { UnsafeRuleValueError, type Rule, type RuleSet } from './model.js';
import { renderNft } from './nft.js';
import { SIDECAR_SETTINGS, testConfig } from './test-config.js';

const sets: RuleSet[] = [
  buildRules(testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true', excludeInterfaces: 'eth1', kubeVirtInterfaces: 'net1', outboundIpRangesExclude: '10.0.0.0/8', ownerGroupsExclude: 'java,202', redirectDns: 'true', dnsServers: '10.96.0.10', dropInvalid: 'true', outboundPortsExclude: '6379', outboundPortsInclude: '25' })),
  buildRules(testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true', interceptionMode: 'TPROXY', ownerGroupsInclude: 'java,202', redirectDns: 'true', captureAllDns: 'true', outboundIpRangesInclude: '10.0.0.0/8' })),
];

/** Paths of every string and number leaf of `v` (skipping `kind`). */
function leaves(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: string | number }[] {
  if (typeof v === 'string' || typeof v === 'number') return path.at(-1) === 'kind' ? [] : [{ path, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [];
}

function withLeaf(set: RuleSet, ruleIndex: number, path: (string | number)[], value: unknown): RuleSet {
  const rules = structuredClone(set.rules) as Rule[];
  let at: Record<string | number, unknown> = rules[ruleIndex] as unknown as Record<string, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return { ...set, rules };
}

describe('renderers refuse unsafe values in any rule field', () => {
  const cases = sets.flatMap((set, s) =>
    set.rules.flatMap((rule, r) => leaves({ v4: rule.v4, v6: rule.v6 }).map((leaf) => ({ set: s, rule: r, ...leaf }))),
  );

  it('the rule sets render, and use the rule kinds that carry values', () => {
    for (const set of sets) {
      expect(renderIptables(set, 'v4')).not.toBe('');
      expect(renderNft(set)).not.toBe('');
    }
    const kinds = new Set(sets.flatMap((s) => s.rules.flatMap((r) => [r.v4?.kind, r.v6?.kind])));
    for (const k of ['iface', 'groupsExceptReturn', 'ownerReturn', 'dst', 'tproxy', 'dnsRedirect', 'proto', 'redirect']) expect(kinds).toContain(k);
    expect(cases.length).toBeGreaterThan(100);
  });

  const bad = ['1000\n-A OUTPUT -j ACCEPT', 'a\u0000', '202 -j ACCEPT', 'eth0;add rule inet x y accept', 'a"b#', 'a\\b{'];
  it.each(bad)('a string leaf set to %j: both renderers throw, naming the rule kind', (text) => {
    for (const c of cases.filter((x) => typeof x.value === 'string')) {
      const set = withLeaf(sets[c.set] as RuleSet, c.rule, c.path, text);
      const family = c.path[0] as 'v4' | 'v6';
      expect(() => renderIptables(set, family), c.path.join('.')).toThrow(UnsafeRuleValueError);
      expect(() => renderNft(set), c.path.join('.')).toThrow(UnsafeRuleValueError);
    }
  });

  it.each([-1, 1.5, Number.NaN])('a number leaf set to %s: both renderers throw', (n) => {
    for (const c of cases.filter((x) => typeof x.value === 'number')) {
      const set = withLeaf(sets[c.set] as RuleSet, c.rule, c.path, n);
      const family = c.path[0] as 'v4' | 'v6';
      expect(() => renderIptables(set, family), c.path.join('.')).toThrow(UnsafeRuleValueError);
      expect(() => renderNft(set), c.path.join('.')).toThrow(UnsafeRuleValueError);
    }
  });

  it('blanks around a list item pass, as Istio writes them', () => {
    const set = buildRules(testConfig({ ...SIDECAR_SETTINGS, ownerGroupsExclude: 'java, 202' }));
    expect(renderIptables(set, 'v4')).toContain('--gid-owner  202');
  });
});
