import { describe, expect, it } from 'vitest';
import { daemonSetTargetsNode, shutdownPlan, taintRemovalPatch, type DaemonSetView, type NodeView } from './node-readiness.js';

describe('taintRemovalPatch', () => {
  const notReady = { key: 'cni.istio.io/not-ready', value: 'true', effect: 'NoSchedule' };
  const other = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

  it('removes every taint with the key and keeps the others, guarded by a test of what was read', () => {
    expect(taintRemovalPatch([other, notReady, { ...notReady, effect: 'NoExecute' }], notReady.key)).toEqual([
      { op: 'test', path: '/spec/taints', value: [other, notReady, { ...notReady, effect: 'NoExecute' }] },
      { op: 'replace', path: '/spec/taints', value: [other] },
    ]);
  });

  it.each([[undefined], [null], [[]], [[other]]])('nothing to do for taints %j', (taints) => {
    expect(taintRemovalPatch(taints, notReady.key)).toBeUndefined();
  });
});

const node: NodeView = { metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux', pool: 'a', cores: '8' } } };
const ds = (spec: NonNullable<NonNullable<NonNullable<DaemonSetView['spec']>['template']>['spec']>, deleting = false): DaemonSetView => ({
  metadata: deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {},
  spec: { template: { spec } },
});
const affinity = (...terms: object[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

describe('daemonSetTargetsNode (node selector and required node affinity)', () => {
  it.each([
    ['no selector at all', {}, true],
    ['a matching nodeSelector', { nodeSelector: { 'kubernetes.io/os': 'linux' } }, true],
    ['a nodeSelector the node lacks', { nodeSelector: { pool: 'b' } }, false],
    ['In', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'In', values: ['a', 'b'] }] }) }, true],
    ['NotIn', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'NotIn', values: ['a'] }] }) }, false],
    ['Exists / DoesNotExist', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'Exists' }, { key: 'gpu', operator: 'DoesNotExist' }] }) }, true],
    ['Gt', { affinity: affinity({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }) }, true],
    ['Lt on a non-number', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'Lt', values: ['4'] }] }) }, false],
    ['terms are ORed', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'In', values: ['z'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }) }, true],
    ['an empty term matches nothing', { affinity: affinity({}) }, false],
    ['an unknown operator matches nothing', { affinity: affinity({ matchExpressions: [{ key: 'pool', operator: 'Like', values: ['a'] }] }) }, false],
  ])('%s → %s', (_n, spec, want) => {
    expect(daemonSetTargetsNode(ds(spec), node)).toBe(want);
  });
});

describe('shutdownPlan (Istio ambient ShouldStopCleanup: keep the plugin on a restart, remove it on an uninstall)', () => {
  it.each([
    ['off', false, { kind: 'found', daemonSet: ds({}), node }, false],
    ['DaemonSet present and targeting the node', true, { kind: 'found', daemonSet: ds({}), node }, true],
    ['DaemonSet being deleted', true, { kind: 'found', daemonSet: ds({}, true), node }, false],
    ['DaemonSet no longer targets the node', true, { kind: 'found', daemonSet: ds({ nodeSelector: { pool: 'b' } }), node }, false],
    ['the node could not be read', true, { kind: 'found', daemonSet: ds({}), node: undefined }, false],
    ['DaemonSet gone', true, { kind: 'not-found' }, false],
    ['access revoked (403)', true, { kind: 'no-access', status: 403 }, false],
    ['API error', true, { kind: 'error', message: 'timeout' }, false],
    ['no lookup possible', true, undefined, false],
  ] as const)('%s → keep %s', (_n, on, lookup, keep) => {
    const plan = shutdownPlan(on, lookup);
    expect(plan.keep).toBe(keep);
    expect(plan.reason).not.toBe('');
  });
});
