import { describe, expect, it } from 'vitest';
import { createCachingInjector } from './cache.js';
import type { AdmissionInput, ClusterSnapshot, PodInjector } from './types.js';

function counting(): PodInjector & { calls: number } {
  const inj = {
    calls: 0,
    admit(input: AdmissionInput) {
      inj.calls++;
      return { kind: 'injected' as const, patch: [{ op: 'add' as const, path: '/x', value: JSON.stringify(input.pod) }], warnings: [] };
    },
  };
  return inj;
}

const snap: ClusterSnapshot = { nodes: [{ name: 'n', kubeletVersion: 'v1.33.0' }], namespaceAnnotations: undefined };
const input = (pod: object, extra: Partial<AdmissionInput> = {}): AdmissionInput => ({ pod: pod as Record<string, unknown>, namespace: 'default', proxyEnv: {}, cluster: snap, ...extra });

describe('createCachingInjector', () => {
  it('answers identical admissions from the memo', () => {
    const inner = counting();
    const c = createCachingInjector(inner, 10);
    const first = c.admit(input({ spec: { a: 1 } }));
    expect(c.admit(input({ spec: { a: 1 } }))).toBe(first);
    expect(inner.calls).toBe(1);
  });

  it.each([
    ['a different pod', input({ spec: { a: 2 } })],
    ['a different namespace', input({ spec: { a: 1 } }, { namespace: 'other' })],
    ['different URL env overrides', input({ spec: { a: 1 } }, { proxyEnv: { ISTIO_META_CLUSTER_ID: 'c2' } })],
    ['a new cluster snapshot', input({ spec: { a: 1 } }, { cluster: { ...snap } })],
  ])('computes again for %s', (_n, other) => {
    const inner = counting();
    const c = createCachingInjector(inner, 10);
    c.admit(input({ spec: { a: 1 } }));
    c.admit(other);
    expect(inner.calls).toBe(2);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const inner = counting();
    const c = createCachingInjector(inner, 2);
    c.admit(input({ n: 1 }));
    c.admit(input({ n: 2 }));
    c.admit(input({ n: 1 })); // 1 is now the most recent
    c.admit(input({ n: 3 })); // evicts 2
    expect(inner.calls).toBe(3);
    c.admit(input({ n: 1 }));
    expect(inner.calls).toBe(3);
    c.admit(input({ n: 2 }));
    expect(inner.calls).toBe(4);
  });

  it('is a pass-through with size 0', () => {
    const inner = counting();
    expect(createCachingInjector(inner, 0)).toBe(inner);
  });
});
