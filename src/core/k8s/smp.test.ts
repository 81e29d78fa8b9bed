import { describe, expect, it } from 'vitest';
import { strategicMerge } from './smp.js';

const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });

describe('strategicMerge (Pod)', () => {
  it.each([
    {
      name: 'containers merge by name, patch items first, pod-only items after',
      original: { spec: { containers: [c('app'), c('side')] } },
      patch: { spec: { containers: [c('istio-proxy', { image: 'p' })] } },
      expected: { spec: { containers: [c('istio-proxy', { image: 'p' }), c('app'), c('side')] } },
    },
    {
      name: 'a pod-only item stays before a patch item that followed it in the pod',
      original: { spec: { volumes: [c('data'), c('istio-envoy', { emptyDir: {} })] } },
      patch: { spec: { volumes: [c('workload-socket'), c('istio-envoy', { emptyDir: { medium: 'Memory' } })] } },
      expected: { spec: { volumes: [c('workload-socket'), c('data'), c('istio-envoy', { emptyDir: { medium: 'Memory' } })] } },
    },
    {
      name: 'matching items merge field by field; scalar lists are replaced',
      original: { spec: { containers: [c('istio-proxy', { args: ['a'], image: 'old', imagePullPolicy: 'Always' })] } },
      patch: { spec: { containers: [c('istio-proxy', { args: ['b', 'c'], image: 'new' })] } },
      expected: { spec: { containers: [c('istio-proxy', { args: ['b', 'c'], image: 'new', imagePullPolicy: 'Always' })] } },
    },
    {
      name: 'env merges by name, ports by containerPort, volumeMounts by mountPath',
      original: { spec: { containers: [c('x', { env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ name: 'v', mountPath: '/a' }] })] } },
      patch: { spec: { containers: [c('x', { env: [{ name: 'B', value: '2' }, { name: 'A', value: '3' }], ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'w', mountPath: '/a' }] })] } },
      expected: { spec: { containers: [c('x', { env: [{ name: 'B', value: '2' }, { name: 'A', value: '3' }], ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }], volumeMounts: [{ name: 'w', mountPath: '/a' }] })] } },
    },
    {
      name: 'null deletes a key; nulls in new items are dropped',
      original: { spec: { volumes: [c('ws', { emptyDir: {} })] }, metadata: { labels: { a: '1', b: '2' } } },
      patch: { spec: { volumes: [c('ws', { emptyDir: null }), c('new', { emptyDir: null })] }, metadata: { labels: { a: null } } },
      expected: { spec: { volumes: [c('ws'), c('new')] }, metadata: { labels: { b: '2' } } },
    },
    {
      name: 'capabilities lists (no merge strategy) are replaced',
      original: { spec: { containers: [c('x', { securityContext: { capabilities: { add: ['A'], drop: ['ALL'] } } })] } },
      patch: { spec: { containers: [c('x', { securityContext: { capabilities: { drop: ['B'] } } })] } },
      expected: { spec: { containers: [c('x', { securityContext: { capabilities: { add: ['A'], drop: ['B'] } } })] } },
    },
    {
      name: 'an empty patch list leaves the pod list alone',
      original: { spec: { initContainers: [c('a')] } },
      patch: { spec: { initContainers: [] } },
      expected: { spec: { initContainers: [c('a')] } },
    },
    {
      name: 'finalizers merge as a set',
      original: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['c', 'a'] } },
      expected: { metadata: { finalizers: ['c', 'a', 'b'] } },
    },
    {
      name: '$patch: delete removes a keyed item, $patch: replace replaces a map',
      original: { spec: { containers: [c('a'), c('b')], securityContext: { runAsUser: 1, fsGroup: 2 } } },
      patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }], securityContext: { $patch: 'replace', runAsGroup: 3 } } },
      expected: { spec: { containers: [c('b')], securityContext: { runAsGroup: 3 } } },
    },
  ])('$name', ({ original, patch, expected }) => {
    const frozen = structuredClone(original);
    expect(strategicMerge(original, patch)).toEqual(expected);
    expect(original).toEqual(frozen);
  });

  it('takes a merge key present with a null value as a key (Go: a template\'s `- name: `), found in no list, so appended', () => {
    const merged = strategicMerge({ spec: { containers: [c('a'), { name: '', image: 'zero' }] } }, { spec: { containers: [{ name: null, image: 'x' }] } }) as { spec: { containers: { name?: unknown; image?: string }[] } };
    expect(merged.spec.containers).toHaveLength(3);
    expect(merged.spec.containers.map((x) => x.image)).toContain('x');
  });

  it('rejects a keyed list item without its merge key, naming the field', () => {
    expect(() => strategicMerge({ spec: { containers: [c('a')] } }, { spec: { containers: [{ image: 'x' }] } })).toThrow(
      /spec\.containers: .*does not contain declared merge key: name/,
    );
  });
});
