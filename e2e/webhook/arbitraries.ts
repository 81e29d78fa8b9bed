/**
 * fast-check arbitraries for admission-time pods: random but plausible Pods (names, labels,
 * Istio annotations with valid and invalid values, containers with ports/probes/env, init
 * containers, volumes, a user-declared istio-proxy/istio-init, hostNetwork, owner references).
 */
import fc from 'fast-check';

const dns = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const port = fc.integer({ min: 1, max: 65535 });

const annotationPool: fc.Arbitrary<[string, string]>[] = [
  fc.tuple(fc.constant('sidecar.istio.io/inject'), fc.constantFrom('true', 'false', 'True', 'yes', '')),
  fc.tuple(fc.constant('sidecar.istio.io/proxyCPU'), fc.constantFrom('100m', '2', '500m', 'lots')),
  fc.tuple(fc.constant('sidecar.istio.io/proxyMemory'), fc.constantFrom('128Mi', '1Gi', '64M')),
  fc.tuple(fc.constant('sidecar.istio.io/interceptionMode'), fc.constantFrom('REDIRECT', 'TPROXY', 'NONE', 'bogus')),
  fc.tuple(fc.constant('traffic.sidecar.istio.io/includeOutboundIPRanges'), fc.constantFrom('*', '10.0.0.0/8', '10.0.0.0/8,192.168.0.0/16', '', 'not-a-cidr')),
  fc.tuple(fc.constant('traffic.sidecar.istio.io/excludeOutboundPorts'), fc.constantFrom('', '8080', '8080,9090', '70000', 'x')),
  fc.tuple(fc.constant('traffic.sidecar.istio.io/excludeInboundPorts'), fc.constantFrom('', '15020', '1,2,3')),
  fc.tuple(fc.constant('sidecar.istio.io/rewriteAppHTTPProbers'), fc.constantFrom('true', 'false')),
  fc.tuple(fc.constant('sidecar.istio.io/nativeSidecar'), fc.constantFrom('true', 'false')),
  fc.tuple(fc.constant('proxy.istio.io/config'), fc.constantFrom('holdApplicationUntilProxyStarts: true', 'concurrency: 2', '{}', 'terminationDrainDuration: 10s', ': nope')),
  fc.tuple(fc.constant('prometheus.io/scrape'), fc.constantFrom('true', 'false')),
  fc.tuple(fc.constant('prometheus.io/port'), fc.constantFrom('8080', '9090', '15020')),
  fc.tuple(fc.constant('prometheus.io/path'), fc.constantFrom('/metrics', '/stats')),
  fc.tuple(fc.constant('sidecar.istio.io/logLevel'), fc.constantFrom('debug', 'info', 'warning')),
  fc.tuple(fc.constant('example.com/note'), fc.string({ maxLength: 20 })),
];

const labelsWith = (keys: fc.Arbitrary<string>) => fc.dictionary(
  keys,
  fc.constantFrom('web', 'v1', 'v2', 'true', 'false', 'net1', ''),
  { maxKeys: 4 },
);

const probe = fc.oneof(
  fc.record({ httpGet: fc.record({ path: fc.constantFrom('/', '/healthz', '/ready'), port: fc.oneof(port, fc.constantFrom('http', 'metrics')) }) }),
  fc.record({ tcpSocket: fc.record({ port }) }),
  fc.record({ exec: fc.record({ command: fc.constant(['true']) }) }),
);

const container = (names: fc.Arbitrary<string>) =>
  fc.record(
    {
      name: names,
      image: fc.constantFrom('nginx', 'busybox:1.36', 'registry.example/app@sha256:' + 'a'.repeat(64)),
      ports: fc.array(fc.record({ containerPort: port, name: fc.constantFrom('http', 'grpc', 'metrics', 'tcp') }, { requiredKeys: ['containerPort'] }), { maxLength: 3 }),
      env: fc.array(fc.record({ name: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/), value: fc.string({ maxLength: 10 }) }), { maxLength: 4 }),
      readinessProbe: probe,
      livenessProbe: probe,
      resources: fc.record({ requests: fc.record({ cpu: fc.constantFrom('100m', '1'), memory: fc.constantFrom('64Mi', '1Gi') }) }),
      command: fc.constant(['/bin/sh', '-c', 'sleep 3600']),
    },
    { requiredKeys: ['name', 'image'] },
  );

const LABEL_KEYS = ['app', 'version', 'tier', 'sidecar.istio.io/inject', 'service.istio.io/canonical-name', 'topology.istio.io/network'];

export const podArbitrary = fc
  .record(
    {
      metadata: fc.record(
        {
          name: dns,
          generateName: dns.map((n) => `${n}-`),
          namespace: fc.constantFrom('default', 'shop', 'kube-system', 'team-a'),
          labels: labelsWith(fc.constantFrom(...LABEL_KEYS)),
          annotations: fc.array(fc.oneof(...annotationPool), { maxLength: 4 }).map((kv) => Object.fromEntries(kv)),
          ownerReferences: fc.constantFrom(
            [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b6c5d', uid: 'u1', controller: true }],
            [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly', uid: 'u2', controller: true }],
          ),
        },
        { requiredKeys: [] },
      ),
      spec: fc.record(
        {
          containers: fc.uniqueArray(container(fc.constantFrom('app', 'sidecar', 'worker', 'web', 'istio-proxy')), { minLength: 1, maxLength: 3, selector: (c) => c.name }),
          initContainers: fc.uniqueArray(container(fc.constantFrom('init-db', 'migrate', 'istio-init')), { maxLength: 2, selector: (c) => c.name }),
          hostNetwork: fc.boolean(),
          nodeName: fc.constantFrom('node-a', 'node-b'),
          serviceAccountName: dns,
          volumes: fc.uniqueArray(fc.record({ name: fc.constantFrom('data', 'config', 'istio-envoy'), emptyDir: fc.constant({}) }), { maxLength: 2, selector: (v) => v.name }),
          securityContext: fc.record({ runAsUser: fc.integer({ min: 1, max: 65535 }), fsGroup: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: [] }),
        },
        { requiredKeys: ['containers'] },
      ),
    },
    { requiredKeys: ['metadata', 'spec'] },
  )
  .map(({ metadata, spec }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec }));
