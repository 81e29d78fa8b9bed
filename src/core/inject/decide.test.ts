import { describe, expect, it } from 'vitest';
import { decideInjection, OFFLINE_POLICY, type DecisionPolicy } from './decide.js';

const pod = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}, hostNetwork = false) => ({
  metadata: { labels, annotations },
  spec: { hostNetwork, containers: [{ name: 'a' }] },
});
const policy = (p: string, extra: Partial<DecisionPolicy> = {}): DecisionPolicy => ({ ...OFFLINE_POLICY, policy: p, ...extra });
const INJECT = 'sidecar.istio.io/inject';

describe('decideInjection', () => {
  it.each([
    { name: 'enabled policy injects by default', p: pod(), ns: 'app', pol: policy('enabled'), expected: true },
    { name: 'hostNetwork never', p: pod({ [INJECT]: 'true' }, {}, true), ns: 'app', pol: policy('enabled'), expected: 'hostNetwork' },
    { name: 'ignored namespace', p: pod({ [INJECT]: 'true' }), ns: 'kube-system', pol: policy('enabled'), expected: 'ignoredNamespace' },
    { name: 'label false opts out', p: pod({ [INJECT]: 'false' }), ns: 'app', pol: policy('enabled'), expected: 'podOptOut' },
    { name: 'annotation false opts out', p: pod({}, { [INJECT]: 'false' }), ns: 'app', pol: policy('enabled'), expected: 'podOptOut' },
    { name: 'label beats annotation', p: pod({ [INJECT]: 'true' }, { [INJECT]: 'false' }), ns: 'app', pol: policy('enabled'), expected: true },
    { name: 'values are case-sensitive', p: pod({ [INJECT]: 'False' }), ns: 'app', pol: policy('enabled'), expected: true },
    { name: 'disabled policy skips by default', p: pod(), ns: 'app', pol: policy('disabled'), expected: 'policyDisabled' },
    { name: 'disabled policy, explicit true injects', p: pod({ [INJECT]: 'true' }), ns: 'app', pol: policy('disabled'), expected: true },
    {
      name: 'never selector opts out',
      p: pod({ app: 'db' }), ns: 'app', pol: policy('enabled', { neverInjectSelector: [{ matchLabels: { app: 'db' } }] }), expected: 'neverSelector',
    },
    {
      name: 'always selector opts in under disabled policy',
      p: pod({ app: 'web' }), ns: 'app',
      pol: policy('disabled', { alwaysInjectSelector: [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }] }), expected: true,
    },
    {
      name: 'never wins over always',
      p: pod({ app: 'web' }), ns: 'app',
      pol: policy('enabled', { neverInjectSelector: [{ matchLabels: { app: 'web' } }], alwaysInjectSelector: [{ matchLabels: { app: 'web' } }] }),
      expected: 'neverSelector',
    },
    { name: 'an empty selector never matches', p: pod({ app: 'x' }), ns: 'app', pol: policy('disabled', { alwaysInjectSelector: [{}] }), expected: 'policyDisabled' },
    { name: 'explicit label beats selectors', p: pod({ [INJECT]: 'true', app: 'db' }), ns: 'app', pol: policy('enabled', { neverInjectSelector: [{ matchLabels: { app: 'db' } }] }), expected: true },
    { name: 'unknown policy disables', p: pod(), ns: 'app', pol: policy('sometimes'), expected: 'invalidPolicy' },
  ])('$name', ({ p, ns, pol, expected }) => {
    const d = decideInjection(p, ns, pol);
    expect(d.inject ? true : d.reason).toBe(expected);
  });

  it('warns about values other than "true"/"false" and about a bad policy', () => {
    expect(decideInjection(pod({ [INJECT]: 'yes' }), 'a', OFFLINE_POLICY).warnings).toEqual([
      'Invalid value for sidecar.istio.io/inject: "yes". Only \'true\' and \'false\' are accepted. Falling back to default injection policy.',
    ]);
    expect(decideInjection(pod(), 'a', policy('x')).warnings).toEqual([
      'Illegal value for autoInject:x, must be one of [disabled,enabled]. Auto injection disabled!',
    ]);
  });
});
