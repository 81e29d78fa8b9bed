import { describe, expect, it } from 'vitest';
import { normalizeAs } from './normalize.js';

describe('normalizeAs (typed-struct round trip)', () => {
  it.each([
    {
      name: 'Deployment gains strategy/status/resources, loses creationTimestamp and zero omitempty fields',
      kind: 'Deployment',
      input: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', creationTimestamp: null },
        spec: { paused: false, minReadySeconds: 0, replicas: 0, template: { spec: { containers: [{ name: 'a', stdin: false }] } } },
      },
      expected: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
        spec: { replicas: 0, template: { metadata: {}, spec: { containers: [{ name: 'a', resources: {} }] } }, strategy: {} },
        status: {},
      },
    },
    {
      name: 'non-omitempty status counters appear with zero values',
      kind: 'DaemonSet',
      input: { kind: 'DaemonSet', spec: { template: {} } },
      expected: {
        kind: 'DaemonSet', metadata: {}, spec: { template: { metadata: {}, spec: { containers: null } }, updateStrategy: {} },
        status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
      },
    },
    {
      name: 'quantities become canonical (string and number input)',
      kind: 'Container',
      input: { name: 'c', resources: { limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: 0.5, memory: 1000 } } },
      expected: { name: 'c', resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m', memory: '1k' } } },
    },
    {
      name: 'unknown fields are dropped, pointer zero values kept',
      kind: 'Container',
      input: { name: 'c', bogus: 1, securityContext: { privileged: false, runAsUser: 0 }, readinessProbe: { initialDelaySeconds: 0, httpGet: { port: 80 } } },
      expected: { name: 'c', resources: {}, readinessProbe: { httpGet: { port: 80 } }, securityContext: { privileged: false, runAsUser: 0 } },
    },
    {
      name: 'fields come out in Go declaration order',
      kind: 'ContainerPort',
      input: { protocol: 'TCP', containerPort: 80, name: 'http' },
      expected: { name: 'http', containerPort: 80, protocol: 'TCP' },
    },
  ])('$name', ({ kind, input, expected }) => {
    const out = normalizeAs(kind, input);
    expect(out).toEqual(expected);
    expect(JSON.stringify(out)).toBe(JSON.stringify(expected));
  });

  it.each([
    { input: { name: 3 }, message: 'c.name: expected string, got number' },
    { input: { name: 'x', ports: [{ containerPort: '80' }] }, message: 'c.ports[0].containerPort: expected integer, got string' },
    { input: { name: 'x', resources: { limits: { cpu: 'lots' } } }, message: 'c.resources.limits.cpu: quantities must match' },
  ])('rejects $input with a field path', ({ input, message }) => {
    expect(() => normalizeAs('Container', input, 'c')).toThrow(message);
  });
});
