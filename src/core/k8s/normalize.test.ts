import { describe, expect, it } from 'vitest';
import { normalizeAs, setNormalizeContractChecks, withNormalizeSession } from './normalize.js';

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

  const goInt = (v: number, field: string, type: string) => `json: cannot unmarshal number ${v} into Go struct field ${field} of type ${type}`;
  it.each([
    { name: 'containerPort above int32', kind: 'Pod', input: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 2 ** 31 }] }] } },
      path: 'spec.containers[0].ports[0].containerPort', go: goInt(2 ** 31, 'ContainerPort.spec.containers.ports.containerPort', 'int32') },
    { name: 'hostPort below int32', kind: 'Pod', input: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: -(2 ** 31) - 1 }] }] } },
      path: 'spec.containers[0].ports[0].hostPort', go: goInt(-(2 ** 31) - 1, 'ContainerPort.spec.containers.ports.hostPort', 'int32') },
    { name: 'probe timing', kind: 'Pod', input: { spec: { initContainers: [{ name: 'i', readinessProbe: { periodSeconds: 1e10 } }] } },
      path: 'spec.initContainers[0].readinessProbe.periodSeconds', go: goInt(1e10, 'Probe.spec.initContainers.readinessProbe.periodSeconds', 'int32') },
    { name: 'IntOrString probe port', kind: 'Pod', input: { spec: { containers: [{ name: 'a', livenessProbe: { httpGet: { port: 70000000000 } } }] } },
      path: 'spec.containers[0].livenessProbe.httpGet.port', go: goInt(70000000000, 'HTTPGetAction.spec.containers.livenessProbe.httpGet.port', 'int32') },
    { name: 'fractional gRPC port', kind: 'Pod', input: { spec: { containers: [{ name: 'a', startupProbe: { grpc: { port: 1.5 } } }] } },
      path: 'spec.containers[0].startupProbe.grpc.port', go: goInt(1.5, 'GRPCAction.spec.containers.startupProbe.grpc.port', 'int32') },
    { name: 'volume defaultMode', kind: 'Pod', input: { spec: { volumes: [{ name: 'v', secret: { defaultMode: 2 ** 32 } }] } },
      path: 'spec.volumes[0].secret.defaultMode', go: goInt(2 ** 32, 'SecretVolumeSource.spec.volumes.secret.defaultMode', 'int32') },
    { name: 'Deployment replicas', kind: 'Deployment', input: { spec: { replicas: 2 ** 31, template: {} } },
      path: 'spec.replicas', go: goInt(2 ** 31, 'DeploymentSpec.spec.replicas', 'int32') },
    { name: 'int64 runAsUser beyond int64', kind: 'Pod', input: { spec: { securityContext: { runAsUser: 2 ** 64 } } },
      path: 'spec.securityContext.runAsUser', go: goInt(2 ** 64, 'PodSecurityContext.spec.securityContext.runAsUser', 'int64') },
  ])('rejects an integer Go cannot hold: $name', ({ kind, input, path, go }) => {
    expect(() => normalizeAs(kind, input)).toThrow(`${path}: ${go}`);
  });

  it.each([
    ['int32 bounds', { containerPort: 2 ** 31 - 1, hostPort: -(2 ** 31) }],
  ])('accepts %s', (_n, port) => {
    expect(normalizeAs('ContainerPort', port)).toEqual(port);
  });

  it('remembers deep-frozen inputs across calls, with frozen results', () => {
    const env = Object.freeze({ name: 'POD_NAME', valueFrom: Object.freeze({ fieldRef: Object.freeze({ fieldPath: 'metadata.name' }) }) });
    const first = normalizeAs('EnvVar', env);
    expect(first).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(normalizeAs('EnvVar', env)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // a mutable input with the same content is normalised afresh
    expect(normalizeAs('EnvVar', structuredClone(env))).not.toBe(first);
  });

  it('keeps int64 fields wider than int32', () => {
    expect(normalizeAs('SecurityContext', { runAsUser: 2 ** 40 })).toEqual({ runAsUser: 2 ** 40 });
  });
});

describe('the memo contract, checked (setNormalizeContractChecks: on in the unit tests)', () => {
  const container = () => ({ name: 'app', image: 'nginx', env: [{ name: 'A', value: '1' }] });

  it('refuses a frozen input with a part that is not frozen', () => {
    const c = Object.freeze(container());
    expect(() => normalizeAs('Container', c)).toThrow(/frozen input with a part that is not frozen/);
  });

  it('accepts a deeply frozen input and remembers its result across calls', () => {
    const c = container();
    for (const e of c.env) Object.freeze(e);
    Object.freeze(c.env);
    Object.freeze(c);
    expect(normalizeAs('Container', c)).toBe(normalizeAs('Container', c));
  });

  it('refuses an object modified after a session normalised it', () => {
    const spec = { containers: [container()] };
    expect(() =>
      withNormalizeSession(() => {
        normalizeAs('PodSpec', spec);
        spec.containers.push({ name: 'late', image: 'x', env: [] });
        return normalizeAs('PodSpec', spec);
      }),
    ).toThrow(/modified after it was normalised in this session/);
  });

  it('checks nothing when off (the product’s default)', () => {
    setNormalizeContractChecks(false);
    try {
      const c = Object.freeze(container());
      expect(normalizeAs('Container', c).name).toBe('app');
    } finally {
      setNormalizeContractChecks(true);
    }
  });
});
