/**
 * Istio's own injection template texts (read at run time from the istiod chart of the istio.io/istio
 * module pinned in oracle/go.mod, in the Go module cache) must parse and execute on this engine, and the output must be YAML holding the
 * injected containers and volumes. Smoke level: exact equality with the typed built-in templates
 * is checked where custom templates are wired into injection (the inject-templates conformance suite).
 *
 * The pod, values and mesh config are our own fixtures, built from the defaults the behaviour
 * reference (§c) lists.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { goYamlMarshal } from './go-yaml.js';
import { createIstioFuncs } from './istio-funcs.js';
import { sidecarTemplateData, type SidecarTemplateInput } from './istio-types.js';
import { parseTemplate, type Template } from './template.js';
import { istioModuleDir } from '../../../scripts/istio-oracle.mjs';

const dir = path.join(istioModuleDir(), 'manifests', 'charts', 'istio-control', 'istio-discovery', 'files');

/** Default Helm values as the injector ConfigMap carries them (reference §b.3 / §c). */
function defaultValues(): Record<string, unknown> {
  return {
    global: {
      hub: 'registry.example/istio', tag: '1.0.0', variant: '', imagePullPolicy: '', imagePullSecrets: [],
      logging: { level: 'default:info' }, logAsJson: false, nativeNftables: false,
      istioNamespace: 'istio-system', pilotCertProvider: 'istiod', caAddress: '', caName: '', meshID: '', network: '',
      multiCluster: { clusterName: '' }, mountMtlsCerts: false, sds: { token: { aud: 'istio-ca' } }, sts: { servicePort: 0 },
      proxy: {
        image: 'proxyv2', clusterDomain: 'cluster.local', componentLogLevel: 'misc:error', logLevel: 'warning',
        includeIPRanges: '*', excludeIPRanges: '', includeInboundPorts: '*', excludeInboundPorts: '',
        includeOutboundPorts: '', excludeOutboundPorts: '', privileged: false, statusPort: 15020, tracer: 'none',
        readinessFailureThreshold: 4, readinessInitialDelaySeconds: 0, readinessPeriodSeconds: 15,
        startupProbe: { enabled: true, failureThreshold: 600 }, outlierLogPath: '', seccompProfile: {},
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
      },
      proxy_init: { image: 'proxyv2', forceApplyIptables: false },
    },
    pilot: { cni: { enabled: false, provider: 'default' }, env: {} },
    gateways: { securityContext: {}, seccompProfile: {} },
    sidecarInjectorWebhook: { rewriteAppHTTPProbe: true, templates: {}, defaultTemplates: [] },
    revision: '',
  };
}

const mesh = {
  trustDomain: 'cluster.local',
  enablePrometheusMerge: true,
  defaultConfig: { discoveryAddress: 'istiod.istio-system.svc:15012', statusPort: 15020, proxyMetadata: {} },
};

/** A Deployment's pod: one app container with a named port (like a typical first workload). */
const pod = {
  metadata: { labels: { app: 'reviews', version: 'v2' }, annotations: {} as Record<string, string> },
  spec: { containers: [{ name: 'reviews', image: 'example.com/reviews:2', ports: [{ name: 'http', containerPort: 9080 }] }] },
};

function input(overrides: Partial<SidecarTemplateInput> & { annotations?: Record<string, string>; values?: Record<string, unknown> } = {}): SidecarTemplateInput {
  const { annotations, ...rest } = overrides;
  return {
    typeMeta: { kind: 'Deployment', apiVersion: 'apps/v1' },
    deploymentMeta: { name: 'reviews', namespace: 'bookinfo' },
    objectMeta: { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...annotations } },
    spec: pod.spec,
    proxyConfig: mesh.defaultConfig,
    meshConfig: mesh,
    values: defaultValues(),
    revision: 'default',
    nativeSidecars: true,
    proxyImage: 'registry.example/istio/proxyv2:1.0.0',
    proxyInitImage: 'registry.example/istio/proxyv2:1.0.0',
    proxyUID: 1337,
    proxyGID: 1337,
    inboundTrafficPolicyMode: 'passthrough',
    ...rest,
  };
}

const funcs = createIstioFuncs({ protoToJSON: () => '{}', toYaml: goYamlMarshal, env: () => undefined });
const cache = new Map<string, Template>();
function template(file: string): Template {
  let t = cache.get(file);
  if (!t) {
    t = parseTemplate(file, readFileSync(path.join(dir, file), 'utf8'), funcs);
    cache.set(file, t);
  }
  return t;
}

interface Named {
  name: string;
  [k: string]: unknown;
}
interface Rendered {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { initContainers?: Named[] | null; containers?: Named[]; volumes?: Named[]; imagePullSecrets?: Named[] };
}

function render(file: string, data: SidecarTemplateInput): Rendered {
  return parseYaml(template(file).execute(sidecarTemplateData(data))) as Rendered;
}

const names = (xs: readonly Named[] | null | undefined): string[] => (xs ?? []).map((x) => x.name);
const byName = (xs: readonly Named[] | null | undefined, n: string): Named => {
  const found = (xs ?? []).find((x) => x.name === n);
  if (!found) throw new Error(`no ${n} in ${JSON.stringify(names(xs))}`);
  return found;
};
const envOf = (c: Named): Record<string, unknown> =>
  Object.fromEntries(((c['env'] as { name: string; value?: unknown; valueFrom?: unknown }[]) ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe("Istio's template texts on this engine", () => {
  const sidecarVolumes = ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert', 'istio-ca-crl'];

  it('sidecar, native sidecars: istio-init and istio-proxy as init containers, Istio volumes', () => {
    const out = render('injection-template.yaml', input());
    expect(out.metadata?.labels).toMatchObject({ 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'reviews', 'service.istio.io/canonical-revision': 'v2' });
    expect(out.metadata?.annotations).toMatchObject({ 'kubectl.kubernetes.io/default-container': 'reviews', 'istio.io/rev': 'default' });
    expect(names(out.spec.initContainers)).toEqual(['istio-init', 'istio-proxy']);
    expect(names(out.spec.volumes)).toEqual(sidecarVolumes);
    const init = byName(out.spec.initContainers, 'istio-init');
    expect(init['args']).toEqual(['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info']);
    const proxy = byName(out.spec.initContainers, 'istio-proxy');
    expect(proxy['restartPolicy']).toBe('Always');
    expect(proxy['resources']).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    const env = envOf(proxy);
    expect(env).toMatchObject({
      PILOT_CERT_PROVIDER: 'istiod',
      CA_ADDR: 'istiod.istio-system.svc:15012',
      ISTIO_META_APP_CONTAINERS: 'reviews',
      ISTIO_META_POD_PORTS: '[\n    {"name":"http","containerPort":9080}\n]',
      ISTIO_META_INTERCEPTION_MODE: 'REDIRECT',
      ISTIO_META_WORKLOAD_NAME: 'reviews',
      ISTIO_META_OWNER: 'kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/reviews',
      ISTIO_META_MESH_ID: 'cluster.local',
      TRUST_DOMAIN: 'cluster.local',
      PROXY_CONFIG: '{}\n',
    });
    expect(proxy['readinessProbe']).toMatchObject({ periodSeconds: 15, failureThreshold: 4 });
    expect(proxy['lifecycle']).toEqual({ preStop: { exec: { command: ['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain'] } } });
  });

  it('sidecar, classic layout: istio-proxy in containers, hold-application lifecycle', () => {
    const out = render('injection-template.yaml', input({ nativeSidecars: false, proxyConfig: { ...mesh.defaultConfig, holdApplicationUntilProxyStarts: true } }));
    expect(names(out.spec.initContainers)).toEqual(['istio-init']);
    expect(names(out.spec.containers)).toEqual(['istio-proxy']);
    expect(byName(out.spec.containers, 'istio-proxy')['lifecycle']).toEqual({ postStart: { exec: { command: ['pilot-agent', 'wait'] } } });
  });

  it('sidecar annotations: TPROXY, resources, excluded ports, user volumes', () => {
    const out = render('injection-template.yaml', input({
      annotations: {
        'sidecar.istio.io/interceptionMode': 'TPROXY',
        'sidecar.istio.io/proxyCPU': '250m',
        'traffic.sidecar.istio.io/excludeInboundPorts': '8080',
        'sidecar.istio.io/userVolume': '{"extra":{"emptyDir":{}}}',
        'sidecar.istio.io/userVolumeMount': '{"extra":{"mountPath":"/extra"}}',
      },
    }));
    const init = byName(out.spec.initContainers, 'istio-init');
    const args = init['args'] as string[];
    expect(args[args.indexOf('-m') + 1]).toBe('TPROXY');
    expect(args[args.indexOf('-d') + 1]).toBe('15090,15021,8080,15020');
    const proxy = byName(out.spec.initContainers, 'istio-proxy');
    expect(proxy['resources']).toEqual({ requests: { cpu: '250m' } });
    expect(proxy['securityContext']).toMatchObject({ runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } });
    expect(byName(out.spec.volumes, 'extra')).toEqual({ name: 'extra', emptyDir: {} });
    expect(byName(proxy['volumeMounts'] as Named[], 'extra')).toEqual({ name: 'extra', mountPath: '/extra' });
  });

  it('sidecar with CNI: istio-validation instead of istio-init, interception annotations', () => {
    const values = defaultValues();
    (values['pilot'] as { cni: { enabled: boolean } }).cni.enabled = true;
    const out = render('injection-template.yaml', input({ values }));
    expect(names(out.spec.initContainers)).toEqual(['istio-validation', 'istio-proxy']);
    expect(byName(out.spec.initContainers, 'istio-validation')['args']).toContain('--run-validation');
    expect(out.metadata?.annotations).toMatchObject({ 'sidecar.istio.io/interceptionMode': 'REDIRECT', 'traffic.sidecar.istio.io/excludeInboundPorts': '15020' });
  });

  it('gateway: an istio-proxy router container', () => {
    const out = render('gateway-injection-template.yaml', input());
    expect(names(out.spec.containers)).toEqual(['istio-proxy']);
    const proxy = byName(out.spec.containers, 'istio-proxy');
    expect((proxy['args'] as string[]).slice(0, 2)).toEqual(['proxy', 'router']);
    expect(names(out.spec.volumes)).toEqual(expect.arrayContaining(['istio-envoy', 'istio-token', 'istiod-ca-cert']));
  });

  it('grpc-simple: a bootstrap init container and env on every app container', () => {
    const out = render('grpc-simple.yaml', input());
    expect(names(out.spec.initContainers)).toEqual(['grpc-bootstrap-init']);
    expect(names(out.spec.containers)).toEqual(['reviews']);
    expect(envOf(byName(out.spec.containers, 'reviews'))).toMatchObject({ GRPC_XDS_BOOTSTRAP: '/var/lib/grpc/data/bootstrap.json' });
    expect(names(out.spec.volumes)).toEqual(['grpc-io-proxyless-bootstrap']);
  });

  it('grpc-agent: an istio-proxy agent container and the app container', () => {
    const out = render('grpc-agent.yaml', input());
    expect(names(out.spec.containers)).toEqual(expect.arrayContaining(['istio-proxy', 'reviews']));
    expect(names(out.spec.volumes).length).toBeGreaterThan(0);
  });
});
