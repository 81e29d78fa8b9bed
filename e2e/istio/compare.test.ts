// The pure comparison of e2e/istio (no cluster): what differs by nature is removed, everything
// else is reported by path.
import { describe, expect, it } from 'vitest';
import { compareTwins, diff, podKey, type PodLike } from './compare.js';

function cronPod(ns: string, rev: string, suffix: string, initImage: string, extraEnv: Record<string, string> = {}): PodLike {
  const job = 'tick-29943437';
  const name = `${job}-${suffix}`;
  return {
    metadata: {
      name,
      generateName: `${job}-`,
      namespace: ns,
      labels: { app: 'tick', 'istio.io/rev': rev, 'batch.kubernetes.io/job-name': job },
      annotations: { 'istio.io/rev': rev, 'sidecar.istio.io/status': JSON.stringify({ initContainers: ['istio-init', 'istio-proxy'], revision: rev }) },
      ownerReferences: [{ kind: 'Job', name: job }],
    },
    spec: {
      initContainers: [
        { name: 'istio-init', image: initImage },
        {
          name: 'istio-proxy',
          env: [
            { name: 'POD_NAME', value: name },
            { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/batch/v1/namespaces/${ns}/cronjobs/tick` },
            ...Object.entries(extraEnv).map(([k, v]) => ({ name: k, value: v })),
          ],
        },
      ],
      volumes: [{ name: `kube-api-access-${suffix.slice(0, 5)}` }],
    },
    status: { phase: 'Pending' },
  };
}

const ctx = { istiod: { namespace: 'cmp-istiod', revision: 'istio', initImage: 'hub/proxyv2:1' }, ours: { namespace: 'cmp-sk', revision: 'sk', initImage: 'hub/init:1' } };

describe('e2e/istio pod comparison', () => {
  it('pairs twins by owner and finds no difference in what differs by nature (names, namespace, revision, init image)', () => {
    const a = cronPod('cmp-istiod', 'istio', 'ab1cd', 'hub/proxyv2:1');
    const b = cronPod('cmp-sk', 'sk', 'zz9yy', 'hub/init:1');
    expect(podKey(a)).toBe('Job/tick-<scheduled>');
    expect(podKey(b)).toBe(podKey(a));
    expect(compareTwins([a], [b], ctx)).toEqual([{ key: 'Job/tick-<scheduled>', differences: [] }]);
  });

  it('reports every other difference by path, JSON strings parsed, a missing twin and the order of named elements', () => {
    const a = cronPod('cmp-istiod', 'istio', 'ab1cd', 'hub/proxyv2:1', { PROXY_CONFIG: '{"concurrency":2}' });
    const b = cronPod('cmp-sk', 'sk', 'zz9yy', 'hub/other:1', { PROXY_CONFIG: '{"concurrency":1}' });
    const [twin] = compareTwins([a], [b], ctx);
    expect(twin?.differences).toEqual([
      { path: 'spec.initContainers[name=istio-init].image', istiod: '<init-image>', ours: 'hub/other:1' },
      { path: 'spec.initContainers[name=istio-proxy].env[name=PROXY_CONFIG].value<json>.concurrency', istiod: 2, ours: 1 },
    ]);
    const lone = compareTwins([a], [], ctx);
    expect(lone[0]?.differences).toEqual([{ path: '<pod>', istiod: 'present', ours: 'missing' }]);
    expect(diff([{ name: 'a' }, { name: 'b' }], [{ name: 'b' }, { name: 'a' }], 'spec.containers')).toEqual([{ path: 'spec.containers#order', istiod: ['name=a', 'name=b'], ours: ['name=b', 'name=a'] }]);
  });
});
