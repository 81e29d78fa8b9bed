/**
 * fast-check generators for the differential fuzzing against Istio's own code (oracle/):
 * workloads of every kind holding random pod templates, every Istio annotation with valid,
 * borderline and invalid values (JSON objects and arrays, YAML flow/block forms, empty strings),
 * Helm values, MeshConfig/ProxyConfig overlays, istiod's environment, revisions, cluster facts,
 * istio-iptables flag/env sets, CNI pods and CNI configs. Values are drawn from small pools so
 * that shrinking ends on short, readable counterexamples.
 */
import fc from 'fast-check';

const dns = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(80, 8080, 15020, 15021, 15090, 9090));
const portName = fc.constantFrom('http', 'http-web', 'grpc', 'metrics', 'tcp', 'https', 'http2', 'tls');

/** Values of one annotation: valid, borderline and invalid ones. */
const ANNOTATIONS: Record<string, readonly string[]> = {
  'sidecar.istio.io/inject': ['true', 'false', 'True', 'yes', '', 'n'],
  'sidecar.istio.io/proxyCPU': ['100m', '2', '500m', '0', '1.5', 'lots', ''],
  'sidecar.istio.io/proxyMemory': ['128Mi', '1Gi', '64M', '0', 'big', ''],
  'sidecar.istio.io/proxyCPULimit': ['200m', '2', 'x', ''],
  'sidecar.istio.io/proxyMemoryLimit': ['256Mi', '2Gi', '1e3', ''],
  'sidecar.istio.io/interceptionMode': ['REDIRECT', 'TPROXY', 'NONE', 'bogus', '', 'redirect'],
  'sidecar.istio.io/logLevel': ['debug', 'info', 'warning', 'trace', ''],
  'sidecar.istio.io/componentLogLevel': ['misc:error', 'upstream:debug,connection:trace', ''],
  'sidecar.istio.io/agentLogLevel': ['default:debug', 'ads:info', ''],
  'sidecar.istio.io/proxyImage': ['example.com/proxy:1.0', 'docker.io/istio/proxyv2:1.30.0', ''],
  'sidecar.istio.io/proxyImageType': ['distroless', 'debug', 'default', ''],
  'sidecar.istio.io/rewriteAppHTTPProbers': ['true', 'false', 'bad', ''],
  'sidecar.istio.io/nativeSidecar': ['true', 'false', 'TRUE', ''],
  'sidecar.istio.io/bootstrapOverride': ['my-bootstrap', ''],
  'sidecar.istio.io/discoveryAddress': ['istiod.other:15012', ''],
  'sidecar.istio.io/statsInclusionPrefixes': ['cluster.outbound,listener', ''],
  'sidecar.istio.io/statsInclusionSuffixes': ['upstream_cx_total', ''],
  'sidecar.istio.io/statsInclusionRegexps': ['http.*', ''],
  'sidecar.istio.io/extraStatTags': ['foo,bar', ''],
  'sidecar.istio.io/statsHistogramBuckets': ['{"cluster_manager":[1,5,10]}', '{}', '[1,2]', 'x'],
  'sidecar.istio.io/statsCompression': ['gzip', 'zstd', ''],
  'sidecar.istio.io/userVolume': [
    '{"certs":{"secret":{"secretName":"certs"}}}',
    '[{"name":"certs","secret":{"secretName":"certs"}}]',
    '{"data":{"emptyDir":{}}}',
    '[]', '{}', '', 'not json', '{"bad": 1}',
    'certs:\n  secret:\n    secretName: certs',
    '[{"name":"a","emptyDir":{}},{"name":"b","configMap":{"name":"cm"}}]',
  ],
  'sidecar.istio.io/userVolumeMount': [
    '{"certs":{"mountPath":"/etc/certs","readOnly":true}}',
    '[{"name":"certs","mountPath":"/etc/certs","readOnly":true}]',
    '{"data":{"mountPath":"/data"}}',
    '[]', '{}', '', 'not json', '{"x": "y"}',
    '[{"name":"a","mountPath":"/a"},{"name":"b","mountPath":"/b","subPath":"s"}]',
    'certs: {mountPath: /etc/certs}',
  ],
  'status.sidecar.istio.io/port': ['15020', '0', '8080', '-1', 'x', ''],
  'readiness.status.sidecar.istio.io/initialDelaySeconds': ['1', '0', '10', 'x'],
  'readiness.status.sidecar.istio.io/periodSeconds': ['2', '15', 'x'],
  'readiness.status.sidecar.istio.io/failureThreshold': ['4', '30', 'x'],
  'readiness.status.sidecar.istio.io/applicationPorts': ['8080', '8080,9090', '', 'x'],
  'traffic.sidecar.istio.io/includeOutboundIPRanges': ['*', '10.0.0.0/8', '10.0.0.0/8,192.168.0.0/16', '', 'not-a-cidr', '2001:db8::/32', ' 10.0.0.0/8'],
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': ['10.96.0.1/32', '', '*', 'bad', '10.0.0.0/8,2001:db8::/32'],
  'traffic.sidecar.istio.io/includeInboundPorts': ['*', '8080', '8080,9090', '', '70000', 'x', '80,'],
  'traffic.sidecar.istio.io/excludeInboundPorts': ['', '15020', '1,2,3', '0', 'x', '8080, 9090'],
  'traffic.sidecar.istio.io/includeOutboundPorts': ['', '443', '443,8443', 'x'],
  'traffic.sidecar.istio.io/excludeOutboundPorts': ['', '8080', '8080,9090', '70000', 'x'],
  'traffic.sidecar.istio.io/excludeInterfaces': ['eth1', 'eth1,eth2', '', 'bad name'],
  'traffic.sidecar.istio.io/kubevirtInterfaces': ['net1', 'net1,net2', ''],
  'istio.io/reroute-virtual-interfaces': ['net1', 'net1,net2', ''],
  'proxy.istio.io/config': [
    'holdApplicationUntilProxyStarts: true', 'concurrency: 2', '{}', 'terminationDrainDuration: 10s', ': nope',
    '{"holdApplicationUntilProxyStarts": false}', 'proxyMetadata:\n  FOO: bar', 'tracing: {}',
    'interceptionMode: TPROXY', 'image:\n  imageType: distroless', 'proxyStatsMatcher:\n  inclusionPrefixes: [a, b]',
    'drainDuration: 1m', 'statusPort: 15021', 'concurrency: "x"',
  ],
  'proxy.istio.io/overrides': [
    '{"containers":[{"name":"istio-proxy","resources":{}}]}', '', 'x', 'null', '[]', '"x"', '1', '{not json', '{"containers":[{"name":"istio-proxy"',
    '{"containers": 1}', '{"containers":[1]}', '{"containers":[null]}', '{"initContainers":{}}', '{"containers":[{"name":5}]}',
    '{"containers":[{"name":"istio-proxy","ports":[{"containerPort":"80"}]}]}', '{"containers":[{"name":"istio-proxy","resources":{"limits":{"cpu":"x"}}}]}',
    '{"containers":[{"name":"istio-proxy","image":"auto","env":[{"name":"A","value":"b"}]}]}', '{"Containers":[{"name":"istio-proxy","image":"x"}]}',
    '{"containers":[{"name":"istio-proxy","readinessProbe":5}]}', '{"initContainers":[{"name":"istio-init","image":"auto"}],"other":true}',
  ],
  'inject.istio.io/templates': ['sidecar', 'gateway', 'grpc-agent', 'grpc-simple', 'sidecar,spire', 'nope', ''],
  'prometheus.io/scrape': ['true', 'false', ''],
  'prometheus.io/port': ['8080', '9090', '15020', 'x', '', '15090', '+80', '0'],
  'prometheus.istio.io/scrape-targets': ['8080', '8080:/m,9090', ':/x', '15000', '70000', ''],
  'prometheus.io/path': ['/metrics', '/stats', ''],
  'prometheus.istio.io/merge-metrics': ['true', 'false', 'x'],
  'example.com/note': ['hello', '', 'a: b'],
};

export const annotationEntry = fc.constantFrom(...Object.keys(ANNOTATIONS)).chain((k) => fc.tuple(fc.constant(k), fc.constantFrom(...(ANNOTATIONS[k] ?? ['']))));
export const annotations = fc.array(annotationEntry, { maxLength: 5 }).map((kv) => Object.fromEntries(kv));

const LABELS: Record<string, readonly string[]> = {
  app: ['web', 'api', ''],
  version: ['v1', 'v2'],
  'sidecar.istio.io/inject': ['true', 'false', 'x'],
  'service.istio.io/canonical-name': ['svc', ''],
  'service.istio.io/canonical-revision': ['r1'],
  'topology.istio.io/network': ['net1', 'net2'],
  'istio.io/rev': ['canary', 'default'],
  'security.istio.io/tlsMode': ['istio'],
  'app.kubernetes.io/name': ['shop'],
  'app.kubernetes.io/version': ['1.0'],
};
export const labels = fc.array(fc.constantFrom(...Object.keys(LABELS)).chain((k) => fc.tuple(fc.constant(k), fc.constantFrom(...(LABELS[k] ?? [''])))), { maxLength: 3 })
  .map((kv) => Object.fromEntries(kv));

const httpProbe = fc.record({
  httpGet: fc.record({
    path: fc.constantFrom('/', '/healthz', '/ready?x=1'),
    port: fc.oneof(port, portName),
    scheme: fc.constantFrom('HTTP', 'HTTPS'),
    host: fc.constantFrom('localhost', '127.0.0.1'),
    httpHeaders: fc.constant([{ name: 'X-Custom', value: 'a' }]),
  }, { requiredKeys: ['port'] }),
  initialDelaySeconds: fc.integer({ min: 0, max: 30 }),
  periodSeconds: fc.integer({ min: 1, max: 30 }),
  timeoutSeconds: fc.integer({ min: 1, max: 10 }),
}, { requiredKeys: ['httpGet'] });
const probe = fc.oneof(
  httpProbe,
  fc.record({ tcpSocket: fc.record({ port: fc.oneof(port, portName) }) }),
  fc.record({ grpc: fc.record({ port, service: fc.constantFrom('health', '') }, { requiredKeys: ['port'] }) }),
  fc.record({ exec: fc.record({ command: fc.constant(['cat', '/tmp/ok']) }) }),
);

const quantity = fc.constantFrom('100m', '1', '0.5', '250m', '2', '1500m');
const memory = fc.constantFrom('64Mi', '1Gi', '128M', '512Mi', '1e9');
const resources = fc.record({
  requests: fc.record({ cpu: quantity, memory }, { requiredKeys: [] }),
  limits: fc.record({ cpu: quantity, memory }, { requiredKeys: [] }),
}, { requiredKeys: [] });
const securityContext = fc.record({
  runAsUser: fc.constantFrom(0, 1000, 1337, 1000620000, 65534),
  runAsGroup: fc.constantFrom(0, 1000, 1337),
  runAsNonRoot: fc.boolean(),
  privileged: fc.boolean(),
  readOnlyRootFilesystem: fc.boolean(),
  allowPrivilegeEscalation: fc.boolean(),
  capabilities: fc.constantFrom({ add: ['NET_ADMIN'] }, { drop: ['ALL'] }),
}, { requiredKeys: [] });

const envVar = fc.oneof(
  fc.record({ name: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/), value: fc.constantFrom('x', '', 'true', '1', 'a b') }),
  fc.record({ name: fc.constantFrom('POD_NAME', 'NODE'), valueFrom: fc.constant({ fieldRef: { fieldPath: 'metadata.name' } }) }),
);

const container = (names: fc.Arbitrary<string>) =>
  fc.record({
    name: names,
    image: fc.constantFrom('nginx', 'busybox:1.36', 'registry.example/app@sha256:' + 'a'.repeat(64)),
    ports: fc.array(fc.record({ containerPort: port, name: portName, protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }, { requiredKeys: ['containerPort'] }), { maxLength: 3 }),
    env: fc.array(envVar, { maxLength: 3 }),
    readinessProbe: probe,
    livenessProbe: probe,
    startupProbe: probe,
    resources,
    securityContext,
    args: fc.constantFrom(['--port', '8080'], []),
    command: fc.constant(['/bin/sh', '-c', 'sleep 3600']),
    volumeMounts: fc.constant([{ name: 'data', mountPath: '/data' }]),
    imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent'),
    restartPolicy: fc.constant('Always'),
  }, { requiredKeys: ['name', 'image'] });

/** A pod spec; a user-declared istio-proxy / istio-init sometimes. */
export const podSpec = fc.record({
  containers: fc.uniqueArray(container(fc.constantFrom('app', 'web', 'worker', 'istio-proxy')), { minLength: 1, maxLength: 3, selector: (c) => c.name }),
  initContainers: fc.uniqueArray(container(fc.constantFrom('init-db', 'migrate', 'istio-init', 'istio-proxy')), { maxLength: 2, selector: (c) => c.name }),
  hostNetwork: fc.constantFrom(false, false, false, true),
  nodeName: fc.constantFrom('node-1', 'node-2'),
  serviceAccountName: dns,
  volumes: fc.uniqueArray(fc.record({ name: fc.constantFrom('data', 'config', 'istio-envoy', 'certs'), emptyDir: fc.constant({}) }), { maxLength: 2, selector: (v) => v.name }),
  securityContext: fc.record({ runAsUser: fc.constantFrom(1000, 1337, 1000620000), fsGroup: fc.constantFrom(1000, 1337), runAsNonRoot: fc.boolean() }, { requiredKeys: [] }),
  imagePullSecrets: fc.constant([{ name: 'pull' }]),
  dnsPolicy: fc.constantFrom('ClusterFirst', 'Default'),
  priorityClassName: fc.constant('high'),
}, { requiredKeys: ['containers'] })
  // Container names are unique across containers and init containers in a valid pod.
  .filter((s) => !(s.initContainers ?? []).some((i) => s.containers.some((c) => c.name === i.name)));

export const podMeta = fc.record({
  name: dns,
  namespace: fc.constantFrom('default', 'shop', 'kube-system', 'test-ns', 'team-a'),
  labels,
  annotations,
}, { requiredKeys: [] });

export const pod = fc.record({ metadata: podMeta, spec: podSpec }).map(({ metadata, spec }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec }));

const WORKLOADS: Record<string, string> = {
  Deployment: 'apps/v1', ReplicaSet: 'apps/v1', DaemonSet: 'apps/v1', StatefulSet: 'apps/v1', Job: 'batch/v1',
  CronJob: 'batch/v1', ReplicationController: 'v1', DeploymentConfig: 'apps.openshift.io/v1', Pod: 'v1',
};

/** A manifest document of any workload kind around a random pod template. */
export const workload = fc.record({ kind: fc.constantFrom(...Object.keys(WORKLOADS)), name: dns, namespace: fc.constantFrom(undefined, 'shop', 'test-ns'), tmplMeta: podMeta, spec: podSpec })
  .map(({ kind, name, namespace, tmplMeta, spec }) => {
    const metadata: Record<string, unknown> = { name, ...(namespace ? { namespace } : {}) };
    const { name: _n, namespace: _ns, ...tmeta } = tmplMeta;
    const template = { metadata: tmeta, spec };
    const apiVersion = WORKLOADS[kind];
    switch (kind) {
      case 'Pod':
        return { apiVersion, kind, metadata: { ...metadata, ...tmeta }, spec };
      case 'CronJob':
        return { apiVersion, kind, metadata, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { ...template, spec: { ...spec, restartPolicy: 'OnFailure' } } } } } };
      case 'Job':
        return { apiVersion, kind, metadata, spec: { template: { ...template, spec: { ...spec, restartPolicy: 'Never' } } } };
      case 'ReplicationController':
      case 'DeploymentConfig':
        return { apiVersion, kind, metadata, spec: { replicas: 1, selector: { app: 'x' }, template } };
      default:
        return { apiVersion, kind, metadata, spec: { selector: { matchLabels: { app: 'x' } }, template } };
    }
  });

/** A multi-document manifest: workloads, sometimes a Service or a List. */
export const manifest = fc.array(fc.oneof(
  { weight: 6, arbitrary: workload },
  { weight: 1, arbitrary: fc.constant({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } }) },
  { weight: 1, arbitrary: fc.array(workload, { minLength: 1, maxLength: 2 }).map((items) => ({ apiVersion: 'v1', kind: 'List', items })) },
), { minLength: 1, maxLength: 3 });

// ---- settings: Helm values (IstioOperator --set flags rendered by Istio's chart), mesh overlays ----

const SET_FLAGS: readonly (readonly string[])[] = [
  ['values.global.proxy.holdApplicationUntilProxyStarts=true'],
  ['values.global.proxy.privileged=true'],
  ['values.global.proxy.enableCoreDump=true'],
  ['values.global.proxy.logLevel=debug'],
  ['values.global.proxy.componentLogLevel=misc:debug'],
  ['values.global.proxy.statusPort=15021'],
  ['values.global.proxy.statusPort=0'],
  ['values.global.proxy.readinessInitialDelaySeconds=5', 'values.global.proxy.readinessPeriodSeconds=3'],
  ['values.global.proxy.includeIPRanges=10.0.0.0/8', 'values.global.proxy.excludeIPRanges=10.96.0.1/32'],
  // Port lists are strings in Istio's values schema: a lone number fails the chart rendering
  // (`cannot unmarshal number into Go value of type string`), an escaped comma keeps it a string.
  ['values.global.proxy.excludeInboundPorts=8081\\,8082', 'values.global.proxy.includeInboundPorts=8080\\,8081'],
  ['values.global.proxy.excludeOutboundPorts=9000\\,9001', 'values.global.proxy.includeOutboundPorts=443\\,8443'],
  ['values.global.proxy.resources.requests.cpu=50m', 'values.global.proxy.resources.limits.memory=256Mi'],
  ['values.global.proxy.image=proxyTest'],
  ['values.global.proxy_init.image=proxyInitTest'],
  ['values.global.imagePullPolicy=Always'],
  ['values.global.hub=example.com/istio', 'values.global.tag=1.2.3'],
  ['values.global.variant=distroless'],
  ['values.global.network=network1'],
  ['values.global.multiCluster.clusterName=c1'],
  ['values.global.meshID=mesh1'],
  ['values.global.logAsJson=true'],
  ['values.global.mountMtlsCerts=true'],
  ['values.global.proxy.tracer=datadog'],
  ['values.global.proxy.lifecycle.preStop.exec.command[0]=sleep'],
  ['values.global.imagePullSecrets[0]=reg1'],
  ['values.global.podDNSSearchNamespaces[0]=global', 'values.global.podDNSSearchNamespaces[1]={{ valueOrDefault .DeploymentMeta.Namespace "default" }}.global'],
  ['values.sidecarInjectorWebhook.rewriteAppHTTPProbe=false'],
  ['values.sidecarInjectorWebhook.defaultTemplates[0]=sidecar'],
  ['values.sidecarInjectorWebhook.injectedAnnotations.a=b'],
  ['components.cni.enabled=true'],
  ['components.cni.enabled=true', 'values.cni.provider=multus'],
  ['values.pilot.env.ENABLE_NATIVE_SIDECARS=true'],
];
export const setFlags = fc.subarray(SET_FLAGS as (readonly string[])[], { maxLength: 3 }).map((groups) => groups.flat());

const MESH_OVERLAYS: readonly string[] = [
  'defaultConfig:\n  interceptionMode: TPROXY\n',
  'defaultConfig:\n  holdApplicationUntilProxyStarts: true\n',
  'defaultConfig:\n  drainDuration: 23s\n',
  'defaultConfig:\n  concurrency: 4\n',
  'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n    FOO: bar\n',
  'defaultConfig:\n  tracing: {}\n',
  'defaultConfig:\n  tracing:\n    sampling: 10\n',
  'defaultConfig:\n  image:\n    imageType: distroless\n',
  'defaultConfig:\n  proxyStatsMatcher:\n    inclusionPrefixes: [cluster]\n',
  'defaultConfig:\n  terminationDrainDuration: 10s\n',
  'defaultConfig:\n  statusPort: 15021\n',
  'inboundTrafficPolicy:\n  mode: LOCALHOST\n',
  'enablePrometheusMerge: false\n',
  'defaultConfig:\n  discoveryAddress: istiod.other:15012\n',
  'extensionProviders:\n- name: otel\n  opentelemetry:\n    service: otel.obs.svc.cluster.local\n    port: 4317\n    serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS\n',
  'trustDomain: example.org\n',
];
export const meshOverlay = fc.subarray(MESH_OVERLAYS as string[], { maxLength: 2 }).map((parts) => mergeOverlayTexts(parts));

/** Overlay texts touch distinct top-level keys, except defaultConfig which is merged here. */
function mergeOverlayTexts(parts: readonly string[]): string {
  const dc = parts.filter((p) => p.startsWith('defaultConfig:')).map((p) => p.slice('defaultConfig:\n'.length));
  const rest = parts.filter((p) => !p.startsWith('defaultConfig:'));
  // Two defaultConfig overlays with the same key would duplicate it: keep the first per key.
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const block of dc) {
    const key = /^ {2}([A-Za-z]+):/.exec(block)?.[1] ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(block);
  }
  return [lines.length ? `defaultConfig:\n${lines.join('')}` : '', ...rest].join('');
}

export const istiodEnv = fc.record({
  native: fc.constantFrom('true', 'false', 'auto'),
  compliance: fc.constantFrom('', '', 'fips-140-3'),
  revision: fc.constantFrom('', '', 'canary'),
});

export const injectSettings = fc.record({ set: setFlags, mesh: meshOverlay });

export const nodes = fc.constantFrom(
  [{ name: 'node-1', version: 'v1.33.0' }, { name: 'node-2', version: 'v1.34.2' }],
  [{ name: 'node-1', version: 'v1.33.0' }, { name: 'node-2', version: 'v1.28.0' }],
  [{ name: 'node-1', version: 'v1.36.3' }],
  [{ name: 'node-1', version: 'v1.32.9-gke.1' }],
  [{ name: 'node-1', version: 'garbage' }],
);

export const webhookPath = fc.constantFrom('/inject', '/inject/', '/inject/cluster/c1/net/n1', '/inject/net/n2', '/inject/:ENV:cluster=c2:ENV:net=n3', '/inject/cluster/c1--slash--x', '/inject/odd');

// ---- istio-iptables flag and environment sets ----

const ports = fc.constantFrom('', '*', '80', '8080,9090', '15020,15021,15090', '6000,7000,', '1-2', '70000', 'x');
const cidrs = fc.constantFrom('', '*', '10.0.0.0/8', '10.0.0.0/8,192.168.0.0/16', '2001:db8::/32', '10.0.0.0/8,2001:db8::/32', '127.1.2.3/32', '::1/128', '0.0.0.0/0', 'bad', '10.0.0.1');
const ifaces = fc.constantFrom('', 'eth1', 'eth1,eth2', 'not-istio-nic');
const ids = fc.constantFrom('1337', '0', '1,2', '3,4', '1000620000');
const groups = fc.constantFrom('*', 'java,202', '888,ftp', '1337');

export type FlagSpec = { flag: string; value: fc.Arbitrary<string | true>; env?: string };
const FLAG_SPECS: FlagSpec[] = [
  { flag: '-p', value: fc.constantFrom('15001', '15002') },
  { flag: '-z', value: fc.constantFrom('15006', '15007'), env: 'INBOUND_CAPTURE_PORT' },
  { flag: '-e', value: fc.constantFrom('15008', '15009'), env: 'INBOUND_TUNNEL_PORT' },
  { flag: '-u', value: ids, env: 'PROXY_UID' },
  { flag: '-g', value: ids, env: 'PROXY_GID' },
  { flag: '-m', value: fc.constantFrom('REDIRECT', 'TPROXY', ''), env: 'ISTIO_INBOUND_INTERCEPTION_MODE' },
  { flag: '-b', value: ports, env: 'ISTIO_INBOUND_PORTS' },
  { flag: '-d', value: ports, env: 'ISTIO_LOCAL_EXCLUDE_PORTS' },
  { flag: '-c', value: ifaces, env: 'ISTIO_EXCLUDE_INTERFACES' },
  { flag: '-i', value: cidrs, env: 'ISTIO_SERVICE_CIDR' },
  { flag: '-x', value: cidrs, env: 'ISTIO_SERVICE_EXCLUDE_CIDR' },
  { flag: '-q', value: ports, env: 'ISTIO_OUTBOUND_PORTS' },
  { flag: '-o', value: ports, env: 'ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE' },
  { flag: '-k', value: ifaces, env: 'KUBE_VIRT_INTERFACES' },
  { flag: '-t', value: fc.constantFrom('1337', '1338'), env: 'ISTIO_INBOUND_TPROXY_MARK' },
  { flag: '-r', value: fc.constantFrom('133', '134'), env: 'ISTIO_INBOUND_TPROXY_ROUTE_TABLE' },
  { flag: '--redirect-dns', value: fc.constant(true), env: 'REDIRECT_DNS' },
  { flag: '--drop-invalid', value: fc.constant(true), env: 'DROP_INVALID' },
  { flag: '--dual-stack', value: fc.constant(true), env: 'DUAL_STACK' },
  { flag: '--capture-all-dns', value: fc.constant(true), env: 'CAPTURE_ALL_DNS' },
  { flag: '--native-nftables', value: fc.constant(true), env: 'NATIVE_NFTABLES' },
];

export interface CaptureInput {
  args: string[];
  env: Record<string, string>;
  ipv6: boolean;
  dnsServers: string[];
}

export const captureInput: fc.Arbitrary<CaptureInput> = fc.record({
  picks: fc.uniqueArray(fc.tuple(fc.constantFrom(...FLAG_SPECS.map((_, i) => i)), fc.constantFrom('flag', 'flag', 'env', 'long')), { maxLength: 8, selector: (t) => t[0] }),
  values: fc.tuple(...FLAG_SPECS.map((s) => s.value)),
  ownerEnv: fc.record({
    ISTIO_OUTBOUND_OWNER_GROUPS: groups,
    ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: fc.constantFrom('', '888,ftp', '1337'),
    ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: fc.constantFrom('127.0.0.1/32', '127.0.0.1/8', '127.0.0.0/16'),
    ISTIO_META_DNS_CAPTURE: fc.constantFrom('true', 'false'),
    INVALID_DROP: fc.constantFrom('true', 'false'),
  }, { requiredKeys: [] }),
  ipv6: fc.boolean(),
  dnsServers: fc.subarray(['127.0.0.53', '10.96.0.10', '2001:db8::53', '::1'], { maxLength: 2 }),
}).map(({ picks, values, ownerEnv, ipv6, dnsServers }) => {
  const args: string[] = ['--dry-run'];
  const env: Record<string, string> = { ...ownerEnv };
  for (const [i, how] of picks) {
    const spec = FLAG_SPECS[i] as FlagSpec;
    const v = values[i] as string | true;
    if (how === 'env' && spec.env) env[spec.env] = v === true ? 'true' : v;
    else if (v === true) args.push(how === 'long' ? `${spec.flag}=true` : spec.flag);
    else args.push(spec.flag, v);
  }
  return { args, env, ipv6, dnsServers };
});

// ---- CNI ----

const cniAnnotationKeys = [
  'sidecar.istio.io/interceptionMode', 'traffic.sidecar.istio.io/includeOutboundIPRanges', 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  'traffic.sidecar.istio.io/includeInboundPorts', 'traffic.sidecar.istio.io/excludeInboundPorts', 'traffic.sidecar.istio.io/excludeOutboundPorts',
  'traffic.sidecar.istio.io/includeOutboundPorts', 'traffic.sidecar.istio.io/excludeInterfaces', 'traffic.sidecar.istio.io/kubevirtInterfaces',
  'istio.io/reroute-virtual-interfaces', 'sidecar.istio.io/inject', 'status.sidecar.istio.io/port',
];
const cniAnnotation = fc.constantFrom(...cniAnnotationKeys).chain((k) => fc.tuple(fc.constant(k), fc.constantFrom(...(ANNOTATIONS[k] ?? ['true', 'false', '']))));
export const cniPod = fc.record({
  status: fc.constantFrom(true, true, true, false),
  annos: fc.array(cniAnnotation, { maxLength: 4 }),
  injectLabel: fc.constantFrom(undefined, 'true', 'false'),
  proxyEnv: fc.array(fc.record({ name: fc.constantFrom('ISTIO_META_DNS_CAPTURE', 'INVALID_DROP', 'ISTIO_DUAL_STACK', 'DISABLE_ENVOY'), value: fc.constantFrom('true', 'false', '1', 'x') }), { maxLength: 2 }),
  uid: fc.constantFrom(undefined, 0, 1337, 1000670000),
  gid: fc.constantFrom(undefined, 0, 1000670001),
  extra: fc.constantFrom('none', 'istio-init', 'no-proxy', 'proxy-args-router', 'proxy-args-sidecar'),
}).map(({ status, annos, injectLabel, proxyEnv, uid, gid, extra }) => {
  const annotations: Record<string, string> = Object.fromEntries(annos);
  if (status) annotations['sidecar.istio.io/status'] = '{"containers":["istio-proxy"]}';
  const sc: Record<string, number> = {};
  if (uid !== undefined) sc.runAsUser = uid;
  if (gid !== undefined) sc.runAsGroup = gid;
  const proxy: Record<string, unknown> = { name: 'istio-proxy', image: 'proxyv2', env: proxyEnv, securityContext: sc };
  if (extra === 'proxy-args-router') proxy.args = ['proxy', 'router'];
  if (extra === 'proxy-args-sidecar') proxy.args = ['proxy', 'sidecar'];
  const containers: Record<string, unknown>[] = [{ name: 'test', image: 'app' }];
  if (extra !== 'no-proxy') containers.push(proxy);
  containers.push({ name: 'istio-validate', image: 'proxyv2' });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'testPod', namespace: 'testNS', annotations, ...(injectLabel ? { labels: { 'sidecar.istio.io/inject': injectLabel } } : {}) },
    spec: { containers, ...(extra === 'istio-init' ? { initContainers: [{ name: 'istio-init', image: 'proxyv2' }] } : {}) },
  };
});

const cniPlugin = fc.oneof(
  fc.record({ type: fc.constantFrom('bridge', 'portmap', 'istio-cni', 'calico', 'tuning'), name: fc.constantFrom('a', 'b'), mtu: fc.constantFrom(1500, 1450.0, 9001), capabilities: fc.constant({ portMappings: true }), cniVersion: fc.constantFrom('0.3.1', '1.0.0') }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('istio-cni'), kubernetes: fc.constant({ kubeconfig: '/etc/cni/net.d/ZZZ-istio-cni-kubeconfig' }) }),
  fc.record({ name: fc.constant('untyped') }),
);
export const cniExisting = fc.oneof(
  fc.record({ cniVersion: fc.constantFrom('0.3.1', '0.4.0', '1.0.0'), name: fc.constantFrom('k8s-pod-network', 'cbr0'), plugins: fc.array(cniPlugin, { maxLength: 4 }), disableCheck: fc.boolean() }, { requiredKeys: ['plugins'] }).map((o) => JSON.stringify(o, null, 2)),
  fc.record({ cniVersion: fc.constant('0.3.1'), name: fc.constant('bridge'), type: fc.constantFrom('bridge', 'ptp'), bridge: fc.constant('cni0'), ipam: fc.constant({ type: 'host-local', subnet: '10.22.0.0/16' }), big: fc.constantFrom(1e21, 2 ** 64, 0.1, -0, 1.5e300) }, { requiredKeys: ['type'] }).map((o) => JSON.stringify(o)),
  fc.constantFrom('{}', '[]', 'not json', '{"plugins": {}}', '{"plugins": [1, 2]}', '{"plugins": [{"type": "istio-cni"}, {"type": "istio-cni"}]}', '{"name":"x","plugins":[]}'),
);
export const cniPluginConfig = fc.constantFrom(
  '{"cniVersion":"0.3.1","name":"istio-cni","type":"istio-cni","log_level":"info","kubernetes":{"kubeconfig":"/etc/cni/net.d/ZZZ-istio-cni-kubeconfig","cni_bin_dir":"/opt/cni/bin","exclude_namespaces":["istio-system"]}}',
  '{"type":"istio-cni","ambient_enabled":true}',
  '{"type":"istio-cni","cniVersion":"1.0.0","n":1.5e300}',
);
