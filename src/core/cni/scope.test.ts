import { describe, expect, it } from 'vitest';
import { scopeSkip } from './scope.js';

const settings = { excludeNamespaces: ['kube-system', 'monitoring'], podNamespace: 'istio-system' };
const pod = (name: string, namespace: string) => ({ name, namespace, uid: '', infraContainerId: '' });

describe('scopeSkip', () => {
  it.each([
    ['a workload pod', pod('web-1', 'shop'), undefined],
    ['no pod args (plain container)', pod('', ''), 'not-a-pod'],
    ['name without namespace', pod('web-1', ''), 'not-a-pod'],
    ['excluded namespace', pod('coredns-1', 'kube-system'), 'excluded-namespace'],
    ['our agent in our namespace', pod('istio-cni-node-x7', 'istio-system'), 'own-agent-pod'],
    ['an agent-like name elsewhere', pod('istio-cni-node-x7', 'shop'), undefined],
  ])('%s', (_n, p, want) => expect(scopeSkip(p, settings)).toBe(want));

  it('treats a null exclude list as empty', () => {
    expect(scopeSkip(pod('a', 'kube-system'), { excludeNamespaces: null, podNamespace: '' })).toBeUndefined();
  });
});
