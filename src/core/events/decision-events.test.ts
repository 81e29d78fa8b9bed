import { describe, expect, it } from 'vitest';
import { EventLimiter, eventKey, eventOwner, skipEvent } from './decision-events.js';

describe('EventLimiter', () => {
  const limits = { perObjectIntervalMs: 60_000, burst: 3, perSecond: 1, maxKeys: 4 };

  it('sends one Event per owner and reason per interval', () => {
    const l = new EventLimiter(limits);
    expect(l.admit('a', 0)).toBe('send');
    expect(l.admit('a', 59_999)).toBe('duplicate');
    expect(l.admit('b', 1000)).toBe('send');
    expect(l.admit('a', 60_000)).toBe('send');
  });

  it('throttles across owners with a token bucket (burst, then the rate)', () => {
    const l = new EventLimiter(limits);
    expect(['a', 'b', 'c', 'd'].map((k) => l.admit(k, 0))).toEqual(['send', 'send', 'send', 'throttled']);
    expect(l.admit('d', 500)).toBe('throttled');
    expect(l.admit('d', 1000)).toBe('send');
    expect(l.admit('e', 1000)).toBe('throttled');
  });

  it('remembers at most maxKeys owners (the oldest are forgotten)', () => {
    const l = new EventLimiter({ ...limits, burst: 100 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(l.admit(k, 0)).toBe('send');
    expect(l.admit('e', 1)).toBe('duplicate');
    expect(l.admit('a', 1)).toBe('send'); // forgotten: memory is bounded
  });
});

describe('skipEvent', () => {
  const pod = { metadata: { generateName: 'web-6d9f-', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f', uid: 'u-1', controller: true }] } };

  it('is about the controlling owner; a pod without one has none', () => {
    expect(eventOwner(pod)).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f', uid: 'u-1' });
    expect(eventOwner({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', controller: false }] } })).toBeUndefined();
    expect(eventOwner({ metadata: {} })).toBeUndefined();
    expect(eventKey('shop', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f' }, 'podOptOut')).toBe('shop/ReplicaSet/web-6d9f/podOptOut');
  });

  it('carries the typed reason and the admission warning sentence', () => {
    const owner = eventOwner(pod);
    if (!owner) throw new Error('no owner');
    const e = skipEvent({ namespace: 'shop', owner, reason: 'podOptOut', message: 'pod has the sidecar.istio.io/inject=false label', pod: 'web-6d9f-', instance: 'wh-1', now: new Date('2026-12-07T01:02:03.456Z') });
    expect(e).toMatchObject({
      metadata: { generateName: 'web-6d9f.', namespace: 'shop' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f', namespace: 'shop', uid: 'u-1' },
      reason: 'InjectionSkippedPodOptOut',
      message: 'sidecar injection skipped for pod web-6d9f-: pod has the sidecar.istio.io/inject=false label',
      type: 'Normal',
      firstTimestamp: '2026-12-07T01:02:03Z',
      count: 1,
    });
    const long = skipEvent({ namespace: 'shop', owner, reason: 'x', message: 'y'.repeat(5000), pod: 'p', instance: '', now: new Date(0) });
    expect((long.message as string).length).toBe(1024);
  });
});
