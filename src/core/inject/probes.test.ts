import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../k8s/pod.js';
import { applyProbeRewrite, dumpAppProbers } from './probes.js';

const proxy: Container = { name: 'istio-proxy', env: [] };
const podWith = (app: Container, annotations: Record<string, string> = {}): Pod => ({
  metadata: { annotations },
  spec: { containers: [app, structuredClone(proxy)] },
});

describe('probe rewriting', () => {
  it.each([
    {
      name: 'httpGet on a named port: port resolved in the prober, probe points at the status port',
      app: { name: 'a', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/r', port: 'http' } } },
      probers: '{"/app-health/a/readyz":{"httpGet":{"path":"/r","port":8080}}}',
      probe: ['readinessProbe', { httpGet: { path: '/app-health/a/readyz', port: 15020 } }],
    },
    {
      name: 'HTTPS becomes HTTP, host and headers kept, timeout recorded',
      app: { name: 'a', livenessProbe: { httpGet: { port: 443, scheme: 'HTTPS', host: 'h', httpHeaders: [{ name: 'X', value: 'y' }] }, timeoutSeconds: 5 } },
      probers: '{"/app-health/a/livez":{"httpGet":{"port":443,"host":"h","scheme":"HTTPS","httpHeaders":[{"name":"X","value":"y"}]},"timeoutSeconds":5}}',
      probe: ['livenessProbe', { httpGet: { path: '/app-health/a/livez', port: 15020, host: 'h', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] }, timeoutSeconds: 5 }],
    },
    {
      name: 'tcpSocket becomes httpGet, other probe fields kept',
      app: { name: 'a', startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 7 } },
      probers: '{"/app-health/a/startupz":{"tcpSocket":{"port":5432}}}',
      probe: ['startupProbe', { httpGet: { path: '/app-health/a/startupz', port: 15020 }, periodSeconds: 7 }],
    },
    {
      name: 'grpc becomes httpGet, grpc ports are never resolved',
      app: { name: 'a', readinessProbe: { grpc: { port: 9090, service: 'health' } } },
      probers: '{"/app-health/a/readyz":{"grpc":{"port":9090,"service":"health"}}}',
      probe: ['readinessProbe', { httpGet: { path: '/app-health/a/readyz', port: 15020 } }],
    },
    {
      name: 'exec probes are left alone',
      app: { name: 'a', readinessProbe: { exec: { command: ['true'] } } },
      probers: undefined,
      probe: ['readinessProbe', { exec: { command: ['true'] } }],
    },
    {
      name: 'an unknown named port gives no prober but the probe is still redirected',
      app: { name: 'a', readinessProbe: { httpGet: { port: 'nope' } } },
      probers: undefined,
      probe: ['readinessProbe', { httpGet: { path: '/app-health/a/readyz', port: 15020 } }],
    },
  ] as const)('$name', ({ app, probers, probe }) => {
    const pod = podWith(structuredClone(app) as unknown as Container);
    applyProbeRewrite(pod, true, 15020);
    const env = pod.spec?.containers?.[1]?.env?.find((e) => e.name === 'ISTIO_KUBE_APP_PROBERS')?.value;
    expect(env).toBe(probers);
    expect((pod.spec?.containers?.[0] as Record<string, unknown>)[probe[0]]).toEqual(probe[1]);
  });

  it('uses the status port annotation for the rewritten probes', () => {
    const pod = podWith({ name: 'a', readinessProbe: { httpGet: { port: 80 } } }, { 'status.sidecar.istio.io/port': '16000' });
    applyProbeRewrite(pod, true, 15020);
    expect(pod.spec?.containers?.[0]?.readinessProbe?.httpGet?.port).toBe(16000);
  });

  it.each([
    ['annotation false disables', { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' }, true],
    ['values default false disables', {}, false],
  ])('%s', (_n, ann, def) => {
    const pod = podWith({ name: 'a', readinessProbe: { httpGet: { port: 80 } } }, ann);
    applyProbeRewrite(pod, def, 15020);
    expect(pod.spec?.containers?.[0]?.readinessProbe).toEqual({ httpGet: { port: 80 } });
  });

  it('skips probes already pointing at the status port and lifecycle hooks map to /app-lifecycle', () => {
    const pod = podWith({
      name: 'a',
      readinessProbe: { httpGet: { port: 15020, path: '/app-health/a/readyz' } },
      lifecycle: { preStop: { httpGet: { port: 91 } }, postStart: { tcpSocket: { port: 93 } } },
    });
    expect(dumpAppProbers(pod, 15020)).toBe('{"/app-lifecycle/a/poststartz":{"tcpSocket":{"port":93}},"/app-lifecycle/a/prestopz":{"httpGet":{"port":91}}}');
  });

  it('merges with the existing probers on re-injection, existing entries winning', () => {
    const pod = podWith({ name: 'a', readinessProbe: { httpGet: { port: 80 } }, livenessProbe: { httpGet: { port: 81 } } }, { 'sidecar.istio.io/status': '{}' });
    pod.spec!.containers![1]!.env = [{ name: 'ISTIO_KUBE_APP_PROBERS', value: '{"/app-health/a/readyz":{"httpGet":{"port":9}}}' }];
    applyProbeRewrite(pod, true, 15020);
    expect(pod.spec?.containers?.[1]?.env).toEqual([
      { name: 'ISTIO_KUBE_APP_PROBERS', value: '{"/app-health/a/livez":{"httpGet":{"port":81}},"/app-health/a/readyz":{"httpGet":{"port":9}}}' },
    ]);
  });
});
