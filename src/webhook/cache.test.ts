import { describe, expect, it } from 'vitest';
import { createCachingInjector, outcomeBytes } from './cache.js';
import { encodePatch, type AdmissionInput, type ClusterSnapshot, type PodInjector } from './types.js';

/** Answers with a patch that carries the whole pod (so a big pod makes a big outcome). */
function counting(): PodInjector & { calls: number } {
  const inj = {
    calls: 0,
    admit(input: AdmissionInput) {
      inj.calls++;
      return { kind: 'injected' as const, patch: encodePatch([{ op: 'add' as const, path: '/x', value: JSON.stringify(input.pod) }]), warnings: [] };
    },
  };
  return inj;
}

const snap: ClusterSnapshot = { nodes: [{ name: 'n', kubeletVersion: 'v1.33.0' }], namespaceAnnotations: undefined };
const input = (pod: object, extra: Partial<AdmissionInput> = {}): AdmissionInput => ({ pod: pod as Record<string, unknown>, namespace: 'default', proxyEnv: {}, cluster: snap, ...extra });
const entries = (maxEntries: number) => ({ maxEntries, maxBytes: 1 << 30 });

describe('createCachingInjector', () => {
  it('answers identical admissions from the memo', () => {
    const inner = counting();
    const c = createCachingInjector(inner, entries(10));
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
    const c = createCachingInjector(inner, entries(10));
    c.admit(input({ spec: { a: 1 } }));
    c.admit(other);
    expect(inner.calls).toBe(2);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const inner = counting();
    const c = createCachingInjector(inner, entries(2));
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

  it.each([
    ['no entries', { maxEntries: 0, maxBytes: 1000 }],
    ['no bytes', { maxEntries: 10, maxBytes: 0 }],
  ])('is a pass-through with %s', (_n, limits) => {
    const inner = counting();
    expect(createCachingInjector(inner, limits)).toBe(inner);
  });
});

describe('the memo is bounded by bytes', () => {
  const big = (i: number, size: number) => ({ metadata: { name: `${i}-${'n'.repeat(size)}` } });

  it('keeps the most recent outcomes whose sizes add up to the bound, evicting the oldest', () => {
    const inner = counting();
    const outcomeSize = outcomeBytes(inner.admit(input(big(0, 10_000))));
    inner.calls = 0;
    // Room for four such outcomes (and their keys, hashes of long pods), not five.
    const c = createCachingInjector(inner, { maxEntries: 1000, maxBytes: 4.5 * (outcomeSize + 200) });
    for (let i = 0; i < 10; i++) c.admit(input(big(i, 10_000)));
    expect(inner.calls).toBe(10);
    for (const i of [9, 8, 7, 6]) c.admit(input(big(i, 10_000)));
    expect(inner.calls).toBe(10); // the last four are remembered
    c.admit(input(big(5, 10_000)));
    expect(inner.calls).toBe(11); // the fifth-last was evicted
  });

  it('does not remember an outcome bigger than a quarter of the bound, nor evict others for it', () => {
    const inner = counting();
    const c = createCachingInjector(inner, { maxEntries: 1000, maxBytes: 100_000 });
    c.admit(input({ small: 1 }));
    c.admit(input(big(1, 40_000)));
    c.admit(input(big(1, 40_000)));
    expect(inner.calls).toBe(3);
    c.admit(input({ small: 1 }));
    expect(inner.calls).toBe(3);
  });

  it('40 distinct pods with 1 MB names: only as many outcomes as fit are kept', () => {
    const inner = counting();
    const c = createCachingInjector(inner, { maxEntries: 256, maxBytes: 16 * 1024 * 1024 });
    for (let i = 0; i < 40; i++) c.admit(input(big(i, 1024 * 1024)));
    // ~1.4 MB of base64 each: 11 fit in 16 MiB (an entry-bounded memo kept all 40, ~56 MB).
    for (let i = 39; i >= 29; i--) c.admit(input(big(i, 1024 * 1024)));
    expect(inner.calls).toBe(40);
    c.admit(input(big(28, 1024 * 1024)));
    expect(inner.calls).toBe(41);
  });
});
